/* Architectural bit numbers of x86 control registers, EFER and RFLAGS. */
#ifndef ASM_PROCESSOR_FLAGS_H
#define ASM_PROCESSOR_FLAGS_H

#define X86_CR0_PE (1 << 0)
#define X86_CR0_MP (1 << 1)
#define X86_CR0_EM (1 << 2)
#define X86_CR0_TS (1 << 3)
#define X86_CR0_ET (1 << 4)
#define X86_CR0_NE (1 << 5)
#define X86_CR0_WP (1 << 16)
#define X86_CR0_AM (1 << 18)
#define X86_CR0_PG (1 << 31)

#define X86_CR4_TSD        (1 << 2)
#define X86_CR4_DE         (1 << 3)
#define X86_CR4_PSE        (1 << 4)
#define X86_CR4_PAE        (1 << 5)
#define X86_CR4_MCE        (1 << 6)
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
#define MSR_TSC_AUX        0xc0000103

#define X86_EFLAGS_TF   (1 << 8)
#define X86_EFLAGS_IF   (1 << 9)
#define X86_EFLAGS_DF   (1 << 10)
#define X86_EFLAGS_IOPL (3 << 12)
#define X86_EFLAGS_NT   (1 << 14)
#define X86_EFLAGS_AC   (1 << 18)

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

/* Selectors of the small GDTs that boot code (head.S, trampoline.S) runs on. */
#define BOOT_CS64 0x08
#define BOOT_DS   0x10
#define BOOT_CS32 0x18

/*
 * hv's runtime GDT follows Xen's layout: a GDT of 16 pages per CPU whose first
 * FIRST_RESERVED_GDT_PAGE (14) pages belong to the guest (set_gdt) and whose
 * reserved part, from selector 0xe000, holds hv's descriptors and the flat
 * ring-3 selectors of the PV ABI (FLAT_RING3_CS32/DS32/CS64 of <xen/xen.h>).
 */
#define GDT_PAGES      16
#define GDT_RESERVED   0xe000
#define HV_CS64        0xe008
#define HV_DS          0xe010
#define HV_CS32        0xe018
#define GUEST_CS32_SEL 0xe020 /* FLAT_RING3_CS32 without its RPL */
#define GUEST_DS_SEL   0xe028 /* FLAT_RING3_DS32/SS64 without its RPL */
#define GUEST_CS64_SEL 0xe030 /* FLAT_RING3_CS64 without its RPL */
#define HV_TSS         0xe040 /* 16-byte descriptor */
#define HV_LDT         0xe050 /* 16-byte descriptor, for guest LDTs */

/* The flat descriptors with DPL 3, for guests. */
#define GDT_DESC_CS64_DPL3 (GDT_DESC_CS64 | (3ULL << 45))
#define GDT_DESC_DS_DPL3   (GDT_DESC_DS | (3ULL << 45))
#define GDT_DESC_CS32_DPL3 (GDT_DESC_CS32 | (3ULL << 45))

#endif
