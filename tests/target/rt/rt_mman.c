/* The mapping of shim/sys/mman.h: a heap copy of the file region. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

typedef struct {
    uint8_t *mem;
    size_t len;
    int fd;
    off_t off;
    int shared;
} rt_map_t;

static rt_map_t maps[8];

static rt_map_t *find(void *addr)
{
    for (size_t i = 0; i < sizeof maps / sizeof maps[0]; i++)
        if (maps[i].mem && maps[i].mem == addr) return &maps[i];
    return NULL;
}

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
    (void)addr;
    (void)prot;
    rt_map_t *m = find(NULL);
    for (size_t i = 0; !m && i < sizeof maps / sizeof maps[0]; i++)
        if (!maps[i].mem) m = &maps[i];
    uint8_t *mem = m ? malloc(len) : NULL;
    if (!mem) {
        errno = ENOMEM;
        return MAP_FAILED;
    }
    size_t got = 0;
    if (lseek(fd, off, SEEK_SET) == off) {
        ssize_t n;
        while (got < len && (n = read(fd, mem + got, len - got)) > 0) got += (size_t)n;
    }
    if (got != len) {
        free(mem);
        errno = EIO;
        return MAP_FAILED;
    }
    *m = (rt_map_t){mem, len, fd, off, (flags & MAP_SHARED) != 0};
    return mem;
}

int msync(void *addr, size_t len, int flags)
{
    (void)flags;
    rt_map_t *m = find(addr);
    if (!m || len > m->len) {
        errno = EINVAL;
        return -1;
    }
    if (!m->shared) return 0;
    if (lseek(m->fd, m->off, SEEK_SET) != m->off) return -1;
    for (size_t done = 0; done < len;) {
        ssize_t n = write(m->fd, m->mem + done, len - done);
        if (n <= 0) return -1;
        done += (size_t)n;
    }
    return 0;
}

int munmap(void *addr, size_t len)
{
    rt_map_t *m = find(addr);
    if (!m) {
        errno = EINVAL;
        return -1;
    }
    int r = msync(addr, len, MS_SYNC);
    free(m->mem);
    m->mem = NULL;
    return r;
}
