/*
 * A PV vCPU's control registers as its kernel sees them through `mov`
 * (emulated after the #GP it takes at CPL 3), with Xen's rules: CR0 where
 * only TS may change (the lazy-FPU flag of fpu_taskswitch), CR2 as the
 * vCPU's own value, CR3 as a switch of the kernel's base page table, and
 * a virtual CR4 of which the kernel chooses TSD, DE, FSGSBASE and OSXSAVE
 * (as far as the CPUID policy has them) and sees hv's PAE, MCE, OSFXSR and
 * OSXMMEXCPT.  TSD and FSGSBASE are loaded into the real CR4 while the vCPU
 * runs; OSXSAVE lets the kernel use xsetbv, emulated here against the
 * policy's XSAVE components; TSD makes its rdtsc/rdtscp fault, emulated here.
 */
#include <asm/pv.h>
#include <asm/cpu.h>
#include <asm/extable.h>
#include <asm/processor-flags.h>
#include <hv/errno.h>
#include <string.h>

/* What the guest may set in its CR4, and what it sees of hv's. */
#define PV_CR4_GUEST_MASK   (X86_CR4_TSD | X86_CR4_DE | X86_CR4_FSGSBASE | X86_CR4_OSXSAVE)
#define PV_CR4_VISIBLE_MASK (X86_CR4_PAE | X86_CR4_MCE | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT)

#define XSTATE_X87       (1ULL << 0)
#define XSTATE_SSE       (1ULL << 1)
#define XSTATE_YMM       (1ULL << 2)
#define XSTATE_BNDREGS   (1ULL << 3)
#define XSTATE_BNDCSR    (1ULL << 4)
#define XSTATE_AVX512    (7ULL << 5) /* opmask, ZMM_Hi256, Hi16_ZMM */
#define XSTATE_TILE      (3ULL << 17)
#define XSTATE_FP_SSE    (XSTATE_X87 | XSTATE_SSE)
#define XSAVE_HEADER_END 576 /* legacy region and XSAVE header */

static bool policy_has(uint32_t leaf, unsigned int reg, unsigned int bit)
{
    uint32_t r[4];
    pv_cpuid_policy(leaf, 0, r);
    return (r[reg] >> bit) & 1;
}

/* The value hv itself runs with in the bits a guest sees. */
static uint64_t visible_cr4(void)
{
    uint64_t cr4 = read_cr4() & (X86_CR4_PAE | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT);
    uint32_t a, b, c, d;
    cpuid(1, &a, &b, &c, &d);
    /* Machine checks: enabled on every CPU that has them, as Xen does. */
    if (d & (1u << 7))
        cr4 |= X86_CR4_MCE;
    return cr4;
}

/* Xen's pv_fixup_guest_cr4: the guest's choice of its bits, within the
 * policy, and hv's settings of the visible ones; anything else is dropped. */
static uint64_t fixup_guest_cr4(uint64_t cr4)
{
    if (!policy_has(1, 3, 4))
        cr4 &= ~(uint64_t)X86_CR4_TSD;
    if (!policy_has(1, 3, 2))
        cr4 &= ~(uint64_t)X86_CR4_DE;
    if (!policy_has(7, 1, 0))
        cr4 &= ~(uint64_t)X86_CR4_FSGSBASE;
    if (!policy_has(1, 2, 26))
        cr4 &= ~(uint64_t)X86_CR4_OSXSAVE;
    return (cr4 & PV_CR4_GUEST_MASK) | visible_cr4();
}

/* The real CR4 while v runs: hv's, with v's TSD and FSGSBASE. */
static void load_cr4(const struct vcpu *v)
{
    uint64_t cr4 = read_cr4() & ~(uint64_t)(X86_CR4_TSD | X86_CR4_FSGSBASE);
    cr4 |= v->arch.cr4 & (X86_CR4_TSD | X86_CR4_FSGSBASE);
    write_cr4(cr4);
}

static void set_xcr0(uint64_t xcr0)
{
    __asm__ __volatile__("xsetbv" ::"a"((uint32_t)xcr0), "d"((uint32_t)(xcr0 >> 32)), "c"(0u));
}

/* set_xcr0 for a value from a guest: false if the CPU refuses it (#GP). */
static bool set_xcr0_checked(uint64_t xcr0)
{
    bool ok = true;
    __asm__ __volatile__(ASM_TRY("xsetbv")
                         : "+r"(ok)
                         : "a"((uint32_t)xcr0), "d"((uint32_t)(xcr0 >> 32)), "c"(0u));
    return ok;
}

static bool cpu_has_xsave(void)
{
    uint32_t a, b, c, d;
    cpuid(1, &a, &b, &c, &d);
    return c & (1u << 26);
}

static bool cpu_has_tsc_aux(void)
{
    uint32_t a, b, c, d, max;
    cpuid(0x80000000, &max, &b, &c, &d);
    if (max >= 0x80000001) {
        cpuid(0x80000001, &a, &b, &c, &d);
        if (d & (1u << 27)) /* RDTSCP */
            return true;
    }
    cpuid(0, &max, &b, &c, &d);
    if (max < 7)
        return false;
    cpuid_count(7, 0, &a, &b, &c, &d);
    return c & (1u << 22); /* RDPID */
}

void pv_init_control_regs(struct vcpu *v)
{
    v->arch.cr2 = 0;
    v->arch.cr4 = fixup_guest_cr4(0);
    v->arch.xcr0 = 0;
    v->arch.xcr0_accum = 0;
    v->arch.tsc_aux = 0;
}

void pv_set_guest_cr4(struct vcpu *v, uint64_t cr4)
{
    v->arch.cr4 = fixup_guest_cr4(cr4);
}

void pv_load_control_regs(struct vcpu *v)
{
    load_cr4(v);
    if (cpu_has_xsave())
        set_xcr0(v->arch.xcr0 ? v->arch.xcr0 : XSTATE_FP_SSE);
    if (cpu_has_tsc_aux())
        wrmsr(MSR_TSC_AUX, v->arch.tsc_aux);
}

bool pv_emulate_cr_read(unsigned int cr, uint64_t *value)
{
    struct vcpu *v = current_vcpu();
    switch (cr) {
    case 0:
        *value = X86_CR0_PG | X86_CR0_AM | X86_CR0_WP | X86_CR0_NE | (1u << 4) /* ET */ |
                 X86_CR0_MP | X86_CR0_PE | (v->arch.fpu_ts ? X86_CR0_TS : 0);
        return true;
    case 2:
        *value = v->arch.cr2;
        return true;
    case 3:
        /* The kernel's table, also while user mode's is loaded (as Xen). */
        *value = v->arch.guest_table << PAGE_SHIFT;
        return true;
    case 4:
        *value = v->arch.cr4;
        return true;
    }
    return false;
}

bool pv_emulate_cr_write(unsigned int cr, uint64_t value)
{
    struct vcpu *v = current_vcpu();
    uint64_t cr0;
    switch (cr) {
    case 0:
        /* Only TS may change; the rest must be written as read. */
        pv_emulate_cr_read(0, &cr0);
        if ((value ^ cr0) & ~(uint64_t)X86_CR0_TS)
            return false;
        do_fpu_taskswitch((value & X86_CR0_TS) != 0);
        return true;
    case 2:
        v->arch.cr2 = value;
        pv_vcpu_info(v)->arch.cr2 = value;
        return true;
    case 3:
        /* The frame number is all of bits 12-63 (bit 63 is no "no flush"
         * here); the low bits are ignored.  The table is installed as by
         * MMUEXT_NEW_BASEPTR, refused as the CPU would refuse a bad CR3. */
        return pv_new_guest_cr3(v, value >> PAGE_SHIFT) == 0;
    case 4:
        /* With FSGSBASE going off, the bases the guest may have written
         * directly are the ones hv must keep from now on. */
        if ((v->arch.cr4 & X86_CR4_FSGSBASE) && !(value & X86_CR4_FSGSBASE)) {
            v->arch.fs_base = rdmsr(MSR_FS_BASE);
            v->arch.gs_base_kernel = rdmsr(MSR_GS_BASE);
        }
        v->arch.cr4 = fixup_guest_cr4(value);
        load_cr4(v);
        return true;
    }
    return false;
}

/* The XSAVE components the PV policy offers (CPUID leaf 0xd, subleaf 0). */
static uint64_t xcr0_max(void)
{
    uint32_t r[4];
    pv_cpuid_policy(0xd, 0, r);
    return ((uint64_t)r[3] << 32) | r[0];
}

/* An XCR0 the architecture accepts: x87 always, YMM with SSE, the three
 * AVX-512 components together and with YMM, MPX's two and AMX's two together. */
static bool valid_xcr0(uint64_t xcr0)
{
    if (!(xcr0 & XSTATE_X87))
        return false;
    if ((xcr0 & XSTATE_YMM) && !(xcr0 & XSTATE_SSE))
        return false;
    if ((xcr0 & XSTATE_AVX512) && (!(xcr0 & XSTATE_YMM) || (xcr0 & XSTATE_AVX512) != XSTATE_AVX512))
        return false;
    if (!(xcr0 & XSTATE_BNDREGS) != !(xcr0 & XSTATE_BNDCSR))
        return false;
    if ((xcr0 & XSTATE_TILE) && (xcr0 & XSTATE_TILE) != XSTATE_TILE)
        return false;
    return true;
}

/*
 * A component the vCPU enables for the first time starts in its initial
 * state (nothing another user of this CPU left in it): an xrstor of those
 * components from a header that has none of them.  xrstor also reads MXCSR
 * from the area when SSE or YMM is restored, so the current one goes there.
 */
static void init_new_components(uint64_t mask)
{
    uint8_t area[XSAVE_HEADER_END] __attribute__((aligned(64)));
    uint64_t cr0 = read_cr0();
    memset(area, 0, sizeof(area));
    if (cr0 & X86_CR0_TS)
        write_cr0(cr0 & ~(uint64_t)X86_CR0_TS);
    __asm__ __volatile__("stmxcsr %0" : "=m"(*(uint32_t *)&area[24]));
    __asm__ __volatile__("xrstor %0" ::"m"(area), "a"((uint32_t)mask), "d"((uint32_t)(mask >> 32))
                         : "memory");
    if (cr0 & X86_CR0_TS)
        write_cr0(cr0);
}

/*
 * xsetbv from the guest kernel (Xen's handle_xsetbv): XCR0 only, a value
 * within the policy that the architecture accepts.  The caller has checked
 * the virtual CR4.OSXSAVE (#UD without it).  False means #GP(0).
 */
bool pv_emulate_xsetbv(uint32_t index, uint64_t value)
{
    struct vcpu *v = current_vcpu();
    if (index != 0)
        return false;
    if ((value & ~xcr0_max()) || !valid_xcr0(value))
        return false;
    uint64_t added = value & ~v->arch.xcr0_accum & ~XSTATE_FP_SSE;
    /* The policy comes from this CPU, so it should accept the value; if it
     * does not, the guest gets the #GP and keeps its XCR0. */
    if (!set_xcr0_checked(value))
        return false;
    v->arch.xcr0 = value;
    v->arch.xcr0_accum |= value;
    if (added)
        init_new_components(added);
    return true;
}

/* rdtsc/rdtscp after the #GP of CR4.TSD: emulated for the kernel only. */
bool pv_emulate_rdtsc(struct cpu_regs *regs, bool rdtscp)
{
    struct vcpu *v = current_vcpu();
    if (!v->arch.kernel_mode && (v->arch.cr4 & X86_CR4_TSD))
        return false;
    if (rdtscp)
        regs->rcx = v->arch.tsc_aux;
    uint64_t tsc = rdtsc();
    regs->rax = (uint32_t)tsc;
    regs->rdx = tsc >> 32;
    return true;
}

/* MSR_TSC_AUX, for a policy with RDTSCP or RDPID; false means #GP. */
bool pv_tsc_aux_msr(bool write, uint64_t *value)
{
    uint32_t r[4], r7[4];
    pv_cpuid_policy(0x80000001, 0, r);
    pv_cpuid_policy(7, 0, r7);
    if (!(r[3] & (1u << 27)) && !(r7[2] & (1u << 22)))
        return false;
    struct vcpu *v = current_vcpu();
    if (!write) {
        *value = v->arch.tsc_aux;
        return true;
    }
    if (*value >> 32)
        return false;
    v->arch.tsc_aux = (uint32_t)*value;
    wrmsr(MSR_TSC_AUX, *value);
    return true;
}
