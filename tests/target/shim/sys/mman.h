/* mmap for the lx106 test image, enough for the flash emulator's file mode:
 * a shared mapping is a heap copy of the file, written back by msync and
 * munmap. */
#ifndef FK_RT_MMAN_H
#define FK_RT_MMAN_H

#include <sys/types.h>

#define PROT_READ 1
#define PROT_WRITE 2
#define MAP_SHARED 1
#define MAP_PRIVATE 2
#define MAP_FAILED ((void *)-1)
#define MS_SYNC 4

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off);
int munmap(void *addr, size_t len);
int msync(void *addr, size_t len, int flags);

#endif
