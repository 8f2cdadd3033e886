/* Reader for the SDK's configuration files (sdkconfig, sdkconfig.defaults):
 * the Kconfig "CONFIG_NAME=value" format that menuconfig writes. */
#ifndef FK_SDKCONFIG_H
#define FK_SDKCONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct fk_sdkconfig fk_sdkconfig_t;

/* Parses an sdkconfig / sdkconfig.defaults file: CONFIG_X=value lines,
 * "quoted strings" with \" and \\ escapes, # comments, "# CONFIG_X is not
 * set", blank lines, CRLF. A later line for the same name wins (as in
 * Kconfig). NULL + one-line error "file:line: reason" on failure. */
fk_sdkconfig_t *fk_sdkconfig_load(const char *path, char *err, size_t errlen);
/* Same from text; `name` is used in messages. */
fk_sdkconfig_t *fk_sdkconfig_parse(const char *text, const char *name, char *err, size_t errlen);

/* Value with quotes removed ("y" for booleans), or NULL if absent, "is not
 * set" or an unquoted n. `name` may be given with or without "CONFIG_". */
const char *fk_sdkconfig_get(const fk_sdkconfig_t *c, const char *name);
/* Line of the last definition (or "is not set" line) of name; 0 if absent. */
int fk_sdkconfig_line(const fk_sdkconfig_t *c, const char *name);
/* True if the option is y. */
bool fk_sdkconfig_bool(const fk_sdkconfig_t *c, const char *name);
/* Numeric option (hex 0x.. or decimal). Returns 0 if absent, 1 if parsed,
 * -1 if present but not a number. */
int fk_sdkconfig_u32(const fk_sdkconfig_t *c, const char *name, uint32_t *out);
/* File name given to load/parse. */
const char *fk_sdkconfig_name(const fk_sdkconfig_t *c);

/* Iteration in file order over distinct names (last value of each):
 * i from 0 while fk_sdkconfig_at() returns true. Value NULL = not set. */
bool fk_sdkconfig_at(const fk_sdkconfig_t *c, size_t i, const char **name, const char **value,
                     int *line);

void fk_sdkconfig_free(fk_sdkconfig_t *c);

#endif
