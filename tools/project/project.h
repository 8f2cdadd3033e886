/* An ESP8266 RTOS SDK 3.x style project as flashkit sees it: the flash layout
 * settings read from its sdkconfig, the checks that the pieces agree, and
 * the artifacts `flashkit build` writes. */
#ifndef FK_PROJECT_H
#define FK_PROJECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "part_gen.h"
#include "sdkconfig.h"

/* Collected messages: every disagreement is reported, not only the first. */
typedef struct {
    char **v;
    int n, cap;
} fk_msgs_t;
void fk_msgs_add(fk_msgs_t *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void fk_msgs_print(const fk_msgs_t *m, const char *prefix);
void fk_msgs_free(fk_msgs_t *m);

/* A numeric option and the sdkconfig line it came from (line 0 = default). */
typedef struct {
    bool set;
    uint32_t v;
    int line;
} fk_opt_u32_t;

typedef enum { FK_TABLE_SINGLE_APP, FK_TABLE_TWO_OTA, FK_TABLE_CUSTOM } fk_table_kind_t;

typedef struct {
    char *dir;      /* project folder as given ("." by default) */
    char *sdk_name; /* sdkconfig path as shown in messages */
    fk_sdkconfig_t *cfg;

    uint32_t flash_size;
    int flash_size_line;
    char flash_size_str[8]; /* "1MB" .. "16MB", esptool's spelling */
    char flash_mode[8];     /* qio qout dio dout */
    char flash_freq[8];     /* 80m 40m 26m 20m */

    fk_table_kind_t table;
    int table_line;
    char *table_path; /* file read (custom) or NULL for a built-in table */
    char *table_name; /* as shown: "proj/partitions.csv", "built-in partitions_two_ota.csv" */
    int table_name_line;
    fk_opt_u32_t table_offset;

    bool app2_support;
    int app2_support_line;
    fk_opt_u32_t app1_offset, app1_size, app2_offset, app2_size;
    fk_opt_u32_t custom_app_bin_offset, phy_data_offset;

    char *nvs_csv; /* path to read, NULL = no NVS image */
    char *nvs_name;
    int nvs_csv_line;
    int nvs_version;
    bool demo_app; /* CONFIG_FLASHKIT_DEMO_APP */
} fk_project_t;

/* "dir/name", or just name when dir is "." (malloc'd). */
char *fk_path_join(const char *dir, const char *name);

/* Reads DIR/sdkconfig. Values that cannot be understood are added to m (and
 * the load goes on so that all problems are seen); returns -1 only when the
 * file itself cannot be read or parsed (message in m). */
int fk_project_load(fk_project_t *p, const char *dir, fk_msgs_t *m);
void fk_project_free(fk_project_t *p);

/* The layout after the checks. Indexes into rows, -1 if none. */
typedef struct {
    fk_part_list_t rows;
    fk_part_opts_t opts;
    int app1, app2, nvs, otadata, phy;
    uint8_t table_bin[FK_PART_TABLE_SIZE];
    uint8_t *nvs_image; /* rows.e[nvs].size bytes, or NULL */
} fk_layout_t;

/* Parses the table and checks the whole layout (flash size, table offset,
 * app options vs the table's app slots, NVS CSV vs the nvs partition).
 * Adds one message per disagreement; returns the number of them. */
int fk_layout_check(const fk_project_t *p, fk_layout_t *lay, fk_msgs_t *m);
void fk_layout_free(fk_layout_t *lay);

/* "partitions.csv:6 ota_1" for messages. */
void fk_layout_row_name(const fk_project_t *p, const fk_layout_t *lay, int i, char *buf, size_t len);

/* Apps given to the build. */
typedef struct {
    const char *path; /* NULL = none */
    uint8_t *data;
    size_t len;
} fk_app_file_t;

/* Checks an app image against its slot (size, image verification, link
 * address); one message per problem. */
int fk_layout_check_app(const fk_project_t *p, const fk_layout_t *lay, int slot,
                        const fk_app_file_t *app, fk_msgs_t *m);

/* flashkit build. */
typedef struct {
    const char *dir;        /* project folder */
    const char *app, *app2; /* NULL = DIR/build/app.bin, app2.bin if present */
    const char *bootloader; /* NULL = none */
    bool merge, json;
} fk_build_opts_t;
int fk_project_build(const fk_build_opts_t *o);

/* Builds flashkit's demo firmware linked for a slot into `out` with
 * scripts/build-firmware.sh (needs the source tree and xtensa-lx106-elf-gcc). */
int fk_project_demo_app(const fk_project_t *p, uint32_t offset, uint32_t size, const char *out, char *err,
                        size_t errlen);

/* Scaffold options for `flashkit new`. */
typedef struct {
    const char *name;      /* folder to create */
    uint32_t flash_size;   /* 1, 2 or 4 MB */
    fk_table_kind_t table;
} fk_new_opts_t;
int fk_project_new(const fk_new_opts_t *o, char *err, size_t errlen);

/* The Kconfig file flashkit ships (the flash-layout subset of the SDK's). */
extern const char fk_project_kconfig[];
/* True if NAME (with CONFIG_) is an option of that Kconfig. */
bool fk_kconfig_has(const char *name);
/* Which choice block of that Kconfig NAME is a member of (1..), 0 if none. */
int fk_kconfig_choice_of(const char *name);

#endif
