/*
 * The physdev_op hypercall, x86 part.  Today: set_iopl (the virtual I/O
 * privilege level that port I/O emulation checks).  set_iobitmap and the
 * interrupt-routing operations come later.
 */
#include <hv/hypercall.h>
#include <hv/errno.h>
#include <asm/guest_access.h>
#include <asm/pv.h>
#include <xen-abi.h>

long do_physdev_op(uint64_t cmd, uint64_t arg)
{
    struct vcpu *v = current_vcpu();
    switch (cmd) {
    case PHYSDEVOP_set_iopl: {
        struct physdev_set_iopl set;
        if (copy_from_guest(&set, arg, sizeof(set)))
            return -EFAULT;
        if (set.iopl > 3)
            return -EINVAL;
        v->arch.iopl = set.iopl;
        return 0;
    }
    case PHYSDEVOP_set_iobitmap: {
        struct physdev_set_iobitmap set;
        if (copy_from_guest(&set, arg, sizeof(set)))
            return -EFAULT;
        if (set.nr_ports > 65536)
            return -EINVAL;
        /* As Xen's access check: the bitmap must start at a guest address (NULL allowed). */
        uint64_t bitmap = (uint64_t)set.bitmap.p;
        if (bitmap && !guest_range_ok(bitmap, 1))
            return -EINVAL;
        v->arch.iobmp = (uint64_t)set.bitmap.p;
        v->arch.iobmp_limit = set.nr_ports;
        return 0;
    }
    default:
        return -ENOSYS;
    }
}
