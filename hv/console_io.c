/*
 * The console_io hypercall: the hardware domain writes to hv's console (its
 * text goes out as it is, without hv's prefix, as on Xen) and reads serial
 * input that was switched to it.  Other domains get -EPERM, as on release
 * builds of Xen.
 */
#include <hv/hypercall.h>
#include <hv/console.h>
#include <hv/domain.h>
#include <hv/errno.h>
#include <asm/guest_access.h>
#include <asm/pv.h>
#include <xen-abi.h>

long do_console_io(uint64_t cmd, uint64_t count, uint64_t buffer)
{
    struct domain *d = current_vcpu()->domain;
    if (!d->privileged)
        return -EPERM;
    switch (cmd) {
    case CONSOLEIO_write: {
        /* count is an unsigned int in Xen's prototype. */
        uint64_t left = (uint32_t)count;
        char chunk[128];
        while (left) {
            size_t n = left < sizeof(chunk) ? left : sizeof(chunk);
            if (copy_from_guest(chunk, buffer, n))
                return -EFAULT;
            console_guest_write(chunk, n);
            buffer += n;
            left -= n;
        }
        return 0;
    }
    case CONSOLEIO_read: {
        uint64_t want = (uint32_t)count, done = 0;
        char chunk[128];
        while (done < want) {
            size_t n = console_dom0_input(chunk, MIN(sizeof(chunk), want - done));
            if (n == 0)
                break;
            if (copy_to_guest(buffer + done, chunk, n))
                return -EFAULT;
            done += n;
        }
        return (long)done;
    }
    default:
        return -ENOSYS;
    }
}
