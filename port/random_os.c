/* core/fk_random.h on the host: the OS's random source. getrandom(2) blocks
 * only until the kernel's pool is first seeded; /dev/urandom is the fallback
 * where the call is missing (old kernels, seccomp filters). */
#define _DEFAULT_SOURCE /* getrandom, O_CLOEXEC under -std=c11 */
#include <errno.h>
#include <fcntl.h>
#include <sys/random.h>
#include <unistd.h>

#include "fk_random.h"

static int from_urandom(unsigned char *p, size_t len)
{
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    while (len) {
        ssize_t n = read(fd, p, len);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            close(fd);
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    close(fd);
    return 0;
}

int fk_random_fill(void *buf, size_t len)
{
    unsigned char *p = buf;
    while (len) {
        ssize_t n = getrandom(p, len, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return errno == ENOSYS || errno == EPERM ? from_urandom(p, len) : -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}
