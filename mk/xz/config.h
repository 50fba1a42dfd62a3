/*
 * liblzma's configuration for hv's freestanding build (mk/third_party.mk):
 * the .xz stream decoder with LZMA2 and the x86 BCJ filter (what a Linux
 * bzImage payload uses), CRC32 and CRC64 checks, no threads.  Allocation
 * always comes from the caller's lzma_allocator; the library's own
 * malloc/calloc/free are routed to stubs that fail (lzma_no_alloc.c).
 */
#define HAVE_STDINT_H                 1
#define HAVE_STDBOOL_H                1
#define HAVE__BOOL                    1
#define SIZEOF_SIZE_T                 8
#define HAVE_CHECK_CRC32              1
#define HAVE_CHECK_CRC64              1
#define HAVE_DECODERS                 1
#define HAVE_DECODER_LZMA1            1
#define HAVE_DECODER_LZMA2            1
#define HAVE_DECODER_X86              1
#define HAVE___BUILTIN_BSWAPXX        1
#define HAVE___BUILTIN_ASSUME_ALIGNED 1
#define TUKLIB_SYMBOL_PREFIX          lzma_
#include <stddef.h>
void *lzma_no_malloc(size_t size);
void *lzma_no_calloc(size_t n, size_t size);
void lzma_no_free(void *p);
#define malloc lzma_no_malloc
#define calloc lzma_no_calloc
#define free   lzma_no_free
