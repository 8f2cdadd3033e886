/* menuconfig / defconfig through Debian's kconfig-frontends. */
#ifndef FK_PROJECT_MENU_H
#define FK_PROJECT_MENU_H

#include <stddef.h>

/* Opens kconfig-mconf on DIR/sdkconfig; returns the exit code. */
int fk_menuconfig(const char *dir);
/* Applies DIR/sdkconfig.defaults with kconfig-conf --olddefconfig. */
int fk_defconfig(const char *dir);

/* Kconfig's output merged with the options of `orig` that flashkit's Kconfig
 * does not know (kept verbatim at the end). malloc'd. */
char *fk_kconfig_merge_unknown(const char *kconfig_out, const char *orig);

#endif
