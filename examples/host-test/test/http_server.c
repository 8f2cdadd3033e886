#define _POSIX_C_SOURCE 200809L
#include "http_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int http_free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return -1;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    int port = -1;
    if (bind(fd, (struct sockaddr *)&a, sizeof a) == 0 && getsockname(fd, (struct sockaddr *)&a, &len) == 0)
        port = ntohs(a.sin_port);
    close(fd);
    return port;
}

static int can_connect(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return 0;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    int ok = connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
    close(fd);
    return ok;
}

int http_server_start(http_server_t *s, const char *dir)
{
    /* The port is free when asked; another process taking it before python
     * binds is retried with a new one. */
    for (int attempt = 0; attempt < 5; attempt++) {
        s->port = http_free_port();
        if (s->port < 0) break;
        char port[16];
        snprintf(port, sizeof port, "%d", s->port);
        s->pid = fork();
        if (s->pid < 0) break;
        if (s->pid == 0) {
            int null = open("/dev/null", O_WRONLY);
            if (null >= 0) {
                dup2(null, 1);
                dup2(null, 2);
            }
            execlp("python3", "python3", "-m", "http.server", port, "--bind", "127.0.0.1", "--directory", dir,
                   (char *)NULL);
            _exit(127);
        }
        for (int i = 0; i < 200; i++) { /* up to 10 s for python to start */
            if (can_connect(s->port)) return 0;
            int st;
            if (waitpid(s->pid, &st, WNOHANG) == s->pid) { /* it died: port taken? */
                s->pid = 0;
                break;
            }
            struct timespec ts = {0, 50 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
        http_server_stop(s);
    }
    fprintf(stderr, "http_server: could not start python3 -m http.server for %s\n", dir);
    return -1;
}

void http_server_stop(http_server_t *s)
{
    if (s->pid > 0) {
        kill(s->pid, SIGTERM);
        waitpid(s->pid, NULL, 0);
    }
    s->pid = 0;
}
