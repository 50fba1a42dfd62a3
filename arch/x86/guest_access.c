/* hv's access to guest virtual memory (see asm/guest_access.h). */
#include <asm/guest_access.h>
#include <asm/layout.h>
#include <hv/errno.h>
#include <hv/console.h>
#include <asm/cpu.h>
#include <asm/processor-flags.h>
#include <asm/percpu.h>

bool cpu_has_smap;

struct exception_entry {
    uint64_t insn, fixup;
};
extern const struct exception_entry __ex_table_start[], __ex_table_end[];

uint64_t search_exception_table(uint64_t rip)
{
    for (const struct exception_entry *e = __ex_table_start; e < __ex_table_end; e++)
        if (e->insn == rip)
            return e->fixup;
    return 0;
}

bool guest_range_ok(uint64_t addr, uint64_t len)
{
    if (len == 0)
        return true;
    uint64_t last = addr + len - 1;
    if (last < addr || !is_canonical_address(addr) || !is_canonical_address(last))
        return false;
    /* A canonical range cannot cross the hole, so both ends share a half. */
    if ((int64_t)addr < 0 && (int64_t)last >= 0)
        return false;
    /* Nothing of hv's reserved slots, 0xffff800000000000-0xffff87ffffffffff. */
    return last < HV_RESERVED_START || addr > HV_RESERVED_LAST;
}

int copy_from_guest(void *dst, uint64_t guest_src, size_t len)
{
    if (!guest_range_ok(guest_src, len))
        return -EFAULT;
    return raw_copy_guest(dst, (const void *)guest_src, len) ? -EFAULT : 0;
}

int copy_to_guest(uint64_t guest_dst, const void *src, size_t len)
{
    if (!guest_range_ok(guest_dst, len))
        return -EFAULT;
    return raw_copy_guest((void *)guest_dst, src, len) ? -EFAULT : 0;
}

/* Guests use x87, SSE and (where present) XSAVE state: enable them in CR0/CR4/XCR0. */
static void cpu_fpu_init(void)
{
    uint32_t a, b, c, d;
    write_cr0((read_cr0() & ~(uint64_t)(X86_CR0_EM | X86_CR0_TS)) | X86_CR0_MP | X86_CR0_NE);
    uint64_t cr4 = read_cr4() | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT;
    cpuid(1, &a, &b, &c, &d);
    bool xsave = c & (1u << 26);
    if (xsave)
        cr4 |= X86_CR4_OSXSAVE;
    write_cr4(cr4);
    if (xsave) {
        /* x87 and SSE: what a PV vCPU has until its kernel enables more
         * with xsetbv (pv_load_control_regs loads each vCPU's own). */
        uint64_t xcr0 = 3;
        __asm__ __volatile__("xsetbv" ::"a"((uint32_t)xcr0), "d"(0u), "c"(0u));
    }
}

void cpu_features_init(void)
{
    cpu_fpu_init();
    uint32_t a, b, c, d;
    cpuid(0, &a, &b, &c, &d);
    if (a < 7)
        return;
    cpuid_count(7, 0, &a, &b, &c, &d);
    uint64_t cr4 = read_cr4();
    /* SMEP: hv never runs guest code.  SMAP: hv touches guest memory only in
     * raw_copy_guest, between stac and clac. */
    if (b & (1u << 7))
        cr4 |= X86_CR4_SMEP;
    if (b & (1u << 20)) {
        cr4 |= X86_CR4_SMAP;
        cpu_has_smap = true;
    }
    write_cr4(cr4);
    if (this_cpu_id() == 0)
        printk("CPU protections: SMEP %s, SMAP %s\n", (cr4 & X86_CR4_SMEP) ? "on" : "off",
               (cr4 & X86_CR4_SMAP) ? "on" : "off");
}
