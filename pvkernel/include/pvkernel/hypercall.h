/*
 * Hypercalls from a 64-bit PV guest kernel: `syscall` with the number in RAX
 * and arguments in RDI, RSI, RDX, R10, R8 (DESIGN §2.2).  Xen and hv both
 * treat a guest-kernel `syscall` as a hypercall, so no hypercall page is
 * needed; RCX and R11 are clobbered by the instruction itself.
 */
#ifndef PVKERNEL_HYPERCALL_H
#define PVKERNEL_HYPERCALL_H
#include <xen-abi.h>

static inline long hypercall5(unsigned int nr, unsigned long a1, unsigned long a2, unsigned long a3,
                              unsigned long a4, unsigned long a5)
{
    register unsigned long r10 __asm__("r10") = a4;
    register unsigned long r8 __asm__("r8") = a5;
    long ret;
    __asm__ __volatile__("syscall"
                         : "=a"(ret), "+D"(a1), "+S"(a2), "+d"(a3), "+r"(r10), "+r"(r8)
                         : "0"((unsigned long)nr)
                         : "rcx", "r11", "memory");
    return ret;
}

#define hypercall0(nr)       hypercall5(nr, 0, 0, 0, 0, 0)
#define hypercall1(nr, a)    hypercall5(nr, (unsigned long)(a), 0, 0, 0, 0)
#define hypercall2(nr, a, b) hypercall5(nr, (unsigned long)(a), (unsigned long)(b), 0, 0, 0)
#define hypercall3(nr, a, b, c)                                                                    \
    hypercall5(nr, (unsigned long)(a), (unsigned long)(b), (unsigned long)(c), 0, 0)

static inline long HYPERVISOR_console_io(int cmd, int count, const char *buf)
{
    return hypercall3(__HYPERVISOR_console_io, cmd, count, buf);
}

static inline long HYPERVISOR_sched_op(int cmd, void *arg)
{
    return hypercall2(__HYPERVISOR_sched_op, cmd, arg);
}

static inline long HYPERVISOR_physdev_op(int cmd, void *arg)
{
    return hypercall2(__HYPERVISOR_physdev_op, cmd, arg);
}

static inline long HYPERVISOR_xen_version(int cmd, void *arg)
{
    return hypercall2(__HYPERVISOR_xen_version, cmd, arg);
}

static inline long HYPERVISOR_mmu_update(const mmu_update_t *req, unsigned int count,
                                         unsigned int *done, unsigned int foreigndom)
{
    return hypercall5(__HYPERVISOR_mmu_update, (unsigned long)req, count, (unsigned long)done,
                      foreigndom, 0);
}

static inline long HYPERVISOR_mmuext_op(const struct mmuext_op *op, unsigned int count,
                                        unsigned int *done, unsigned int foreigndom)
{
    return hypercall5(__HYPERVISOR_mmuext_op, (unsigned long)op, count, (unsigned long)done,
                      foreigndom, 0);
}

static inline long HYPERVISOR_update_va_mapping(unsigned long va, uint64_t val, unsigned long flags)
{
    return hypercall3(__HYPERVISOR_update_va_mapping, va, val, flags);
}

static inline long HYPERVISOR_vm_assist(unsigned int cmd, unsigned int type)
{
    return hypercall2(__HYPERVISOR_vm_assist, cmd, type);
}

static inline long HYPERVISOR_memory_op(unsigned int cmd, void *arg)
{
    return hypercall2(__HYPERVISOR_memory_op, cmd, arg);
}

static inline long HYPERVISOR_grant_table_op(unsigned int cmd, void *uop, unsigned int count)
{
    return hypercall3(__HYPERVISOR_grant_table_op, cmd, uop, count);
}

static inline long HYPERVISOR_multicall(multicall_entry_t *calls, unsigned int nr)
{
    return hypercall2(__HYPERVISOR_multicall, calls, nr);
}

static inline long HYPERVISOR_set_callbacks(unsigned long event, unsigned long failsafe,
                                            unsigned long syscall)
{
    return hypercall3(__HYPERVISOR_set_callbacks, event, failsafe, syscall);
}

static inline long HYPERVISOR_callback_op(int cmd, const void *arg)
{
    return hypercall2(__HYPERVISOR_callback_op, cmd, arg);
}

static inline long HYPERVISOR_event_channel_op(int cmd, void *arg)
{
    return hypercall2(__HYPERVISOR_event_channel_op, cmd, arg);
}

/* Absolute system time in ns; 0 cancels the single-shot timer. */
static inline long HYPERVISOR_set_timer_op(uint64_t timeout)
{
    return hypercall1(__HYPERVISOR_set_timer_op, timeout);
}

static inline long HYPERVISOR_vcpu_op(int cmd, unsigned int vcpuid, void *extra)
{
    return hypercall3(__HYPERVISOR_vcpu_op, cmd, vcpuid, extra);
}

static inline long HYPERVISOR_stack_switch(unsigned long ss, unsigned long sp)
{
    return hypercall2(__HYPERVISOR_stack_switch, ss, sp);
}

static inline long HYPERVISOR_fpu_taskswitch(int set)
{
    return hypercall1(__HYPERVISOR_fpu_taskswitch, set);
}

static inline long HYPERVISOR_set_debugreg(int reg, unsigned long value)
{
    return hypercall2(__HYPERVISOR_set_debugreg, reg, value);
}

/* The register's value, or a negative errno (indistinguishable from some values). */
static inline unsigned long HYPERVISOR_get_debugreg(int reg)
{
    return (unsigned long)hypercall1(__HYPERVISOR_get_debugreg, reg);
}

static inline long HYPERVISOR_set_segment_base(unsigned int which, unsigned long base)
{
    return hypercall2(__HYPERVISOR_set_segment_base, which, base);
}
#endif
