/*
 * The privileged operations of DESIGN §7 beyond port I/O and control
 * registers: cpuid through the forced-emulation prefix (ud2; "xen"; cpuid)
 * with a Xen-like PV policy (XSAVE components and sizes included) and the
 * hypervisor leaves 0x40000000-0x40000005, and MSR reads and writes
 * (FS/GS bases and TSC_AUX emulated, PAT/APIC_BASE/EFER read as fixed
 * values, unknown MSRs #GP).
 */
#include <asm/pv.h>
#include <asm/layout.h>
#include <asm/cpu.h>
#include <asm/guest_access.h>
#include <asm/processor-flags.h>
#include <hv/mm.h>

#define MSR_PAT 0x277

/*
 * CPUID bits a PV guest does not see, as Xen 4.17's PV policy hides them
 * (checked bit by bit against Xen under QEMU's qemu64 and max models by
 * conformance/priv-ops): what it cannot use at CPL 3, what hv does not
 * virtualise, and what a PV kernel must not rely on.
 */
#define L1_ECX_HIDDEN                                                                              \
    ((1u << 2) | (1u << 3) | (1u << 4) | (1u << 5) | (1u << 6) | (1u << 7) | (1u << 8) |           \
     (1u << 10) | (1u << 11) | (1u << 14) | (1u << 15) | (1u << 17) | (1u << 18) | (1u << 21) |    \
     (1u << 24))
#define L1_EDX_HIDDEN                                                                              \
    ((1u << 1) | (1u << 3) | (1u << 11) | (1u << 13) | (1u << 17) | (1u << 18) | (1u << 21) |      \
     (1u << 29) | (1u << 31))
#define L7_EBX_HIDDEN ((1u << 1) | (1u << 7) | (1u << 10) | (1u << 14) | (1u << 20) | (1u << 22))
#define L7_ECX_HIDDEN ((1u << 2) | (1u << 3) | (1u << 16) | (1u << 31))
#define E1_ECX_HIDDEN                                                                              \
    ((1u << 2) | (1u << 3) | (1u << 4) | (1u << 9) | (1u << 10) | (1u << 12) | (1u << 13))
#define E1_EDX_HIDDEN ((1u << 3) | (1u << 13) | (1u << 17) | (1u << 26))
/* The highest extended leaf of Xen's policy; leaves the host lacks read as zero. */
#define PV_EXT_MAX_LEAF 0x80000021u

static unsigned int address_width(void)
{
    unsigned int bits = PAGE_SHIFT;
    while (bits < 52 && (max_page << PAGE_SHIFT) > (1ULL << bits))
        bits++;
    return bits;
}

static void xstate_leaf(uint32_t sub, uint32_t r[4]);

void pv_cpuid_policy(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
    r[0] = r[1] = r[2] = r[3] = 0;
    if (leaf >= 0x40000000 && leaf <= 0x400000ff) {
        uint32_t a, b, c, d;
        switch (leaf) {
        case 0x40000000:
            r[0] = 0x40000005;
            r[1] = XEN_CPUID_SIGNATURE_EBX;
            r[2] = XEN_CPUID_SIGNATURE_ECX;
            r[3] = XEN_CPUID_SIGNATURE_EDX;
            break;
        case 0x40000001:
            r[0] = (4 << 16) | 17; /* the ABI hv speaks */
            break;
        case 0x40000002:
            r[0] = 1;          /* hypercall transfer pages */
            r[1] = 0x40000000; /* hypervisor MSR base */
            r[2] = XEN_CPUID_FEAT1_MMU_PT_UPDATE_PRESERVE_AD;
            break;
        case 0x40000003:
            if (sub == 0) {
                cpuid(0x80000001, &a, &b, &c, &d);
                r[0] = (d & (1u << 27)) ? 4 : 0; /* RDTSCP available */
            }
            break;
        case 0x40000005:
            if (sub == 0)
                r[1] = address_width();
            break;
        }
        return;
    }
    uint32_t max, ext_max, b, c, d;
    cpuid(0, &max, &b, &c, &d);
    cpuid(0x80000000, &ext_max, &b, &c, &d);
    if ((leaf < 0x80000000 && leaf > max) || (leaf >= 0x80000000 && leaf > ext_max)) {
        if (leaf == 0x80000000)
            r[0] = PV_EXT_MAX_LEAF;
        return;
    }
    cpuid_count(leaf, sub, &r[0], &r[1], &r[2], &r[3]);
    switch (leaf) {
    case 0x80000000:
        r[0] = PV_EXT_MAX_LEAF;
        break;
    case 1:
        /* Hypervisor present; OSXSAVE is per vCPU (pv_emulate_forced_cpuid). */
        r[2] = (r[2] & ~(L1_ECX_HIDDEN | (1u << 27))) | (1u << 31);
        r[3] &= ~L1_EDX_HIDDEN;
        break;
    case 0xd:
        xstate_leaf(sub, r);
        break;
    case 7:
        if (sub == 0) {
            r[1] &= ~L7_EBX_HIDDEN;
            r[2] &= ~L7_ECX_HIDDEN;
        } else {
            r[0] = r[1] = r[2] = r[3] = 0;
        }
        break;
    case 0x80000001:
        r[2] &= ~E1_ECX_HIDDEN;
        r[3] &= ~E1_EDX_HIDDEN;
        break;
    }
}

/*
 * The XSAVE components a PV guest may enable, derived from the policy as
 * Xen derives them (x87 and SSE; YMM with AVX; MPX's two, AVX-512's three
 * and PKRU with their features, of which the PV policy hides MPX and PKU),
 * and the size of a standard-form area holding them all.
 */
static uint64_t pv_xstates(uint32_t *size)
{
    uint32_t l1[4], l7[4];
    pv_cpuid_policy(1, 0, l1);
    pv_cpuid_policy(7, 0, l7);
    *size = 0;
    if (!(l1[2] & (1u << 26)))
        return 0;
    uint64_t states = 3;
    if (l1[2] & (1u << 28))
        states |= 1ULL << 2;
    if (l7[1] & (1u << 14))
        states |= 3ULL << 3;
    if (l7[1] & (1u << 16))
        states |= 7ULL << 5;
    if (l7[2] & (1u << 3))
        states |= 1ULL << 9;
    *size = 576; /* legacy region and header */
    for (unsigned int i = 2; i < 63; i++) {
        uint32_t a, b, c, d;
        if (!(states & (1ULL << i)))
            continue;
        cpuid_count(0xd, i, &a, &b, &c, &d);
        if (a + b > *size)
            *size = a + b;
    }
    return states;
}

/* Leaf 0xd: the policy's components; the current size (EBX of subleaves 0
 * and 1) comes from the CPU, which has the vCPU's XCR0 loaded. */
static void xstate_leaf(uint32_t sub, uint32_t r[4])
{
    uint32_t size;
    uint64_t states = pv_xstates(&size);
    if (!states) {
        r[0] = r[1] = r[2] = r[3] = 0;
    } else if (sub == 0) {
        r[0] = (uint32_t)states;
        r[2] = size;
        r[3] = (uint32_t)(states >> 32);
    } else if (sub == 1) {
        r[0] &= 7; /* XSAVEOPT, XSAVEC, XGETBV1: XSAVES is not for PV guests */
        if (!(r[0] & 2))
            r[1] = 0;
        r[2] = r[3] = 0;
    } else if (sub < 63 && (states & (1ULL << sub))) {
        r[2] &= 2; /* alignment; none of these is a supervisor state */
        r[3] = 0;
    } else {
        r[0] = r[1] = r[2] = r[3] = 0;
    }
}

enum pv_emulation pv_emulate_forced_cpuid(struct cpu_regs *regs)
{
    static const uint8_t prefix[] = {0x0f, 0x0b, 'x', 'e', 'n', 0x0f, 0xa2};
    uint8_t insn[sizeof(prefix)];
    if (copy_from_guest(insn, regs->rip, sizeof(insn)) ||
        __builtin_memcmp(insn, prefix, sizeof(prefix)))
        return PV_EMUL_NONE;
    uint32_t r[4];
    pv_cpuid_policy((uint32_t)regs->rax, (uint32_t)regs->rcx, r);
    if ((uint32_t)regs->rax == 1) {
        /* OSXSAVE: the vCPU's CR4.OSXSAVE; and hv's to its kernel, which
         * Linux has come to rely on (Xen keeps this leak for that reason). */
        struct vcpu *v = current_vcpu();
        if ((v->arch.cr4 & X86_CR4_OSXSAVE) ||
            ((r[2] & (1u << 26)) && v->arch.kernel_mode && (read_cr4() & X86_CR4_OSXSAVE)))
            r[2] |= 1u << 27;
    }
    regs->rax = r[0];
    regs->rbx = r[1];
    regs->rcx = r[2];
    regs->rdx = r[3];
    regs->rip += sizeof(prefix);
    /* Single-stepping over it traps after it, as over a real instruction. */
    if (regs->rflags & X86_EFLAGS_TF) {
        current_vcpu()->arch.debugreg[6] |= 0xffff4ff0UL; /* BS, reserved ones */
        return PV_EMUL_DEBUG_TRAP;
    }
    return PV_EMUL_DONE;
}

/* rdmsr/wrmsr; false means #GP. */
bool pv_emulate_msr(struct cpu_regs *regs, bool write)
{
    struct vcpu *v = current_vcpu();
    uint32_t msr = (uint32_t)regs->rcx;
    uint64_t value = (regs->rdx << 32) | (uint32_t)regs->rax;
    uint64_t result;
    switch (msr) {
    case MSR_FS_BASE:
    case MSR_GS_BASE:
    case MSR_SHADOW_GS_BASE:
        if (write) {
            if (!is_canonical_address(value))
                return false;
            wrmsr(msr, value);
            if (msr == MSR_FS_BASE)
                v->arch.fs_base = value;
            else if ((msr == MSR_GS_BASE) == v->arch.kernel_mode)
                v->arch.gs_base_kernel = value;
            else
                v->arch.gs_base_user = value;
            return true;
        }
        result = rdmsr(msr);
        break;
    case MSR_TSC_AUX:
        if (!pv_tsc_aux_msr(write, &value))
            return false;
        if (write)
            return true;
        result = value;
        break;
    case MSR_PAT:
        result = 0x050100070406ULL; /* Xen's PAT, which every PV guest sees */
        break;
    case MSR_APIC_BASE:
        result = 0xfee00000ULL | (1u << 11) | (v->id == 0 ? (1u << 8) : 0);
        break;
    case MSR_EFER:
        result = EFER_SCE | EFER_LME | (1u << 10) /* LMA */ | EFER_NXE;
        break;
    default:
        return false;
    }
    if (write)
        return result == value; /* a write of the value it already has is harmless */
    regs->rax = (uint32_t)result;
    regs->rdx = result >> 32;
    return true;
}
