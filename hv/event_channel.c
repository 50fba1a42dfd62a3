/*
 * Event channels, 2-level ABI (see include/hv/event.h), with Xen's
 * semantics: ports from 1 upwards (0 is reserved), a VIRQ bound once per
 * vCPU (global VIRQs only on vCPU 0), interdomain channels made from an
 * unbound port, close turning the peer unbound, sends to unbound ports
 * dropped, and delivery through the pending bitmap, the selector word and
 * upcall_pending.  The FIFO ABI is -ENOSYS.
 */
#include <hv/event.h>
#include <hv/domain.h>
#include <hv/errno.h>
#include <hv/sched.h>
#include <hv/spinlock.h>
#include <hv/mm.h>
#include <asm/guest_access.h>
#include <asm/pv.h>
#include <xen-abi.h>

static bool virq_is_global(unsigned int virq)
{
    switch (virq) {
    case VIRQ_TIMER:
    case VIRQ_DEBUG:
    case VIRQ_XENOPROF:
    case VIRQ_XENPMU:
        return false;
    default:
        return true;
    }
}

static long evtchn_close_port(struct domain *d, uint32_t port);

/*
 * Port state changes are serialised by one lock (a domain's vCPUs, and
 * both ends of an interdomain channel, may act at once).  Sends from
 * timers and interrupts only set bits and wake vCPUs, so they do without.
 */
static spinlock_t evtchn_lock = SPINLOCK_INIT;

int evtchn_init_domain(struct domain *d, uint32_t max_port)
{
    d->evtchn.ports = xzalloc(EVTCHN_PORTS * sizeof(struct evtchn));
    if (!d->evtchn.ports)
        return -ENOMEM;
    d->evtchn.max_port = max_port < EVTCHN_PORTS - 1 ? max_port : EVTCHN_PORTS - 1;
    d->evtchn.ports[0].state = ECS_RESERVED;
    return 0;
}

void evtchn_set_max_port(struct domain *d, uint32_t max_port)
{
    d->evtchn.max_port = max_port < EVTCHN_PORTS - 1 ? max_port : EVTCHN_PORTS - 1;
}

void evtchn_destroy_domain(struct domain *d)
{
    /* Closing every port leaves each interdomain peer unbound, as Xen's
     * evtchn_destroy; then no port is valid (max_port 0), so later calls
     * naming the dying domain get -EINVAL as on Xen.  Port 0's entry stays
     * until the domain is freed, for lookups made meanwhile. */
    unsigned long flags = spin_lock_irqsave(&evtchn_lock);
    for (uint32_t port = 1; port <= d->evtchn.max_port; port++)
        if (d->evtchn.ports[port].state != ECS_FREE)
            evtchn_close_port(d, port);
    d->evtchn.max_port = 0;
    spin_unlock_irqrestore(&evtchn_lock, flags);
}

void evtchn_free_domain(struct domain *d)
{
    xfree(d->evtchn.ports);
    d->evtchn.ports = NULL;
}

void evtchn_lock_all(unsigned long *flags)
{
    *flags = spin_lock_irqsave(&evtchn_lock);
}

void evtchn_unlock_all(unsigned long flags)
{
    spin_unlock_irqrestore(&evtchn_lock, flags);
}

bool evtchn_port_valid(struct domain *d, uint32_t port)
{
    return port <= d->evtchn.max_port;
}

static shared_info_t *shared(struct domain *d)
{
    return d->shared_info;
}

static bool test_and_set(xen_ulong_t *word, unsigned int bit)
{
    return __atomic_fetch_or(word, 1UL << bit, __ATOMIC_SEQ_CST) & (1UL << bit);
}

static bool test_bit(const xen_ulong_t *word, unsigned int bit)
{
    return __atomic_load_n(word, __ATOMIC_SEQ_CST) & (1UL << bit);
}

/* Tells the vCPU port notifies: its selector bit, upcall_pending, a kick. */
static void notify_vcpu(struct domain *d, uint32_t port)
{
    struct vcpu *v = d->vcpus[d->evtchn.ports[port].notify_vcpu];
    if (!v)
        return;
    vcpu_info_t *vi = pv_vcpu_info(v);
    if (!test_and_set(&vi->evtchn_pending_sel, port / 64)) {
        vi->evtchn_upcall_pending = 1;
        vcpu_kick(v);
    }
}

/* Wakes d's vCPUs polling for port (or for several ports), masked or not. */
static void wake_pollers(struct domain *d, uint32_t port)
{
    if (!__atomic_load_n(&d->nr_polling, __ATOMIC_SEQ_CST))
        return;
    for (unsigned int i = 0; i < d->max_vcpus; i++) {
        struct vcpu *v = d->vcpus[i];
        if (!v || !__atomic_load_n(&v->polling, __ATOMIC_SEQ_CST))
            continue;
        int want = __atomic_load_n(&v->poll_evtchn, __ATOMIC_SEQ_CST);
        if ((want <= 0 || (uint32_t)want == port) && vcpu_poll_end(v))
            vcpu_unblock(v);
    }
}

/* Marks port pending for d and, if unmasked, tells the vCPU it notifies. */
static void set_pending(struct domain *d, uint32_t port)
{
    shared_info_t *s = shared(d);
    if (test_and_set(&s->evtchn_pending[port / 64], port % 64))
        return;
    if (!test_bit(&s->evtchn_mask[port / 64], port % 64))
        notify_vcpu(d, port);
    wake_pollers(d, port);
}

bool evtchn_port_pending(struct domain *d, uint32_t port)
{
    return port <= d->evtchn.max_port && test_bit(&shared(d)->evtchn_pending[port / 64], port % 64);
}

void send_guest_vcpu_virq(struct vcpu *v, unsigned int virq)
{
    if (virq >= HV_NR_VIRQS)
        return;
    uint32_t port = v->virq_to_port[virq];
    if (port)
        set_pending(v->domain, port);
}

void send_global_virq(unsigned int virq)
{
    /* Xen lets a domain take over a global VIRQ (set_virq_handler); hv has no
     * such domctl yet, so they all go to the hardware domain. */
    struct domain *d = hardware_domain;
    if (d && virq_is_global(virq) && d->vcpus[0])
        send_guest_vcpu_virq(d->vcpus[0], virq);
}

static long get_free_port(struct domain *d)
{
    if (d->is_dying)
        return -EINVAL; /* as Xen */
    for (uint32_t p = 1; p <= d->evtchn.max_port; p++)
        if (d->evtchn.ports[p].state == ECS_FREE)
            return p;
    return -ENOSPC;
}

static struct domain *domain_for(struct domain *self, domid_t id)
{
    if (id == DOMID_SELF || id == self->id)
        return self;
    return self->privileged ? domain_by_id(id) : NULL;
}

static long evtchn_close_port(struct domain *d, uint32_t port)
{
    if (port == 0 || port > d->evtchn.max_port)
        return -EINVAL;
    struct evtchn *e = &d->evtchn.ports[port];
    switch (e->state) {
    case ECS_FREE:
    case ECS_RESERVED:
        return -EINVAL;
    case ECS_VIRQ: {
        struct vcpu *v = d->vcpus[e->notify_vcpu];
        if (v && v->virq_to_port[e->u.virq] == port)
            v->virq_to_port[e->u.virq] = 0;
        break;
    }
    case ECS_INTERDOMAIN: {
        /* The peer's end stays, unbound and ready for this domain again. */
        struct domain *peer = e->u.interdomain.domain;
        struct evtchn *pe = &peer->evtchn.ports[e->u.interdomain.port];
        if (peer == d && e->u.interdomain.port == port)
            break;
        pe->state = ECS_UNBOUND;
        pe->u.unbound_remote = d->id;
        break;
    }
    default:
        break;
    }
    e->state = ECS_FREE;
    e->notify_vcpu = 0;
    /* A closed port is no longer pending, as Xen clears it on reuse. */
    __atomic_fetch_and(&shared(d)->evtchn_pending[port / 64], ~(1UL << (port % 64)),
                       __ATOMIC_SEQ_CST);
    return 0;
}

static long op_alloc_unbound(struct domain *self, uint64_t arg)
{
    struct evtchn_alloc_unbound a;
    if (copy_from_guest(&a, arg, sizeof(a)))
        return -EFAULT;
    struct domain *d = domain_for(self, a.dom);
    if (!d)
        return a.dom == DOMID_SELF || self->privileged ? -ESRCH : -EPERM;
    long port = get_free_port(d);
    if (port < 0)
        return port;
    struct evtchn *e = &d->evtchn.ports[port];
    e->state = ECS_UNBOUND;
    e->u.unbound_remote = a.remote_dom == DOMID_SELF ? self->id : a.remote_dom;
    a.port = (evtchn_port_t)port;
    return copy_to_guest(arg, &a, sizeof(a)) ? -EFAULT : 0;
}

static long op_bind_interdomain(struct domain *self, uint64_t arg)
{
    struct evtchn_bind_interdomain b;
    if (copy_from_guest(&b, arg, sizeof(b)))
        return -EFAULT;
    struct domain *rd = b.remote_dom == DOMID_SELF ? self : domain_by_id(b.remote_dom);
    if (!rd)
        return -ESRCH;
    if (b.remote_port == 0 || b.remote_port > rd->evtchn.max_port)
        return -EINVAL;
    struct evtchn *re = &rd->evtchn.ports[b.remote_port];
    if (re->state != ECS_UNBOUND || re->u.unbound_remote != self->id)
        return -EINVAL;
    long port = get_free_port(self);
    if (port < 0)
        return port;
    struct evtchn *le = &self->evtchn.ports[port];
    le->state = ECS_INTERDOMAIN;
    le->u.interdomain.domain = rd;
    le->u.interdomain.port = b.remote_port;
    re->state = ECS_INTERDOMAIN;
    re->u.interdomain.domain = self;
    re->u.interdomain.port = (uint32_t)port;
    /* The remote end may have been signalled before it was bound. */
    set_pending(self, (uint32_t)port);
    b.local_port = (evtchn_port_t)port;
    return copy_to_guest(arg, &b, sizeof(b)) ? -EFAULT : 0;
}

static long op_bind_virq(struct domain *d, uint64_t arg)
{
    struct evtchn_bind_virq b;
    if (copy_from_guest(&b, arg, sizeof(b)))
        return -EFAULT;
    if (b.virq >= HV_NR_VIRQS)
        return -EINVAL;
    if (virq_is_global(b.virq) && b.vcpu != 0)
        return -EINVAL;
    if (b.vcpu >= d->max_vcpus || !d->vcpus[b.vcpu])
        return -ENOENT;
    struct vcpu *v = d->vcpus[b.vcpu];
    if (v->virq_to_port[b.virq])
        return -EEXIST;
    long port = get_free_port(d);
    if (port < 0)
        return port;
    struct evtchn *e = &d->evtchn.ports[port];
    e->state = ECS_VIRQ;
    e->notify_vcpu = (uint16_t)b.vcpu;
    e->u.virq = b.virq;
    v->virq_to_port[b.virq] = (uint32_t)port;
    b.port = (evtchn_port_t)port;
    return copy_to_guest(arg, &b, sizeof(b)) ? -EFAULT : 0;
}

static long op_bind_ipi(struct domain *d, uint64_t arg)
{
    struct evtchn_bind_ipi b;
    if (copy_from_guest(&b, arg, sizeof(b)))
        return -EFAULT;
    if (b.vcpu >= d->max_vcpus || !d->vcpus[b.vcpu])
        return -ENOENT;
    long port = get_free_port(d);
    if (port < 0)
        return port;
    struct evtchn *e = &d->evtchn.ports[port];
    e->state = ECS_IPI;
    e->notify_vcpu = (uint16_t)b.vcpu;
    b.port = (evtchn_port_t)port;
    return copy_to_guest(arg, &b, sizeof(b)) ? -EFAULT : 0;
}

static long op_send(struct domain *d, uint64_t arg)
{
    struct evtchn_send s;
    if (copy_from_guest(&s, arg, sizeof(s)))
        return -EFAULT;
    if (s.port > d->evtchn.max_port)
        return -EINVAL;
    struct evtchn *e = &d->evtchn.ports[s.port];
    switch (e->state) {
    case ECS_INTERDOMAIN:
        set_pending(e->u.interdomain.domain, e->u.interdomain.port);
        return 0;
    case ECS_IPI:
        set_pending(d, s.port);
        return 0;
    case ECS_UNBOUND:
        return 0; /* nobody to tell yet: dropped, as on Xen */
    default:
        return -EINVAL;
    }
}

static long op_status(struct domain *self, uint64_t arg)
{
    struct evtchn_status st;
    if (copy_from_guest(&st, arg, sizeof(st)))
        return -EFAULT;
    struct domain *d = domain_for(self, st.dom);
    if (!d)
        return st.dom == DOMID_SELF || self->privileged ? -ESRCH : -EPERM;
    if (st.port > d->evtchn.max_port)
        return -EINVAL;
    const struct evtchn *e = &d->evtchn.ports[st.port];
    st.vcpu = e->notify_vcpu;
    switch (e->state) {
    case ECS_FREE:
    case ECS_RESERVED:
        st.status = EVTCHNSTAT_closed;
        break;
    case ECS_UNBOUND:
        st.status = EVTCHNSTAT_unbound;
        st.u.unbound.dom = e->u.unbound_remote;
        break;
    case ECS_INTERDOMAIN:
        st.status = EVTCHNSTAT_interdomain;
        st.u.interdomain.dom = e->u.interdomain.domain->id;
        st.u.interdomain.port = e->u.interdomain.port;
        break;
    case ECS_VIRQ:
        st.status = EVTCHNSTAT_virq;
        st.u.virq = e->u.virq;
        break;
    case ECS_IPI:
        st.status = EVTCHNSTAT_ipi;
        break;
    }
    return copy_to_guest(arg, &st, sizeof(st)) ? -EFAULT : 0;
}

static long op_bind_vcpu(struct domain *d, uint64_t arg)
{
    struct evtchn_bind_vcpu b;
    if (copy_from_guest(&b, arg, sizeof(b)))
        return -EFAULT;
    if (b.port > d->evtchn.max_port || b.vcpu >= d->max_vcpus || !d->vcpus[b.vcpu])
        return b.port > d->evtchn.max_port ? -EINVAL : -ENOENT;
    struct evtchn *e = &d->evtchn.ports[b.port];
    switch (e->state) {
    case ECS_VIRQ:
        if (!virq_is_global(e->u.virq))
            return -EINVAL;
        /* fall through */
    case ECS_UNBOUND:
    case ECS_INTERDOMAIN:
        e->notify_vcpu = (uint16_t)b.vcpu;
        return 0;
    default:
        return -EINVAL;
    }
}

static long op_unmask(struct domain *d, uint64_t arg)
{
    struct evtchn_unmask u;
    if (copy_from_guest(&u, arg, sizeof(u)))
        return -EFAULT;
    if (u.port > d->evtchn.max_port)
        return -EINVAL;
    shared_info_t *s = shared(d);
    __atomic_fetch_and(&s->evtchn_mask[u.port / 64], ~(1UL << (u.port % 64)), __ATOMIC_SEQ_CST);
    /* Pending while masked: deliver now. */
    if (test_bit(&s->evtchn_pending[u.port / 64], u.port % 64))
        notify_vcpu(d, u.port);
    return 0;
}

static long op_reset(struct domain *self, uint64_t arg)
{
    struct evtchn_reset r;
    if (copy_from_guest(&r, arg, sizeof(r)))
        return -EFAULT;
    struct domain *d = domain_for(self, r.dom);
    if (!d)
        return r.dom == DOMID_SELF || self->privileged ? -ESRCH : -EPERM;
    for (uint32_t p = 1; p <= d->evtchn.max_port; p++)
        if (d->evtchn.ports[p].state != ECS_FREE)
            evtchn_close_port(d, p);
    return 0;
}

static long event_channel_op_locked(uint64_t cmd, uint64_t arg);

long do_event_channel_op(uint64_t cmd, uint64_t arg)
{
    unsigned long flags = spin_lock_irqsave(&evtchn_lock);
    long rc = event_channel_op_locked(cmd, arg);
    spin_unlock_irqrestore(&evtchn_lock, flags);
    return rc;
}

static long event_channel_op_locked(uint64_t cmd, uint64_t arg)
{
    struct domain *d = current_vcpu()->domain;
    switch (cmd) {
    case EVTCHNOP_alloc_unbound:
        return op_alloc_unbound(d, arg);
    case EVTCHNOP_bind_interdomain:
        return op_bind_interdomain(d, arg);
    case EVTCHNOP_bind_virq:
        return op_bind_virq(d, arg);
    case EVTCHNOP_bind_ipi:
        return op_bind_ipi(d, arg);
    case EVTCHNOP_close: {
        struct evtchn_close c;
        if (copy_from_guest(&c, arg, sizeof(c)))
            return -EFAULT;
        return evtchn_close_port(d, c.port);
    }
    case EVTCHNOP_send:
        return op_send(d, arg);
    case EVTCHNOP_status:
        return op_status(d, arg);
    case EVTCHNOP_bind_vcpu:
        return op_bind_vcpu(d, arg);
    case EVTCHNOP_unmask:
        return op_unmask(d, arg);
    case EVTCHNOP_reset:
        return op_reset(d, arg);
    default:
        return -ENOSYS; /* bind_pirq comes with device passthrough; FIFO ABI not offered */
    }
}
