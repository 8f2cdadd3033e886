/* The OTA download's header handling (port/http_client.c fk_http_hdr_line),
 * the part the fuzzer feeds: status lines, lengths, framing, limits. */
#include "fk_test.h"
#include "http_client.h"

static int feed(fk_http_hdr_t *h, const fk_http_opts_t *o, const char *const *lines, char *err, size_t n)
{
    fk_http_hdr_init(h);
    for (; *lines; lines++)
        if (fk_http_hdr_line(h, o, *lines, strlen(*lines), err, n)) return -1;
    return 0;
}

int main(void)
{
    fk_http_opts_t o;
    fk_http_opts_default(&o);
    fk_http_hdr_t h;
    char err[320];
    {
        const char *l[] = {"HTTP/1.1 200 OK\r\n", "Content-Length: 1234\r\n", "\r\n", NULL};
        CHECK_EQ(feed(&h, &o, l, err, sizeof err), 0);
        CHECK_EQ(h.status, 200);
        CHECK(h.content_length == 1234 && h.ended && !h.chunked);
    }
    {   /* a redirect, then the final response starts afresh */
        const char *l[] = {"HTTP/1.1 302 Found\r\n", "Content-Length: x\r\n", "\r\n",
                           "HTTP/2 200\r\n", "transfer-encoding: gzip, Chunked\r\n", "\r\n", NULL};
        CHECK_EQ(feed(&h, &o, l, err, sizeof err), 0);
        CHECK(h.status == 200 && h.http2 && h.chunked && h.content_length == -1);
    }
    {   /* unframed HTTP/1 bodies are refused unless allowed */
        const char *l[] = {"HTTP/1.0 200 OK\r\n", "\r\n", NULL};
        CHECK_EQ(feed(&h, &o, l, err, sizeof err), -1);
        CHECK(strstr(err, "neither Content-Length nor chunked"));
        o.allow_unframed = true;
        CHECK_EQ(feed(&h, &o, l, err, sizeof err), 0);
        o.allow_unframed = false;
    }
    {   /* bad lengths: named, never read as 0 or past the line */
        const char *l1[] = {"HTTP/1.1 200 OK\r\n", "Content-Length: 12abc\r\n", NULL};
        CHECK_EQ(feed(&h, &o, l1, err, sizeof err), -1);
        CHECK(strstr(err, "bad Content-Length header ('12abc')"));
        const char *l2[] = {"HTTP/1.1 200 OK\r\n", "Content-Length: -5\r\n", NULL};
        CHECK_EQ(feed(&h, &o, l2, err, sizeof err), -1);
        const char *l3[] = {"HTTP/1.1 200 OK\r\n", "Content-Length: 99999999999999999999999\r\n", NULL};
        CHECK_EQ(feed(&h, &o, l3, err, sizeof err), -1);
        const char *l4[] = {"HTTP/1.1 200 OK\r\n", "Content-Length: \x1b[2J\r\n", NULL};
        CHECK_EQ(feed(&h, &o, l4, err, sizeof err), -1);
        CHECK(!strchr(err, 0x1b));
    }
    {   /* over the slot: refused before the body */
        o.max_size = 1000;
        const char *l[] = {"HTTP/1.1 200 OK\r\n", "Content-Length: 1001\r\n", NULL};
        CHECK_EQ(feed(&h, &o, l, err, sizeof err), -1);
        CHECK(strstr(err, "announces 1001 bytes"));
        o.max_size = 0;
    }
    {   /* malformed status lines give no status (the body is then dropped) */
        const char *l1[] = {"HTTP/1.1 2000 OK\r\n", NULL};
        CHECK_EQ(feed(&h, &o, l1, err, sizeof err), 0);
        CHECK_EQ(h.status, 0);
        const char *l2[] = {"HTTP/1.1\r\n", NULL};
        CHECK_EQ(feed(&h, &o, l2, err, sizeof err), 0);
        CHECK_EQ(h.status, 0);
        const char *l3[] = {"HTTP/1.1 404 Not Found\r\n", "Content-Length: junk\r\n", "\r\n", NULL};
        CHECK_EQ(feed(&h, &o, l3, err, sizeof err), 0); /* headers of an error page are not ours to judge */
        CHECK_EQ(h.status, 404);
    }
    return fk_test_done("test_http_hdr");
}
