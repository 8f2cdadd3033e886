/* Streaming HTTP/HTTPS GET with libcurl: the body goes to a callback chunk by
 * chunk (nothing is buffered whole), and every way a download can go wrong
 * ends in one clear message. */
#ifndef FK_HTTP_CLIENT_H
#define FK_HTTP_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    long status;             /* of the final response, 0 if none */
    int64_t content_length;  /* -1 when the server sent none */
    bool chunked;
    uint64_t received;       /* body bytes passed to the callback */
    long redirects;
    char url[512];           /* final URL after redirects */
    char error[320];         /* set when fk_http_get fails */
} fk_http_result_t;

/* Returns 0 to go on, non-zero to stop the transfer; the callback then
 * explains itself by writing res->error (else "download stopped"). */
typedef int (*fk_http_body_fn)(void *ctx, const uint8_t *data, size_t len, fk_http_result_t *res);

typedef struct {
    const char *ca_file;     /* HTTPS: CA bundle / server certificate (PEM) */
    bool insecure;           /* HTTPS: do not verify the server (testing only) */
    long connect_timeout_s;  /* default 10 */
    long stall_timeout_s;    /* abort when under 1 byte/s for this long; default 30 */
    long max_redirects;      /* default 8 */
    uint64_t max_size;       /* refuse bodies larger than this (Content-Length or actual); 0 = any */
    /* Refuse a body whose end cannot be told from a dropped connection (HTTP/1
     * with neither Content-Length nor chunked encoding). Default true. */
    bool allow_unframed;
} fk_http_opts_t;

void fk_http_opts_default(fk_http_opts_t *o);

/* GET url; the callback sees only the body of a final 2xx response. Returns
 * 0 when the whole body was received, -1 with res->error otherwise. */
int fk_http_get(const char *url, const fk_http_opts_t *o, fk_http_body_fn fn, void *ctx, fk_http_result_t *res);

/* The response headers, one line at a time as they arrive (what libcurl
 * hands its header callback: the line with its CR LF, not NUL-terminated).
 * Pure - no I/O - so it is fuzzed on its own. A new status line starts a
 * new response (after a redirect or 100 Continue). */
typedef struct {
    long status;            /* 0 until a valid status line */
    bool http2;
    bool chunked;
    int64_t content_length; /* -1 when none */
    bool ended;             /* the blank line of a 2xx response was seen */
} fk_http_hdr_t;

void fk_http_hdr_init(fk_http_hdr_t *h);
/* Returns 0 to go on, -1 to refuse the response (the reason in err). */
int fk_http_hdr_line(fk_http_hdr_t *h, const fk_http_opts_t *o, const char *line, size_t len, char *err,
                     size_t errlen);

#endif
