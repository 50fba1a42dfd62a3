/*
 * Writable page tables: a guest kernel that writes a PTE straight into one
 * of its L1 tables (mapped read-only) takes a page fault; hv decodes the
 * writing instruction, validates the new entry as mmu_update would,
 * performs it and steps over the instruction.  Xen 4.17 does this for every
 * PV guest, whether or not VMASST_TYPE_writable_pagetables is on, and so
 * does hv.  The instructions Linux uses for PTEs are understood: MOV (from a
 * register or an immediate; 64 bits, or 32 bits into either half of an
 * entry), XCHG and CMPXCHG (64 bits).  Anything else is left to the guest's
 * page-fault handler.
 */
#include <asm/pv.h>
#include <asm/guest_access.h>
#include <hv/errno.h>

#define MAX_INSN_LEN 15

struct pte_write {
    enum { WRITE_MOV, WRITE_XCHG, WRITE_CMPXCHG } kind;
    bool half;        /* a 32-bit MOV */
    unsigned int reg; /* source register (MOV r, XCHG, CMPXCHG) */
    bool immediate;
    uint64_t imm;
    unsigned int length;
};

static uint64_t *reg_slot(struct cpu_regs *r, unsigned int n)
{
    uint64_t *const slots[16] = {&r->rax, &r->rcx, &r->rdx, &r->rbx, &r->rsp, &r->rbp,
                                 &r->rsi, &r->rdi, &r->r8,  &r->r9,  &r->r10, &r->r11,
                                 &r->r12, &r->r13, &r->r14, &r->r15};
    return slots[n & 15];
}

/* Length of a ModRM memory operand (ModRM, SIB, displacement); 0 if a register. */
static unsigned int modrm_length(const uint8_t *p, size_t avail)
{
    if (avail < 1)
        return 0;
    unsigned int mod = p[0] >> 6, rm = p[0] & 7, len = 1;
    if (mod == 3)
        return 0;
    if (rm == 4) {
        if (avail < 2)
            return 0;
        if (mod == 0 && (p[1] & 7) == 5)
            len += 4;
        len++;
    } else if (mod == 0 && rm == 5) {
        len += 4; /* RIP-relative */
    }
    if (mod == 1)
        len += 1;
    else if (mod == 2)
        len += 4;
    return len <= avail ? len : 0;
}

static bool decode(const uint8_t *insn, size_t len, struct pte_write *w)
{
    size_t i = 0;
    uint8_t rex = 0;
    while (i < len && (insn[i] == 0xf0 || insn[i] == 0x2e || insn[i] == 0x3e || insn[i] == 0x26 ||
                       insn[i] == 0x36 || insn[i] == 0x64 || insn[i] == 0x65))
        i++;
    if (i < len && (insn[i] & 0xf0) == 0x40)
        rex = insn[i++];
    if (i >= len)
        return false;
    w->half = !(rex & 8);
    /* 32-bit writes only as MOV (Linux's set_pte halves on some paths). */
    if (w->half && insn[i] != 0x89 && insn[i] != 0xc7)
        return false;
    unsigned int m;
    switch (insn[i]) {
    case 0x89: /* mov r64, r/m64 */
    case 0x87: /* xchg r64, r/m64 */
        w->kind = insn[i] == 0x89 ? WRITE_MOV : WRITE_XCHG;
        i++;
        if (i >= len || !(m = modrm_length(&insn[i], len - i)))
            return false;
        w->reg = ((insn[i] >> 3) & 7) | ((rex & 4) ? 8 : 0);
        w->immediate = false;
        i += m;
        break;
    case 0xc7: /* mov imm32 (sign-extended), r/m64 */
        i++;
        if (i >= len || ((insn[i] >> 3) & 7) != 0 || !(m = modrm_length(&insn[i], len - i)))
            return false;
        i += m;
        if (i + 4 > len)
            return false;
        w->kind = WRITE_MOV;
        w->immediate = true;
        w->imm = (uint64_t)(int64_t)(int32_t)(insn[i] | (insn[i + 1] << 8) | (insn[i + 2] << 16) |
                                              ((uint32_t)insn[i + 3] << 24));
        i += 4;
        break;
    case 0x0f: /* cmpxchg r64, r/m64 */
        if (i + 1 >= len || insn[i + 1] != 0xb1)
            return false;
        i += 2;
        if (i >= len || !(m = modrm_length(&insn[i], len - i)))
            return false;
        w->kind = WRITE_CMPXCHG;
        w->reg = ((insn[i] >> 3) & 7) | ((rex & 4) ? 8 : 0);
        w->immediate = false;
        i += m;
        break;
    default:
        return false;
    }
    w->length = (unsigned int)i;
    return true;
}

static bool pv_emulate_pt_write_locked(struct cpu_regs *regs, uint64_t addr)
{
    struct vcpu *v = current_vcpu();
    if (!v->arch.kernel_mode || (addr & 3))
        return false;
    uint64_t l1_mfn;
    unsigned int index;
    if (!pv_l1_table_behind(v, addr, &l1_mfn))
        return false;
    index = (addr & (PAGE_SIZE - 1)) / sizeof(uint64_t);

    uint8_t insn[MAX_INSN_LEN];
    size_t len = 0;
    while (len < MAX_INSN_LEN && copy_from_guest(&insn[len], regs->rip + len, 1) == 0)
        len++;
    struct pte_write w;
    if (!decode(insn, len, &w))
        return false;

    if (!w.half && (addr & 7))
        return false;
    uint64_t old = pv_read_table_entry(l1_mfn, index);
    uint64_t value = w.immediate ? w.imm : *reg_slot(regs, w.reg);
    if (w.half) {
        /* Merge the 32 bits into the half of the entry they were written to. */
        unsigned int shift = (addr & 4) ? 32 : 0;
        value = (old & ~(0xffffffffULL << shift)) | ((value & 0xffffffffULL) << shift);
    }
    if (w.kind == WRITE_CMPXCHG && (old != regs->rax)) {
        regs->rax = old; /* comparison failed: no write, ZF clear */
        regs->rflags &= ~0x40ULL;
        regs->rip += w.length;
        return true;
    }
    if (pv_write_table_entry(l1_mfn, index, value))
        return false; /* an entry that may not exist: the guest gets its #PF */
    if (w.kind == WRITE_XCHG)
        *reg_slot(regs, w.reg) = old;
    if (w.kind == WRITE_CMPXCHG)
        regs->rflags |= 0x40ULL; /* ZF: exchanged */
    regs->rip += w.length;
    return true;
}

bool pv_emulate_pt_write(struct cpu_regs *regs, uint64_t addr)
{
    pv_mm_lock();
    bool rc = pv_emulate_pt_write_locked(regs, addr);
    pv_mm_unlock();
    return rc;
}
