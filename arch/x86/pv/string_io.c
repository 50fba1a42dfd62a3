/*
 * ins and outs from a PV guest (Xen's rep_ins/rep_outs): each element goes
 * through the same port emulation as in/out (io_ports.c), to or from guest
 * memory at ES:RDI (ins) or the segment's base plus RSI (outs: DS, or an
 * FS/GS override), RDI/RSI stepping by the element size up or down with
 * RFLAGS.DF.  With a rep prefix RCX counts down; a count of 0 does nothing.
 * A fault part-way (#GP for an address in hv's range or non-canonical, #PF
 * for one the guest has not mapped as it needs) leaves the registers as
 * far as the copy got and RIP at the instruction, as the CPU does; so does
 * a long run, which hv cuts into pieces (the guest re-executes the rest).
 */
#include <asm/pv.h>
#include <asm/cpu.h>
#include <asm/guest_access.h>
#include <asm/processor-flags.h>
#include <x86/exceptions.h>

/* Elements moved before hv returns to the guest to let others run. */
#define STRING_IO_CHUNK 4096

static uint64_t segment_base(uint8_t prefix)
{
    /* In 64-bit mode only FS and GS have bases. */
    if (prefix == 0x64)
        return rdmsr(MSR_FS_BASE);
    if (prefix == 0x65)
        return rdmsr(MSR_GS_BASE);
    return 0;
}

static enum pv_emulation fault(struct pv_fault *f, unsigned int vector, uint32_t error,
                               uint64_t cr2)
{
    f->vector = vector;
    f->error_code = error;
    f->cr2 = cr2;
    return PV_EMUL_FAULT;
}

enum pv_emulation pv_emulate_string_io(struct cpu_regs *r, const struct pv_string_io *io,
                                       struct pv_fault *f, bool breakpoint)
{
    struct vcpu *v = current_vcpu();
    uint64_t mask = io->addr32 ? 0xffffffffULL : ~0ULL;
    uint64_t count = io->rep ? (r->rcx & mask) : 1;
    uint64_t *index = io->in ? &r->rdi : &r->rsi;
    uint64_t base = io->in ? 0 : segment_base(io->segment); /* ins: ES, no override */
    unsigned int port = (uint16_t)r->rdx;
    uint64_t done = 0;
    enum pv_emulation result = PV_EMUL_DONE;

    while (done < count) {
        uint64_t addr = (base + (*index & mask)) & mask;
        uint32_t data = 0;
        /* As Xen: the port is read before the address is looked at, so a
         * store that fails loses the data (the read's side effects stay). */
        if (io->in)
            data = pv_io_read(v->domain, port, io->bytes);
        if (!guest_range_ok(addr, io->bytes)) {
            result = fault(f, X86_EXC_GP, 0, 0);
            break;
        }
        unsigned long left = io->in ? raw_copy_guest((void *)addr, &data, io->bytes)
                                    : raw_copy_guest(&data, (const void *)addr, io->bytes);
        if (left) {
            /* The first byte not copied; a write for ins (no present bit, as Xen). */
            result = fault(f, X86_EXC_PF, io->in ? 2 : 0, addr + io->bytes - left);
            break;
        }
        if (!io->in)
            pv_io_write(v->domain, port, io->bytes, data);
        done++;
        uint64_t next = *index + ((r->rflags & X86_EFLAGS_DF) ? -(uint64_t)io->bytes : io->bytes);
        *index = io->addr32 ? (uint32_t)next : next;
        if (breakpoint || done == STRING_IO_CHUNK)
            break;
    }
    if (io->rep) {
        uint64_t left = count - done;
        r->rcx = io->addr32 ? (uint32_t)left : left;
    }
    if (result == PV_EMUL_DONE && (!io->rep || done == count))
        r->rip += io->length;
    return result;
}
