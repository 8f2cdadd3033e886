/* POSIX file calls for picolibc on top of semihosting, so the tests' fopen,
 * fread and printf reach the host's files and terminal. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "semihost.h"

/* QEMU takes GDB's open flags (its File-I/O protocol), not picolibc's. */
enum { GDB_O_APPEND = 0x8, GDB_O_CREAT = 0x200, GDB_O_TRUNC = 0x400, GDB_O_EXCL = 0x800 };

static long sim_ret(long r, int err)
{
    if (r < 0) errno = err;
    return r;
}

int open(const char *path, int flags, ...)
{
    int mode = 0644;
    if (flags & O_CREAT) {
        va_list ap;
        va_start(ap, flags);
        mode = va_arg(ap, int);
        va_end(ap);
    }
    int g = flags & O_ACCMODE;
    if (flags & O_APPEND) g |= GDB_O_APPEND;
    if (flags & O_CREAT) g |= GDB_O_CREAT;
    if (flags & O_TRUNC) g |= GDB_O_TRUNC;
    if (flags & O_EXCL) g |= GDB_O_EXCL;
    int err;
    long r = fk_sim(FK_SIM_OPEN, (long)path, g, mode, &err);
    return (int)sim_ret(r, err);
}

ssize_t read(int fd, void *buf, size_t n)
{
    int err;
    return sim_ret(fk_sim(FK_SIM_READ, fd, (long)buf, (long)n, &err), err);
}

ssize_t write(int fd, const void *buf, size_t n)
{
    int err;
    return sim_ret(fk_sim(FK_SIM_WRITE, fd, (long)buf, (long)n, &err), err);
}

int close(int fd)
{
    int err;
    return (int)sim_ret(fk_sim(FK_SIM_CLOSE, fd, 0, 0, &err), err);
}

off_t lseek(int fd, off_t off, int whence)
{
    int err;
    return sim_ret(fk_sim(FK_SIM_LSEEK, fd, (long)off, whence, &err), err);
}

/* Semihosting has no stat: a path that opens is there, and a read that
 * fails with EISDIR tells a folder from a file. */
static int stat_fd(int fd, struct stat *st)
{
    memset(st, 0, sizeof *st);
    char c;
    if (read(fd, &c, 1) < 0 && errno == EISDIR) {
        st->st_mode = S_IFDIR | 0755;
        return 0;
    }
    off_t cur = lseek(fd, 0, SEEK_CUR);
    off_t end = lseek(fd, 0, SEEK_END);
    if (end < 0) return -1;
    lseek(fd, cur > 0 ? cur - 1 : 0, SEEK_SET);
    st->st_mode = S_IFREG | 0644;
    st->st_size = end;
    return 0;
}

int stat(const char *path, struct stat *st)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0) return -1;
    int r = stat_fd(fd, st);
    int e = errno;
    close(fd);
    errno = e;
    return r;
}

int fstat(int fd, struct stat *st)
{
    /* stat_fd reads one byte to probe for a folder; put the offset back. */
    off_t cur = lseek(fd, 0, SEEK_CUR);
    int r = stat_fd(fd, st);
    if (cur >= 0) lseek(fd, cur, SEEK_SET);
    return r;
}

/* Grows a file (the flash emulator sizes new images this way); semihosting
 * cannot shrink one. */
int ftruncate(int fd, off_t size)
{
    struct stat st;
    if (fstat(fd, &st) != 0) return -1;
    if (st.st_size == size) return 0;
    if (st.st_size > size) {
        errno = ENOSYS;
        return -1;
    }
    off_t cur = lseek(fd, 0, SEEK_CUR);
    static const char zeros[256];
    lseek(fd, st.st_size, SEEK_SET);
    for (off_t left = size - st.st_size; left > 0;) {
        size_t n = left < (off_t)sizeof zeros ? (size_t)left : sizeof zeros;
        if (write(fd, zeros, n) != (ssize_t)n) return -1;
        left -= (off_t)n;
    }
    lseek(fd, cur, SEEK_SET);
    return 0;
}

/* QEMU's Xtensa semihosting has no unlink call. */
int unlink(const char *path)
{
    (void)path;
    errno = ENOSYS;
    return -1;
}

/* stdout and stderr: buffered by line, so a test's output is one simcall
 * per line instead of one per character. */
typedef struct {
    FILE file;
    int fd;
    size_t n;
    char buf[128];
} rt_stream_t;

static int rt_flush(FILE *f)
{
    rt_stream_t *s = (rt_stream_t *)f;
    if (s->n) write(s->fd, s->buf, s->n);
    s->n = 0;
    return 0;
}

static int rt_put(char c, FILE *f)
{
    rt_stream_t *s = (rt_stream_t *)f;
    s->buf[s->n++] = c;
    if (c == '\n' || s->n == sizeof s->buf) rt_flush(f);
    return (unsigned char)c;
}

static int rt_get(FILE *f)
{
    (void)f;
    char c;
    return read(0, &c, 1) == 1 ? (unsigned char)c : EOF;
}

static rt_stream_t rt_in = {FDEV_SETUP_STREAM(NULL, rt_get, NULL, _FDEV_SETUP_READ), 0, 0, {0}};
static rt_stream_t rt_out = {FDEV_SETUP_STREAM(rt_put, NULL, rt_flush, _FDEV_SETUP_WRITE), 1, 0, {0}};
static rt_stream_t rt_err = {FDEV_SETUP_STREAM(rt_put, NULL, rt_flush, _FDEV_SETUP_WRITE), 2, 0, {0}};
FILE *const stdin = &rt_in.file;
FILE *const stdout = &rt_out.file;
FILE *const stderr = &rt_err.file;

void fk_rt_flush_all(void)
{
    rt_flush(&rt_out.file);
    rt_flush(&rt_err.file);
}
