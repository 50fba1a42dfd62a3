/* Basic types for hv code; only compiler-provided freestanding headers. */
#ifndef HV_TYPES_H
#define HV_TYPES_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdarg.h>
#include <hv/compiler.h>

typedef uint64_t paddr_t;
typedef uint64_t mfn_t;   /* machine frame number */
typedef int64_t s_time_t; /* system time in nanoseconds since boot */

#define PAGE_SHIFT 12
#define PAGE_SIZE  (1UL << PAGE_SHIFT)
#define PAGE_MASK  (~(PAGE_SIZE - 1))

#define KiB(x) ((uint64_t)(x) << 10)
#define MiB(x) ((uint64_t)(x) << 20)
#define GiB(x) ((uint64_t)(x) << 30)

#endif
