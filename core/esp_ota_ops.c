#include "esp_ota_ops.h"

#include <stdbool.h>
#include <string.h>
#include "esp_image_format.h"
#include "fk_crc32.h"
#include "fk_hash.h"
#include "fk_image_verify_ex.h"
#include "fk_ota_slots.h"
#include "otadata.h"

/* The SHA-256 and the checksum of an incoming image are computed while it
 * arrives, from the bytes read back from flash right after each write: they
 * then overlap the download instead of following it, and esp_ota_end need
 * not read the image a second time. Only the segment lengths are decoded
 * here (fk_image_fmt, to know which bytes are segment data and where the
 * hashed prefix [0, L) ends); esp_ota_end walks the headers on flash with
 * the verifier's own rules (fk_image_verify_ex.h), and verifies the slot in full
 * whenever this stream could not follow the image. What the sums vouch for
 * is the slot as read back just after each write; esp_ota_set_boot_partition
 * and the bootloader read it again in full. */
typedef struct {
    uint32_t pos;       /* bytes seen */
    uint32_t next_hdr;  /* offset of the next segment header, or the data's end */
    uint32_t L;         /* end of the hashed prefix; 0 = not known yet */
    uint8_t nsegs, seen;
    uint8_t buf[FK_IMAGE_SEG_HDR_LEN]; /* image or segment header being assembled */
    uint8_t have;
    uint8_t csum;       /* XOR of the segment data so far */
    uint32_t hdr_crc;   /* of the headers so far (fk_image_sums_t) */
    bool bad;
    fk_sha256_t sha;
} ota_stream_t;

typedef struct {
    esp_ota_handle_t id; /* 0 = free */
    const esp_partition_t *part;
    uint32_t wrote;
    uint32_t erased; /* bytes from the slot start already erased (lazy erase) */
    uint32_t checked; /* bytes read back into the stream */
    ota_stream_t st;
} ota_handle_t;

static ota_handle_t handles[FK_OTA_MAX_HANDLES];
static esp_ota_handle_t last_id;
/* The reason behind the last failure; one empty byte without FK_DIAG, so
 * the formatter below folds away with every message. */
static char last_error[FK_DIAG ? 200 : 1];

const char *fk_ota_last_error(void)
{
    return last_error;
}

/* No stdio in the core: a minimal "text, hex, text" formatter. */
static size_t err_put(size_t at, const char *s)
{
    if (!FK_DIAG) return 0;
    while (*s && at + 1 < sizeof last_error) last_error[at++] = *s++;
    last_error[at] = 0;
    return at;
}

static size_t err_hex(size_t at, uint32_t v)
{
    if (!FK_DIAG) return 0;
    char d[11] = "0x";
    int n = 0;
    for (int shift = 28; shift >= 0; shift -= 4) {
        uint32_t nib = (v >> shift) & 0xF;
        if (!nib && !n && shift) continue;
        d[2 + n++] = (char)(nib < 10 ? '0' + nib : 'a' + nib - 10);
    }
    d[2 + n] = 0;
    return err_put(at, d);
}

static void set_error(const char *a, uint32_t v, const char *b)
{
    size_t at = err_put(0, a);
    if (b) {
        at = err_hex(at, v);
        err_put(at, b);
    }
}

static ota_handle_t *find_handle(esp_ota_handle_t h)
{
    if (h == 0) return NULL;
    for (int i = 0; i < FK_OTA_MAX_HANDLES; i++)
        if (handles[i].id == h) return &handles[i];
    return NULL;
}

uint8_t get_ota_partition_count(void)
{
    return fk_ota_slot_count();
}

const esp_partition_t *esp_ota_get_running_partition(void)
{
    return fk_ota_running_partition();
}

/* Feeds bytes at stream offset st->pos. */
static void stream_feed(ota_stream_t *st, const uint8_t *d, size_t n)
{
    while (n && !st->bad) {
        if (st->L && st->pos >= st->L) return; /* past the hashed prefix */
        size_t take;
        bool in_hdr = st->pos < ESP_IMAGE_HEADER_LEN_ESP8266 || (!st->L && st->pos >= st->next_hdr);
        if (in_hdr) {
            take = 1;
            st->buf[st->have++] = *d;
            if (st->have == sizeof st->buf) {
                st->have = 0;
                st->hdr_crc = fk_crc32_le(st->hdr_crc, st->buf, sizeof st->buf);
                /* The image header and a segment header are both 8 bytes. */
                if (st->pos < ESP_IMAGE_HEADER_LEN_ESP8266) {
                    fk_image_hdr_t h;
                    fk_image_hdr_decode(st->buf, &h);
                    st->nsegs = h.segment_count;
                    st->next_hdr = ESP_IMAGE_HEADER_LEN_ESP8266;
                    if (st->nsegs > ESP_IMAGE_MAX_SEGMENTS) st->bad = true;
                    if (st->nsegs == 0) st->L = fk_image_checksum_offs(ESP_IMAGE_HEADER_LEN_ESP8266) + 1;
                } else {
                    uint32_t load, len;
                    fk_image_seg_decode(st->buf, &load, &len);
                    if (len % 4 || len > ESP_IMAGE_MAX_PART_SIZE) {
                        st->bad = true;
                    } else {
                        st->next_hdr = st->pos + 1 + len;
                        if (++st->seen == st->nsegs) st->L = fk_image_checksum_offs(st->next_hdr) + 1;
                    }
                }
            }
        } else if (st->pos < st->next_hdr) { /* segment data */
            take = st->next_hdr - st->pos < n ? st->next_hdr - st->pos : n;
            st->csum = fk_image_checksum(st->csum, d, take);
        } else { /* padding and the checksum byte (L is known here) */
            take = st->L - st->pos < n ? st->L - st->pos : n;
        }
        fk_sha256_update(&st->sha, d, take);
        st->pos += (uint32_t)take;
        d += take;
        n -= take;
    }
}

/* Reads back what was written, up to `upto`, in whole pieces of the buffer
 * however small the writes were (a read's cost is mostly per call: 256
 * bytes in one read cost 32 us on an ESP8266, in 8 reads of 32 bytes 56 us):
 * esp_ota_write leaves the last partial piece to the next call or to
 * esp_ota_end. Stops where the stream stops hashing. */
static esp_err_t stream_readback(ota_handle_t *h, uint32_t upto, bool whole_only)
{
    uint8_t buf[FK_OTA_READBACK];
    while (h->checked < upto && !h->st.bad && !(h->st.L && h->st.pos >= h->st.L)) {
        uint32_t n = upto - h->checked < sizeof buf ? upto - h->checked : (uint32_t)sizeof buf;
        if (whole_only && n < sizeof buf) break;
        esp_err_t err = fk_flash_read(h->part->flash, h->part->address + h->checked, buf, n);
        if (err != ESP_OK) return err;
        stream_feed(&h->st, buf, n);
        h->checked += n;
    }
    return ESP_OK;
}

/* The stream follows the image only if the hash check was on for every
 * byte; otherwise esp_ota_end verifies the slot in full. */
static esp_err_t stream_follow(ota_handle_t *h, bool whole_only)
{
    if (!(fk_ota_image_checks() & FK_IMAGE_CHECK_HASH)) {
        h->st.bad = true;
        return ESP_OK;
    }
    return stream_readback(h, h->wrote, whole_only);
}

esp_err_t esp_ota_begin(const esp_partition_t *partition, size_t image_size, esp_ota_handle_t *out_handle)
{
    last_error[0] = 0;
    if (!partition || !out_handle) return ESP_ERR_INVALID_ARG;
    const esp_partition_t *p = esp_partition_verify(partition);
    if (!p) return ESP_ERR_NOT_FOUND;
    if (!fk_ota_is_app(p)) return ESP_ERR_INVALID_ARG;
    if (fk_ota_same_partition(p, esp_ota_get_running_partition())) {
        set_error("refusing to overwrite the running app's partition at ", p->address, "");
        return ESP_ERR_OTA_PARTITION_CONFLICT;
    }
    if (fk_ota_rollback_on()) {
        esp_ota_img_states_t st;
        if (esp_ota_get_state_partition(esp_ota_get_running_partition(), &st) == ESP_OK &&
            st == ESP_OTA_IMG_PENDING_VERIFY) {
            err_put(0, "the running app has not confirmed itself (PENDING_VERIFY): "
                       "esp_ota_mark_app_valid_cancel_rollback() first");
            return ESP_ERR_OTA_ROLLBACK_INVALID_STATE;
        }
    }
    if (image_size != 0 && image_size != OTA_SIZE_UNKNOWN && image_size > p->size) {
        set_error("image size does not fit the slot of ", p->size, " bytes");
        return ESP_ERR_INVALID_SIZE;
    }
    for (int i = 0; i < FK_OTA_MAX_HANDLES; i++) {
        if (handles[i].id) continue;
        if (++last_id == 0) last_id = 1;
        handles[i] = (ota_handle_t){.id = last_id, .part = p, .st.csum = ESP_CHECKSUM_MAGIC, .st.hdr_crc = 0xFFFFFFFFu};
        fk_sha256_start(&handles[i].st.sha);
        *out_handle = last_id;
        /* ESP-IDF does this after erasing the slot; flashkit erases lazily,
         * so before the first byte: the old contents are given up here. */
        if (fk_ota_rollback_on()) esp_ota_invalidate_inactive_ota_data_slot();
        return ESP_OK;
    }
    return ESP_ERR_NO_MEM;
}

/* Resume (core/fk_ota_resume.c): a handle whose first `offset` bytes are
 * already in the slot. The streamed hash takes them from the flash, so the
 * final check covers them as if they had just arrived. */
esp_err_t fk_ota_begin_at(const esp_partition_t *partition, size_t image_size, uint32_t offset,
                          esp_ota_handle_t *out_handle)
{
    if (offset % FK_SECTOR_SIZE || (partition && offset > partition->size)) return ESP_ERR_INVALID_ARG;
    esp_err_t err = esp_ota_begin(partition, image_size, out_handle);
    if (err != ESP_OK || !offset) return err;
    ota_handle_t *h = find_handle(*out_handle);
    h->wrote = h->erased = offset;
    err = stream_follow(h, false);
    if (err != ESP_OK) {
        esp_ota_abort(*out_handle);
        *out_handle = 0;
    }
    return err;
}

esp_err_t esp_ota_write(esp_ota_handle_t handle, const void *data, size_t size)
{
    if (!data) return ESP_ERR_INVALID_ARG;
    ota_handle_t *h = find_handle(handle);
    if (!h) return ESP_ERR_INVALID_ARG;
    const uint8_t *d = data;
    if (h->wrote == 0 && size > 0 && d[0] != ESP_IMAGE_HEADER_MAGIC) {
        set_error("not an app image: first byte is ", d[0], " instead of 0xe9");
        return ESP_ERR_OTA_VALIDATE_FAILED;
    }
    const esp_partition_t *p = h->part;
    if (size > p->size - h->wrote) {
        set_error("image larger than the slot of ", p->size, " bytes");
        return ESP_ERR_INVALID_SIZE;
    }
    uint32_t end = h->wrote + (uint32_t)size;
    while (h->erased < end) {
        esp_err_t err = fk_flash_erase_range(p->flash, p->address + h->erased, FK_SECTOR_SIZE);
        if (err != ESP_OK) {
            set_error("flash erase failed at ", p->address + h->erased, "");
            return err;
        }
        h->erased += FK_SECTOR_SIZE;
    }
    esp_err_t err = fk_flash_write(p->flash, p->address + h->wrote, d, size);
    if (err != ESP_OK) {
        set_error("flash write failed at ", p->address + h->wrote, "");
        return err;
    }
    h->wrote = end;
    err = stream_follow(h, true);
    if (err != ESP_OK) set_error("flash read failed in the slot at ", p->address, "");
    return err;
}

/* Every exit of a handle releases the hash context. */
static void stream_release(ota_handle_t *h)
{
    uint8_t tmp[32];
    fk_sha256_finish(&h->st.sha, tmp);
}

esp_err_t esp_ota_abort(esp_ota_handle_t handle)
{
    ota_handle_t *h = find_handle(handle);
    if (!h) return ESP_ERR_NOT_FOUND;
    stream_release(h);
    h->id = 0;
    return ESP_OK;
}

/* sums NULL: the slot is read in full. */
static esp_err_t verify_slot(const esp_partition_t *p, unsigned checks, const fk_image_sums_t *sums)
{
    esp_err_t err = fk_ota_verify_part_sums(p, checks, sums);
    if (err == ESP_ERR_IMAGE_INVALID || err == ESP_ERR_INVALID_ARG) {
        const fk_image_info_t *info = fk_ota_image_info();
        err_put(err_put(0, "image invalid: "), info->reason[0] ? info->reason : fk_ota_verify_err_name(err));
        return ESP_ERR_OTA_VALIDATE_FAILED;
    }
    if (err != ESP_OK) set_error("flash read failed in the slot at ", p->address, "");
    return err;
}

/* The configured check (e.g. Secure Boot v2 signatures, fk_sbv2_gate.h),
 * its reason written straight after the prefix into the module's text. */
static esp_err_t configured_check(const esp_partition_t *p)
{
    size_t at = err_put(0, "image invalid: ");
    if (fk_ota_check_image(p, last_error + at, sizeof last_error - at) == ESP_OK) {
        last_error[0] = 0;
        return ESP_OK;
    }
    return ESP_ERR_OTA_VALIDATE_FAILED;
}

esp_err_t esp_ota_end(esp_ota_handle_t handle)
{
    ota_handle_t *h = find_handle(handle);
    if (!h) return ESP_ERR_NOT_FOUND;
    const esp_partition_t *part = h->part;
    const uint32_t wrote = h->wrote;
    /* The last partial piece; if it cannot be read, the full verification
     * below meets the failure itself (or reads past a transient one). */
    if (stream_follow(h, false) != ESP_OK) h->st.bad = true;
    /* The stream saw the whole prefix when it ran (the hash check was on
     * for every write) and followed the image to its end. */
    bool streamed = (fk_ota_image_checks() & FK_IMAGE_CHECK_HASH) && !h->st.bad && h->st.L && h->st.pos >= h->st.L;
    fk_image_sums_t sums = {.L = h->st.L, .hdr_crc = h->st.hdr_crc, .checksum = h->st.csum};
    fk_sha256_finish(&h->st.sha, sums.digest);
    h->id = 0;
    if (wrote == 0) return ESP_ERR_INVALID_ARG;
    esp_err_t err = verify_slot(part, fk_ota_image_checks(), streamed ? &sums : NULL);
    if (err != ESP_OK && err != ESP_ERR_OTA_VALIDATE_FAILED) return err;
    const fk_image_info_t *info = fk_ota_image_info();
    /* Lazy erase leaves older data past the new image: an image that needs
     * bytes beyond what was written was not fully received, whatever those
     * bytes happen to be. */
    uint32_t need = info->image_len > info->data_end ? info->image_len : info->data_end;
    if (err == ESP_OK && (fk_ota_image_checks() & FK_IMAGE_CHECK_HASH)) need = info->checksum_offs + 1 + ESP_IMAGE_HASH_LEN;
    if (info->nsegs) {
        /* Verification may stop at a segment header read from flash past the
         * data: that too means the stream ended early. */
        const fk_image_segment_t *sg = &info->seg[info->nsegs - 1];
        uint32_t end = sg->file_offs + 8u;
        if (sg->data_len <= part->size) end += sg->data_len;
        if (end > need) need = end;
    }
    if (need > wrote) {
        size_t at = err_put(0, "incomplete image: it needs ");
        at = err_hex(at, need);
        at = err_put(at, " bytes but only ");
        at = err_hex(at, wrote);
        err_put(at, " were written");
        return ESP_ERR_OTA_VALIDATE_FAILED;
    }
    if (err != ESP_OK) return err;
    /* The reason goes straight into the module's error text. */
    if (!fk_ota_config()->copy_app && fk_image_check_slot(info, part->address, part->size, last_error, sizeof last_error) != ESP_OK)
        return ESP_ERR_OTA_VALIDATE_FAILED;
    /* A configured image check has the last word, as esp_image_verify's
     * signature check in ESP-IDF. */
    return fk_ota_config()->check ? configured_check(part) : ESP_OK;
}

/* The image a call is about to select: the configured check. */
static esp_err_t check_target(const esp_partition_t *p)
{
    return fk_ota_config()->check ? configured_check(p) : verify_slot(p, fk_ota_image_checks(), NULL);
}

esp_err_t esp_ota_set_boot_partition(const esp_partition_t *partition)
{
    last_error[0] = 0;
    if (!partition || !partition->flash) return ESP_ERR_INVALID_ARG;
    esp_err_t err = check_target(partition);
    if (err != ESP_OK) return err;
    if (partition->type != ESP_PARTITION_TYPE_APP) return ESP_ERR_INVALID_ARG;
    const esp_partition_t *od = fk_ota_otadata_partition();
    if (partition->subtype == ESP_PARTITION_SUBTYPE_APP_FACTORY)
        return od ? fk_otadata_set_factory(od->flash, od->address, od->size) : ESP_ERR_NOT_FOUND;
    if (fk_ota_anti_rollback_on()) {
        uint32_t v;
        err = fk_ota_image_secure_version(partition, &v);
        if (err != ESP_OK) return err;
        if (!esp_efuse_check_secure_version(v)) {
            set_error("secure_version below the eFuse counter: the image is erased from ", partition->address, "");
            err = esp_partition_erase_range(partition, 0, partition->size);
            return err != ESP_OK ? err : ESP_ERR_OTA_SMALL_SEC_VER;
        }
    }
    if (!od) return ESP_ERR_NOT_FOUND;
    /* The test partition's low nibble is 0: it selects ota_0, as in the SDK. */
    uint32_t id = (uint32_t)partition->subtype & 0x0F, n = get_ota_partition_count();
    if (!fk_ota_rollback_on()) return fk_otadata_set_slot(od->flash, od->address, od->size, n, id);
    if (od->size < FK_OTADATA_SIZE) return ESP_ERR_INVALID_SIZE;
    fk_ota_select_t s[2];
    err = fk_otadata_read(od->flash, od->address, s);
    if (err != ESP_OK) return err;
    fk_otadata_plan_t plan;
    err = fk_otadata_plan_from(s, fk_rb_active(s), n, id, true, &plan);
    if (err != ESP_OK) return err;
    fk_ota_select_set_state(&plan.entry, ESP_OTA_IMG_NEW);
    return fk_otadata_apply(od->flash, od->address, &plan);
}

static const esp_partition_t *default_boot(void)
{
    const esp_partition_t *p =
        esp_partition_find_first(ESP_PARTITION_TYPE_APP, ESP_PARTITION_SUBTYPE_APP_FACTORY, NULL);
    for (int i = 0; !p && i < (int)FK_OTA_MAX_SLOTS; i++)
        p = esp_partition_find_first(ESP_PARTITION_TYPE_APP, ESP_PARTITION_SUBTYPE_OTA(i), NULL);
    if (!p) p = esp_partition_find_first(ESP_PARTITION_TYPE_APP, ESP_PARTITION_SUBTYPE_APP_TEST, NULL);
    return p;
}

const esp_partition_t *esp_ota_get_boot_partition(void)
{
    const esp_partition_t *od = fk_ota_otadata_partition();
    if (!od) return NULL;
    fk_ota_select_t s[2];
    if (fk_otadata_read(od->flash, od->address, s) != ESP_OK) return NULL;
    uint8_t n = get_ota_partition_count();
    if (fk_ota_rollback_on()) {
        int a = fk_rb_active(s);
        return a < 0 || n == 0 ? default_boot() : fk_ota_slot((uint32_t)fk_rb_slot(s[a].seq, n));
    }
    fk_otadata_choice_t c;
    fk_otadata_choose(s, n, &c);
    if (c.state != FK_OTADATA_SLOT || n == 0) return default_boot();
    return esp_partition_find_first(ESP_PARTITION_TYPE_APP, ESP_PARTITION_SUBTYPE_OTA(c.slot), NULL);
}

const esp_partition_t *esp_ota_get_next_update_partition(const esp_partition_t *start_from)
{
    if (!start_from) start_from = esp_ota_get_running_partition();
    const esp_partition_t *first = NULL;
    bool next_is_it = false;
    for (int i = 0; i < (int)FK_OTA_MAX_SLOTS; i++) {
        const esp_partition_t *p =
            esp_partition_find_first(ESP_PARTITION_TYPE_APP, ESP_PARTITION_SUBTYPE_OTA(i), NULL);
        if (!p) continue;
        if (!first) first = p;
        if (next_is_it) return p;
        if (fk_ota_same_partition(p, start_from)) next_is_it = true;
    }
    return first;
}

esp_err_t esp_ota_get_partition_description(const esp_partition_t *partition, esp_app_desc_t *app_desc)
{
    if (!partition || !app_desc || !partition->flash) return ESP_ERR_INVALID_ARG;
    if (partition->type != ESP_PARTITION_TYPE_APP) return ESP_ERR_NOT_SUPPORTED;
    esp_err_t err = fk_app_desc_find(partition->flash, partition->address, partition->size, app_desc);
    return err == ESP_OK ? ESP_OK : ESP_ERR_NOT_FOUND;
}
