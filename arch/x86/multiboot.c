/*
 * Reads the multiboot1 or multiboot2 information the loader left into
 * boot_info.  Strings are copied into hv's own storage so that nothing of
 * the loader's memory is needed afterwards except the modules themselves.
 * The loader is trusted only as far as sizes go: counts and lengths are
 * clamped to what boot_info can hold.
 */
#include <hv/bootinfo.h>
#include <hv/cmdline.h>
#include <asm/layout.h>
#include <asm/multiboot.h>
#include <string.h>

struct boot_info boot_info;

static char string_store[4096];
static size_t string_used;
static uint8_t rsdp_copy[64] __aligned(16);

static const char *keep_string(paddr_t pa)
{
    if (!pa)
        return "";
    const char *s = __va(pa);
    size_t n = strnlen(s, 1024);
    if (string_used + n + 1 > sizeof(string_store))
        return "";
    char *d = string_store + string_used;
    memcpy(d, s, n);
    d[n] = '\0';
    string_used += n + 1;
    return d;
}

static void add_module(paddr_t start, paddr_t end, paddr_t cmdline_pa)
{
    if (boot_info.nr_modules == BOOT_MAX_MODULES) {
        boot_info.modules_dropped++;
        return;
    }
    struct boot_module *m = &boot_info.modules[boot_info.nr_modules++];
    m->start = start;
    m->end = end < start ? start : end;
    m->cmdline = keep_string(cmdline_pa);
}

static void add_map_entry(uint64_t addr, uint64_t len, uint32_t type)
{
    if (boot_info.raw_map_nr < E820_MAX)
        boot_info.raw_map[boot_info.raw_map_nr++] = (struct e820entry){addr, len, type};
}

static void parse_multiboot1(paddr_t info_pa)
{
    const struct mb1_info *mbi = __va(info_pa);
    paddr_t cmdline = 0;

    boot_info.multiboot_version = 1;
    boot_info.info_start = info_pa;
    boot_info.info_end = info_pa + sizeof(*mbi);
    boot_info.loader =
        (mbi->flags & MB1_INFO_LOADER_NAME) ? keep_string(mbi->boot_loader_name) : "unknown";
    if (mbi->flags & MB1_INFO_CMDLINE)
        cmdline = mbi->cmdline;
    boot_info.cmdline = cmdline_cook(keep_string(cmdline), boot_info.loader);

    if (mbi->flags & MB1_INFO_MODS) {
        const struct mb1_module *mods = __va(mbi->mods_addr);
        for (uint32_t i = 0; i < mbi->mods_count && i < 64; i++)
            add_module(mods[i].mod_start, mods[i].mod_end, mods[i].string);
    }
    if (mbi->flags & MB1_INFO_MMAP) {
        uint64_t p = mbi->mmap_addr, end = p + mbi->mmap_length;
        while (p + sizeof(struct mb1_mmap_entry) <= end) {
            const struct mb1_mmap_entry *e = __va(p);
            add_map_entry(e->addr, e->len, e->type);
            p += (uint64_t)e->size + 4;
            if (e->size == 0)
                break;
        }
    } else if (mbi->flags & MB1_INFO_MEMORY) {
        /* No map: the two legacy figures, in KiB below 1 MiB and above it. */
        add_map_entry(0, (uint64_t)mbi->mem_lower << 10, E820_RAM);
        add_map_entry(MiB(1), (uint64_t)mbi->mem_upper << 10, E820_RAM);
    }
}

static void parse_multiboot2(paddr_t info_pa)
{
    const uint8_t *base = __va(info_pa);
    uint32_t total = *(const uint32_t *)base;
    paddr_t cmdline = 0;

    boot_info.multiboot_version = 2;
    boot_info.loader = "unknown";
    boot_info.info_start = info_pa;
    boot_info.info_end = info_pa + total;
    if (total > MiB(1))
        total = MiB(1);

    for (uint32_t off = 8; off + 8 <= total;) {
        const struct mb2_tag *tag = (const void *)(base + off);
        if (tag->type == MB2_TAG_END || tag->size < 8 || off + tag->size > total)
            break;
        paddr_t data = info_pa + off + 8;
        switch (tag->type) {
        case MB2_TAG_CMDLINE:
            cmdline = data;
            break;
        case MB2_TAG_LOADER_NAME:
            boot_info.loader = keep_string(data);
            break;
        case MB2_TAG_MODULE: {
            const struct mb2_tag_module *m = (const void *)tag;
            add_module(m->mod_start, m->mod_end, info_pa + off + sizeof(*m));
            break;
        }
        case MB2_TAG_MMAP: {
            const struct mb2_tag_mmap *m = (const void *)tag;
            if (m->entry_size < sizeof(struct mb2_mmap_entry))
                break;
            for (uint32_t p = sizeof(*m); p + m->entry_size <= tag->size; p += m->entry_size) {
                const struct mb2_mmap_entry *e = (const void *)((const uint8_t *)tag + p);
                add_map_entry(e->addr, e->len, e->type);
            }
            break;
        }
        case MB2_TAG_ACPI_OLD:
        case MB2_TAG_ACPI_NEW: {
            uint32_t n = tag->size - 8;
            if (n > sizeof(rsdp_copy))
                n = sizeof(rsdp_copy);
            /* Prefer the ACPI 2.0 RSDP when the loader gives both. */
            if (tag->type == MB2_TAG_ACPI_NEW || !boot_info.acpi_rsdp) {
                memcpy(rsdp_copy, base + off + 8, n);
                boot_info.acpi_rsdp = __pa(rsdp_copy);
            }
            break;
        }
        }
        off += ROUNDUP(tag->size, 8);
    }
    /* GRUB 2 is the only multiboot2 loader that matters; it passes no path. */
    boot_info.cmdline = cmdline_cook(keep_string(cmdline), boot_info.loader);
}

int multiboot_parse(uint32_t magic, paddr_t info_pa)
{
    if (magic == MB1_BOOTLOADER_MAGIC)
        parse_multiboot1(info_pa);
    else if (magic == MB2_BOOTLOADER_MAGIC)
        parse_multiboot2(info_pa);
    else
        return -1;
    /* Module command lines get the same first-word treatment as hv's. */
    for (unsigned int i = 0; i < boot_info.nr_modules; i++)
        boot_info.modules[i].cmdline = cmdline_cook(boot_info.modules[i].cmdline, boot_info.loader);
    return 0;
}
