/* Names of the x86 exception vectors (see exceptions.h). */
#include "exceptions.h"
#include <stddef.h>

static const char *const names[] = {
    "divide error",
    "debug",
    "NMI",
    "breakpoint",
    "overflow",
    "bounds",
    "invalid opcode",
    "device not available",
    "double fault",
    "coprocessor segment overrun",
    "invalid TSS",
    "segment not present",
    "stack segment",
    "general protection fault",
    "page fault",
    NULL,
    "x87 floating point",
    "alignment check",
    "machine check",
    "SIMD floating point",
    "virtualization",
    "control protection",
};

const char *x86_exception_name(unsigned long vector)
{
    if (vector < sizeof(names) / sizeof(names[0]) && names[vector])
        return names[vector];
    return "unknown";
}
