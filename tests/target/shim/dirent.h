/* opendir/readdir for the lx106 test image: picolibc has none and
 * semihosting cannot list a folder, so the runner (run-qemu.sh) hands the
 * image an index of the vectors tree (FK_RT_DIRINDEX) that these read. */
#ifndef FK_RT_DIRENT_H
#define FK_RT_DIRENT_H

enum { DT_UNKNOWN = 0, DT_DIR = 4, DT_REG = 8 };

struct dirent {
    unsigned char d_type;
    char d_name[256];
};

typedef struct fk_rt_dir DIR;

DIR *opendir(const char *path);
struct dirent *readdir(DIR *d);
int closedir(DIR *d);

#endif
