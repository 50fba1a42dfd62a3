/*
 * Emulation of the privileged instructions a PV kernel executes at CPL 3
 * and that fault with #GP (DESIGN §7): in/out, checked against the vCPU's
 * virtual IOPL or its I/O bitmap, then carried out by io_ports.c; cli/sti, which are
 * no-ops with enough IOPL (events are masked through vcpu_info only);
 * MSRs, control and debug registers (emulate_cpuid_msr.c, cpu_state.c);
 * xsetbv, #UD while the kernel has not set its virtual CR4.OSXSAVE.
 * Anything else (hlt included) is left to fault.  The instruction bytes
 * come from guest memory and are decoded defensively.
 */
#include <asm/pv.h>
#include <asm/cpu.h>
#include <asm/guest_access.h>
#include <x86/exceptions.h>

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

bool pv_emulate_privileged_op(struct cpu_regs *r)
{
    struct vcpu *v = current_vcpu();
    uint8_t insn[MAX_INSN_LEN];
    size_t len = fetch_insn(r->rip, insn), i = 0;
    bool opsize16 = false;

    /* Prefixes: operand size matters; REX and segment overrides do not here. */
    uint8_t rex = 0;
    for (; i < len; i++) {
        if (insn[i] == 0x66)
            opsize16 = true;
        else if ((insn[i] & 0xf0) == 0x40)
            rex = insn[i];
        else if (insn[i] == 0x2e || insn[i] == 0x3e || insn[i] == 0x26 || insn[i] == 0x36 ||
                 insn[i] == 0x64 || insn[i] == 0x65)
            continue;
        else
            break;
    }
    if (i >= len)
        return false;

    uint8_t op = insn[i++];
    unsigned int port, bytes;
    bool in;
    if (op == 0x0f && i < len) {
        uint8_t op2 = insn[i++];
        if (op2 == 0x30 || op2 == 0x32) { /* wrmsr, rdmsr */
            if (!v->arch.kernel_mode || !pv_emulate_msr(r, op2 == 0x30))
                return false;
            r->rip += i;
            return true;
        }
        if (op2 == 0x01 && i < len && insn[i] == 0xd1 && v->arch.kernel_mode) {
            /* xsetbv: Xen emulates it only with the kernel's virtual CR4.OSXSAVE
             * set, by a CR4 write hv does not emulate yet; until then #UD, as on
             * a CPU with OSXSAVE clear.  (From user mode: the #GP as it is.) */
            r->vector = X86_EXC_UD;
            r->error_code = 0;
            return false;
        }
        if (op2 == 0x06) { /* clts: as fpu_taskswitch(0) */
            if (!v->arch.kernel_mode)
                return false;
            do_fpu_taskswitch(0);
            r->rip += i;
            return true;
        }
        if ((op2 == 0x21 || op2 == 0x23) && i < len && (insn[i] >> 6) == 3) {
            /* mov %drN, reg / mov reg, %drN: through get/set_debugreg's rules */
            unsigned int dr = (insn[i] >> 3) & 7, reg = insn[i] & 7;
            if (rex & 1)
                reg += 8;
            if (rex & 4)
                dr += 8; /* DR8-15 do not exist: -ENODEV below, so a fault */
            uint64_t *const gprs[16] = {&r->rax, &r->rcx, &r->rdx, &r->rbx, &r->rsp, &r->rbp,
                                        &r->rsi, &r->rdi, &r->r8,  &r->r9,  &r->r10, &r->r11,
                                        &r->r12, &r->r13, &r->r14, &r->r15};
            if (!v->arch.kernel_mode)
                return false;
            if (op2 == 0x21) {
                long value = do_get_debugreg(dr);
                if (value < 0 && value >= -4095)
                    return false;
                *gprs[reg] = (uint64_t)value;
            } else if (do_set_debugreg(dr, *gprs[reg])) {
                return false;
            }
            r->rip += i + 1;
            return true;
        }
        if (op2 == 0x20 && i < len && (insn[i] >> 6) == 3) { /* mov %crN, reg */
            unsigned int cr = (insn[i] >> 3) & 7, reg = insn[i] & 7;
            if (rex & 4)
                cr += 8;
            if (rex & 1)
                reg += 8;
            uint64_t value;
            if (!v->arch.kernel_mode || !pv_emulate_cr_read(r, cr, &value))
                return false;
            uint64_t *const regs64[16] = {&r->rax, &r->rcx, &r->rdx, &r->rbx, &r->rsp, &r->rbp,
                                          &r->rsi, &r->rdi, &r->r8,  &r->r9,  &r->r10, &r->r11,
                                          &r->r12, &r->r13, &r->r14, &r->r15};
            *regs64[reg] = value;
            r->rip += i + 1;
            return true;
        }
        return false;
    }
    switch (op) {
    case 0xfa: /* cli */
    case 0xfb: /* sti */
        if (!iopl_ok(v))
            return false;
        r->rip += i;
        return true;
    case 0xe4:
    case 0xe5:
    case 0xe6:
    case 0xe7:
        if (i >= len)
            return false;
        port = insn[i++];
        break;
    case 0xec:
    case 0xed:
    case 0xee:
    case 0xef:
        port = (uint16_t)r->rdx;
        break;
    default:
        return false;
    }
    in = !(op & 2);
    bytes = (op & 1) ? (opsize16 ? 2 : 4) : 1;
    if (!iopl_ok(v) && !guest_bitmap_allows(v, port, bytes))
        return false;

    if (in)
        set_result(r, bytes, pv_io_read(v->domain, port, bytes));
    else
        pv_io_write(v->domain, port, bytes, (uint32_t)r->rax);
    r->rip += i;
    return true;
}
