/*
 * Boot modules in FDT form (DESIGN §4): recognized by their magic wherever
 * they stand, checked with libfdt, and listed node by node (with property
 * names and sizes) at loglvl=all.  What the nodes mean (domains to build at
 * boot) comes with a later issue.
 */
#include <hv/fdt_list.h>
#include <hv/console.h>
#include <asm/layout.h>
#include <libfdt.h>

bool fdt_module_list(const struct boot_module *m)
{
    uint64_t size = m->end - m->start;
    const void *blob = __va(m->start);

    if (size < 4 || fdt_magic(blob) != FDT_MAGIC)
        return false;
    int err = size < sizeof(struct fdt_header) ? -FDT_ERR_TRUNCATED : fdt_check_full(blob, size);
    if (err) {
        printk(XENLOG_WARNING "WARNING: boot description module is not a valid FDT: %s; ignored\n",
               fdt_strerror(err));
        return true;
    }
    printk("Boot description (FDT, %u bytes, version %u)\n", fdt_totalsize(blob),
           fdt_version(blob));
    int depth = 0, nodes = 0;
    for (int node = 0; node >= 0 && depth >= 0; node = fdt_next_node(blob, node, &depth)) {
        const char *name = fdt_get_name(blob, node, NULL);
        nodes++;
        printk(XENLOG_DEBUG " %*snode %s\n", depth * 2, "", depth == 0 ? "/" : name);
        int prop;
        fdt_for_each_property_offset(prop, blob, node)
        {
            const char *pname;
            int len;
            fdt_getprop_by_offset(blob, prop, &pname, &len);
            printk(XENLOG_DEBUG " %*s  property %s (%d bytes)\n", depth * 2, "", pname, len);
        }
    }
    printk("Boot description: %d nodes\n", nodes);
    return true;
}
