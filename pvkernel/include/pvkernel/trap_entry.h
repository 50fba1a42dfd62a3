/*
 * Assembly for exception and callback entry stubs (traps_entry.S and test
 * kernels' own stubs): CAPTURE_ENTRY keeps what the hypervisor left in
 * RCX, R11 and RFLAGS on entering a handler (trap_entry_rcx, _r11,
 * _rflags in traps.h), then clears DF for the C code that follows.
 */
#ifndef PVKERNEL_TRAP_ENTRY_H
#define PVKERNEL_TRAP_ENTRY_H
#ifndef __ASSEMBLY__
#error "trap_entry.h is for assembly files"
#endif

/* Assembler, not C: */
/* clang-format off */
.macro CAPTURE_ENTRY
        mov     %rcx, trap_entry_rcx(%rip)
        mov     %r11, trap_entry_r11(%rip)
        pushfq
        popq    trap_entry_rflags(%rip)
        cld
.endm
/* clang-format on */

#endif
