/*
 * The sched_op hypercall.  Today: shutdown (the domain stops with a
 * reason) and yield (with one vCPU per CPU there is nothing else to run).
 * block, poll and shutdown_code come with event channels and the scheduler.
 */
#include <hv/hypercall.h>
#include <hv/domain.h>
#include <hv/errno.h>
#include <asm/guest_access.h>
#include <asm/pv.h>
#include <xen-abi.h>

long do_sched_op(uint64_t cmd, uint64_t arg)
{
    struct domain *d = current_vcpu()->domain;
    switch (cmd) {
    case SCHEDOP_yield:
        return 0;
    case SCHEDOP_shutdown: {
        struct sched_shutdown s;
        if (copy_from_guest(&s, arg, sizeof(s)))
            return -EFAULT;
        domain_shutdown(d, s.reason);
        return 0;
    }
    default:
        return -ENOSYS;
    }
}
