/*
 * The memory_op hypercall for PV domains (DESIGN §7): reservation figures,
 * the machine memory map for the hardware domain (memory_map stays -ENOSYS
 * for PV, as Xen has no map set for them), the M2P's placement and frames,
 * and growing or shrinking a domain with populate_physmap,
 * increase_reservation and decrease_reservation.  A PV guest keeps its own
 * P2M; hv keeps the M2P and hands back the MFNs it allocated.
 */
#include <hv/hypercall.h>
#include <hv/bootinfo.h>
#include <hv/domain.h>
#include <hv/grant_table.h>
#include <hv/errno.h>
#include <hv/mm.h>
#include <asm/guest_access.h>
#include <asm/layout.h>
#include <asm/m2p.h>
#include <asm/pv.h>
#include <xen-abi.h>

/* The largest extent a guest may ask for at once (2 MiB, as PV superpages). */
#define MAX_EXTENT_ORDER 9

static struct domain *target_domain(struct domain *self, domid_t id, long *rc)
{
    if (id == DOMID_SELF || id == self->id)
        return self;
    if (!self->privileged) {
        *rc = -EPERM;
        return NULL;
    }
    struct domain *d = domain_by_id(id);
    if (!d)
        *rc = -ESRCH;
    return d;
}

static long reservation_op(unsigned int cmd, uint64_t arg, struct domain *self)
{
    struct xen_memory_reservation res;
    if (copy_from_guest(&res, arg, sizeof(res)))
        return -EFAULT;
    long rc = 0;
    /* As Xen: a domain that is not there or not the caller's to change gets
     * nothing done (0 extents), not an error. */
    struct domain *d = target_domain(self, res.domid, &rc);
    if (!d)
        return 0;
    if (res.extent_order > MAX_EXTENT_ORDER)
        return 0; /* as Xen: nothing done */
    uint64_t handle = (uint64_t)res.extent_start.p;
    unsigned long done;
    for (done = 0; done < res.nr_extents; done++) {
        uint64_t slot = handle + done * sizeof(xen_pfn_t);
        xen_pfn_t value;
        if (handle && copy_from_guest(&value, slot, sizeof(value)))
            break;
        if (cmd == XENMEM_decrease_reservation) {
            if (!handle || domain_release_pages(d, value, res.extent_order))
                break;
            continue;
        }
        uint64_t mfn = domain_alloc_pages(d, res.extent_order);
        if (mfn == UINT64_MAX)
            break;
        for (uint64_t i = 0; i < (1ULL << res.extent_order); i++)
            set_gpfn_from_mfn(mfn + i, cmd == XENMEM_populate_physmap ? value + i : M2P_INVALID);
        /* A PV guest learns the frames it was given. */
        if (handle && copy_to_guest(slot, &mfn, sizeof(xen_pfn_t)))
            break;
    }
    return (long)done;
}

static long machine_memory_map(uint64_t arg, struct domain *d)
{
    if (!d->privileged)
        return -EPERM;
    struct xen_memory_map map;
    if (copy_from_guest(&map, arg, sizeof(map)))
        return -EFAULT;
    if (map.nr_entries < boot_info.raw_map_nr)
        return -EINVAL;
    uint64_t buffer = (uint64_t)map.buffer.p;
    for (unsigned int i = 0; i < boot_info.raw_map_nr; i++) {
        struct {
            uint64_t addr, size;
            uint32_t type;
        } __packed e = {boot_info.raw_map[i].addr, boot_info.raw_map[i].size,
                        boot_info.raw_map[i].type};
        if (copy_to_guest(buffer + i * sizeof(e), &e, sizeof(e)))
            return -EFAULT;
    }
    map.nr_entries = boot_info.raw_map_nr;
    return copy_to_guest(arg, &map, sizeof(map)) ? -EFAULT : 0;
}

static long machphys_mfn_list(uint64_t arg)
{
    struct xen_machphys_mfn_list list;
    if (copy_from_guest(&list, arg, sizeof(list)))
        return -EFAULT;
    /* One MFN per 2 MiB of the M2P, like the superpages Xen maps it with. */
    uint64_t bytes = max_page * sizeof(unsigned long);
    unsigned int chunks = (unsigned int)((bytes + MiB(2) - 1) / MiB(2)), n = 0;
    for (; n < chunks && n < list.max_extents; n++) {
        xen_pfn_t mfn = (__pa(machine_to_phys) + n * MiB(2)) >> PAGE_SHIFT;
        if (copy_to_guest((uint64_t)list.extent_start.p + n * sizeof(mfn), &mfn, sizeof(mfn)))
            return -EFAULT;
    }
    list.nr_extents = n;
    return copy_to_guest(arg, &list, sizeof(list)) ? -EFAULT : 0;
}

/*
 * XENMEM_acquire_resource for a PV caller, as Xen 4.17: only a domain's
 * grant table (its shared frames) is a resource here; the caller gets
 * machine frames and maps them with mmu_update naming the domain.  The
 * table grows to reach the frames asked for.
 */
static long acquire_resource(uint64_t arg, struct domain *self)
{
    struct xen_mem_acquire_resource r;
    if (copy_from_guest(&r, arg, sizeof(r)))
        return -EFAULT;
    if (r.pad)
        return -EINVAL;
    if (r.frame >= (1ULL << 32) || r.frame + r.nr_frames >= (1ULL << 32))
        return -EINVAL;
    /* A domain cannot acquire its own resources (setup_table is for that). */
    struct domain *d = r.domid < DOMID_HV_MAX ? domain_by_id(r.domid) : NULL;
    if (!d)
        return -ESRCH;
    if (d == self || !self->privileged)
        return -EPERM;
    /* Xen has ioreq servers and vmtrace buffers too (none for PV here). */
    if (r.type != XENMEM_resource_grant_table)
        return -EOPNOTSUPP;
    unsigned int max = 0;
    if (r.id == XENMEM_resource_grant_table_id_shared)
        max = grant_table_max_frames(d);
    if (!max)
        return -EINVAL; /* no such table, or a v1 table's status frames */
    uint64_t list = (uint64_t)r.frame_list.p;
    if (!list) {
        /* The size query: how many frames there may be. */
        if (r.nr_frames)
            return -EINVAL;
        r.nr_frames = max;
        return copy_to_guest(arg + offsetof(struct xen_mem_acquire_resource, nr_frames),
                             &r.nr_frames, sizeof(r.nr_frames))
                   ? -EFAULT
                   : 0;
    }
    if (r.nr_frames == 0 || r.nr_frames > GRANT_FRAMES_DEFAULT)
        return -EINVAL;
    uint64_t mfns[GRANT_FRAMES_DEFAULT];
    int rc = grant_table_acquire(d, (unsigned int)r.frame, r.nr_frames, mfns);
    if (rc)
        return rc;
    return copy_to_guest(list, mfns, r.nr_frames * sizeof(xen_pfn_t)) ? -EFAULT : 0;
}

static long do_memory_op_locked(uint64_t cmd, uint64_t arg)
{
    struct domain *self = current_vcpu()->domain;
    switch (cmd) {
    case XENMEM_increase_reservation:
    case XENMEM_decrease_reservation:
    case XENMEM_populate_physmap:
        return reservation_op((unsigned int)cmd, arg, self);
    case XENMEM_maximum_ram_page:
        return (long)max_page;
    case XENMEM_current_reservation:
    case XENMEM_maximum_reservation: {
        domid_t id;
        if (copy_from_guest(&id, arg, sizeof(id)))
            return -EFAULT;
        long rc = 0;
        struct domain *d = target_domain(self, id, &rc);
        if (!d)
            return rc;
        uint64_t v = cmd == XENMEM_current_reservation ? d->tot_pages : d->max_pages;
        return v > (uint64_t)INT64_MAX ? INT64_MAX : (long)v;
    }
    case XENMEM_machphys_mapping: {
        struct xen_machphys_mapping m = {
            .v_start = MACH2PHYS_VIRT_START,
            .v_end = MACH2PHYS_VIRT_END,
            .max_mfn = MACH2PHYS_NR_ENTRIES - 1,
        };
        return copy_to_guest(arg, &m, sizeof(m)) ? -EFAULT : 0;
    }
    case XENMEM_machphys_mfn_list:
        return machphys_mfn_list(arg);
    case XENMEM_machine_memory_map:
        return machine_memory_map(arg, self);
    case XENMEM_memory_map:
        return -ENOSYS; /* no map is set for a PV domain; dom0 reads the machine map */
    case XENMEM_acquire_resource:
        return acquire_resource(arg, self);
    case XENMEM_add_to_physmap:
        return -EACCES; /* for translated guests only */
    default:
        return -ENOSYS;
    }
}

long do_memory_op(uint64_t cmd, uint64_t arg)
{
    pv_mm_lock();
    long rc = do_memory_op_locked(cmd, arg);
    pv_mm_unlock();
    return rc;
}
