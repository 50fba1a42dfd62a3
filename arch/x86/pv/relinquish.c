/*
 * What a dying PV domain lets go of (Xen's domain_relinquish_resources):
 * each vCPU's page-table base pointers, GDT frames, LDT pages and
 * registered vcpu_info page, then every pin and every allocation
 * reference on its frames.  Page tables are released from the top, so
 * their entries' references go with them; frames that another domain
 * still maps keep a reference and are freed when it goes.  Called with the
 * page lock held, the domain paused for good.
 */
#include <asm/pv.h>
#include <hv/domain.h>
#include <hv/mm.h>

void arch_vcpu_relinquish(struct vcpu *v)
{
    pv_set_gdt(v, NULL, 0);
    pv_destroy_ldt(v);
    v->arch.ldt_base = 0;
    v->arch.ldt_ents = 0;
    if (v->arch.guest_table)
        pv_put_page_and_type(v->arch.guest_table);
    if (v->arch.guest_table_user)
        pv_put_page_and_type(v->arch.guest_table_user);
    v->arch.guest_table = v->arch.guest_table_user = 0;
    if (v->arch.vcpu_info) {
        pv_put_page_and_type(v->arch.vcpu_info_mfn);
        v->arch.vcpu_info = NULL;
        v->arch.vcpu_info_mfn = 0;
    }
}

void arch_domain_relinquish_memory(struct domain *d)
{
    /*
     * Unpinning releases whole page-table trees, whose entries may drop the
     * last reference of other frames of the list; an extra reference on
     * every frame keeps the list still while that happens, and each frame
     * can then only free itself when its extra reference goes last.
     */
    uint32_t mfn;
    for (mfn = d->page_list_head; mfn != PAGE_LIST_NULL; mfn = frame_table[mfn].next)
        if (!pv_get_page(mfn, d))
            frame_table[mfn].count_info |= PGC_relinquish_skip;
    for (mfn = d->page_list_head; mfn != PAGE_LIST_NULL; mfn = frame_table[mfn].next) {
        struct page_info *pg = &frame_table[mfn];
        if (pg->type_info & PGT_pinned) {
            pg->type_info &= ~PGT_pinned;
            pv_put_page_and_type(mfn);
        }
    }
    for (mfn = d->page_list_head; mfn != PAGE_LIST_NULL; mfn = frame_table[mfn].next) {
        struct page_info *pg = &frame_table[mfn];
        if (pg->count_info & PGC_allocated) {
            pg->count_info &= ~PGC_allocated;
            pg->count_info--;
        }
    }
    for (mfn = d->page_list_head; mfn != PAGE_LIST_NULL;) {
        struct page_info *pg = &frame_table[mfn];
        uint32_t next = pg->next;
        /* A saturated count never had the extra reference (nor can it reach 0). */
        if (pg->count_info & PGC_relinquish_skip)
            pg->count_info &= ~PGC_relinquish_skip;
        else
            pv_put_page(mfn);
        mfn = next;
    }
}
