/* Architectural bit numbers of x86 control registers, EFER and RFLAGS. */
#ifndef ASM_PROCESSOR_FLAGS_H
#define ASM_PROCESSOR_FLAGS_H

#define X86_CR0_PE (1 << 0)
#define X86_CR0_MP (1 << 1)
#define X86_CR0_EM (1 << 2)
#define X86_CR0_TS (1 << 3)
#define X86_CR0_NE (1 << 5)
#define X86_CR0_WP (1 << 16)
#define X86_CR0_AM (1 << 18)
#define X86_CR0_PG (1 << 31)

#define X86_CR4_PSE        (1 << 4)
#define X86_CR4_PAE        (1 << 5)
#define X86_CR4_PGE        (1 << 7)
#define X86_CR4_OSFXSR     (1 << 9)
#define X86_CR4_OSXMMEXCPT (1 << 10)
#define X86_CR4_UMIP       (1 << 11)
#define X86_CR4_FSGSBASE   (1 << 16)
#define X86_CR4_OSXSAVE    (1 << 18)
#define X86_CR4_SMEP       (1 << 20)
#define X86_CR4_SMAP       (1 << 21)

#define MSR_EFER           0xc0000080
#define EFER_SCE           (1 << 0)
#define EFER_LME           (1 << 8)
#define EFER_NXE           (1 << 11)
#define MSR_FS_BASE        0xc0000100
#define MSR_GS_BASE        0xc0000101
#define MSR_SHADOW_GS_BASE 0xc0000102
#define MSR_APIC_BASE      0x0000001b

#define X86_EFLAGS_IF (1 << 9)
#define X86_EFLAGS_AC (1 << 18)

#define _PAGE_PRESENT  0x001
#define _PAGE_RW       0x002
#define _PAGE_USER     0x004
#define _PAGE_PWT      0x008
#define _PAGE_PCD      0x010
#define _PAGE_ACCESSED 0x020
#define _PAGE_DIRTY    0x040
#define _PAGE_PSE      0x080
#define _PAGE_GLOBAL   0x100
#define _PAGE_NX       (1UL << 63)

/* Flat descriptors shared by the boot GDTs and hv's runtime GDT. */
#define GDT_DESC_CS64 0x00af9a000000ffff /* 64-bit code, DPL 0 */
#define GDT_DESC_DS   0x00cf92000000ffff /* flat data, DPL 0 */
#define GDT_DESC_CS32 0x00cf9a000000ffff /* flat 32-bit code, DPL 0 */

/* Selectors of hv's GDT (arch/x86/desc.c builds the runtime one). */
#define HV_CS64 0x08
#define HV_DS   0x10
#define HV_CS32 0x18
#define HV_TSS  0x20 /* 16-byte descriptor */

#endif
