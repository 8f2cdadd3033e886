/* Streaming HTTP/HTTPS GET with libcurl: the body goes to a callback chunk by
 * chunk (nothing is buffered whole), and every way a download can go wrong
 * ends in one clear message. A download can start in the middle (Range, with
 * If-Range so a changed file comes whole instead of mixed) and
 * fk_http_get_retry picks up a dropped transfer where it stopped. */
#ifndef FK_HTTP_CLIENT_H
#define FK_HTTP_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    long status;             /* of the final response, 0 if none */
    int64_t content_length;  /* -1 when the server sent none */
    bool chunked;
    uint64_t received;       /* body bytes the callback took (returned 0 for) */
    uint64_t arrived;        /* ... and those of a chunk it refused: what came over the link */
    long redirects;
    char url[512];           /* final URL after redirects */
    char error[320];         /* set when fk_http_get fails */
    /* Where the delivered body sits in the file: the body's first byte is
     * file byte `offset` (the Content-Range start of a 206; 0 for a 200, also
     * when a Range was asked for: the server sent the whole file). */
    bool partial;            /* 206 Partial Content */
    uint64_t offset;
    int64_t total;           /* the whole file's size (Content-Range's or a 200's length), -1 unknown */
    bool accept_ranges;      /* "Accept-Ranges: bytes": the server says it can resume */
    char etag[96];           /* the file's validators, "" when not sent (or too long) */
    char last_modified[64];
    bool retryable;          /* the failure was the link's (drop, stall, 5xx), not the body's */
    int attempts;            /* fk_http_get_retry: requests made */
    uint64_t transferred;    /* fk_http_get_retry: body bytes over all attempts */
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
    /* Resume: ask for the file from byte range_from on (Range: bytes=N-);
     * 0 asks for all of it. A 206 must start exactly there (Content-Range) or
     * it is refused; a 200 is the whole file and the callback sees offset 0. */
    uint64_t range_from;
    /* The validator (ETag or Last-Modified) of the bytes already held: sent
     * as If-Range, so the server answers 200 with the whole new file if it
     * changed. A 206 carrying another ETag is refused all the same. */
    const char *if_range;
    /* fk_http_get_retry: requests after the first (0 = none), first pause in
     * ms (doubled each time, at most 8 s; default 250), and a hook told
     * before each pause (may be NULL). */
    int retries;             /* ... in a row: an attempt that got further into the file resets the count and the pause */
    long backoff_ms;
    void (*on_retry)(void *ctx, const fk_http_result_t *failed, int attempt, long pause_ms);
} fk_http_opts_t;

void fk_http_opts_default(fk_http_opts_t *o);

/* GET url; the callback sees only the body of a final 2xx response. Returns
 * 0 when the whole body was received, -1 with res->error otherwise. */
int fk_http_get(const char *url, const fk_http_opts_t *o, fk_http_body_fn fn, void *ctx, fk_http_result_t *res);

/* fk_http_get, and after a retryable failure up to o->retries more requests
 * with back-off, each asking for the file from the first byte not yet
 * delivered (Range + If-Range with the validator of the first response).
 * Without a validator, or when the server ignores Range, a retry gets the
 * whole file again: the callback must check the file offset of what it
 * gets (res->offset + res->received at each call) and start over when it
 * goes back. res->transferred counts every body byte of every attempt. */
int fk_http_get_retry(const char *url, const fk_http_opts_t *o, fk_http_body_fn fn, void *ctx,
                      fk_http_result_t *res);

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
    bool has_range;         /* Content-Range: bytes first-last/total seen */
    uint64_t range_first, range_last;
    int64_t range_total;    /* -1 when the total is "*" */
    bool accept_ranges;
    char etag[96];
    char last_modified[64];
} fk_http_hdr_t;

void fk_http_hdr_init(fk_http_hdr_t *h);
/* Returns 0 to go on, -1 to refuse the response (the reason in err). A
 * 206 is refused unless its Content-Range starts at o->range_from, and when
 * o->if_range is an ETag, unless it carries that ETag. */
int fk_http_hdr_line(fk_http_hdr_t *h, const fk_http_opts_t *o, const char *line, size_t len, char *err,
                     size_t errlen);

#endif
