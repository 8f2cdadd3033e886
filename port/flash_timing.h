/* What a flash operation costs on an ESP8266 (160 MHz CPU, 80 MHz SPI
 * flash), so host runs can report the time a device would spend in flash.
 *
 * The figures are the ones the SDK's own NVS host tests use for that chip:
 * per operation, for 4, 8, ... 4096 bytes,
 *   read  7 5 6 7 11 18 32 60 118 231 459 us
 *   write 19 23 35 57 106 205 417 814 1622 3200 6367 us
 * and 37,142 us per 4 KiB sector erase. Between two powers of two the cost
 * is interpolated linearly; below 4 bytes it is the 4-byte cost; above
 * 4 KiB an operation costs whole 4 KiB pieces plus the rest. Times are in
 * nanoseconds so that averages over many operations keep their fractions. */
#ifndef FK_FLASH_TIMING_H
#define FK_FLASH_TIMING_H

#include <stdint.h>

#define FK_ESP8266_ERASE_NS 37142000ull

uint64_t fk_esp8266_read_ns(uint64_t bytes);
uint64_t fk_esp8266_write_ns(uint64_t bytes);

#endif
