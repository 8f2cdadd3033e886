/* flashkit otadata boot|api: the bootloader's choice and each rollback API
 * call run by the real core on an otadata file, with the apps described by
 * options instead of their bytes (rollback.md §9). */
#ifndef FK_OTADATA_MODEL_H
#define FK_OTADATA_MODEL_H

int otadata_boot(int argc, char **argv);
int otadata_api(int argc, char **argv);

#endif
