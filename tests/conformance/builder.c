/*
 * Conformance kernel: a dom0 that checks the layouts dom0-tools/builder
 * gives a kernel with Linux's notes (INIT_P2M, MOD_START_PFN) and a
 * ramdisk, on Xen 4.17 and on hv.  Its initrd is conformance/builder-guest
 * gzip-compressed; the unpacked image is both the domU's kernel and its
 * ramdisk (as it is, and gzip-compressed as it came).  Copies with a note
 * changed give libxc's other layouts (an INIT_P2M address above the base
 * or unaligned is ignored; MOD_START_PFN 0 maps the ramdisk), and one
 * whose P2M would overlap the initial mapping is refused, as is a ramdisk
 * the domain's memory cannot hold.  Each domU checks its own start of day
 * (builder_guest.c) and reports through its console ring, relayed here.
 */
#include <pvkernel/kernel.h>
#include <pvkernel/console.h>
#include <pvkernel/hypercall.h>
#include <pvkernel/mm.h>
#include <pvkernel/test.h>
#include "dom0_platform.h"
#include "layout_probe.h"
#include <stdio.h>
#include <string.h>

#define DOMU_KB            16384
#define DOMU_PAGES         (DOMU_KB / 4)
#define IMAGE_MAX          (1UL << 20)
#define NOTE_INIT_P2M      15
#define NOTE_MOD_START_PFN 16

static xen_pfn_t p2m[DOMU_PAGES];
static uint8_t image[IMAGE_MAX] __attribute__((aligned(8)));
static uint8_t changed[IMAGE_MAX] __attribute__((aligned(8)));
static size_t image_size;
static unsigned long image_fnv; /* of its whole pages, as the domU sees them */

/* The guest's image, unpacked from this kernel's initrd into `image`. */
static bool unpack_image(void)
{
    const void *gz = (const void *)start_info->mod_start;
    void *out = NULL;
    size_t size = 0;
    const char *why = NULL;
    int rc = start_info->mod_len && builder_is_gzip(gz, start_info->mod_len)
                 ? builder_gunzip(&platform, gz, start_info->mod_len, &out, &size, &why)
                 : -XEN_EINVAL;
    test_result("builder.image", rc == 0 && size <= IMAGE_MAX, "%s",
                rc                  ? (why ? why : "not gzip")
                : size <= IMAGE_MAX ? "unpacked"
                                    : "too large");
    if (rc == 0 && size <= IMAGE_MAX) {
        memcpy(image, out, size);
        image_size = size;
    }
    if (out)
        platform.release(platform.ctx, out);
    static const uint8_t zeros[PAGE_SIZE];
    image_fnv = fnv1a(FNV1A_START, image, image_size);
    image_fnv = fnv1a(image_fnv, zeros, (PAGE_SIZE - image_size % PAGE_SIZE) % PAGE_SIZE);
    return image_size != 0;
}

/*
 * A copy of the image with the descriptor of its Xen note `type` (descsz
 * bytes) set to value: true if the note was found.  Notes sit 4-aligned:
 * namesz 4, descsz, type, "Xen\0", then the descriptor.
 */
static bool change_note(uint8_t *img, size_t size, uint32_t type, uint32_t descsz, uint64_t value)
{
    for (size_t off = 0; off + 16 + descsz <= size; off += 4) {
        uint32_t h[3];
        memcpy(h, img + off, sizeof(h));
        if (h[0] == 4 && h[1] == descsz && h[2] == type && memcmp(img + off + 12, "Xen", 4) == 0) {
            memcpy(img + off + 16, &value, descsz);
            return true;
        }
    }
    return false;
}

static int build(struct domu_built *d, const void *kernel, const void *ramdisk, size_t ramdisk_size,
                 const char *cmdline, unsigned long kb)
{
    struct domu_spec spec = {.kernel = kernel,
                             .kernel_size = image_size,
                             .ramdisk = ramdisk,
                             .ramdisk_size = ramdisk_size,
                             .cmdline = cmdline,
                             .memory_kb = kb,
                             .max_vcpus = 1,
                             .p2m = p2m,
                             .p2m_entries = DOMU_PAGES};
    return build_domu(d, &spec);
}

/* Builds and runs one case's domU, relaying its console until it powers off. */
static void run_case(const char *name, const void *kernel, const void *ramdisk, size_t ramdisk_size)
{
    char cmdline[96], case_name[64];
    snprintf(cmdline, sizeof(cmdline), "%s len=%lu fnv=%#lx", name, (unsigned long)image_size,
             image_fnv);
    snprintf(case_name, sizeof(case_name), "builder.%s.build", name);
    struct domu_built d;
    int rc = build(&d, kernel, ramdisk, ramdisk_size, cmdline, DOMU_KB);
    test_check_rc(case_name, rc, 0);
    if (rc)
        return;
    long map_rc;
    struct xencons_interface *ring = map_pages(d.domid, &d.console_mfn, 1, &map_rc);
    struct xen_domctl op = domctl_op(XEN_DOMCTL_unpausedomain, d.domid);
    snprintf(case_name, sizeof(case_name), "builder.%s.run", name);
    test_result(case_name, ring && domctl(&op) == 0, "%ld", map_rc);
    if (ring) {
        struct console_relay relay = {.name = name};
        struct xen_domctl_getdomaininfo info;
        console_relay_until_shutdown(&relay, ring, d.domid, WAIT_NS, &info);
        snprintf(case_name, sizeof(case_name), "builder.%s.reported", name);
        test_check(case_name, "yes", "%s", relay.done ? "yes" : "no");
        unmap_pages(ring, 1);
    }
    destroy(d.domid);
    domain_gone(d.domid);
}

/* The first domain other than dom0, by getdomaininfo's "first id at or
 * above": "none" when every domU built here is gone. */
static const char *first_domu(char *buf, size_t size)
{
    struct xen_domctl op = domctl_op(XEN_DOMCTL_getdomaininfo, 1);
    long rc = domctl(&op);
    if (rc == -XEN_ESRCH)
        return "none";
    if (rc)
        snprintf(buf, size, "rc %ld", rc);
    else
        snprintf(buf, size, "domain %u", op.domain);
    return buf;
}

/* A build refused before any domain exists: its rc, and no domain left. */
static void refused(const char *name, const void *kernel, unsigned long kb, long expected)
{
    struct domu_built d;
    int rc = build(&d, kernel, image, image_size, "refused len=0 fnv=0", kb);
    test_check_rc(name, rc, expected);
    if (rc == 0) {
        destroy(d.domid);
        domain_gone(d.domid);
    }
    char leak_name[64], text[32];
    snprintf(leak_name, sizeof(leak_name), "%s_no_domain_left", name);
    test_check(leak_name, "none", "%s", first_domu(text, sizeof(text)));
}

int kernel_main(void)
{
    if (!test_init_mm_and_events() || !unpack_image())
        return test_summary();
    /* As linked: the P2M at 512 GB after an unmapped ramdisk. */
    run_case("placed", image, image, image_size);
    run_case("placed-gz", image, (const void *)start_info->mod_start, start_info->mod_len);

    /* INIT_P2M above the kernel's base (1 GB past it): libxc ignores it. */
    memcpy(changed, image, image_size);
    bool found = change_note(changed, image_size, NOTE_INIT_P2M, 8, 0xffffffffc0000000UL);
    test_check("builder.note_init_p2m", "found", "%s", found ? "found" : "missing");
    if (found)
        run_case("p2m-above", changed, image, image_size);

    /* No MOD_START_PFN, INIT_P2M not page-aligned: the ramdisk and P2M mapped. */
    memcpy(changed, image, image_size);
    found = change_note(changed, image_size, NOTE_MOD_START_PFN, 4, 0) &&
            change_note(changed, image_size, NOTE_INIT_P2M, 8, 0x8000000800UL);
    test_check("builder.note_mod_start_pfn", "found", "%s", found ? "found" : "missing");
    if (found)
        run_case("mapped", changed, image, image_size);

    /* A P2M from 8 KB below the base would overlap the initial mapping. */
    memcpy(changed, image, image_size);
    if (change_note(changed, image_size, NOTE_INIT_P2M, 8, VIRT_BASE - 0x2000))
        refused("builder.p2m_overlapping_refused", changed, DOMU_KB, -XEN_EINVAL);
    /* 4 MB and 64 KB: the initial mapping (4 MB) fits, the ramdisk (over 64 KB) after it does not.
     */
    refused("builder.ramdisk_too_large_refused", image, 4160, -XEN_ENOMEM);
    return test_summary();
}
