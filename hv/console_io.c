/*
 * The console_io hypercall: the hardware domain writes to hv's console (its
 * text goes out as it is, without hv's prefix, as on Xen) and reads serial
 * input that was switched to it (hv/console_input.c).  Other domains get
 * -EPERM, as on release builds of Xen.
 */
#include <hv/hypercall.h>
#include <hv/console.h>
#include <hv/domain.h>
#include <hv/errno.h>
#include <asm/guest_access.h>
#include <asm/pv.h>
#include <asm/spinlock.h>
#include <xen-abi.h>

static spinlock_t read_lock = SPINLOCK_INIT;

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
        /* The result is a count or an error: counts past INT_MAX would overlap them. */
        if ((uint32_t)count > INT32_MAX)
            return -E2BIG;
        uint32_t want = (uint32_t)count;
        long done = 0;
        char chunk[128];
        spin_lock(&read_lock);
        while ((uint32_t)done < want) {
            size_t n = console_dom0_input_peek(chunk, MIN(sizeof(chunk), want - (uint32_t)done));
            if (n == 0)
                break;
            /* Bytes the guest could not take stay for the next read. */
            if (copy_to_guest(buffer + (uint64_t)done, chunk, n)) {
                done = -EFAULT;
                break;
            }
            console_dom0_input_consume(n);
            done += (long)n;
        }
        spin_unlock(&read_lock);
        return done;
    }
    default:
        return -ENOSYS;
    }
}
