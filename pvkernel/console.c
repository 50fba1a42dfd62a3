/*
 * pvkernel's console output, and printk over vsnprintf: console_io writes
 * for dom0; a domU (whose console_io Xen refuses) writes its console ring
 * (start_info's console page, in the initial mapping) and notifies its
 * console port, waiting by yielding while the ring is full.
 */
#include <pvkernel/console.h>
#include <pvkernel/hypercall.h>
#include <pvkernel/kernel.h>
#include <pvkernel/mm.h>
#include <stdio.h>

static void ring_write(const char *s, size_t len)
{
    unsigned long pfn = mfn_to_pfn(start_info->console.domU.mfn);
    struct xencons_interface *ring = pfn_to_virt(pfn);
    if (!ring)
        return;
    struct evtchn_send send = {.port = start_info->console.domU.evtchn};
    while (len) {
        XENCONS_RING_IDX cons = __atomic_load_n(&ring->out_cons, __ATOMIC_ACQUIRE);
        XENCONS_RING_IDX prod = ring->out_prod;
        if (prod - cons >= sizeof(ring->out)) {
            HYPERVISOR_event_channel_op(EVTCHNOP_send, &send);
            HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
            continue;
        }
        while (len && prod - cons < sizeof(ring->out)) {
            ring->out[MASK_XENCONS_IDX(prod, ring->out)] = *s++;
            prod++;
            len--;
        }
        __atomic_store_n(&ring->out_prod, prod, __ATOMIC_RELEASE);
    }
    HYPERVISOR_event_channel_op(EVTCHNOP_send, &send);
}

void console_write(const char *s, size_t len)
{
    if (start_info && !(start_info->flags & SIF_INITDOMAIN)) {
        ring_write(s, len);
        return;
    }
    while (len) {
        int n = len > 4096 ? 4096 : (int)len;
        HYPERVISOR_console_io(CONSOLEIO_write, n, s);
        s += n;
        len -= n;
    }
}

void vprintk(const char *fmt, va_list ap)
{
    char buf[1024];
    int n = vsnprintf(buf, sizeof(buf), fmt, ap);
    if (n >= (int)sizeof(buf))
        n = sizeof(buf) - 1;
    console_write(buf, n);
}

void printk(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprintk(fmt, ap);
    va_end(ap);
}
