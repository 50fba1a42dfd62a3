/* Multiboot 1 and 2 information structures, as the specifications lay them out. */
#ifndef ASM_MULTIBOOT_H
#define ASM_MULTIBOOT_H
#include <hv/types.h>

#define MB1_BOOTLOADER_MAGIC 0x2badb002
#define MB2_BOOTLOADER_MAGIC 0x36d76289

#define MB1_INFO_MEMORY      (1 << 0)
#define MB1_INFO_CMDLINE     (1 << 2)
#define MB1_INFO_MODS        (1 << 3)
#define MB1_INFO_MMAP        (1 << 6)
#define MB1_INFO_LOADER_NAME (1 << 9)

struct mb1_info {
    uint32_t flags;
    uint32_t mem_lower, mem_upper;
    uint32_t boot_device;
    uint32_t cmdline;
    uint32_t mods_count, mods_addr;
    uint32_t syms[4];
    uint32_t mmap_length, mmap_addr;
    uint32_t drives_length, drives_addr;
    uint32_t config_table;
    uint32_t boot_loader_name;
} __packed;

struct mb1_module {
    uint32_t mod_start, mod_end, string, reserved;
} __packed;

struct mb1_mmap_entry {
    uint32_t size; /* of the rest of the entry */
    uint64_t addr, len;
    uint32_t type;
} __packed;

#define MB2_TAG_END         0
#define MB2_TAG_CMDLINE     1
#define MB2_TAG_LOADER_NAME 2
#define MB2_TAG_MODULE      3
#define MB2_TAG_MMAP        6
#define MB2_TAG_ACPI_OLD    14
#define MB2_TAG_ACPI_NEW    15

struct mb2_tag {
    uint32_t type, size;
} __packed;

struct mb2_tag_module {
    uint32_t type, size;
    uint32_t mod_start, mod_end;
} __packed;

struct mb2_tag_mmap {
    uint32_t type, size;
    uint32_t entry_size, entry_version;
} __packed;

struct mb2_mmap_entry {
    uint64_t addr, len;
    uint32_t type, reserved;
} __packed;

int multiboot_parse(uint32_t magic, paddr_t info_pa);
#endif
