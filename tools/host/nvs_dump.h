/* `flashkit nvs dump`: reads an NVS image the way the runtime does and shows
 * pages, entries and a summary, as text, JSON, or a CSV `nvs gen` accepts. */
#ifndef FK_NVS_DUMP_H
#define FK_NVS_DUMP_H

int fk_nvs_dump_main(int argc, char **argv);

#endif
