/* Symbol lookup for stack traces, from the table the build embeds in the image. */
#ifndef HV_SYMBOLS_H
#define HV_SYMBOLS_H
#include <hv/types.h>
/* Name of the function holding addr, its offset and size; NULL if unknown. */
const char *symbol_lookup(uint64_t addr, uint64_t *offset, uint64_t *size);
/* Formats "name+0xoff/0xsize" (or the bare address) into buf. */
void symbol_format(uint64_t addr, char *buf, size_t len);
#endif
