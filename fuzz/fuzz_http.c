/* HTTP response headers as libcurl hands them to the OTA download, one line
 * at a time: status lines, Content-Length, Transfer-Encoding, the blank line.
 * The input is split into lines after each LF; the first byte sets the
 * options (slot size limit, unframed bodies allowed). */
// FUZZ_SEED_TEXT: \x01HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n
// FUZZ_SEED_TEXT: \x43HTTP/1.1 301 Moved\r\nLocation: /x\r\n\r\nHTTP/2 200\r\ntransfer-encoding: chunked\r\n\r\n
// FUZZ_SEED_TEXT: \x00HTTP/1.0 200 OK\r\n\r\n
#include "fuzz.h"
#include "http_client.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fk_http_opts_t o;
    fk_http_opts_default(&o);
    if (size) {
        o.max_size = data[0] & 1 ? 0 : (uint64_t)1 << (data[0] >> 2);
        o.allow_unframed = data[0] & 2;
        data++, size--;
    }
    fk_http_hdr_t h;
    fk_http_hdr_init(&h);
    char err[320];
    /* Each line in a buffer of its own size, so reading past it is caught. */
    for (size_t i = 0; i < size;) {
        const uint8_t *nl = memchr(data + i, '\n', size - i);
        size_t n = nl ? (size_t)(nl - (data + i)) + 1 : size - i;
        char *line = malloc(n ? n : 1);
        memcpy(line, data + i, n);
        err[0] = 0;
        int rc = fk_http_hdr_line(&h, &o, line, n, err, sizeof err);
        free(line);
        i += n;
        if (rc) {
            FZ_ASSERT(err[0], "refused without a reason");
            break;
        }
        FZ_ASSERT(h.content_length >= -1, "length %lld", (long long)h.content_length);
        FZ_ASSERT(h.status >= 0 && h.status <= 999, "status %ld", h.status);
        if (o.max_size && h.content_length >= 0 && h.status >= 200 && h.status < 300)
            FZ_ASSERT((uint64_t)h.content_length <= o.max_size, "over the limit but accepted");
    }
    return 0;
}
