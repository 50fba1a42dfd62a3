/*
 * A PV vCPU's processor state that guests set through hypercalls rather
 * than privileged instructions: segment bases (set_segment_base), the
 * kernel stack for user-to-kernel transitions (stack_switch), the lazy-FPU
 * TS flag (fpu_taskswitch, clts, #NM) and the debug registers
 * (set_debugreg/get_debugreg), with Xen's checks.  hv itself never touches
 * the FPU, SSE or debug registers while a vCPU runs, so its values stay
 * live in the CPU until a context switch saves them (context_switch.c).
 */
#include <asm/pv.h>
#include <asm/layout.h>
#include <asm/cpu.h>
#include <asm/guest_access.h>
#include <asm/processor-flags.h>
#include <hv/errno.h>
#include <hv/hypercall.h>

long do_set_segment_base(uint64_t which, uint64_t base)
{
    struct vcpu *v = current_vcpu();
    switch (which) {
    case SEGBASE_FS:
        if (!is_canonical_address(base))
            return -EINVAL;
        wrmsr(MSR_FS_BASE, base);
        v->arch.fs_base = base;
        return 0;
    case SEGBASE_GS_USER:
        if (!is_canonical_address(base))
            return -EINVAL;
        /* In kernel mode the user's GS base waits in the shadow register. */
        wrmsr(v->arch.kernel_mode ? MSR_SHADOW_GS_BASE : MSR_GS_BASE, base);
        v->arch.gs_base_user = base;
        return 0;
    case SEGBASE_GS_KERNEL:
        if (!is_canonical_address(base))
            return -EINVAL;
        wrmsr(v->arch.kernel_mode ? MSR_GS_BASE : MSR_SHADOW_GS_BASE, base);
        v->arch.gs_base_kernel = base;
        return 0;
    case SEGBASE_GS_USER_SEL: {
        /* The user's %gs selector, with guest privilege; one the CPU refuses
         * to load leaves the null selector (the fixup below), as on Xen. */
        uint16_t sel = (uint16_t)base;
        if (sel > 3)
            sel |= 3;
        __asm__ __volatile__("swapgs\n"
                             "1:\tmov %w0, %%gs\n"
                             "2:\tswapgs\n\t"
                             ".pushsection .ex_table, \"a\"\n\t"
                             ".balign 8\n\t"
                             ".quad 1b, 3f\n\t"
                             ".popsection\n\t"
                             ".pushsection .text.fixup, \"ax\"\n"
                             "3:\txor %%eax, %%eax\n\t"
                             "mov %%eax, %%gs\n\t"
                             "jmp 2b\n\t"
                             ".popsection" ::"r"(sel)
                             : "rax", "memory");
        return 0;
    }
    default:
        return -EINVAL;
    }
}

long do_stack_switch(uint64_t ss, uint64_t sp)
{
    struct vcpu *v = current_vcpu();
    /* The selector is forced to guest privilege, as Xen's fixup does. */
    v->arch.kernel_ss = ss | 3;
    v->arch.kernel_sp = sp;
    return 0;
}

/* The debug registers a vCPU starts with (DR6 and DR7 reserved bits read as one). */
#define DR_STATUS_RESERVED_ONE  0xffff0ff0UL
#define DR_STATUS_RESERVED_ZERO 0x00001000UL /* bit 12 */
#define DR_CONTROL_IGNORED      0x0000d800UL /* bits 11-12, 14-15: cleared quietly */
#define DR_GENERAL_DETECT       (1UL << 13)
#define DR7_ACTIVE_MASK         0xffUL /* L0-G3 */
#define DR_RW_IO                2      /* a breakpoint type: I/O, with CR4.DE */

void pv_init_debugregs(struct vcpu *v)
{
    v->arch.debugreg[6] = DR_STATUS_RESERVED_ONE;
    v->arch.debugreg[7] = 0x400;
}

long do_fpu_taskswitch(uint64_t set)
{
    struct vcpu *v = current_vcpu();
    v->arch.fpu_ts = set != 0;
    write_cr0(set ? read_cr0() | X86_CR0_TS : read_cr0() & ~(uint64_t)X86_CR0_TS);
    return 0;
}

/* #NM from the guest: with its virtual TS set it is the guest's to handle. */
bool pv_handle_nm(struct cpu_regs *regs)
{
    struct vcpu *v = current_vcpu();
    if (v->arch.fpu_ts) {
        /* As Xen: the guest's handler runs with its virtual TS clear. */
        v->arch.fpu_ts = false;
        return false; /* bounced to the guest's trap table */
    }
    write_cr0(read_cr0() & ~(uint64_t)X86_CR0_TS);
    return true;
}

static void load_dr(unsigned int reg, uint64_t value)
{
    switch (reg) {
    case 0:
        __asm__ __volatile__("mov %0, %%db0" ::"r"(value));
        break;
    case 1:
        __asm__ __volatile__("mov %0, %%db1" ::"r"(value));
        break;
    case 2:
        __asm__ __volatile__("mov %0, %%db2" ::"r"(value));
        break;
    case 3:
        __asm__ __volatile__("mov %0, %%db3" ::"r"(value));
        break;
    case 6:
        __asm__ __volatile__("mov %0, %%db6" ::"r"(value));
        break;
    case 7:
        __asm__ __volatile__("mov %0, %%db7" ::"r"(value));
        break;
    }
}

static uint64_t read_dr6(void)
{
    uint64_t v;
    __asm__ __volatile__("mov %%db6, %0" : "=r"(v));
    return v;
}

/*
 * set_debugreg as Xen: DR4/DR5 are DR6/DR7 while the guest's CR4.DE is
 * clear and do not exist (-ENODEV) while it is set, unknown registers
 * -ENODEV, breakpoints on guest addresses only (-EPERM), no bits above 31
 * in DR6/DR7 (-EINVAL), DR7's reserved bits cleared quietly, general detect
 * refused (-EPERM).  I/O breakpoints need CR4.DE (else -EPERM): once any
 * slot is enabled, every slot's type is checked, as Xen checks it.  Their
 * enable bits are kept apart (dr7_emul) and never reach the CPU: hv
 * matches them when it emulates the guest's in/out.
 */
long do_set_debugreg(uint64_t reg, uint64_t value)
{
    return pv_set_debugreg(current_vcpu(), reg > 7 ? 8 : (unsigned int)reg, value);
}

long pv_set_debugreg(struct vcpu *v, unsigned int reg, uint64_t value)
{
    if (reg == 4 || reg == 5) {
        if (v->arch.cr4 & X86_CR4_DE)
            return -ENODEV;
        reg += 2;
    }
    unsigned int io_enable = 0;
    switch (reg) {
    case 0:
    case 1:
    case 2:
    case 3:
        if (!guest_range_ok(value, sizeof(long)))
            return -EPERM;
        break;
    case 6:
        if (value >> 32)
            return -EINVAL;
        value = (value & ~DR_STATUS_RESERVED_ZERO) | DR_STATUS_RESERVED_ONE;
        break;
    case 7:
        if (value >> 32)
            return -EINVAL;
        value = (value & ~DR_CONTROL_IGNORED) | 0x400; /* bit 10 reads as one */
        if (value & DR_GENERAL_DETECT)
            return -EPERM;
        if (value & DR7_ACTIVE_MASK) {
            for (unsigned int i = 0; i < 4; i++) {
                if (((value >> (16 + i * 4)) & 3) != DR_RW_IO)
                    continue;
                if (!(v->arch.cr4 & X86_CR4_DE))
                    return -EPERM;
                io_enable |= (unsigned int)value & (3u << (i * 2));
            }
        }
        value &= ~(uint64_t)io_enable;
        v->arch.dr7_emul = io_enable;
        break;
    default:
        return -ENODEV;
    }
    v->arch.debugreg[reg] = value;
    /* Another vCPU's registers are loaded when it next runs. */
    if (v == current_vcpu())
        load_dr(reg, value);
    return 0;
}

void pv_load_debugregs(struct vcpu *v)
{
    for (unsigned int i = 0; i < 4; i++)
        load_dr(i, v->arch.debugreg[i]);
    load_dr(6, v->arch.debugreg[6]);
    load_dr(7, v->arch.debugreg[7]);
}

int pv_read_debugreg(unsigned int reg, uint64_t *value)
{
    struct vcpu *v = current_vcpu();
    if (reg == 4 || reg == 5) {
        if (v->arch.cr4 & X86_CR4_DE)
            return -ENODEV;
        reg += 2;
    }
    if (reg > 7 || reg == 4 || reg == 5)
        return -ENODEV;
    *value = v->arch.debugreg[reg] | (reg == 7 ? v->arch.dr7_emul : 0);
    return 0;
}

long do_get_debugreg(uint64_t reg)
{
    uint64_t value;
    if (reg > 7 || pv_read_debugreg((unsigned int)reg, &value))
        return -ENODEV;
    return (long)value;
}

unsigned int pv_io_breakpoints(const struct vcpu *v, unsigned int port, unsigned int bytes)
{
    if (!v->arch.dr7_emul || !(v->arch.cr4 & X86_CR4_DE))
        return 0;
    static const unsigned int width_of_len[4] = {1, 2, 8, 4};
    unsigned int match = 0;
    for (unsigned int i = 0; i < 4; i++) {
        if (!(v->arch.dr7_emul & (3u << (i * 2))))
            continue;
        uint64_t start = v->arch.debugreg[i];
        unsigned int width = width_of_len[(v->arch.debugreg[7] >> (18 + i * 4)) & 3];
        if (start < port + bytes && start + width > port)
            match |= 1u << i;
    }
    return match;
}

/*
 * #DB while hv runs: a guest's data breakpoint hit by hv touching that
 * guest's memory for a hypercall (its DR7 stays armed in hv). As Xen does,
 * ignore it: it is not delivered and the guest's DR6 is left as it was.
 * Anything else (hv never single-steps or runs int1) is hv's own fault.
 */
bool pv_debug_trap_in_hv(void)
{
    if (!(read_dr6() & 0xf)) /* B0-B3: a breakpoint condition met */
        return false;
    load_dr(6, DR_STATUS_RESERVED_ONE);
    return true;
}

/* #DB from the guest: its DR6 records why, for get_debugreg(6). */
void pv_record_debug_status(void)
{
    struct vcpu *v = current_vcpu();
    v->arch.debugreg[6] = read_dr6();
    load_dr(6, DR_STATUS_RESERVED_ONE);
}
