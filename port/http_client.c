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
#include <time.h>

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
    struct curl_slist *(*slist_append)(struct curl_slist *l, const char *s);
    void (*slist_free_all)(struct curl_slist *l);
} lc;

typedef struct {
    const fk_http_opts_t *o;
    fk_http_body_fn fn;
    void *ctx;
    fk_http_result_t *res;
    fk_http_hdr_t hdr; /* the response whose headers are arriving */
    bool refused;      /* we stopped the transfer; res->error says why */
    bool link_fault;   /* ... because of the server or link (a retry may help) */
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

/* "bytes FIRST-LAST/TOTAL" (TOTAL may be "*"); false if malformed. */
static bool parse_content_range(const char *v, size_t n, fk_http_hdr_t *h)
{
    size_t i = 0;
    uint64_t num[3] = {0, 0, 0};
    if (n < 6 || strncasecmp(v, "bytes ", 6)) return false;
    i = 6;
    for (int k = 0; k < 3; k++) {
        if (k == 2 && i < n && v[i] == '*') {
            i++;
            h->range_total = -1;
            break;
        }
        size_t s = i;
        while (i < n && v[i] >= '0' && v[i] <= '9' && num[k] < UINT64_MAX / 16) num[k] = num[k] * 10 + (uint64_t)(v[i++] - '0');
        if (i == s || (k < 2 && (i >= n || v[i++] != (k == 0 ? '-' : '/')))) return false;
        if (k == 2) h->range_total = num[2] > (uint64_t)INT64_MAX ? -1 : (int64_t)num[2];
    }
    if (i != n || num[1] < num[0] || (h->range_total >= 0 && num[1] >= (uint64_t)h->range_total)) return false;
    h->range_first = num[0];
    h->range_last = num[1];
    h->has_range = true;
    return true;
}

static void copy_value(char *dst, size_t cap, const char *v, size_t n)
{
    if (n >= cap) n = 0; /* a validator cut short would match nothing: keep none */
    memcpy(dst, v, n);
    dst[n] = 0;
}

static bool is_etag(const char *v)
{
    return v && (v[0] == '"' || (v[0] == 'W' && v[1] == '/'));
}

/* A 206 must hold the bytes asked for, of the file asked about. */
static int check_partial(const fk_http_hdr_t *h, const fk_http_opts_t *o, char *err, size_t errlen)
{
    if (!h->has_range) {
        snprintf(err, errlen, "the server answered 206 Partial Content without a valid Content-Range");
        return -1;
    }
    if (h->range_first != o->range_from) {
        snprintf(err, errlen,
                 "the server sent bytes %" PRIu64 "-%" PRIu64 " (Content-Range) but bytes %" PRIu64 "- were asked for",
                 h->range_first, h->range_last, o->range_from);
        return -1;
    }
    if (is_etag(o->if_range) && h->etag[0] && strcmp(h->etag, o->if_range)) {
        snprintf(err, errlen, "the file changed on the server: ETag %.80s, the bytes held are of %.80s", h->etag,
                 o->if_range);
        return -1;
    }
    return 0;
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
    } else if ((v = header_value(buf, len, "content-range", &vl))) {
        if (!parse_content_range(v, vl, h) && h->status == 206) {
            snprintf(err, errlen, "the server sent a bad Content-Range header ('%.*s')", vl > 60 ? 60 : (int)vl, v);
            for (char *p = err; *p; p++)
                if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7F) *p = '?';
            return -1;
        }
    } else if ((v = header_value(buf, len, "accept-ranges", &vl))) {
        h->accept_ranges = vl == 5 && !strncasecmp(v, "bytes", 5);
    } else if ((v = header_value(buf, len, "etag", &vl))) {
        copy_value(h->etag, sizeof h->etag, v, vl);
    } else if ((v = header_value(buf, len, "last-modified", &vl))) {
        copy_value(h->last_modified, sizeof h->last_modified, v, vl);
    } else if ((v = header_value(buf, len, "transfer-encoding", &vl))) {
        for (size_t i = 0; i + 7 <= vl; i++)
            if (!strncasecmp(v + i, "chunked", 7)) h->chunked = true;
    } else if ((len == 2 && buf[0] == '\r' && buf[1] == '\n') || (len == 1 && buf[0] == '\n')) {
        /* End of a 2xx response's headers: decide before any byte is taken. */
        h->ended = true;
        if (h->status == 206 && check_partial(h, o, err, errlen)) return -1;
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
        /* A changed file: the next request starts afresh. */
        x->link_fault = x->hdr.status == 206 && x->hdr.has_range && x->hdr.range_first == x->o->range_from;
        return 0;
    }
    fk_http_result_t *r = x->res;
    r->chunked = x->hdr.chunked;
    r->content_length = x->hdr.content_length;
    if (x->hdr.ended) {
        r->partial = x->hdr.status == 206;
        r->offset = r->partial ? x->hdr.range_first : 0;
        r->total = r->partial ? x->hdr.range_total : x->hdr.content_length;
        r->accept_ranges = x->hdr.accept_ranges || r->partial;
        snprintf(r->etag, sizeof r->etag, "%s", x->hdr.etag);
        snprintf(r->last_modified, sizeof r->last_modified, "%s", x->hdr.last_modified);
    }
    return len;
}

static size_t on_body(char *buf, size_t size, size_t n, void *userp)
{
    xfer_t *x = userp;
    size_t len = size * n;
    if (!is_2xx(x->hdr.status)) return len; /* body of an error page: dropped */
    x->res->status = x->hdr.status;
    if (x->o->max_size && x->res->offset + x->res->received + len > x->o->max_size) {
        snprintf(x->res->error, sizeof x->res->error,
                 "the body is larger than the slot: more than %" PRIu64 " bytes received", x->o->max_size);
        x->refused = true;
        return 0;
    }
    x->res->arrived += len;
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
    FK_SYM(slist_append, "curl_slist_append");
    FK_SYM(slist_free_all, "curl_slist_free_all");
#undef FK_SYM
    if (!lc.global_init || !lc.easy_init || !lc.easy_setopt || !lc.easy_perform || !lc.easy_getinfo ||
        !lc.easy_cleanup || !lc.easy_strerror || !lc.slist_append || !lc.slist_free_all) {
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
    res->total = -1;
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
    char range[48];
    if (o->range_from) {
        snprintf(range, sizeof range, "%" PRIu64 "-", o->range_from);
        lc.easy_setopt(c, CURLOPT_RANGE, range);
    }
    /* libcurl sends If-Range only from a time; an ETag goes in as a header. */
    struct curl_slist *hdrs = NULL;
    char ifr[128];
    if (o->range_from && o->if_range && o->if_range[0] && lc.slist_append) {
        snprintf(ifr, sizeof ifr, "If-Range: %s", o->if_range);
        hdrs = lc.slist_append(NULL, ifr);
        if (hdrs) lc.easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
    }
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
        res->retryable = x.link_fault;
    } else if (rc != CURLE_OK) {
        describe_curl_error(rc, detail, o, res);
        res->retryable = rc == CURLE_PARTIAL_FILE || rc == CURLE_RECV_ERROR || rc == CURLE_GOT_NOTHING ||
                         rc == CURLE_SEND_ERROR || rc == CURLE_OPERATION_TIMEDOUT || rc == CURLE_COULDNT_CONNECT;
        ret = -1;
    } else if (is_2xx(status) && !x.hdr.ended) {
        /* libcurl takes a connection closed inside the headers for a reply
         * without a body: for us it is a dropped link. */
        snprintf(res->error, sizeof res->error, "connection dropped inside the response headers of %.200s", res->url);
        res->retryable = true;
        ret = -1;
    } else if (!is_2xx(status)) {
        res->retryable = status >= 500 || status == 408 || status == 429 || (status == 416 && o->range_from);
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
    if (hdrs) lc.slist_free_all(hdrs);
    return ret;
}

static void pause_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0) {
    }
}

int fk_http_get_retry(const char *url, const fk_http_opts_t *o, fk_http_body_fn fn, void *ctx, fk_http_result_t *res)
{
    fk_http_opts_t cur;
    if (o)
        cur = *o;
    else
        fk_http_opts_default(&cur);
    char validator[96];
    snprintf(validator, sizeof validator, "%s", cur.if_range ? cur.if_range : "");
    cur.if_range = validator;
    const long base = cur.backoff_ms > 0 ? cur.backoff_ms : 250;
    long pause = base;
    uint64_t transferred = 0, furthest = cur.range_from;
    for (int attempt = 1, in_a_row = 0;; attempt++) {
        int rc = fk_http_get(url, &cur, fn, ctx, res);
        transferred += res->arrived;
        res->attempts = attempt;
        res->transferred = transferred;
        /* A weak link that drops every few hundred KiB still makes progress:
         * only failures in a row count, and only they lengthen the pause.
         * Progress is a byte of the file never delivered before: a server
         * that sends the same first half again and again makes none. */
        if (res->status >= 200 && res->status < 300 && res->offset + res->received > furthest) {
            furthest = res->offset + res->received;
            in_a_row = 0;
            pause = base;
        }
        if (rc == 0 || !res->retryable || ++in_a_row > cur.retries) return rc;
        /* What the next request asks for: the rest, when what was delivered
         * is tied to the file by a validator; else the whole file. A failure
         * before any body (refused connection, 5xx) asks the same again. */
        bool changed = res->status == 206 && !res->received && strstr(res->error, "changed on the server");
        if (res->status == 416 || changed) {
            validator[0] = 0;
            cur.range_from = 0;
        } else if (res->status >= 200 && res->status < 300) {
            const char *v = res->etag[0] ? res->etag : res->last_modified;
            snprintf(validator, sizeof validator, "%s", v);
            cur.range_from = v[0] ? res->offset + res->received : 0;
        }
        if (cur.on_retry) cur.on_retry(ctx, res, attempt, pause);
        pause_ms(pause);
        pause = pause * 2 > 8000 ? 8000 : pause * 2;
    }
}
