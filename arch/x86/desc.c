/*
 * Descriptor tables.  Each CPU has its own GDT in Xen's layout (16 pages:
 * the first 14 for a guest's own descriptors, hv's and the PV flat ring-3
 * descriptors from selector 0xe000; see asm/processor-flags.h) and its own
 * TSS with IST stacks for NMI, #DF, #MC and #DB: those can arrive on a broken
 * or not yet switched stack (a #DB on the first instruction of a syscall
 * entry, a #DF from a stack overflow).  One IDT is shared by all CPUs.
 */
#include <asm/desc.h>
#include <asm/cpu.h>
#include <asm/processor-flags.h>
#include <asm/layout.h>
#include <asm/paging.h>
#include <xen-abi.h>
#include <hv/mm.h>
#include <hv/panic.h>
#include <string.h>

struct idt_entry {
    uint16_t offset0;
    uint16_t selector;
    uint8_t ist;
    uint8_t type_attr;
    uint16_t offset1;
    uint32_t offset2;
    uint32_t reserved;
} __packed;

static struct idt_entry idt[256] __aligned(16);
extern const char trap_stubs[];

static void set_gate(unsigned int vec, unsigned int ist, uint16_t cs, unsigned int dpl)
{
    uint64_t addr = (uint64_t)(trap_stubs + vec * 16);
    idt[vec] = (struct idt_entry){
        .offset0 = (uint16_t)addr,
        .selector = cs,
        .ist = (uint8_t)ist,
        .type_attr = (uint8_t)(0x8e | (dpl << 5)), /* present, interrupt gate */
        .offset1 = (uint16_t)(addr >> 16),
        .offset2 = (uint32_t)(addr >> 32),
    };
}

void idt_init(uint16_t cs)
{
    for (unsigned int v = 0; v < 256; v++)
        set_gate(v, 0, cs, 0);
    set_gate(1, IST_DB, cs, 0);
    set_gate(2, IST_NMI, cs, 0);
    set_gate(8, IST_DF, cs, 0);
    set_gate(18, IST_MC, cs, 0);
    /* int3 and into are allowed from guests (CPL 3), as on Xen. */
    set_gate(3, 0, cs, 3);
    set_gate(4, 0, cs, 3);
    /* So is int $0x80, the legacy system call, which goes straight to the
     * guest's handler; any other `int $n` raises a #GP naming its vector. */
    set_gate(VECTOR_INT80, 0, cs, 3);
}

void load_idt(void)
{
    struct {
        uint16_t limit;
        uint64_t base;
    } __packed idtr = {sizeof(idt) - 1, (uint64_t)idt};
    __asm__ __volatile__("lidt %0" : : "m"(idtr));
}

/*
 * The GDT window of a CPU: the guest's pages show a shared zero page (all
 * descriptors not present) until a vCPU's set_gdt frames are put there;
 * hv's two pages are the CPU's own.
 */
static void map_gdt_window(struct x86_cpu *c, unsigned int cpu)
{
    static paddr_t zero_page;
    if (!zero_page) {
        void *z = alloc_hv_pages(1);
        if (!z)
            panic("no memory for the zero GDT page");
        memset(z, 0, PAGE_SIZE);
        zero_page = __pa(z);
    }
    uint64_t *own = alloc_hv_pages(GDT_PAGES - FIRST_RESERVED_GDT_PAGE);
    if (!own)
        panic("no memory for a GDT");
    memset(own, 0, (GDT_PAGES - FIRST_RESERVED_GDT_PAGE) * PAGE_SIZE);
    uint64_t va = GDT_VIRT_START + cpu * GDT_VIRT_STRIDE;
    c->gdt_zero_pa = zero_page;
    c->gdt_ptes = map_hv_page(va, zero_page, PAGE_HV_RO);
    for (unsigned int i = 1; i < FIRST_RESERVED_GDT_PAGE; i++)
        map_hv_page(va + i * PAGE_SIZE, zero_page, PAGE_HV_RO);
    for (unsigned int i = FIRST_RESERVED_GDT_PAGE; i < GDT_PAGES; i++)
        map_hv_page(va + i * PAGE_SIZE, __pa(own) + (i - FIRST_RESERVED_GDT_PAGE) * PAGE_SIZE,
                    PAGE_HV_RW);
    c->gdt = (uint64_t *)va;
    /* The L1 entries exist from the start; ldt.c fills them as the guest's LDT is read. */
    uint64_t ldt_va = va + LDT_WINDOW_OFFSET;
    c->ldt_ptes = map_hv_page(ldt_va, zero_page, PAGE_HV_RO);
    for (unsigned int i = 1; i < LDT_PAGES; i++)
        map_hv_page(ldt_va + i * PAGE_SIZE, zero_page, PAGE_HV_RO);
    for (unsigned int i = 0; i < LDT_PAGES; i++) {
        c->ldt_ptes[i] &= _PAGE_NX;
        invlpg((char *)ldt_va + i * PAGE_SIZE);
    }
    c->ldt = (uint64_t *)ldt_va;
}

void cpu_desc_init(struct x86_cpu *c, char *stack_block, unsigned int cpu)
{
    if (!c->gdt)
        map_gdt_window(c, cpu);
    /* hv's pages afresh (a TSS descriptor left busy would make ltr fault). */
    memset(c->gdt + FIRST_RESERVED_GDT_ENTRY, 0, (GDT_PAGES - FIRST_RESERVED_GDT_PAGE) * PAGE_SIZE);
    c->gdt[HV_CS64 / 8] = GDT_DESC_CS64;
    c->gdt[HV_DS / 8] = GDT_DESC_DS;
    c->gdt[HV_CS32 / 8] = GDT_DESC_CS32;
    c->gdt[GUEST_CS32_SEL / 8] = GDT_DESC_CS32_DPL3;
    c->gdt[GUEST_DS_SEL / 8] = GDT_DESC_DS_DPL3;
    c->gdt[GUEST_CS64_SEL / 8] = GDT_DESC_CS64_DPL3;

    memset(&c->tss, 0, sizeof(c->tss));
    c->tss.rsp[0] = (uint64_t)(stack_block + STACK_BLOCK_SIZE - STACK_INFO_SIZE);
    c->tss.iomap_base = sizeof(c->tss); /* no I/O bitmap */
    /* IST stack i (1-based) occupies the i-th IST_STACK_SIZE slice of the block. */
    for (unsigned int i = 1; i <= IST_STACKS; i++)
        c->tss.ist[i - 1] = (uint64_t)(stack_block + i * IST_STACK_SIZE);

    uint64_t base = (uint64_t)&c->tss, limit = sizeof(c->tss) - 1;
    c->gdt[HV_TSS / 8] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ULL << 40) |
                         (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
    c->gdt[HV_TSS / 8 + 1] = base >> 32;

    struct {
        uint16_t limit;
        uint64_t base;
    } __packed gdtr = {GDT_PAGES * PAGE_SIZE - 1, (uint64_t)c->gdt};
    __asm__ __volatile__("lgdt %0\n\t"
                         "pushq %1\n\t"
                         "leaq 1f(%%rip), %%rax\n\t"
                         "pushq %%rax\n\t"
                         "lretq\n"
                         "1:\n\t"
                         "mov %2, %%eax\n\t"
                         "mov %%eax, %%ds\n\t"
                         "mov %%eax, %%es\n\t"
                         "mov %%eax, %%ss\n\t"
                         "ltr %w3"
                         :
                         : "m"(gdtr), "i"(HV_CS64), "i"(HV_DS), "r"(HV_TSS)
                         : "rax", "memory");
    load_idt();
}
