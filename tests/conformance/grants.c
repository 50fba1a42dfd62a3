/*
 * Conformance kernel: grant tables v1 (issue 4), as a dom0 on Xen 4.17
 * and on hv.  It checks its own table (query_size, versions, setup_table,
 * get_status_frames, swap_grant_ref, the dispatcher's refusals), then
 * builds a domU with dom0-tools/builder (left paused; its initrd is
 * conformance/domu-guest) and, through the domU's grant table as
 * XENMEM_acquire_resource gives it, grants the domU's pages to itself:
 * the builder's entries 0 and 1, map and unmap read-write and read-only
 * (the entry's GTF_reading/GTF_writing, the page-table entry made, every
 * GNTST_* refusal), unmap_and_replace, copy in every direction with its
 * argument checks, pin exhaustion, and the domU destroyed while one of
 * its grants is mapped.  Observed values are printed; Xen's are expected.
 */
#include <pvkernel/kernel.h>
#include <pvkernel/console.h>
#include <pvkernel/hypercall.h>
#include <pvkernel/mm.h>
#include <pvkernel/test.h>
#include <pvkernel/events.h>
#include <pvkernel/time.h>
#include "dom0_platform.h"
#include "pingpong.h"
#include <stdio.h>
#include <string.h>

#define DOMU_KB    8192
#define DOMU_PAGES (DOMU_KB / 4)

static xen_pfn_t p2m[DOMU_PAGES];
static uint8_t local_page[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static uint8_t other_page[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static uint8_t answer_page[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static xen_pfn_t own_frames[2];

static long gnttab(unsigned int cmd, void *op, unsigned int count)
{
    return HYPERVISOR_grant_table_op(cmd, op, count);
}

/* --- this domain's own table --------------------------------------------- */

static void own_table(void)
{
    struct gnttab_query_size q = {.dom = DOMID_SELF};
    long rc = gnttab(GNTTABOP_query_size, &q, 1);
    test_result("gnttab.query_size_self", rc == 0, "rc %ld status %d nr_frames %u max %u", rc,
                q.status, q.nr_frames, q.max_nr_frames);
    struct gnttab_get_version gv = {.dom = DOMID_SELF};
    rc = gnttab(GNTTABOP_get_version, &gv, 1);
    test_result("gnttab.get_version_self", rc == 0, "rc %ld version %u", rc, gv.version);
    gv = (struct gnttab_get_version){.dom = 0x7000};
    test_check_rc("gnttab.get_version_unknown", gnttab(GNTTABOP_get_version, &gv, 1), -XEN_ESRCH);
    static const unsigned int versions[] = {1, 2, 0, 3};
    for (unsigned int i = 0; i < 4; i++) {
        struct gnttab_set_version sv = {.version = versions[i]};
        char name[40];
        snprintf(name, sizeof(name), "gnttab.set_version_%u", versions[i]);
        rc = gnttab(GNTTABOP_set_version, &sv, 1);
        test_result(name, true, "rc %ld version %u", rc, sv.version);
    }

    xen_pfn_t *frames = own_frames;
    struct gnttab_setup_table st = {.dom = DOMID_SELF, .nr_frames = 2};
    set_xen_guest_handle(st.frame_list, frames);
    rc = gnttab(GNTTABOP_setup_table, &st, 1);
    test_result("gnttab.setup_table_self", rc == 0 && st.status == 0,
                "rc %ld status %d frames mine %s", rc, st.status,
                frames[0] && mfn_to_pfn(frames[0]) != mfn_to_pfn(frames[1]) ? "distinct" : "?");
    q = (struct gnttab_query_size){.dom = DOMID_SELF};
    gnttab(GNTTABOP_query_size, &q, 1);
    test_check("gnttab.query_size_grown", "2", "%u", q.nr_frames);
    st.nr_frames = 65;
    rc = gnttab(GNTTABOP_setup_table, &st, 1);
    test_result("gnttab.setup_table_too_many", true, "rc %ld status %d", rc, st.status);
    st = (struct gnttab_setup_table){.dom = 0x7000, .nr_frames = 1};
    set_xen_guest_handle(st.frame_list, frames);
    rc = gnttab(GNTTABOP_setup_table, &st, 1);
    test_result("gnttab.setup_table_unknown", true, "rc %ld status %d", rc, st.status);
    test_check_rc("gnttab.setup_table_count_2", gnttab(GNTTABOP_setup_table, &st, 2), -XEN_EINVAL);
    st = (struct gnttab_setup_table){.dom = DOMID_SELF, .nr_frames = 1};
    set_xen_guest_handle(st.frame_list, (xen_pfn_t *)0xffff800000000000UL);
    test_result("gnttab.setup_table_bad_list", true, "%ld", gnttab(GNTTABOP_setup_table, &st, 1));

    test_check_rc("gnttab.dump_table", gnttab(GNTTABOP_dump_table, &q, 1), -XEN_ENOSYS);
    test_check_rc("gnttab.unknown_op", gnttab(13, &q, 1), -XEN_ENOSYS);
    test_check_rc("gnttab.high_cmd_bits", gnttab(GNTTABOP_query_size | (1u << 12), &q, 1),
                  -XEN_EINVAL);
    test_check_rc("gnttab.negative_count", gnttab(GNTTABOP_map_grant_ref, &q, 0x80000000u),
                  -XEN_EINVAL);
    test_check_rc("gnttab.map_count_0", gnttab(GNTTABOP_map_grant_ref, NULL, 0), 0);
    test_result("gnttab.map_bad_array", true, "%ld",
                gnttab(GNTTABOP_map_grant_ref, (void *)0xffff800000000000UL, 1));

    struct gnttab_get_status_frames gs = {.dom = DOMID_SELF, .nr_frames = 1};
    uint64_t status_frame;
    set_xen_guest_handle(gs.frame_list, &status_frame);
    rc = gnttab(GNTTABOP_get_status_frames, &gs, 1);
    test_result("gnttab.status_frames_v1", true, "rc %ld status %d", rc, gs.status);

    /* swap_grant_ref on entries of this domain's own table. */
    long map_rc;
    grant_entry_v1_t *mine = map_pages(DOMID_SELF, frames, 1, &map_rc);
    test_check_rc("gnttab.map_own_table", map_rc, 0);
    if (!mine)
        return;
    mine[10] = (grant_entry_v1_t){.flags = GTF_permit_access, .domid = 1, .frame = 0x1234};
    mine[11] = (grant_entry_v1_t){.flags = GTF_invalid, .domid = 2, .frame = 0x5678};
    struct gnttab_swap_grant_ref sw[2] = {{.ref_a = 10, .ref_b = 11}, {.ref_a = 10, .ref_b = 5000}};
    rc = gnttab(GNTTABOP_swap_grant_ref, sw, 2);
    test_result("gnttab.swap", true, "rc %ld status %d %d; 10: %u/%u/%#x 11: %u/%u/%#x", rc,
                sw[0].status, sw[1].status, mine[10].flags, mine[10].domid, mine[10].frame,
                mine[11].flags, mine[11].domid, mine[11].frame);
    memset(&mine[10], 0, 2 * sizeof(*mine));
    unmap_pages(mine, 1);
}

/* --- the domU's table ----------------------------------------------------- */

static long acquire(domid_t domid, uint16_t type, uint32_t id, uint64_t frame, uint32_t nr,
                    xen_pfn_t *list, uint32_t *nr_out)
{
    struct xen_mem_acquire_resource r = {
        .domid = domid, .type = type, .id = id, .nr_frames = nr, .frame = frame};
    set_xen_guest_handle(r.frame_list, list);
    long rc = HYPERVISOR_memory_op(XENMEM_acquire_resource, &r);
    if (nr_out)
        *nr_out = r.nr_frames;
    return rc;
}

static grant_entry_v1_t *domu_table(domid_t domid)
{
    uint32_t nr = 0;
    long rc = acquire(domid, XENMEM_resource_grant_table, XENMEM_resource_grant_table_id_shared, 0,
                      0, NULL, &nr);
    test_result("acquire.size_query", rc == 0, "rc %ld nr_frames %u", rc, nr);
    xen_pfn_t frames[2];
    test_check_rc("acquire.myself", acquire(0, XENMEM_resource_grant_table, 0, 0, 1, frames, NULL),
                  -XEN_EPERM);
    test_check_rc("acquire.domid_self",
                  acquire(DOMID_SELF, XENMEM_resource_grant_table, 0, 0, 1, frames, NULL),
                  -XEN_ESRCH);
    test_check_rc("acquire.unknown_type", acquire(domid, 7, 0, 0, 1, frames, NULL),
                  -XEN_EOPNOTSUPP);
    test_check_rc("acquire.status_frames",
                  acquire(domid, XENMEM_resource_grant_table, XENMEM_resource_grant_table_id_status,
                          0, 1, frames, NULL),
                  -XEN_EINVAL);
    test_check_rc("acquire.past_max",
                  acquire(domid, XENMEM_resource_grant_table, 0, 64, 1, frames, NULL), -XEN_EINVAL);
    test_check_rc("acquire.none",
                  acquire(domid, XENMEM_resource_grant_table, 0, 0, 0, frames, NULL), -XEN_EINVAL);
    struct gnttab_query_size q = {.dom = domid};
    gnttab(GNTTABOP_query_size, &q, 1);
    test_result("gnttab.query_size_domu", true, "status %d nr_frames %u max %u", q.status,
                q.nr_frames, q.max_nr_frames);
    rc = acquire(domid, XENMEM_resource_grant_table, 0, 0, 2, frames, NULL);
    test_check_rc("acquire.two_frames", rc, 0);
    gnttab(GNTTABOP_query_size, &q, 1);
    test_check("gnttab.query_size_domu_grown", "2", "%u", q.nr_frames);
    if (rc)
        return NULL;
    long map_rc;
    grant_entry_v1_t *gt = map_pages(domid, frames, 2, &map_rc);
    test_check_rc("acquire.map_frames", map_rc, 0);
    return gt;
}

static int16_t map_ref(domid_t dom, grant_ref_t ref, uint32_t flags, unsigned long va,
                       grant_handle_t *handle)
{
    struct gnttab_map_grant_ref m = {
        .host_addr = va, .flags = flags, .ref = ref, .dom = dom, .handle = 0xdead};
    long rc = gnttab(GNTTABOP_map_grant_ref, &m, 1);
    if (rc)
        return (int16_t)rc;
    if (handle)
        *handle = m.handle;
    return m.status;
}

static int16_t unmap_ref(unsigned long va, uint64_t dev_bus_addr, grant_handle_t handle)
{
    struct gnttab_unmap_grant_ref u = {
        .host_addr = va, .dev_bus_addr = dev_bus_addr, .handle = handle};
    long rc = gnttab(GNTTABOP_unmap_grant_ref, &u, 1);
    return rc ? (int16_t)rc : u.status;
}

static void map_cases(domid_t domid, grant_entry_v1_t *gt, const struct domu_built *d)
{
    test_result("grant.builder_entries", true, "0: %#x dom %u console %s; 1: %#x dom %u store %s",
                gt[0].flags, gt[0].domid, gt[0].frame == d->console_mfn ? "yes" : "no", gt[1].flags,
                gt[1].domid, gt[1].frame == d->store_mfn ? "yes" : "no");
    unsigned long a = mm_alloc_va(), b = mm_alloc_va();
    grant_handle_t ha = 0, hb = 0;
    struct gnttab_map_grant_ref m = {
        .host_addr = a, .flags = GNTMAP_host_map, .ref = 0, .dom = domid};
    long rc = gnttab(GNTTABOP_map_grant_ref, &m, 1);
    ha = m.handle;
    test_result("grant.map_rw", rc == 0 && m.status == 0, "rc %ld status %d handle %u bus %s", rc,
                m.status, m.handle,
                m.dev_bus_addr == (uint64_t)d->console_mfn << PAGE_SHIFT ? "frame" : "other");
    const uint64_t *pte = mm_l1e(a);
    test_result("grant.map_rw_pte", pte != NULL, "flags %#lx frame %s",
                pte ? (unsigned long)PTE_FLAGS(*pte) : 0UL,
                pte && (*pte >> PAGE_SHIFT & 0xffffffffffUL) == d->console_mfn ? "console" : "?");
    test_check("grant.flags_mapped_rw", "0x19", "%#x", gt[0].flags);
    long map_rc;
    char *console = map_pages(domid, &d->console_mfn, 1, &map_rc);
    if (console && m.status == 0) {
        memcpy((char *)a + 64, "through the grant", sizeof("through the grant"));
        test_check("grant.write_seen", "through the grant", "%s", console + 64);
    }
    test_check("grant.map_ro", "0", "%d",
               map_ref(domid, 0, GNTMAP_host_map | GNTMAP_readonly, b, &hb));
    pte = mm_l1e(b);
    test_result("grant.map_ro_pte", pte != NULL, "flags %#lx",
                pte ? (unsigned long)PTE_FLAGS(*pte) : 0UL);
    test_result("grant.handles", true, "%u %u", ha, hb);
    test_check("grant.unmap_rw", "0", "%d", unmap_ref(a, 0, ha));
    test_check("grant.flags_after_rw_unmap", "0x9", "%#x", gt[0].flags);
    test_result("grant.unmap_rw_pte", true, "%#lx", (unsigned long)*mm_l1e(a));
    test_check("grant.unmap_again", "-4", "%d", unmap_ref(a, 0, ha));
    test_check("grant.unmap_wrong_addr", "-1", "%d", unmap_ref(a, 0, hb));
    test_check("grant.unmap_ro", "0", "%d", unmap_ref(b, 0, hb));
    test_check("grant.flags_after_unmaps", "0x1", "%#x", gt[0].flags);
    test_check("grant.unmap_bad_handle", "-4", "%d", unmap_ref(a, 0, 0xffffff));

    /* No address: nothing is unmapped, yet it is not an error; the same
     * handle twice in one batch: the second is a bad handle (its read-only
     * flag alone must not keep it alive). */
    grant_handle_t hz = 0;
    test_check("grant.map_for_batch", "0", "%d",
               map_ref(domid, 0, GNTMAP_host_map | GNTMAP_readonly, a, &hz));
    int16_t status = unmap_ref(0, 0, hz);
    test_check("grant.unmap_no_address", "0 0x9", "%d %#x", status, gt[0].flags);
    struct gnttab_unmap_grant_ref twice[2] = {{.host_addr = a, .handle = hz},
                                              {.host_addr = a, .handle = hz}};
    rc = gnttab(GNTTABOP_unmap_grant_ref, twice, 2);
    test_check("grant.unmap_same_handle_twice", "0 0 -4 0x1", "%ld %d %d %#x", rc, twice[0].status,
               twice[1].status, gt[0].flags);

    /* Refusals, with Xen's GNTST codes. */
    test_result("grant.map_no_flags", true, "%d", map_ref(domid, 0, 0, a, NULL));
    test_result("grant.map_domid_self", true, "%d",
                map_ref(DOMID_SELF, 0, GNTMAP_host_map, a, NULL));
    test_result("grant.map_unknown_domain", true, "%d",
                map_ref(0x7000, 0, GNTMAP_host_map, a, NULL));
    test_result("grant.map_ref_past_table", true, "%d",
                map_ref(domid, 1024, GNTMAP_host_map, a, NULL));
    test_result("grant.map_never_granted", true, "%d", map_ref(domid, 5, GNTMAP_host_map, a, NULL));
    gt[2] =
        (grant_entry_v1_t){.flags = GTF_permit_access, .domid = 0, .frame = (uint32_t)d->store_mfn};
    grant_handle_t h2 = 0;
    test_check("grant.map_fresh_grant", "0", "%d", map_ref(domid, 2, GNTMAP_host_map, a, &h2));
    test_check("grant.unmap_fresh_grant", "0", "%d", unmap_ref(a, 0, h2));
    gt[2].flags = GTF_invalid;
    test_result("grant.map_revoked", true, "%d", map_ref(domid, 2, GNTMAP_host_map, a, NULL));
    gt[3] = (grant_entry_v1_t){
        .flags = GTF_permit_access | GTF_readonly, .domid = 0, .frame = (uint32_t)d->store_mfn};
    test_result("grant.map_readonly_grant_rw", true, "%d",
                map_ref(domid, 3, GNTMAP_host_map, a, NULL));
    grant_handle_t h3 = 0;
    test_check("grant.map_readonly_grant_ro", "0", "%d",
               map_ref(domid, 3, GNTMAP_host_map | GNTMAP_readonly, a, &h3));
    test_check("grant.unmap_readonly_grant", "0", "%d", unmap_ref(a, 0, h3));
    gt[4] =
        (grant_entry_v1_t){.flags = GTF_permit_access, .domid = 7, .frame = (uint32_t)d->store_mfn};
    test_result("grant.map_granted_to_other", true, "%d",
                map_ref(domid, 4, GNTMAP_host_map, a, NULL));
    gt[6] = (grant_entry_v1_t){
        .flags = GTF_permit_access, .domid = 0, .frame = (uint32_t)virt_to_mfn(local_page)};
    test_result("grant.map_not_its_frame", true, "%d", map_ref(domid, 6, GNTMAP_host_map, a, NULL));
    test_result("grant.map_no_l1", true, "%d",
                map_ref(domid, 0, GNTMAP_host_map, 0x700000000000UL, NULL));
    test_result("grant.map_hv_range", true, "%d",
                map_ref(domid, 0, GNTMAP_host_map, 0xffff800000000000UL, NULL));
    test_check("grant.flags_after_refusals", "0x1 0 0x5 0x1", "%#x %#x %#x %#x", gt[0].flags,
               gt[2].flags, gt[3].flags, gt[4].flags);

    /* unmap_and_replace: b's mapping moves to a, b is cleared. */
    memcpy((char *)other_page, "replacement", sizeof("replacement"));
    test_check_rc("grant.replace_setup", mm_map(b, virt_to_mfn(other_page), PTE_P | PTE_RW), 0);
    grant_handle_t hr = 0;
    test_check("grant.replace_map", "0", "%d", map_ref(domid, 0, GNTMAP_host_map, a, &hr));
    struct gnttab_unmap_and_replace r = {.host_addr = a, .new_addr = b, .handle = hr};
    rc = gnttab(GNTTABOP_unmap_and_replace, &r, 1);
    test_result("grant.unmap_and_replace", rc == 0 && r.status == 0, "rc %ld status %d", rc,
                r.status);
    test_check("grant.replaced", "replacement, b 0, flags 0x1", "%s, b %#lx, flags %#x",
               (const char *)a, (unsigned long)*mm_l1e(b), gt[0].flags);
    mm_unmap(a);
    r = (struct gnttab_unmap_and_replace){.host_addr = a, .new_addr = b, .handle = 0xffffff};
    gnttab(GNTTABOP_unmap_and_replace, &r, 1);
    test_check("grant.replace_bad_handle", "-4", "%d", r.status);
    if (console)
        unmap_pages(console, 1);
}

static int16_t copy_status(struct gnttab_copy *c)
{
    long rc = gnttab(GNTTABOP_copy, c, 1);
    return rc ? (int16_t)rc : c->status;
}

static void copy_cases(domid_t domid, grant_entry_v1_t *gt, const struct domu_built *d)
{
    long map_rc;
    char *console = map_pages(domid, &d->console_mfn, 1, &map_rc);
    char *store = map_pages(domid, &d->store_mfn, 1, &map_rc);
    if (!console || !store)
        return;
    memcpy(console + 8, "copied by grant!", sizeof("copied by grant!"));
    struct gnttab_copy c = {.flags = GNTCOPY_source_gref, .len = 17};
    c.source.u.ref = 0;
    c.source.domid = domid;
    c.source.offset = 8;
    c.dest.u.gmfn = virt_to_mfn(local_page);
    c.dest.domid = DOMID_SELF;
    c.dest.offset = 100;
    int16_t status = copy_status(&c);
    test_check("copy.gref_to_local", "0 copied by grant! 0x1", "%d %s %#x", status,
               (const char *)local_page + 100, gt[0].flags);
    memcpy((char *)local_page + 200, "back the other way", sizeof("back the other way"));
    c = (struct gnttab_copy){.flags = GNTCOPY_dest_gref, .len = 19};
    c.source.u.gmfn = virt_to_mfn(local_page);
    c.source.domid = DOMID_SELF;
    c.source.offset = 200;
    c.dest.u.ref = 1;
    c.dest.domid = domid;
    c.dest.offset = 4000;
    status = copy_status(&c);
    test_check("copy.local_to_gref", "0 back the other way 0x1", "%d %s %#x", status, store + 4000,
               gt[1].flags);
    c = (struct gnttab_copy){.flags = GNTCOPY_source_gref | GNTCOPY_dest_gref, .len = 17};
    c.source.u.ref = 0;
    c.source.domid = domid;
    c.source.offset = 8;
    c.dest.u.ref = 1;
    c.dest.domid = domid;
    c.dest.offset = 0;
    status = copy_status(&c);
    test_check("copy.gref_to_gref", "0 copied by grant!", "%d %s", status, store);

    struct gnttab_copy base = c;
    c = base;
    c.dest.offset = 4090;
    test_result("copy.dest_past_page", true, "%d", copy_status(&c));
    c = base;
    c.source.offset = 4095;
    c.len = 2;
    test_result("copy.source_past_page", true, "%d", copy_status(&c));
    c = base;
    c.len = 4097;
    c.source.offset = 0;
    test_result("copy.too_long", true, "%d", copy_status(&c));
    c = base;
    c.source.u.ref = 100000;
    c.dest.offset = 4090;
    test_result("copy.bad_ref_and_length", true, "%d", copy_status(&c));
    c = base;
    c.source.u.ref = 5;
    test_result("copy.never_granted", true, "%d", copy_status(&c));
    c = base;
    c.dest.u.ref = 3; /* granted read-only */
    test_result("copy.to_readonly_grant", true, "%d", copy_status(&c));
    c = base;
    c.source.domid = 0x7000;
    test_result("copy.unknown_domain", true, "%d", copy_status(&c));
    c = base;
    c.flags = GNTCOPY_source_gref;
    c.dest.u.gmfn = virt_to_mfn(local_page);
    c.dest.domid = 0;
    test_result("copy.local_by_numeric_id", true, "%d", copy_status(&c));
    c.dest.domid = DOMID_SELF;
    c.dest.u.gmfn = d->console_mfn;
    test_result("copy.local_not_mine", true, "%d", copy_status(&c));
    c.dest.u.gmfn = mm_l1e_maddr((unsigned long)local_page) >> PAGE_SHIFT;
    test_result("copy.local_page_table", true, "%d", copy_status(&c));
    struct gnttab_copy three[3] = {base, base, base};
    three[1].len = 5000;
    long rc = gnttab(GNTTABOP_copy, three, 3);
    test_result("copy.batch", rc == 0, "rc %ld statuses %d %d %d", rc, three[0].status,
                three[1].status, three[2].status);
    test_check("copy.flags_after", "0x1 0x1 0x5", "%#x %#x %#x", gt[0].flags, gt[1].flags,
               gt[3].flags);

    /* A long batch: 2048 two-byte copies from the granted page, each to its
     * own place here — every element done once, in order, whatever
     * continuations the hypervisor makes. */
    static struct gnttab_copy many[2048];
    for (unsigned int i = 0; i < 2048; i++) {
        console[i * 2] = (char)(i & 0x7f);
        console[i * 2 + 1] = (char)(i >> 7);
        many[i] = (struct gnttab_copy){.flags = GNTCOPY_source_gref, .len = 2, .status = 99};
        many[i].source.u.ref = 0;
        many[i].source.domid = domid;
        many[i].source.offset = (uint16_t)(i * 2);
        many[i].dest.u.gmfn = virt_to_mfn(local_page);
        many[i].dest.domid = DOMID_SELF;
        many[i].dest.offset = (uint16_t)(4094 - i * 2);
    }
    rc = gnttab(GNTTABOP_copy, many, 2048);
    unsigned int wrong = 0;
    for (unsigned int i = 0; i < 2048; i++)
        if (many[i].status || local_page[4094 - i * 2] != (uint8_t)(i & 0x7f) ||
            local_page[4095 - i * 2] != (uint8_t)(i >> 7))
            wrong++;
    test_check("copy.long_batch", "rc 0, 0 wrong, flags 0x1", "rc %ld, %u wrong, flags %#x", rc,
               wrong, gt[0].flags);
    unmap_pages(console, 1);
    unmap_pages(store, 1);
}

/* Device mappings (no page-table entry) of one grant until its pin count is full. */
static void pin_exhaustion(domid_t domid, grant_entry_v1_t *gt, const struct domu_built *d)
{
    static grant_handle_t handles[200];
    unsigned int n = 0;
    int16_t status = 0;
    while (n < 200) {
        status = map_ref(domid, 1, GNTMAP_device_map | GNTMAP_readonly, 0, &handles[n]);
        if (status)
            break;
        n++;
    }
    test_result("grant.pin_exhaustion", true, "%u maps, then %d; handles %u %u .. %u", n, status,
                handles[0], n > 1 ? handles[1] : 0, n ? handles[n - 1] : 0);
    test_check("grant.flags_device_mapped", "0x9", "%#x", gt[1].flags);
    uint64_t bus = (uint64_t)d->store_mfn << PAGE_SHIFT;
    test_result("grant.unmap_wrong_bus_addr", true, "%d",
                unmap_ref(0, bus + PAGE_SIZE, handles[0]));
    /* All of them in one call: several batches of 32 (and continuations
     * wherever the hypervisor cuts it short). */
    static struct gnttab_unmap_grant_ref unmaps[200];
    for (unsigned int i = 0; i < n; i++)
        unmaps[i] = (struct gnttab_unmap_grant_ref){
            .dev_bus_addr = bus, .handle = handles[i], .status = 99};
    long rc = gnttab(GNTTABOP_unmap_grant_ref, unmaps, n);
    unsigned int failed = rc ? n : 0;
    for (unsigned int i = 0; i < n && !rc; i++)
        if (unmaps[i].status)
            failed++;
    test_check("grant.device_unmaps", "0 failed, flags 0x1", "%u failed, flags %#x", failed,
               gt[1].flags);
}

/* Destroyed while dom0 maps its store page by grant: dying until the unmap. */
static void destroy_while_mapped(domid_t domid, grant_entry_v1_t *gt)
{
    unsigned long a = mm_alloc_va();
    grant_handle_t h = 0;
    test_check("grant.map_before_destroy", "0", "%d", map_ref(domid, 1, GNTMAP_host_map, a, &h));
    test_check_rc("grant.destroy", destroy(domid), 0);
    struct xen_domctl_getdomaininfo info;
    long rc = domain_info(domid, &info);
    test_result("grant.dying_while_mapped", rc == 0, "rc %ld dying %u tot_pages %lu", rc,
                (info.flags & XEN_DOMINF_dying) != 0, (unsigned long)info.tot_pages);
    memcpy((char *)a, "still mine", sizeof("still mine"));
    test_check("grant.page_kept", "still mine", "%s", (const char *)a);
    unsigned long b = mm_alloc_va();
    grant_handle_t hb = 0;
    int16_t status = map_ref(domid, 0, GNTMAP_host_map, b, &hb);
    if (status == 0)
        unmap_ref(b, 0, hb);
    test_result("grant.map_dying", true, "%d", status);
    status = unmap_ref(a, 0, h);
    test_check("grant.unmap_after_destroy", "0 0x1", "%d %#x", status, gt[1].flags);
    unmap_pages(gt, 2);
    test_check("grant.gone_after_unmaps", "yes", "%s", domain_gone(domid) ? "yes" : "no");
}

static int build(struct domu_built *d, const char *cmdline)
{
    return build_from_module(d, cmdline, DOMU_KB, 1, p2m, DOMU_PAGES);
}

/* Waits for a new event on port (its count past *seen); false after WAIT_NS. */
static bool wait_event(evtchn_port_t port, unsigned long *seen)
{
    uint64_t deadline = time_now() + WAIT_NS;
    while (evtchn_count(port) == *seen) {
        if (time_now() > deadline)
            return false;
        HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
    }
    *seen = evtchn_count(port);
    return true;
}

static void exchange(volatile struct pingpong_mailbox *mb, domid_t domid, grant_entry_v1_t *own)
{
    unsigned long va = mm_alloc_va();
    grant_handle_t h = 0;
    test_check("pingpong.map_domu_page", "0", "%d",
               map_ref(domid, mb->domu_gref, GNTMAP_host_map, va, &h));
    evtchn_port_t port = 0;
    test_check_rc("pingpong.bind", evtchn_bind_interdomain(domid, mb->domu_port, &port), 0);
    volatile uint32_t *theirs = (volatile uint32_t *)va, *mine = (volatile uint32_t *)answer_page;
    unsigned int rounds = 0, wrong = 0;
    unsigned long seen = evtchn_count(port);
    uint16_t flags_in_use = 0;
    for (unsigned int i = 0; i < PINGPONG_ROUNDS; i++) {
        *theirs = 1000 + i;
        evtchn_send(port);
        if (!wait_event(port, &seen))
            break;
        if (*mine != 1001 + i)
            wrong++;
        if (i == 0) /* the domU unmaps after its last answer */
            flags_in_use = own[PINGPONG_GREF].flags;
        rounds++;
    }
    test_check("pingpong.rounds", "100 rounds, 0 wrong", "%u rounds, %u wrong", rounds, wrong);
    test_check("pingpong.flags_seen_by_granters", "dom0 0x19 domU 0x19", "dom0 %#x domU %#x",
               flags_in_use, mb->domu_seen_flags);
    test_check("pingpong.unmap_domu_page", "0", "%d", unmap_ref(va, 0, h));
    evtchn_close(port);
}

/* A domU and dom0 each grant the other a page and bounce a number over an
 * interdomain channel; dom0's VIRQ_DOM_EXC counts the domU's shutdown and
 * destruction. */
static void pingpong(void)
{
    events_unmask();
    evtchn_port_t exc = 0;
    test_check_rc("pingpong.bind_dom_exc", evtchn_bind_virq(VIRQ_DOM_EXC, 0, &exc), 0);
    unsigned long exc_seen = evtchn_count(exc);
    long map_rc;
    grant_entry_v1_t *own = map_pages(DOMID_SELF, own_frames, 1, &map_rc);
    struct domu_built d;
    int rc = build(&d, "pingpong");
    test_check_rc("pingpong.build", rc, 0);
    if (rc || !own)
        return;
    own[PINGPONG_GREF].frame = (uint32_t)virt_to_mfn(answer_page);
    own[PINGPONG_GREF].domid = d.domid;
    __atomic_store_n(&own[PINGPONG_GREF].flags, GTF_permit_access, __ATOMIC_RELEASE);
    /* The mailbox is the domU's store page, mapped by its grant entry 1. */
    unsigned long mva = mm_alloc_va();
    grant_handle_t mh = 0;
    test_check("pingpong.map_store_page", "0", "%d",
               map_ref(d.domid, 1, GNTMAP_host_map, mva, &mh));
    volatile struct pingpong_mailbox *mb = (void *)mva;
    mb->dom0_gref = PINGPONG_GREF;
    struct xen_domctl op = domctl_op(XEN_DOMCTL_unpausedomain, d.domid);
    test_check_rc("pingpong.unpause", domctl(&op), 0);
    uint64_t deadline = time_now() + WAIT_NS;
    while (__atomic_load_n(&mb->magic, __ATOMIC_ACQUIRE) != PINGPONG_READY && time_now() < deadline)
        HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
    test_check("pingpong.domu_ready", "ready, map 0", "%s, map %d",
               mb->magic == PINGPONG_READY ? "ready" : "not ready", mb->domu_map);
    if (mb->magic == PINGPONG_READY && mb->domu_map == 0)
        exchange(mb, d.domid, own);
    struct xen_domctl_getdomaininfo info = {0};
    deadline = time_now() + WAIT_NS;
    while (domain_info(d.domid, &info) == 0 && !(info.flags & XEN_DOMINF_shutdown) &&
           time_now() < deadline)
        HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
    test_check("pingpong.domu_done", "shutdown, 100 rounds, unmap 0, flags 0x1",
               "%s, %u rounds, unmap %d, flags %#x",
               info.flags & XEN_DOMINF_shutdown ? "shutdown" : "running", mb->domu_rounds,
               mb->domu_unmap, own[PINGPONG_GREF].flags);
    test_check("pingpong.dom_exc_on_shutdown", "yes", "%s",
               wait_event(exc, &exc_seen) ? "yes" : "no");
    own[PINGPONG_GREF].flags = GTF_invalid;
    unmap_pages(own, 1);
    test_check("pingpong.unmap_store_page", "0", "%d", unmap_ref(mva, 0, mh));
    test_check_rc("pingpong.destroy", destroy(d.domid), 0);
    test_check("pingpong.dom_exc_on_destroy", "yes", "%s",
               wait_event(exc, &exc_seen) ? "yes" : "no");
    test_check("pingpong.gone", "yes", "%s", domain_gone(d.domid) ? "yes" : "no");
    evtchn_close(exc);
}

static const char *port_status(domid_t dom, evtchn_port_t port)
{
    static char text[64];
    struct evtchn_status st = {.dom = dom, .port = port};
    long rc = HYPERVISOR_event_channel_op(EVTCHNOP_status, &st);
    if (rc)
        snprintf(text, sizeof(text), "rc %ld", rc);
    else if (st.status == EVTCHNSTAT_unbound)
        snprintf(text, sizeof(text), "unbound for %s", st.u.unbound.dom == 0 ? "dom0" : "domU");
    else if (st.status == EVTCHNSTAT_interdomain)
        snprintf(text, sizeof(text), "interdomain to %s vcpu %u",
                 st.u.interdomain.dom == 0 ? "dom0" : "domU", st.vcpu);
    else
        snprintf(text, sizeof(text), "status %u", st.status);
    return text;
}

/* Event channels between dom0 and a (paused) domU, driven by dom0 on both ends. */
static void evtchn_between_domains(void)
{
    struct domu_built d;
    if (build(&d, "evtchn")) {
        test_check_rc("evtchn.build", -1, 0);
        return;
    }
    domid_t u = d.domid;
    /* A port of the domU's for dom0, made by dom0 (the builder's way). */
    struct evtchn_alloc_unbound a = {.dom = u, .remote_dom = 0};
    test_check_rc("evtchn.alloc_for_domu", HYPERVISOR_event_channel_op(EVTCHNOP_alloc_unbound, &a),
                  0);
    test_check("evtchn.domu_port_unbound", "unbound for dom0", "%s", port_status(u, a.port));
    struct evtchn_alloc_unbound other = {.dom = u, .remote_dom = u};
    test_check_rc("evtchn.alloc_for_itself",
                  HYPERVISOR_event_channel_op(EVTCHNOP_alloc_unbound, &other), 0);
    evtchn_port_t mine = 0;
    test_check_rc("evtchn.bind_not_for_me", evtchn_bind_interdomain(u, other.port, &mine),
                  -XEN_EINVAL);
    test_check_rc("evtchn.bind", evtchn_bind_interdomain(u, a.port, &mine), 0);
    test_check("evtchn.domu_port_bound", "interdomain to dom0 vcpu 0", "%s",
               port_status(u, a.port));
    test_check("evtchn.my_port_bound", "interdomain to domU vcpu 0", "%s",
               port_status(DOMID_SELF, mine));
    test_check_rc("evtchn.bind_again", evtchn_bind_interdomain(u, a.port, &mine), -XEN_EINVAL);
    struct evtchn_bind_vcpu bv = {.port = mine, .vcpu = 0};
    test_check_rc("evtchn.bind_vcpu_0", HYPERVISOR_event_channel_op(EVTCHNOP_bind_vcpu, &bv), 0);
    bv.vcpu = 1;
    test_check_rc("evtchn.bind_vcpu_missing", HYPERVISOR_event_channel_op(EVTCHNOP_bind_vcpu, &bv),
                  -XEN_ENOENT);
    test_check_rc("evtchn.send", evtchn_send(mine), 0);
    /* Closing dom0's end leaves the domU's port unbound, for dom0 again. */
    test_check_rc("evtchn.close_mine", evtchn_close(mine), 0);
    test_check("evtchn.domu_after_close", "unbound for dom0", "%s", port_status(u, a.port));
    test_check_rc("evtchn.rebind", evtchn_bind_interdomain(u, a.port, &mine), 0);
    /* Resetting the domU closes all its ports: dom0's end is left unbound for it. */
    struct evtchn_reset r = {.dom = u};
    test_check_rc("evtchn.reset_domu", HYPERVISOR_event_channel_op(EVTCHNOP_reset, &r), 0);
    test_check("evtchn.domu_after_reset", "status 0", "%s", port_status(u, a.port));
    test_check("evtchn.domu_other_after_reset", "status 0", "%s", port_status(u, other.port));
    test_check("evtchn.mine_after_reset", "unbound for domU", "%s", port_status(DOMID_SELF, mine));
    test_check_rc("evtchn.send_after_reset", evtchn_send(mine), 0);
    evtchn_close(mine);
    r.dom = 0x7000;
    test_check_rc("evtchn.reset_unknown", HYPERVISOR_event_channel_op(EVTCHNOP_reset, &r),
                  -XEN_ESRCH);
    destroy(u);
    domain_gone(u);
}

/* Two domUs talk over an interdomain channel with no dom0 in between. */
static void two_domus(void)
{
    struct domu_built a, b;
    if (build(&b, "ping")) {
        test_check_rc("domus.build", -1, 0);
        return;
    }
    char cmdline[24];
    snprintf(cmdline, sizeof(cmdline), "echo %u", b.domid);
    if (build(&a, cmdline)) {
        test_check_rc("domus.build", -1, 0);
        destroy(b.domid);
        return;
    }
    long rc;
    volatile struct pingpong_mailbox *ma = map_pages(a.domid, &a.store_mfn, 1, &rc);
    volatile struct pingpong_mailbox *mb = map_pages(b.domid, &b.store_mfn, 1, &rc);
    struct xen_domctl op = domctl_op(XEN_DOMCTL_unpausedomain, a.domid);
    domctl(&op);
    uint64_t deadline = time_now() + WAIT_NS;
    while (ma && ma->magic != PINGPONG_READY && time_now() < deadline)
        HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
    bool ready = ma && mb && ma->magic == PINGPONG_READY;
    test_check("domus.echo_ready", "yes", "%s", ready ? "yes" : "no");
    if (ready) {
        evtchn_port_t port = ma->domu_port;
        test_check("domus.echo_port", "unbound for domU", "%s", port_status(a.domid, port));
        mb->peer_domid = a.domid;
        __atomic_store_n(&mb->peer_port, port, __ATOMIC_RELEASE);
        op = domctl_op(XEN_DOMCTL_unpausedomain, b.domid);
        domctl(&op);
        deadline = time_now() + WAIT_NS;
        while (!mb->ping_done && time_now() < deadline)
            HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
        test_check("domus.ping", "bind 0, 100 rounds, status 2", "bind %d, %u rounds, status %u",
                   mb->ping_bind, mb->ping_rounds, mb->ping_status);
        test_check("domus.echo_port_bound", "interdomain to domU vcpu 0", "%s",
                   port_status(a.domid, port));
        /* The pinger goes: the echoing domU's port is left unbound. */
        unmap_pages((void *)mb, 1);
        mb = NULL;
        destroy(b.domid);
        domain_gone(b.domid);
        test_check("domus.echo_port_after_peer", "unbound for domU", "%s",
                   port_status(a.domid, port));
    }
    if (ma)
        unmap_pages((void *)ma, 1);
    if (mb)
        unmap_pages((void *)mb, 1);
    destroy(a.domid);
    destroy(b.domid);
    domain_gone(a.domid);
    domain_gone(b.domid);
}

/* The domU's kernel comes gzip-compressed; damaged copies are refused. */
static void damaged_kernels(void)
{
    static uint8_t copy[1 << 20];
    size_t len = start_info->mod_len;
    const uint8_t *gz = (const uint8_t *)start_info->mod_start;
    test_check("grant.kernel_is_gzip", "yes", "%s",
               len > 2 && gz[0] == 0x1f && gz[1] == 0x8b ? "yes" : "no");
    if (len > sizeof(copy) || len < 64)
        return;
    struct domu_built d;
    memcpy(copy, gz, len);
    for (size_t i = len / 3; i < len / 3 + 64; i++)
        copy[i] ^= 0x5a;
    struct domu_spec spec = {.kernel = copy,
                             .kernel_size = len,
                             .memory_kb = DOMU_KB,
                             .max_vcpus = 1,
                             .p2m = p2m,
                             .p2m_entries = DOMU_PAGES};
    char why[160];
    int rc = domu_build(&platform, &spec, &d, why, sizeof(why));
    test_result("builder.damaged_gzip", rc != 0, "rc %d: %s", rc, why);
    memcpy(copy, gz, len);
    spec.kernel_size = len - 100;
    rc = domu_build(&platform, &spec, &d, why, sizeof(why));
    test_result("builder.truncated_gzip", rc != 0, "rc %d: %s", rc, why);
    copy[len - 1] = 0x7f; /* the trailer claims 2 GiB */
    spec.kernel_size = len;
    rc = domu_build(&platform, &spec, &d, why, sizeof(why));
    test_result("builder.huge_gzip_trailer", rc != 0, "rc %d: %s", rc, why);
}

int kernel_main(void)
{
    if (!test_init_mm_and_events())
        return test_summary();
    own_table();
    damaged_kernels();
    struct domu_built d;
    int rc = build(&d, "grants");
    test_check_rc("grant.build", rc, 0);
    if (rc)
        return test_summary();
    grant_entry_v1_t *gt = domu_table(d.domid);
    if (gt) {
        map_cases(d.domid, gt, &d);
        copy_cases(d.domid, gt, &d);
        pin_exhaustion(d.domid, gt, &d);
        destroy_while_mapped(d.domid, gt);
    }
    pingpong();
    evtchn_between_domains();
    two_domus();
    return test_summary();
}
