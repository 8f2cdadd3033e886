/* A real HTTP server for the OTA tests: `python3 -m http.server` on
 * 127.0.0.1 serving one directory, on a free port. */
#ifndef HTTP_SERVER_H
#define HTTP_SERVER_H

#include <sys/types.h>

typedef struct {
    pid_t pid;
    int port;
} http_server_t;

/* Starts it and waits until it accepts connections. Returns 0 or -1 (message
 * on stderr). */
int http_server_start(http_server_t *s, const char *dir);
void http_server_stop(http_server_t *s);
/* A port nothing listens on (for "connection refused"). */
int http_free_port(void);

#endif
