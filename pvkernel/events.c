/* pvkernel's event channels (see include/pvkernel/events.h). */
#include <pvkernel/events.h>
#include <pvkernel/console.h>
#include <pvkernel/hypercall.h>
#include <pvkernel/kernel.h>
#include <pvkernel/mm.h>

#define BITS_PER_WORD (8 * sizeof(xen_ulong_t))

shared_info_t *HYPERVISOR_shared_info;
unsigned long events_upcalls, events_stray;
evtchn_port_t events_last_stray;
struct trap_frame events_last_frame;
uint8_t events_mask_in_upcall;

static struct vcpu_info *vcpu;
static struct {
    evtchn_handler_fn fn;
    void *data;
    unsigned long count;
} ports[EVENTS_NR_PORTS];

#define barrier() __asm__ __volatile__("" ::: "memory")

static inline void set_bit_atomic(unsigned int nr, volatile xen_ulong_t *words)
{
    __asm__ __volatile__("lock btsq %1, %0" : "+m"(*words) : "r"((unsigned long)nr) : "memory");
}

static inline void clear_bit_atomic(unsigned int nr, volatile xen_ulong_t *words)
{
    __asm__ __volatile__("lock btrq %1, %0" : "+m"(*words) : "r"((unsigned long)nr) : "memory");
}

static inline bool test_bit(unsigned int nr, const volatile xen_ulong_t *words)
{
    return (words[nr / BITS_PER_WORD] >> (nr % BITS_PER_WORD)) & 1;
}

static inline xen_ulong_t xchg_word(volatile xen_ulong_t *p, xen_ulong_t v)
{
    __asm__ __volatile__("xchgq %0, %1" : "+r"(v), "+m"(*p) : : "memory");
    return v;
}

struct vcpu_info *events_vcpu_info(void)
{
    return vcpu;
}

void events_move_vcpu_info(struct vcpu_info *vi)
{
    vcpu = vi;
}

bool events_masked(void)
{
    return vcpu->evtchn_upcall_mask != 0;
}

void events_mask(void)
{
    vcpu->evtchn_upcall_mask = 1;
    barrier();
}

void events_unmask(void)
{
    barrier();
    vcpu->evtchn_upcall_mask = 0;
    barrier();
    /* Anything that became pending while masked: any hypercall delivers it. */
    if (vcpu->evtchn_upcall_pending)
        HYPERVISOR_xen_version(XENVER_version, NULL);
}

void events_upcall(struct trap_frame *f)
{
    events_upcalls++;
    events_last_frame = *f;
    events_mask_in_upcall = vcpu->evtchn_upcall_mask;
    volatile xen_ulong_t *pending = HYPERVISOR_shared_info->evtchn_pending;
    volatile xen_ulong_t *mask = HYPERVISOR_shared_info->evtchn_mask;
    do {
        vcpu->evtchn_upcall_pending = 0;
        barrier();
        xen_ulong_t sel = xchg_word(&vcpu->evtchn_pending_sel, 0);
        while (sel) {
            unsigned int w = __builtin_ctzl(sel);
            sel &= sel - 1;
            xen_ulong_t bits = pending[w] & ~mask[w];
            while (bits) {
                unsigned int b = __builtin_ctzl(bits);
                bits &= bits - 1;
                evtchn_port_t port = w * BITS_PER_WORD + b;
                clear_bit_atomic(port, pending);
                if (port < EVENTS_NR_PORTS && ports[port].fn) {
                    ports[port].count++;
                    ports[port].fn(port, ports[port].data);
                } else {
                    if (port < EVENTS_NR_PORTS)
                        ports[port].count++;
                    events_stray++;
                    events_last_stray = port;
                }
            }
        }
        barrier();
    } while (vcpu->evtchn_upcall_pending);
}

void evtchn_set_handler(evtchn_port_t port, evtchn_handler_fn fn, void *data)
{
    if (port >= EVENTS_NR_PORTS)
        return;
    ports[port].data = data;
    barrier();
    ports[port].fn = fn;
}

unsigned long evtchn_count(evtchn_port_t port)
{
    return port < EVENTS_NR_PORTS ? *(volatile unsigned long *)&ports[port].count : 0;
}

void evtchn_mask_port(evtchn_port_t port)
{
    set_bit_atomic(port, HYPERVISOR_shared_info->evtchn_mask);
}

void evtchn_unmask_local(evtchn_port_t port)
{
    clear_bit_atomic(port, HYPERVISOR_shared_info->evtchn_mask);
}

bool evtchn_port_masked(evtchn_port_t port)
{
    return test_bit(port, HYPERVISOR_shared_info->evtchn_mask);
}

bool evtchn_port_pending(evtchn_port_t port)
{
    return test_bit(port, HYPERVISOR_shared_info->evtchn_pending);
}

void evtchn_clear_port(evtchn_port_t port)
{
    clear_bit_atomic(port, HYPERVISOR_shared_info->evtchn_pending);
}

long evtchn_bind_virq(uint32_t virq, uint32_t vcpu_id, evtchn_port_t *port)
{
    struct evtchn_bind_virq op = {.virq = virq, .vcpu = vcpu_id};
    long rc = HYPERVISOR_event_channel_op(EVTCHNOP_bind_virq, &op);
    if (rc == 0 && port)
        *port = op.port;
    return rc;
}

long evtchn_bind_ipi(uint32_t vcpu_id, evtchn_port_t *port)
{
    struct evtchn_bind_ipi op = {.vcpu = vcpu_id};
    long rc = HYPERVISOR_event_channel_op(EVTCHNOP_bind_ipi, &op);
    if (rc == 0 && port)
        *port = op.port;
    return rc;
}

long evtchn_send(evtchn_port_t port)
{
    struct evtchn_send op = {.port = port};
    return HYPERVISOR_event_channel_op(EVTCHNOP_send, &op);
}

long evtchn_unmask(evtchn_port_t port)
{
    struct evtchn_unmask op = {.port = port};
    return HYPERVISOR_event_channel_op(EVTCHNOP_unmask, &op);
}

long evtchn_close(evtchn_port_t port)
{
    struct evtchn_close op = {.port = port};
    return HYPERVISOR_event_channel_op(EVTCHNOP_close, &op);
}

long evtchn_status(evtchn_port_t port, struct evtchn_status *st)
{
    *st = (struct evtchn_status){.dom = DOMID_SELF, .port = port};
    return HYPERVISOR_event_channel_op(EVTCHNOP_status, st);
}

long evtchn_alloc_unbound(domid_t remote, evtchn_port_t *port)
{
    struct evtchn_alloc_unbound op = {.dom = DOMID_SELF, .remote_dom = remote};
    long rc = HYPERVISOR_event_channel_op(EVTCHNOP_alloc_unbound, &op);
    if (rc == 0 && port)
        *port = op.port;
    return rc;
}

long evtchn_bind_interdomain(domid_t remote, evtchn_port_t remote_port, evtchn_port_t *port)
{
    struct evtchn_bind_interdomain op = {.remote_dom = remote, .remote_port = remote_port};
    long rc = HYPERVISOR_event_channel_op(EVTCHNOP_bind_interdomain, &op);
    if (rc == 0 && port)
        *port = op.local_port;
    return rc;
}

long events_init(void)
{
    void *va = (void *)mm_alloc_va();
    if (!va)
        return -XEN_ENOMEM;
    long rc = mm_map((unsigned long)va, start_info->shared_info >> PAGE_SHIFT, PTE_P | PTE_RW);
    if (rc) {
        printk("pvkernel: events: mapping shared_info failed: %ld\n", rc);
        return rc;
    }
    HYPERVISOR_shared_info = va;
    vcpu = &HYPERVISOR_shared_info->vcpu_info[0];

    struct callback_register event = {
        .type = CALLBACKTYPE_event,
        .address = (unsigned long)hypervisor_callback,
    };
    struct callback_register failsafe = {
        .type = CALLBACKTYPE_failsafe,
        .address = (unsigned long)failsafe_callback,
    };
    rc = HYPERVISOR_callback_op(CALLBACKOP_register, &event);
    if (!rc)
        rc = HYPERVISOR_callback_op(CALLBACKOP_register, &failsafe);
    if (rc)
        printk("pvkernel: events: registering callbacks failed: %ld\n", rc);
    return rc;
}
