/*
 * System control (XEN_SYSCTL_*, interface 0x15), as Xen 4.17's do_sysctl:
 * the struct copied in, its version checked (-EACCES), the control domain
 * only (-EPERM), and copied back whole only on success.  getdomaininfolist
 * and physinfo for now; other commands return -ENOSYS.
 */
#include <hv/domctl.h>
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
    uint32_t num = 0;
    for (unsigned int id = l->first_domain; id < DOMID_HV_MAX && num < l->max_domains; id++) {
        struct domain *d = domain_by_id((domid_t_hv)id);
        if (!d)
            continue;
        struct xen_domctl_getdomaininfo info;
        domctl_domain_info(d, &info);
        uint64_t at = (uint64_t)l->buffer.p + (uint64_t)num * sizeof(info);
        if (copy_to_guest(at, &info, sizeof(info)))
            return -EFAULT;
        num++;
    }
    l->num_domains = num;
    return 0;
}

static long physinfo(struct xen_sysctl_physinfo *pi)
{
    memset(pi, 0, sizeof(*pi));
    unsigned int cpus = num_online_cpus();
    pi->threads_per_core = arch_threads_per_core();
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
    default:
        return -ENOSYS;
    }
    if (rc == 0 && copy_to_guest(arg, &op, sizeof(op)))
        rc = -EFAULT;
    return rc;
}
