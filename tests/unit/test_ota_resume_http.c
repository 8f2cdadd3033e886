/* The resume rules of the HTTP port's header handling (fk_http_hdr_line): a
 * 206 must start where it was asked to and be of the same file; validators
 * and Accept-Ranges are picked up for the next request. */
#include "fk_test.h"
#include "http_client.h"

static int feed(fk_http_hdr_t *h, const fk_http_opts_t *o, const char *const *lines, char *err, size_t n)
{
    fk_http_hdr_init(h);
    err[0] = 0;
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
    {   /* a 200 with validators */
        const char *l[] = {"HTTP/1.1 200 OK\r\n", "Content-Length: 5000\r\n", "ETag: \"65a-1388\"\r\n",
                           "Last-Modified: Sat, 05 Dec 2026 19:00:00 GMT\r\n", "Accept-Ranges: bytes\r\n", "\r\n", NULL};
        CHECK_EQ(feed(&h, &o, l, err, sizeof err), 0);
        CHECK(!strcmp(h.etag, "\"65a-1388\"") && !strcmp(h.last_modified, "Sat, 05 Dec 2026 19:00:00 GMT"));
        CHECK(h.accept_ranges && !h.has_range);
    }
    o.range_from = 4096;
    o.if_range = "\"65a-1388\"";
    {   /* the 206 asked for */
        const char *l[] = {"HTTP/1.1 206 Partial Content\r\n", "Content-Length: 904\r\n",
                           "Content-Range: bytes 4096-4999/5000\r\n", "ETag: \"65a-1388\"\r\n", "\r\n", NULL};
        CHECK_EQ(feed(&h, &o, l, err, sizeof err), 0);
        CHECK(h.has_range && h.range_first == 4096 && h.range_last == 4999 && h.range_total == 5000);
    }
    {   /* unknown total */
        const char *l[] = {"HTTP/1.1 206 Partial Content\r\n", "Content-Length: 904\r\n",
                           "Content-Range: bytes 4096-4999/*\r\n", "\r\n", NULL};
        CHECK_EQ(feed(&h, &o, l, err, sizeof err), 0);
        CHECK_EQ(h.range_total, -1);
    }
    {   /* another start: refused, naming both */
        const char *l[] = {"HTTP/1.1 206 Partial Content\r\n", "Content-Length: 1000\r\n",
                           "Content-Range: bytes 4000-4999/5000\r\n", "\r\n", NULL};
        CHECK_EQ(feed(&h, &o, l, err, sizeof err), -1);
        CHECK(strstr(err, "bytes 4000-4999") && strstr(err, "bytes 4096- were asked for"));
    }
    {   /* a 206 of another version of the file (a server ignoring If-Range) */
        const char *l[] = {"HTTP/1.1 206 Partial Content\r\n", "Content-Range: bytes 4096-4999/5000\r\n",
                           "ETag: \"77b-1388\"\r\n", "\r\n", NULL};
        CHECK_EQ(feed(&h, &o, l, err, sizeof err), -1);
        CHECK(strstr(err, "the file changed on the server"));
    }
    {   /* 206 without Content-Range, or a malformed one */
        const char *l1[] = {"HTTP/1.1 206 Partial Content\r\n", "Content-Length: 904\r\n", "\r\n", NULL};
        CHECK_EQ(feed(&h, &o, l1, err, sizeof err), -1);
        CHECK(strstr(err, "without a valid Content-Range"));
        const char *bad[] = {"bytes 4096-4000/5000", "bytes 4096-4999/4999", "bytes 4096-4999", "items 4096-4999/5000",
                             "bytes -4999/5000", "bytes 4096-4999/5000x", NULL};
        for (const char *const *b = bad; *b; b++) {
            char line[80];
            snprintf(line, sizeof line, "Content-Range: %s\r\n", *b);
            const char *l[] = {"HTTP/1.1 206 Partial Content\r\n", line, "\r\n", NULL};
            CHECK_EQ(feed(&h, &o, l, err, sizeof err), -1);
            CHECK(strstr(err, "Content-Range"));
        }
    }
    {   /* a 200 to a Range request: the whole file, not an error here */
        const char *l[] = {"HTTP/1.1 200 OK\r\n", "Content-Length: 5000\r\n", "\r\n", NULL};
        CHECK_EQ(feed(&h, &o, l, err, sizeof err), 0);
        CHECK(!h.has_range);
    }
    {   /* a validator too long to keep is dropped whole, never cut short */
        char line[200];
        snprintf(line, sizeof line, "ETag: \"%0120d\"\r\n", 7);
        const char *l[] = {"HTTP/1.1 200 OK\r\n", "Content-Length: 5\r\n", line, "\r\n", NULL};
        CHECK_EQ(feed(&h, &o, l, err, sizeof err), 0);
        CHECK_EQ(h.etag[0], 0);
    }
    return fk_test_done("test_ota_resume_http");
}
