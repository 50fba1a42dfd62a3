/*
 * Hypercall dispatch by Xen's numbers (see include/hv/hypercall.h).  Each
 * handler takes the arguments it needs; the table adapts them.
 */
#include <hv/hypercall.h>
#include <hv/smp.h>
#include <asm/layout.h>
#include <hv/errno.h>
#include <hv/domain.h>
#include <hv/event.h>
#include <hv/domctl.h>
#include <hv/grant_table.h>
#include <asm/pv.h>
#include <xen-abi.h>

/* Per CPU: inside a multicall; a continuation's new arguments. */
static struct {
    unsigned int multicall_depth;
    bool continued;
    uint64_t a2, a3;
} continuation[NR_CPUS];

bool hypercall_may_continue(void)
{
    return !continuation[smp_processor_id()].multicall_depth;
}

void hypercall_continue_with(uint64_t a2, uint64_t a3)
{
    unsigned int cpu = smp_processor_id();
    continuation[cpu].continued = true;
    continuation[cpu].a2 = a2;
    continuation[cpu].a3 = a3;
}

bool hypercall_take_continuation(uint64_t *a2, uint64_t *a3)
{
    unsigned int cpu = smp_processor_id();
    if (!continuation[cpu].continued)
        return false;
    continuation[cpu].continued = false;
    *a2 = continuation[cpu].a2;
    *a3 = continuation[cpu].a3;
    return true;
}

void hypercall_multicall_enter(void)
{
    continuation[smp_processor_id()].multicall_depth++;
}

void hypercall_multicall_leave(void)
{
    continuation[smp_processor_id()].multicall_depth--;
}

long do_hypercall(uint64_t nr, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    continuation[smp_processor_id()].continued = false;
    switch (nr) {
    case __HYPERVISOR_console_io:
        return do_console_io(a1, a2, a3);
    case __HYPERVISOR_sched_op:
        return do_sched_op(a1, a2);
    case __HYPERVISOR_xen_version:
        return do_xen_version(a1, a2);
    case __HYPERVISOR_mmu_update:
        return do_mmu_update(a1, a2, a3, a4);
    case __HYPERVISOR_mmuext_op:
        return do_mmuext_op(a1, a2, a3, a4);
    case __HYPERVISOR_update_va_mapping:
        return do_update_va_mapping(a1, a2, a3);
    case __HYPERVISOR_set_segment_base:
        return do_set_segment_base(a1, a2);
    case __HYPERVISOR_stack_switch:
        return do_stack_switch(a1, a2);
    case __HYPERVISOR_fpu_taskswitch:
        return do_fpu_taskswitch(a1);
    case __HYPERVISOR_set_debugreg:
        return do_set_debugreg(a1, a2);
    case __HYPERVISOR_get_debugreg:
        return do_get_debugreg(a1);
    case __HYPERVISOR_event_channel_op:
        return do_event_channel_op(a1, a2);
    case __HYPERVISOR_set_timer_op:
        return do_set_timer_op(a1);
    case __HYPERVISOR_vcpu_op:
        return do_vcpu_op(a1, a2, a3);
    case __HYPERVISOR_set_callbacks:
        return do_set_callbacks(a1, a2, a3);
    case __HYPERVISOR_callback_op:
        return do_callback_op(a1, a2);
    case __HYPERVISOR_multicall:
        return do_multicall(a1, a2);
    case __HYPERVISOR_memory_op:
        return do_memory_op(a1, a2);
    case __HYPERVISOR_vm_assist:
        return do_vm_assist(a1, a2);
    case __HYPERVISOR_set_gdt:
        return do_set_gdt(a1, a2);
    case __HYPERVISOR_update_descriptor:
        return do_update_descriptor(a1, a2);
    case __HYPERVISOR_physdev_op:
        return do_physdev_op(a1, a2);
    case __HYPERVISOR_grant_table_op:
        return do_grant_table_op(a1, a2, a3);
    case __HYPERVISOR_domctl:
        return do_domctl(a1);
    case __HYPERVISOR_sysctl:
        return do_sysctl(a1);
    default:
        return -ENOSYS;
    }
}
