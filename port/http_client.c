#include "http_client.h"

#include <ctype.h>
#define CURL_DISABLE_TYPECHECK
#include <curl/curl.h>
#include <dlfcn.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* libcurl is loaded on first use (dlopen), not linked: it drags in some thirty
 * shared libraries whose loading cost ~5 ms on every flashkit command, and
 * only the OTA download needs it. The calls below go through this table. */
static struct {
    CURLcode (*global_init)(long flags);
    CURL *(*easy_init)(void);
    CURLcode (*easy_setopt)(CURL *c, CURLoption opt, ...);
    CURLcode (*easy_perform)(CURL *c);
    CURLcode (*easy_getinfo)(CURL *c, CURLINFO info, ...);
    void (*easy_cleanup)(CURL *c);
    const char *(*easy_strerror)(CURLcode rc);
} lc;

typedef struct {
    const fk_http_opts_t *o;
    fk_http_body_fn fn;
    void *ctx;
    fk_http_result_t *res;
    fk_http_hdr_t hdr; /* the response whose headers are arriving */
    bool refused;      /* we stopped the transfer; res->error says why */
} xfer_t;

void fk_http_opts_default(fk_http_opts_t *o)
{
    memset(o, 0, sizeof *o);
    o->connect_timeout_s = 10;
    o->stall_timeout_s = 30;
    o->max_redirects = 8;
}

static bool is_2xx(long s)
{
    return s >= 200 && s < 300;
}

void fk_http_hdr_init(fk_http_hdr_t *h)
{
    memset(h, 0, sizeof *h);
    h->content_length = -1;
}

/* "HTTP/1.1 200 OK", "HTTP/2 200": the three-digit code, 0 if malformed. */
static long status_code(const char *s, size_t n, bool *http2)
{
    size_t i = 5;
    while (i < n && s[i] != ' ') i++;
    *http2 = n > 5 && s[5] == '2';
    if (i + 4 > n) return 0;
    long v = 0;
    for (size_t k = i + 1; k < i + 4; k++) {
        if (s[k] < '0' || s[k] > '9') return 0;
        v = v * 10 + (s[k] - '0');
    }
    if (i + 4 < n && s[i + 4] != ' ' && s[i + 4] != '\r' && s[i + 4] != '\n') return 0;
    return v;
}

/* The header's value without surrounding blanks, or NULL if it is not `name`. */
static const char *header_value(const char *line, size_t len, const char *name, size_t *vlen)
{
    size_t n = strlen(name);
    if (len <= n || strncasecmp(line, name, n) || line[n] != ':') return NULL;
    const char *v = line + n + 1, *e = line + len;
    while (v < e && (*v == ' ' || *v == '\t')) v++;
    while (e > v && (e[-1] == '\r' || e[-1] == '\n' || e[-1] == ' ' || e[-1] == '\t')) e--;
    *vlen = (size_t)(e - v);
    return v;
}

int fk_http_hdr_line(fk_http_hdr_t *h, const fk_http_opts_t *o, const char *buf, size_t len, char *err,
                     size_t errlen)
{
    if (len >= 5 && !strncmp(buf, "HTTP/", 5)) {
        fk_http_hdr_init(h);
        h->status = status_code(buf, len, &h->http2);
        return 0;
    }
    if (!is_2xx(h->status)) return 0;
    size_t vl;
    const char *v;
    if ((v = header_value(buf, len, "content-length", &vl))) {
        uint64_t n = 0;
        size_t i = 0;
        for (; i < vl && v[i] >= '0' && v[i] <= '9' && n <= (uint64_t)INT64_MAX / 10; i++) n = n * 10 + (uint64_t)(v[i] - '0');
        if (!vl || i != vl || n > (uint64_t)INT64_MAX) {
            snprintf(err, errlen, "the server sent a bad Content-Length header ('%.*s'): not a byte count",
                     vl > 40 ? 40 : (int)vl, v);
            for (char *p = err; *p; p++)
                if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7F) *p = '?';
            return -1;
        }
        h->content_length = (int64_t)n;
        if (o->max_size && n > o->max_size) {
            snprintf(err, errlen,
                     "the server announces %" PRIu64 " bytes (Content-Length) but at most %" PRIu64
                     " fit: the body is larger than the slot",
                     n, o->max_size);
            return -1;
        }
    } else if ((v = header_value(buf, len, "transfer-encoding", &vl))) {
        for (size_t i = 0; i + 7 <= vl; i++)
            if (!strncasecmp(v + i, "chunked", 7)) h->chunked = true;
    } else if ((len == 2 && buf[0] == '\r' && buf[1] == '\n') || (len == 1 && buf[0] == '\n')) {
        /* End of a 2xx response's headers: decide before any byte is taken. */
        h->ended = true;
        if (!o->allow_unframed && !h->http2 && !h->chunked && h->content_length < 0) {
            snprintf(err, errlen,
                     "the server sent neither Content-Length nor chunked encoding: "
                     "a dropped connection could not be told from the end of the image");
            return -1;
        }
    }
    return 0;
}

static size_t on_header(char *buf, size_t size, size_t n, void *userp)
{
    xfer_t *x = userp;
    size_t len = size * n;
    if (fk_http_hdr_line(&x->hdr, x->o, buf, len, x->res->error, sizeof x->res->error)) {
        x->refused = true;
        return 0;
    }
    x->res->chunked = x->hdr.chunked;
    x->res->content_length = x->hdr.content_length;
    return len;
}

static size_t on_body(char *buf, size_t size, size_t n, void *userp)
{
    xfer_t *x = userp;
    size_t len = size * n;
    if (!is_2xx(x->hdr.status)) return len; /* body of an error page: dropped */
    x->res->status = x->hdr.status;
    if (x->o->max_size && x->res->received + len > x->o->max_size) {
        snprintf(x->res->error, sizeof x->res->error,
                 "the body is larger than the slot: more than %" PRIu64 " bytes received", x->o->max_size);
        x->refused = true;
        return 0;
    }
    if (x->fn && x->fn(x->ctx, (const uint8_t *)buf, len, x->res) != 0) {
        if (!x->res->error[0]) snprintf(x->res->error, sizeof x->res->error, "download stopped");
        x->refused = true;
        return 0;
    }
    x->res->received += len;
    return len;
}

static void describe_curl_error(CURLcode rc, const char *detail, const fk_http_opts_t *o, fk_http_result_t *res)
{
    const char *d = detail[0] ? detail : lc.easy_strerror(rc);
    switch (rc) {
    case CURLE_TOO_MANY_REDIRECTS:
        snprintf(res->error, sizeof res->error, "redirect loop: more than %ld redirects (last: %.200s)",
                 o->max_redirects, res->url);
        break;
    case CURLE_PARTIAL_FILE:
        if (res->content_length >= 0)
            snprintf(res->error, sizeof res->error,
                     "truncated transfer: the connection closed after %" PRIu64 " of %" PRId64 " bytes",
                     res->received, res->content_length);
        else
            snprintf(res->error, sizeof res->error,
                     "truncated transfer: the connection closed after %" PRIu64 " bytes (%s)", res->received, d);
        break;
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_SEND_ERROR:
        snprintf(res->error, sizeof res->error, "connection dropped after %" PRIu64 " bytes: %s",
                 res->received, d);
        break;
    case CURLE_OPERATION_TIMEDOUT:
        snprintf(res->error, sizeof res->error, "timed out after %" PRIu64 " bytes: %s", res->received, d);
        break;
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
        snprintf(res->error, sizeof res->error, "cannot connect: %s", d);
        break;
    case CURLE_WEIRD_SERVER_REPLY:
        snprintf(res->error, sizeof res->error, "the reply from %.200s is not valid HTTP: %s", res->url, d);
        break;
    case CURLE_UNSUPPORTED_PROTOCOL:
        /* libcurl files a reply without a status line ("HTTP/0.9") here too. */
        if (strstr(d, "HTTP/0.9")) {
            snprintf(res->error, sizeof res->error,
                     "the reply from %.200s is not HTTP: it does not start with a status line (HTTP/1.x NNN)",
                     res->url);
            break;
        }
        /* fall through */
    case CURLE_URL_MALFORMAT:
        snprintf(res->error, sizeof res->error, "bad URL (http:// or https:// expected): %s", d);
        break;
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_CACERT_BADFILE:
        snprintf(res->error, sizeof res->error, "TLS: %s", d);
        break;
    default:
        snprintf(res->error, sizeof res->error, "%s", d);
    }
}


/* Resolves the libcurl entry points once; on failure says why in err. */
static bool load_libcurl(char *err, size_t errlen)
{
    static bool loaded;
    static char why[256];
    if (loaded) return true;
    if (why[0]) {
        snprintf(err, errlen, "%s", why);
        return false;
    }
    void *h = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
    if (!h) h = dlopen("libcurl.so", RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        snprintf(why, sizeof why, "cannot load libcurl (install Debian's libcurl4): %s", dlerror());
        snprintf(err, errlen, "%s", why);
        return false;
    }
    /* POSIX allows converting dlsym's object pointer to a function pointer. */
#define FK_SYM(field, name) *(void **)&lc.field = dlsym(h, name)
    FK_SYM(global_init, "curl_global_init");
    FK_SYM(easy_init, "curl_easy_init");
    FK_SYM(easy_setopt, "curl_easy_setopt");
    FK_SYM(easy_perform, "curl_easy_perform");
    FK_SYM(easy_getinfo, "curl_easy_getinfo");
    FK_SYM(easy_cleanup, "curl_easy_cleanup");
    FK_SYM(easy_strerror, "curl_easy_strerror");
#undef FK_SYM
    if (!lc.global_init || !lc.easy_init || !lc.easy_setopt || !lc.easy_perform || !lc.easy_getinfo ||
        !lc.easy_cleanup || !lc.easy_strerror) {
        snprintf(why, sizeof why, "libcurl lacks an entry point flashkit needs");
        snprintf(err, errlen, "%s", why);
        return false;
    }
    lc.global_init(CURL_GLOBAL_DEFAULT);
    loaded = true;
    return true;
}

int fk_http_get(const char *url, const fk_http_opts_t *o, fk_http_body_fn fn, void *ctx, fk_http_result_t *res)
{
    fk_http_opts_t defaults;
    if (!o) {
        fk_http_opts_default(&defaults);
        o = &defaults;
    }
    memset(res, 0, sizeof *res);
    res->content_length = -1;
    snprintf(res->url, sizeof res->url, "%s", url);
    if (!load_libcurl(res->error, sizeof res->error)) return -1;
    CURL *c = lc.easy_init();
    if (!c) {
        snprintf(res->error, sizeof res->error, "libcurl could not start");
        return -1;
    }
    xfer_t x = {.o = o, .fn = fn, .ctx = ctx, .res = res};
    fk_http_hdr_init(&x.hdr);
    char detail[CURL_ERROR_SIZE] = "";
    lc.easy_setopt(c, CURLOPT_URL, url);
    lc.easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    lc.easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    lc.easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    lc.easy_setopt(c, CURLOPT_MAXREDIRS, o->max_redirects);
    lc.easy_setopt(c, CURLOPT_CONNECTTIMEOUT, o->connect_timeout_s);
    lc.easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
    lc.easy_setopt(c, CURLOPT_LOW_SPEED_TIME, o->stall_timeout_s);
    lc.easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    lc.easy_setopt(c, CURLOPT_BUFFERSIZE, 256L * 1024);
    lc.easy_setopt(c, CURLOPT_USERAGENT, "flashkit-ota/1");
    lc.easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    lc.easy_setopt(c, CURLOPT_HEADERDATA, &x);
    lc.easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    lc.easy_setopt(c, CURLOPT_WRITEDATA, &x);
    lc.easy_setopt(c, CURLOPT_ERRORBUFFER, detail);
    if (o->ca_file) lc.easy_setopt(c, CURLOPT_CAINFO, o->ca_file);
    if (o->insecure) {
        lc.easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
        lc.easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    CURLcode rc = lc.easy_perform(c);
    long status = 0;
    lc.easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    lc.easy_getinfo(c, CURLINFO_REDIRECT_COUNT, &res->redirects);
    char *eff = NULL;
    if (lc.easy_getinfo(c, CURLINFO_EFFECTIVE_URL, &eff) == CURLE_OK && eff)
        snprintf(res->url, sizeof res->url, "%s", eff);
    res->status = status;
    int ret = 0;
    if (x.refused) {
        ret = -1; /* res->error already says why */
    } else if (rc != CURLE_OK) {
        describe_curl_error(rc, detail, o, res);
        ret = -1;
    } else if (!is_2xx(status)) {
        if (status >= 300 && status < 400)
            snprintf(res->error, sizeof res->error, "HTTP %ld redirect without a usable Location (%.200s)", status,
                     res->url);
        else
            snprintf(res->error, sizeof res->error, "HTTP %ld from %.200s", status, res->url);
        ret = -1;
    } else if (res->content_length >= 0 && res->received != (uint64_t)res->content_length) {
        snprintf(res->error, sizeof res->error,
                 "wrong Content-Length: announced %" PRId64 " bytes, received %" PRIu64, res->content_length,
                 res->received);
        ret = -1;
    }
    lc.easy_cleanup(c);
    return ret;
}
