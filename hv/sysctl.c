/*
 * System control (XEN_SYSCTL_*, interface 0x15), as Xen 4.17's do_sysctl:
 * the struct copied in, its version checked (-EACCES), the control domain
 * only (-EPERM), and copied back whole only on success.  getdomaininfolist,
 * physinfo, sched_id and readconsole; other commands return -ENOSYS.
 */
#include <hv/domctl.h>
#include <hv/console.h>
#include <hv/spinlock.h>
#include <hv/domain.h>
#include <hv/errno.h>
#include <hv/mm.h>
#include <hv/smp.h>
#include <asm/guest_access.h>
#include <asm/pv.h>
#include <asm/time.h>
#include <xen-abi.h>
#include <string.h>

/* Xen's MAX_NUMNODES - 1: hv has one node and reports Xen's constant. */
#define MAX_NODE_ID 63

static long getdomaininfolist(struct xen_sysctl_getdomaininfolist *l)
{
    uint32_t num;
    long rc = domctl_domain_info_list(l->first_domain, l->max_domains, (uint64_t)l->buffer.p, &num);
    if (rc == 0)
        l->num_domains = num;
    return rc;
}

static long physinfo(struct xen_sysctl_physinfo *pi)
{
    domctl_reap_dead();
    memset(pi, 0, sizeof(*pi));
    unsigned int cpus = num_online_cpus();
    unsigned int threads = arch_threads_per_core();
    pi->threads_per_core = threads <= cpus ? threads : cpus;
    pi->cores_per_socket = cpus / pi->threads_per_core; /* hv sees one socket */
    pi->nr_cpus = cpus;
    pi->max_cpu_id = cpus - 1;
    pi->nr_nodes = 1;
    pi->max_node_id = MAX_NODE_ID;
    pi->cpu_khz = (uint32_t)tsc_khz;
    pi->capabilities = XEN_SYSCTL_PHYSCAP_pv | XEN_SYSCTL_PHYSCAP_gnttab_v1;
    pi->total_pages = arch_ram_pages();
    pi->free_pages = machine_pages.free_pages;
    pi->max_mfn = max_page - 1;
    return 0;
}

/* The console ring, in chunks through a bounce buffer (readconsole). */
static long readconsole(struct xen_sysctl_readconsole *rc)
{
    static char chunk[256];
    static spinlock_t chunk_lock = SPINLOCK_INIT;
    uint64_t buffer = (uint64_t)rc->buffer.p;
    uint32_t index = rc->index, copied = 0;
    bool incremental = rc->incremental;
    unsigned long flags = spin_lock_irqsave(&chunk_lock);
    long result = 0;
    while (copied < rc->count) {
        uint32_t want = rc->count - copied < sizeof(chunk) ? rc->count - copied : sizeof(chunk);
        /* Each chunk carries on from the last; clear applies to what was read. */
        size_t n = console_ring_read(&index, incremental || copied, rc->clear, chunk, want);
        if (n && copy_to_guest(buffer + copied, chunk, n)) {
            result = -EFAULT;
            break;
        }
        copied += (uint32_t)n;
        if (n < want)
            break;
    }
    if (!copied && !result && rc->count == 0)
        console_ring_read(&index, incremental, rc->clear, chunk, 0);
    spin_unlock_irqrestore(&chunk_lock, flags);
    if (result)
        return result;
    rc->count = copied;
    rc->index = index;
    return 0;
}

long do_sysctl(uint64_t arg)
{
    struct xen_sysctl op;
    if (copy_from_guest(&op, arg, sizeof(op)))
        return -EFAULT;
    if (op.interface_version != XEN_SYSCTL_INTERFACE_VERSION)
        return -EACCES;
    if (!current_vcpu()->domain->privileged)
        return -EPERM;
    long rc;
    switch (op.cmd) {
    case XEN_SYSCTL_getdomaininfolist:
        rc = getdomaininfolist(&op.u.getdomaininfolist);
        break;
    case XEN_SYSCTL_physinfo:
        rc = physinfo(&op.u.physinfo);
        break;
    case XEN_SYSCTL_sched_id:
        op.u.sched_id.sched_id = XEN_SCHEDULER_CREDIT; /* hv's one scheduler */
        rc = 0;
        break;
    case XEN_SYSCTL_readconsole:
        rc = readconsole(&op.u.readconsole);
        break;
    default:
        return -ENOSYS;
    }
    if (rc == 0 && copy_to_guest(arg, &op, sizeof(op)))
        rc = -EFAULT;
    return rc;
}
