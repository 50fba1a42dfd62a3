/*
 * Linker script of hv.  One loadable segment, laid out in the file exactly
 * as in memory, so that the multiboot address fields (which QEMU and GRUB use
 * instead of the ELF headers) describe it: load_addr is the first byte,
 * load_end_addr the end of data and the symbol table, bss_end_addr the end.
 */
#include <asm/layout.h>

OUTPUT_FORMAT("elf64-x86-64")
OUTPUT_ARCH(i386:x86-64)
ENTRY(start32)

PHDRS
{
    image PT_LOAD FLAGS(7);
}

SECTIONS
{
    . = HV_VIRT_BASE + HV_PHYS_START;
    __image_start = .;

    .text : AT(ADDR(.text) - HV_VIRT_BASE) {
        *(.text.head)
        *(.text .text.*)
    } :image
    __text_end = .;

    . = ALIGN(4096);
    __rodata_start = .;
    .rodata : AT(ADDR(.rodata) - HV_VIRT_BASE) {
        *(.rodata .rodata.* .rodata.str* .rodata.cst*)
        . = ALIGN(8);
        __setup_start = .;
        KEEP(*(.init.setup))
        __setup_end = .;
        . = ALIGN(8);
        __ex_table_start = .;
        KEEP(*(.ex_table))
        __ex_table_end = .;
    } :image

    . = ALIGN(4096);
    __data_start = .;
    .data : AT(ADDR(.data) - HV_VIRT_BASE) {
        *(.data.page_aligned)
        *(.data .data.*)
        *(.got .got.plt)
    } :image

    /* Last in the file: its size differs between the two links. */
    . = ALIGN(8);
    .symbols : AT(ADDR(.symbols) - HV_VIRT_BASE) {
        *(.image_symbols)
    } :image
    __load_end = .;

    . = ALIGN(4096);
    .bss : AT(ADDR(.bss) - HV_VIRT_BASE) {
        __bss_start = .;
        . = ALIGN(STACK_BLOCK_SIZE);
        *(.bss.stack_block)
        *(.bss.page_aligned)
        *(.bss .bss.*)
        *(COMMON)
        . = ALIGN(4096);
        __bss_end = .;
    } :image
    __image_end = .;

    /DISCARD/ : {
        *(.eh_frame) *(.note.*) *(.comment) *(.interp) *(.dynsym) *(.dynstr) *(.hash)
        *(.gnu.hash) *(.dynamic) *(.rela.*)
    }
}
