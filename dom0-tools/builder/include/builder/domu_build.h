/*
 * The domain builder (dom0-tools/builder, like libxenguest): creates a
 * 64-bit PV domU and lays out its start of day from an ELF kernel, an
 * optional ramdisk and a command line, entirely through the public ABI
 * (domctl, memory_op, mmu_update/mmuext_op with a foreign domain,
 * event_channel_op), as libxc/libxl do on Xen 4.17.  The caller supplies
 * how to make hypercalls and map another domain's frames, so the same code
 * runs in a pvkernel dom0 and in the toolstack.
 */
#ifndef BUILDER_DOMU_BUILD_H
#define BUILDER_DOMU_BUILD_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <xen-abi.h>

/* The most frames the builder asks map_foreign for at once. */
#define BUILDER_MAP_CHUNK 16

struct builder_platform {
    void *ctx;
    /* A hypercall of the running domain; its return value. */
    long (*hypercall)(void *ctx, unsigned int nr, uint64_t a1, uint64_t a2, uint64_t a3,
                      uint64_t a4);
    /* Maps n (≤ BUILDER_MAP_CHUNK) machine frames of domid writable at
     * consecutive addresses; NULL if it cannot. */
    void *(*map_foreign)(void *ctx, domid_t domid, const xen_pfn_t *mfns, unsigned int n);
    void (*unmap_foreign)(void *ctx, void *va, unsigned int n);
    /* Memory for unpacking a gzip-compressed kernel (optional: without
     * them such a kernel is refused); release gets what alloc gave. */
    void *(*alloc)(void *ctx, size_t bytes);
    void (*release)(void *ctx, void *p);
};

struct domu_spec {
    const void *kernel; /* an ELF image, or one compressed with gzip */
    size_t kernel_size;
    const void *ramdisk; /* may be NULL */
    size_t ramdisk_size;
    const char *cmdline; /* may be NULL; at most 1023 bytes are passed */
    uint64_t memory_kb;  /* the domain's pages: memory_kb / 4 */
    unsigned int max_vcpus;
    domid_t console_domid, store_domid; /* who may bind the console and store ports */
    uint8_t handle[16];
    xen_pfn_t *p2m; /* the caller's buffer (pfn -> mfn): at least memory_kb / 4 entries */
    size_t p2m_entries;
};

struct domu_built {
    domid_t domid;
    uint64_t nr_pages;
    xen_pfn_t console_mfn, store_mfn;
    evtchn_port_t console_port, store_port; /* the domain's unbound ports */
    xen_pfn_t shared_info_frame;
};

/*
 * Creates and builds the domain; it is left paused (the caller unpauses it
 * once it has set up what else it needs).  0, or -errno with a sentence in
 * why; a domain created on the way is destroyed again.
 */
int domu_build(const struct builder_platform *p, const struct domu_spec *spec,
               struct domu_built *out, char *why, size_t why_len);

/* Whether an image is gzip-compressed; the builder unpacks such kernels
 * and ramdisks (gunzip.c). */
bool builder_is_gzip(const void *src, size_t len);
/* Unpacks a gzip image into memory from p->alloc (released with
 * p->release): 0, or -errno with a reason in *why. */
int builder_gunzip(const struct builder_platform *p, const void *src, size_t len, void **out,
                   size_t *out_len, const char **why);
#endif
