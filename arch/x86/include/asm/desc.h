/* GDT, TSS and IDT of each CPU (arch/x86/desc.c). */
#ifndef ASM_DESC_H
#define ASM_DESC_H
#include <hv/types.h>

struct tss64 {
    uint32_t reserved0;
    uint64_t rsp[3];
    uint64_t reserved1;
    uint64_t ist[7];
    uint64_t reserved2;
    uint16_t reserved3;
    uint16_t iomap_base;
} __packed;

/* IST slots (1-based as the CPU numbers them). */
#define IST_NMI    1
#define IST_DF     2
#define IST_MC     3
#define IST_DB     4
#define IST_STACKS 4

/* int $0x80, the one software interrupt gate guests may use besides int3
 * and into; never to be given to a device interrupt. */
#define VECTOR_INT80 0x80

struct x86_cpu {
    uint64_t *gdt;       /* the CPU's GDT window (GDT_PAGES pages at GDT_VIRT_START) */
    uint64_t *gdt_ptes;  /* the window's GDT_PAGES consecutive L1 entries */
    paddr_t gdt_zero_pa; /* what the guest pages show when no GDT frame is there */
    uint64_t *ldt;       /* the CPU's LDT window (LDT_PAGES pages after the GDT's) */
    uint64_t *ldt_ptes;  /* its LDT_PAGES consecutive L1 entries (not present when unused) */
    struct tss64 tss __aligned(16);
};

/* Builds the IDT with gates into code selector cs (BOOT_CS64 at first, HV_CS64 later). */
void idt_init(uint16_t cs);
/* Loads c's GDT and TSS; stack_block is the CPU's stack block (asm/layout.h). */
void cpu_desc_init(struct x86_cpu *c, char *stack_block, unsigned int cpu);
void load_idt(void);
#endif
