/*
 * The privileged operations of DESIGN §7 beyond port I/O: cpuid through the
 * forced-emulation prefix (ud2; "xen"; cpuid) with a Xen-like PV policy
 * and the hypervisor leaves 0x40000000-0x40000005, MSR reads and writes
 * (FS/GS bases emulated, PAT/APIC_BASE/EFER read as fixed values, unknown
 * MSRs #GP), and control-register reads.
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

static void pv_cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
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
        r[2] = (r[2] & ~L1_ECX_HIDDEN) | (1u << 31); /* hypervisor present */
        /* OSXSAVE: set wherever XSAVE exists, as a PV kernel sees it on Xen. */
        r[2] = (r[2] & ~(1u << 27)) | ((r[2] & (1u << 26)) ? (1u << 27) : 0);
        r[3] &= ~L1_EDX_HIDDEN;
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

bool pv_emulate_forced_cpuid(struct cpu_regs *regs)
{
    static const uint8_t prefix[] = {0x0f, 0x0b, 'x', 'e', 'n', 0x0f, 0xa2};
    uint8_t insn[sizeof(prefix)];
    if (copy_from_guest(insn, regs->rip, sizeof(insn)) ||
        __builtin_memcmp(insn, prefix, sizeof(prefix)))
        return false;
    uint32_t r[4];
    pv_cpuid((uint32_t)regs->rax, (uint32_t)regs->rcx, r);
    regs->rax = r[0];
    regs->rbx = r[1];
    regs->rcx = r[2];
    regs->rdx = r[3];
    regs->rip += sizeof(prefix);
    return true;
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

/* mov from a control register; false means #GP. */
bool pv_emulate_cr_read(struct cpu_regs *regs, unsigned int cr, uint64_t *value)
{
    struct vcpu *v = current_vcpu();
    switch (cr) {
    case 0:
        *value = X86_CR0_PG | X86_CR0_AM | X86_CR0_WP | X86_CR0_NE | (1u << 4) /* ET */ |
                 X86_CR0_MP | X86_CR0_PE | (v->arch.fpu_ts ? X86_CR0_TS : 0);
        return true;
    case 2:
        *value = pv_vcpu_info(v)->arch.cr2;
        return true;
    case 3:
        *value = (v->arch.kernel_mode ? v->arch.guest_table : v->arch.guest_table_user)
                 << PAGE_SHIFT;
        return true;
    case 4:
        *value = X86_CR4_PAE | (1u << 6) /* MCE */ | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT;
        return true;
    }
    return false;
}
