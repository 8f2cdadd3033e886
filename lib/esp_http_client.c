/* esp_http_client.h on the port's libcurl GET. */
#include "esp_http_client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http_client.h"

struct esp_http_client {
    char *url, *ca_file;
    fk_http_opts_t opts;
    FILE *body;   /* the received body, read back by esp_http_client_read */
    int status;
    int64_t length;  /* Content-Length, -1 when the answer had none */
    char error[320];
};

esp_http_client_handle_t esp_http_client_init(const esp_http_client_config_t *config)
{
    if (!config || !config->url || config->method != HTTP_METHOD_GET) return NULL;
    struct esp_http_client *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->url = strdup(config->url);
    fk_http_opts_default(&c->opts);
    if (config->timeout_ms > 0) c->opts.connect_timeout_s = (config->timeout_ms + 999) / 1000;
    if (config->max_redirection_count > 0) c->opts.max_redirects = config->max_redirection_count;
    c->opts.insecure = config->skip_cert_common_name_check;
    c->length = -1;
    if (config->cert_pem) {
        /* libcurl takes a CA file: the PEM text goes into one for this client. */
        char tmpl[] = "/tmp/flashkit-ca-XXXXXX";
        int fd = mkstemp(tmpl);
        FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
        bool ok = f && fputs(config->cert_pem, f) >= 0;
        if (f && fclose(f) != 0) ok = false;
        if (!ok) {
            if (fd >= 0) unlink(tmpl);
            free(c->url);
            free(c);
            return NULL;
        }
        c->ca_file = strdup(tmpl);
        c->opts.ca_file = c->ca_file;
    }
    if (!c->url || (config->cert_pem && !c->ca_file)) {
        esp_http_client_cleanup(c);
        return NULL;
    }
    return c;
}

static int to_file(void *ctx, const uint8_t *data, size_t len, fk_http_result_t *res)
{
    if (fwrite(data, 1, len, ctx) != len) {
        snprintf(res->error, sizeof res->error, "temporary body file: write failed");
        return 1;
    }
    return 0;
}

esp_err_t esp_http_client_open(esp_http_client_handle_t c, int write_len)
{
    if (!c || write_len != 0) return ESP_ERR_INVALID_ARG;
    esp_http_client_close(c);
    c->body = tmpfile();
    if (!c->body) {
        snprintf(c->error, sizeof c->error, "no temporary file for the body");
        return ESP_ERR_NO_MEM;
    }
    fk_http_result_t res;
    int rc = fk_http_get(c->url, &c->opts, to_file, c->body, &res);
    c->status = (int)res.status;
    if (rc != 0 && (res.status < 200 || res.status > 299) && res.status != 0) {
        /* An answer that is not a success: a device sees it as a status. */
        rewind(c->body);
        if (ftruncate(fileno(c->body), 0) != 0) return ESP_FAIL;
        c->length = res.content_length;
        return ESP_OK;
    }
    if (rc != 0) {
        snprintf(c->error, sizeof c->error, "%s", res.error);
        fclose(c->body);
        c->body = NULL;
        c->status = 0;
        return res.redirects > c->opts.max_redirects ? ESP_ERR_HTTP_MAX_REDIRECT : ESP_ERR_HTTP_CONNECT;
    }
    /* As a device reports it: the Content-Length header, -1 without one
     * (chunked), although the host has the whole body already. */
    c->length = res.content_length;
    rewind(c->body);
    c->error[0] = 0;
    return ESP_OK;
}

int esp_http_client_fetch_headers(esp_http_client_handle_t c)
{
    if (!c || !c->body) return -1;
    return c->length > INT32_MAX ? -1 : (int)c->length;
}

int esp_http_client_read(esp_http_client_handle_t c, char *buffer, int len)
{
    if (!c || !c->body || !buffer || len < 0) return -1;
    size_t n = fread(buffer, 1, (size_t)len, c->body);
    if (n == 0 && ferror(c->body)) return -1;
    return (int)n;
}

int esp_http_client_get_status_code(esp_http_client_handle_t c)
{
    return c ? c->status : -1;
}

int esp_http_client_get_content_length(esp_http_client_handle_t c)
{
    return esp_http_client_fetch_headers(c);
}

esp_err_t esp_http_client_close(esp_http_client_handle_t c)
{
    if (!c) return ESP_ERR_INVALID_ARG;
    if (c->body) fclose(c->body);
    c->body = NULL;
    return ESP_OK;
}

esp_err_t esp_http_client_cleanup(esp_http_client_handle_t c)
{
    if (!c) return ESP_ERR_INVALID_ARG;
    esp_http_client_close(c);
    if (c->ca_file) unlink(c->ca_file);
    free(c->ca_file);
    free(c->url);
    free(c);
    return ESP_OK;
}

const char *esp_http_client_host_error(esp_http_client_handle_t c)
{
    return c ? c->error : "";
}
