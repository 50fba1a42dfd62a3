/*
 * Decoding of the privileged instructions a PV kernel executes at CPL 3
 * and that fault with #GP(0) (DESIGN §7), as Xen's list: in/out, checked
 * against the vCPU's virtual IOPL or its I/O bitmap, then carried out by
 * io_ports.c (with emulated I/O breakpoints); cli/sti, no-ops with enough
 * IOPL (events are masked through vcpu_info only); ins/outs (string_io.c);
 * clts, wbinvd; MSRs
 * (emulate_cpuid_msr.c); control registers, xsetbv and rdtsc/rdtscp under
 * CR4.TSD (control_regs.c); debug registers (cpu_state.c).  A single-step
 * trap follows an emulated instruction as it would follow a real one.
 * Anything else (hlt included) is left to fault.  The instruction bytes
 * come from guest memory and are decoded defensively.
 */
#include <asm/pv.h>
#include <asm/cpu.h>
#include <asm/guest_access.h>
#include <x86/exceptions.h>
#include <asm/processor-flags.h>
#include <hv/errno.h>
#include <hv/hypercall.h>

#define MAX_INSN_LEN 15

/* Fetches up to MAX_INSN_LEN bytes at rip, stopping at the first unreadable one. */
static size_t fetch_insn(uint64_t rip, uint8_t *buf)
{
    size_t n = 0;
    while (n < MAX_INSN_LEN && copy_from_guest(&buf[n], rip + n, 1) == 0)
        n++;
    return n;
}

static bool iopl_ok(const struct vcpu *v)
{
    /* A PV kernel counts as ring 1, its user space as ring 3. */
    return v->arch.iopl >= (v->arch.kernel_mode ? 1u : 3u);
}

/* PHYSDEVOP_set_iobitmap: a clear bit lets the port through, as in a TSS bitmap. */
static bool guest_bitmap_allows(struct vcpu *v, unsigned int port, unsigned int bytes)
{
    if (!v->arch.iobmp || port + bytes > v->arch.iobmp_limit)
        return false;
    uint16_t bits;
    if (copy_from_guest(&bits, v->arch.iobmp + port / 8, sizeof(bits)))
        return false;
    unsigned int mask = ((1u << bytes) - 1) << (port & 7);
    return (bits & mask) == 0;
}

bool pv_io_permitted(struct vcpu *v, unsigned int port, unsigned int bytes)
{
    return iopl_ok(v) || guest_bitmap_allows(v, port, bytes);
}

static void set_result(struct cpu_regs *r, unsigned int bytes, uint32_t v)
{
    switch (bytes) {
    case 1:
        r->rax = (r->rax & ~0xffULL) | (v & 0xff);
        break;
    case 2:
        r->rax = (r->rax & ~0xffffULL) | (v & 0xffff);
        break;
    default:
        r->rax = v; /* a 32-bit result zero-extends, as on hardware */
        break;
    }
}

static uint64_t *gpr(struct cpu_regs *r, unsigned int n)
{
    uint64_t *const regs[16] = {&r->rax, &r->rcx, &r->rdx, &r->rbx, &r->rsp, &r->rbp,
                                &r->rsi, &r->rdi, &r->r8,  &r->r9,  &r->r10, &r->r11,
                                &r->r12, &r->r13, &r->r14, &r->r15};
    return regs[n & 15];
}

static enum pv_emulation fault(struct pv_fault *f, unsigned int vector)
{
    f->vector = vector;
    f->error_code = 0;
    f->cr2 = 0;
    return PV_EMUL_FAULT;
}

/* May d flush caches (wbinvd)?  As Xen: a domain with I/O ports of its own. */
static bool cache_flush_permitted(const struct domain *d)
{
    for (unsigned int i = 0; i < sizeof(d->arch.ioport_allowed); i++)
        if (d->arch.ioport_allowed[i])
            return true;
    return false;
}

/* The instructions after 0x0f; i indexes the byte after it. */
static enum pv_emulation two_byte_op(struct cpu_regs *r, struct pv_fault *f, const uint8_t *insn,
                                     size_t len, size_t i, uint8_t rex, bool simd_prefix)
{
    struct vcpu *v = current_vcpu();
    uint8_t op2 = insn[i++];
    bool kernel = v->arch.kernel_mode;
    switch (op2) {
    case 0x01: /* group 7: xsetbv and rdtscp */
        if (i >= len)
            return PV_EMUL_NONE;
        if (insn[i] == 0xd1) {
            /* As the CPU with the vCPU's CR4: #UD without OSXSAVE (or with
             * a 66/f2/f3 prefix), #GP outside the kernel or for a bad value. */
            if (simd_prefix || !(v->arch.cr4 & X86_CR4_OSXSAVE))
                return fault(f, X86_EXC_UD);
            if (!kernel || !pv_emulate_xsetbv((uint32_t)r->rcx, (r->rdx << 32) | (uint32_t)r->rax))
                return PV_EMUL_NONE;
        } else if (insn[i] == 0xf9) { /* rdtscp with CR4.TSD */
            if (!pv_emulate_rdtsc(r, true))
                return PV_EMUL_NONE;
        } else {
            return PV_EMUL_NONE;
        }
        r->rip += i + 1;
        return PV_EMUL_DONE;
    case 0x06: /* clts: as fpu_taskswitch(0) */
        if (!kernel)
            return PV_EMUL_NONE;
        do_fpu_taskswitch(0);
        break;
    case 0x09: /* wbinvd: carried out for a domain with I/O, else ignored */
        if (!kernel)
            return PV_EMUL_NONE;
        if (cache_flush_permitted(v->domain))
            __asm__ __volatile__("wbinvd" ::: "memory");
        break;
    case 0x20: /* mov %crN, reg */
    case 0x22: /* mov reg, %crN */
    case 0x21: /* mov %drN, reg */
    case 0x23: /* mov reg, %drN */ {
        if (i >= len)
            return PV_EMUL_NONE;
        /* The CPU ignores ModRM.mod here: r/m always names a register. */
        unsigned int creg = ((insn[i] >> 3) & 7) + ((rex & 4) ? 8 : 0);
        uint64_t *reg = gpr(r, (insn[i] & 7) + ((rex & 1) ? 8 : 0));
        if (!kernel)
            return PV_EMUL_NONE;
        if (op2 == 0x20 && !pv_emulate_cr_read(creg, reg))
            return PV_EMUL_NONE;
        if (op2 == 0x22 && !pv_emulate_cr_write(creg, *reg))
            return PV_EMUL_NONE;
        if (op2 == 0x21 || op2 == 0x23) {
            /* Through get/set_debugreg's rules: a register that does not
             * exist (DR8-15, DR4/5 with CR4.DE) is #UD, a bad value #GP. */
            int rc = op2 == 0x21 ? pv_read_debugreg(creg, reg) : (int)do_set_debugreg(creg, *reg);
            if (rc == -ENODEV)
                return fault(f, X86_EXC_UD);
            if (rc)
                return PV_EMUL_NONE;
        }
        i++;
        break;
    }
    case 0x30: /* wrmsr */
    case 0x32: /* rdmsr */
        if (!kernel || !pv_emulate_msr(r, op2 == 0x30))
            return PV_EMUL_NONE;
        break;
    case 0x31: /* rdtsc with CR4.TSD */
        if (!pv_emulate_rdtsc(r, false))
            return PV_EMUL_NONE;
        break;
    default:
        return PV_EMUL_NONE;
    }
    r->rip += i;
    return PV_EMUL_DONE;
}

/* *stepped: whether a single-step trap follows the instruction (see below). */
static enum pv_emulation emulate(struct cpu_regs *r, struct pv_fault *f, unsigned int *breakpoints,
                                 bool *stepped)
{
    struct vcpu *v = current_vcpu();
    uint8_t insn[MAX_INSN_LEN];
    size_t len = fetch_insn(r->rip, insn), i = 0;
    bool opsize16 = false, simd_prefix = false, addr32 = false;
    uint8_t segment = 0;

    /* Prefixes: operand and address size, rep (f2/f3), segment (for outs). */
    uint8_t rex = 0;
    for (; i < len; i++) {
        if (insn[i] == 0x66)
            opsize16 = true;
        else if (insn[i] == 0x67)
            addr32 = true;
        else if (insn[i] == 0xf2 || insn[i] == 0xf3)
            simd_prefix = true;
        else if ((insn[i] & 0xf0) == 0x40)
            rex = insn[i];
        else if (insn[i] == 0x2e || insn[i] == 0x3e || insn[i] == 0x26 || insn[i] == 0x36 ||
                 insn[i] == 0x64 || insn[i] == 0x65)
            segment = insn[i];
        else
            break;
    }
    if (i >= len)
        return PV_EMUL_NONE;

    uint8_t op = insn[i++];
    unsigned int port, bytes;
    bool in;
    if (op == 0x0f)
        return i < len ? two_byte_op(r, f, insn, len, i, rex, simd_prefix || opsize16)
                       : PV_EMUL_NONE;
    switch (op) {
    case 0xfa: /* cli */
    case 0xfb: /* sti */
        if (!iopl_ok(v))
            return PV_EMUL_NONE;
        *stepped = false;
        r->rip += i;
        return PV_EMUL_DONE;
    case 0xe4:
    case 0xe5:
    case 0xe6:
    case 0xe7:
        if (i >= len)
            return PV_EMUL_NONE;
        port = insn[i++];
        break;
    case 0xec:
    case 0xed:
    case 0xee:
    case 0xef:
        port = (uint16_t)r->rdx;
        break;
    case 0x6c: /* ins */
    case 0x6d:
    case 0x6e: /* outs */
    case 0x6f: {
        struct pv_string_io io = {.in = op < 0x6e,
                                  .bytes = (op & 1) ? (opsize16 ? 2 : 4) : 1,
                                  .rep = simd_prefix,
                                  .addr32 = addr32,
                                  .segment = segment,
                                  .length = i};
        if (!pv_io_permitted(v, (uint16_t)r->rdx, io.bytes))
            return PV_EMUL_NONE;
        *breakpoints = pv_io_breakpoints(v, (uint16_t)r->rdx, io.bytes);
        return pv_emulate_string_io(r, &io, f, *breakpoints != 0);
    }
    default:
        return PV_EMUL_NONE;
    }
    in = !(op & 2);
    bytes = (op & 1) ? (opsize16 ? 2 : 4) : 1;
    if (!pv_io_permitted(v, port, bytes))
        return PV_EMUL_NONE;

    *breakpoints = pv_io_breakpoints(v, port, bytes);
    *stepped = !pv_io_direct(v->domain, port, bytes);
    if (in)
        set_result(r, bytes, pv_io_read(v->domain, port, bytes));
    else
        pv_io_write(v->domain, port, bytes, (uint32_t)r->rax);
    r->rip += i;
    return PV_EMUL_DONE;
}

#define DR_STEP                0x4000
#define DR_STATUS_RESERVED_ONE 0xffff0ff0UL

enum pv_emulation pv_emulate_privileged_op(struct cpu_regs *r, struct pv_fault *fault)
{
    unsigned int breakpoints = 0;
    bool stepped = true;
    enum pv_emulation result = emulate(r, fault, &breakpoints, &stepped);
    if (result != PV_EMUL_DONE)
        return result;
    /* As after the instruction on the CPU: a single-step trap, and the I/O
     * breakpoints it hit, reported together in DR6.  Xen 4.17 raises no
     * single-step trap after cli/sti or a port access it passes straight to
     * the hardware (its emulator finishes those early): the guest's trap
     * comes after the next instruction instead, as seen on Xen. */
    if ((r->rflags & X86_EFLAGS_TF) && stepped)
        breakpoints |= DR_STEP;
    if (!breakpoints)
        return PV_EMUL_DONE;
    current_vcpu()->arch.debugreg[6] |= breakpoints | DR_STATUS_RESERVED_ONE;
    return PV_EMUL_DEBUG_TRAP;
}
