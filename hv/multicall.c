/*
 * The multicall hypercall: a batch of hypercalls, each entry's result
 * written back into it; a failing entry does not stop the batch, a
 * multicall inside a multicall is -EINVAL, and an unreadable or unwritable
 * entry ends the batch with -EFAULT, as on Xen.
 */
#include <hv/hypercall.h>
#include <hv/errno.h>
#include <asm/guest_access.h>
#include <xen-abi.h>

long do_multicall(uint64_t calls, uint64_t count)
{
    uint32_t n = (uint32_t)count;
    long rc = 0;
    hypercall_multicall_enter();
    for (uint32_t i = 0; i < n; i++) {
        uint64_t at = calls + (uint64_t)i * sizeof(struct multicall_entry);
        struct multicall_entry e;
        if (copy_from_guest(&e, at, sizeof(e))) {
            rc = -EFAULT;
            break;
        }
        long result;
        /* Calls that change the vCPU's own frame cannot run from inside a batch. */
        if (e.op == __HYPERVISOR_multicall || e.op == __HYPERVISOR_iret)
            result = -EINVAL;
        else
            result = do_hypercall(e.op, e.args[0], e.args[1], e.args[2], e.args[3], e.args[4]);
        e.result = (xen_ulong_t)result;
        if (copy_to_guest(at + __builtin_offsetof(struct multicall_entry, result), &e.result,
                          sizeof(e.result))) {
            rc = -EFAULT;
            break;
        }
    }
    hypercall_multicall_leave();
    return rc;
}
