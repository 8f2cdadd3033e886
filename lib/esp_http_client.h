/* The part of ESP-IDF's esp_http_client that the SDK's OTA example uses,
 * on the host: the same calls in the same order fetch an image over
 * HTTP(S) with libcurl, so firmware download code is tested unchanged.
 *
 * Host difference: esp_http_client_open() receives the whole body (into an
 * unnamed temporary file) before returning; reads then hand it out in the
 * caller's chunk sizes. Status, length and the order of calls are as on a
 * device; the timing of network stalls is not. */
#ifndef ESP_HTTP_CLIENT_H
#define ESP_HTTP_CLIENT_H

#include <stdbool.h>
#include <stdint.h>
#include "esp_err.h"

#ifdef __cplusplus
extern "C" {
#endif

#define ESP_ERR_HTTP_BASE 0x7000
#define ESP_ERR_HTTP_MAX_REDIRECT (ESP_ERR_HTTP_BASE + 1)
#define ESP_ERR_HTTP_CONNECT (ESP_ERR_HTTP_BASE + 2)
#define ESP_ERR_HTTP_WRITE_DATA (ESP_ERR_HTTP_BASE + 3)
#define ESP_ERR_HTTP_FETCH_HEADER (ESP_ERR_HTTP_BASE + 4)
#define ESP_ERR_HTTP_INVALID_TRANSPORT (ESP_ERR_HTTP_BASE + 5)

typedef enum {
    HTTP_METHOD_GET = 0, /* the only method of the host subset */
} esp_http_client_method_t;

typedef struct {
    const char *url;
    const char *cert_pem;   /* HTTPS: PEM text of the CA / server certificate */
    int timeout_ms;         /* connect timeout; 0 = 10 s */
    esp_http_client_method_t method;
    bool skip_cert_common_name_check; /* host: do not verify the server at all */
    int max_redirection_count; /* 0 = 8 */
} esp_http_client_config_t;

typedef struct esp_http_client *esp_http_client_handle_t;

esp_http_client_handle_t esp_http_client_init(const esp_http_client_config_t *config);
/* Connects and sends the request (write_len must be 0: GET only). ESP_OK even
 * for a 4xx/5xx answer (check esp_http_client_get_status_code);
 * ESP_ERR_HTTP_CONNECT when no answer came (refused, DNS, TLS, timeout).
 * Host: the body of an error answer is not kept (reads give 0). */
esp_err_t esp_http_client_open(esp_http_client_handle_t client, int write_len);
/* The answer's Content-Length, -1 without one (chunked), as on a device. */
int esp_http_client_fetch_headers(esp_http_client_handle_t client);
/* Body bytes into buffer: count read, 0 at the end, -1 on error. */
int esp_http_client_read(esp_http_client_handle_t client, char *buffer, int len);
int esp_http_client_get_status_code(esp_http_client_handle_t client);
int esp_http_client_get_content_length(esp_http_client_handle_t client);
esp_err_t esp_http_client_close(esp_http_client_handle_t client);
esp_err_t esp_http_client_cleanup(esp_http_client_handle_t client);

/* flashkit: why the last open failed ("" if it did not). */
const char *esp_http_client_host_error(esp_http_client_handle_t client);

#ifdef __cplusplus
}
#endif

#endif
