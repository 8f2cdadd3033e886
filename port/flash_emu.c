#include "flash_emu.h"
#include "flash_timing.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static uint32_t rng_next(fk_emu_t *emu)
{
    /* xorshift32: deterministic per seed, so a failing cut point replays. */
    uint32_t x = emu->rng ? emu->rng : 0x9E3779B9u;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    emu->rng = x;
    return x;
}

static fk_emu_t *emu_of(fk_flash_t *flash)
{
    return (fk_emu_t *)flash;
}

/* Counts a write or erase and decides whether power fails on it. */
static bool op_cut(fk_emu_t *emu)
{
    emu->st.ops++;
    if (emu->cut_at && emu->st.ops == emu->cut_at) {
        emu->powered_off = true;
        return true;
    }
    return false;
}

static esp_err_t emu_read(fk_flash_t *flash, uint32_t addr, void *dst, size_t len)
{
    fk_emu_t *emu = emu_of(flash);
    if (emu->powered_off) return ESP_ERR_FLASH_OP_FAIL;
    if (addr > emu->size || len > emu->size - addr) return ESP_ERR_INVALID_SIZE;
    memcpy(dst, emu->mem + addr, len);
    emu->st.reads++;
    emu->st.bytes_read += len;
    emu->st.read_ns += fk_esp8266_read_ns(len);
    return ESP_OK;
}

static esp_err_t emu_write(fk_flash_t *flash, uint32_t addr, const void *src, size_t len)
{
    fk_emu_t *emu = emu_of(flash);
    const uint8_t *s = src;
    if (emu->powered_off) return ESP_ERR_FLASH_OP_FAIL;
    if (addr > emu->size || len > emu->size - addr) return ESP_ERR_INVALID_SIZE;
    if (!emu->allow_and) {
        for (size_t i = 0; i < len; i++) {
            if ((emu->mem[addr + i] & s[i]) != s[i]) {
                emu->st.nor_violations++;
                return ESP_ERR_FLASH_OP_FAIL;
            }
        }
    }
    if (op_cut(emu)) {
        if (emu->cut_mode == FK_CUT_TORN && len) {
            size_t done = rng_next(emu) % len;
            for (size_t i = 0; i < done; i++) emu->mem[addr + i] &= s[i];
            /* The byte being programmed when power went: some of its bits. */
            uint8_t partial = (uint8_t)(s[done] | (uint8_t)rng_next(emu));
            emu->mem[addr + done] &= partial;
        }
        return ESP_ERR_FLASH_OP_FAIL;
    }
    for (size_t i = 0; i < len; i++) emu->mem[addr + i] &= s[i];
    emu->st.writes++;
    emu->st.bytes_written += len;
    emu->st.write_ns += fk_esp8266_write_ns(len);
    for (uint32_t sec = addr / FK_SECTOR_SIZE; len && sec <= (addr + len - 1) / FK_SECTOR_SIZE; sec++)
        emu->sector_writes[sec]++;
    return ESP_OK;
}

static esp_err_t emu_erase(fk_flash_t *flash, uint32_t addr)
{
    fk_emu_t *emu = emu_of(flash);
    if (emu->powered_off) return ESP_ERR_FLASH_OP_FAIL;
    if (addr % FK_SECTOR_SIZE || addr >= emu->size) return ESP_ERR_INVALID_ARG;
    if (op_cut(emu)) {
        if (emu->cut_mode == FK_CUT_TORN) {
            /* Erase runs in stages on real chips: model it as a prefix
             * already at 0xFF and the rest still holding old data, with
             * the boundary word partly erased. */
            uint32_t done = rng_next(emu) % FK_SECTOR_SIZE;
            memset(emu->mem + addr, 0xFF, done);
            emu->mem[addr + done] |= (uint8_t)rng_next(emu);
        }
        return ESP_ERR_FLASH_OP_FAIL;
    }
    memset(emu->mem + addr, 0xFF, FK_SECTOR_SIZE);
    emu->st.erases++;
    emu->st.erase_ns += FK_ESP8266_ERASE_NS;
    emu->sector_erases[addr / FK_SECTOR_SIZE]++;
    return ESP_OK;
}

static int emu_setup(fk_emu_t *emu, uint8_t *mem, uint32_t size, int fd)
{
    uint32_t sectors = size / FK_SECTOR_SIZE;
    memset(emu, 0, sizeof *emu);
    emu->mem = mem;
    emu->size = size;
    emu->fd = fd;
    emu->sector_erases = calloc(sectors ? sectors : 1, sizeof(uint32_t));
    emu->sector_writes = calloc(sectors ? sectors : 1, sizeof(uint32_t));
    if (!emu->sector_erases || !emu->sector_writes) {
        free(emu->sector_erases);
        free(emu->sector_writes);
        errno = ENOMEM;
        return -1;
    }
    emu->flash.size = size;
    emu->flash.read = emu_read;
    emu->flash.write = emu_write;
    emu->flash.erase_sector = emu_erase;
    return 0;
}

int fk_emu_init_mem(fk_emu_t *emu, uint32_t size)
{
    if (size == 0 || size % FK_SECTOR_SIZE) {
        errno = EINVAL;
        return -1;
    }
    uint8_t *mem = malloc(size);
    if (!mem) return -1;
    memset(mem, 0xFF, size);
    if (emu_setup(emu, mem, size, -1) != 0) {
        free(mem);
        return -1;
    }
    return 0;
}

int fk_emu_open_file(fk_emu_t *emu, const char *path, uint32_t size, bool create)
{
    int fd = open(path, create ? (O_RDWR | O_CREAT | O_TRUNC) : O_RDWR, 0644);
    if (fd < 0) return -1;
    struct stat sb;
    if (fstat(fd, &sb) != 0) goto fail;
    if (create) {
        if (size == 0 || size % FK_SECTOR_SIZE) {
            errno = EINVAL;
            goto fail;
        }
        if (ftruncate(fd, size) != 0) goto fail;
    } else {
        if (size == 0) size = (uint32_t)sb.st_size;
        if ((off_t)size != sb.st_size || size == 0 || size % FK_SECTOR_SIZE) {
            errno = EINVAL; /* not a flash image: wrong size */
            goto fail;
        }
    }
    uint8_t *mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (mem == MAP_FAILED) goto fail;
    if (create) memset(mem, 0xFF, size);
    if (emu_setup(emu, mem, size, fd) != 0) {
        munmap(mem, size);
        goto fail;
    }
    return 0;
fail: {
    int e = errno;
    close(fd);
    errno = e;
    return -1;
}
}

void fk_emu_close(fk_emu_t *emu)
{
    if (!emu->mem) return;
    if (emu->fd >= 0) {
        msync(emu->mem, emu->size, MS_SYNC);
        munmap(emu->mem, emu->size);
        close(emu->fd);
    } else {
        free(emu->mem);
    }
    free(emu->sector_erases);
    free(emu->sector_writes);
    emu->mem = NULL;
}

void fk_emu_set_cut(fk_emu_t *emu, uint64_t n, fk_cut_mode_t mode, uint32_t seed)
{
    emu->cut_at = n ? emu->st.ops + n : 0;
    emu->cut_mode = mode;
    /* Sweeps pass small consecutive seeds (0, 1, 2 ...): used as the
     * xorshift state directly they gave correlated first draws (a torn byte
     * kept some bit pairs equal for every seed below 64). A finaliser
     * spreads each seed over all 32 bits first. */
    uint32_t x = seed + 0x9E3779B9u;
    x = (x ^ (x >> 16)) * 0x85EBCA6Bu;
    x = (x ^ (x >> 13)) * 0xC2B2AE35u;
    emu->rng = x ^ (x >> 16);
    emu->powered_off = false;
}

void fk_emu_power_on(fk_emu_t *emu)
{
    emu->cut_at = 0;
    emu->powered_off = false;
}

void fk_emu_reset_stats(fk_emu_t *emu)
{
    uint32_t sectors = emu->size / FK_SECTOR_SIZE;
    memset(&emu->st, 0, sizeof emu->st);
    memset(emu->sector_erases, 0, sectors * sizeof(uint32_t));
    memset(emu->sector_writes, 0, sectors * sizeof(uint32_t));
}

uint64_t fk_emu_device_ns(const fk_emu_t *emu)
{
    return emu->st.read_ns + emu->st.write_ns + emu->st.erase_ns;
}

int fk_emu_load(fk_emu_t *emu, uint32_t addr, const void *data, uint32_t len)
{
    if (addr > emu->size || len > emu->size - addr) {
        errno = ERANGE;
        return -1;
    }
    if (len == 0) return 0;
    uint32_t first = addr / FK_SECTOR_SIZE * FK_SECTOR_SIZE;
    uint32_t end = (addr + len + FK_SECTOR_SIZE - 1) / FK_SECTOR_SIZE * FK_SECTOR_SIZE;
    memset(emu->mem + first, 0xFF, end - first);
    memcpy(emu->mem + addr, data, len);
    return 0;
}
