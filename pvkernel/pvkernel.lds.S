/*
 * Linker script of pvkernel images: linked at VIRT_BASE with physical
 * (ELF paddr) addresses from 0, as a PV builder expects with PADDR_OFFSET 0;
 * the Xen notes in their own PT_NOTE segment.
 */
OUTPUT_FORMAT("elf64-x86-64")
OUTPUT_ARCH(i386:x86-64)
ENTRY(_start)

VIRT_BASE = 0xffffffff80000000;

PHDRS
{
    text PT_LOAD FLAGS(5);
    data PT_LOAD FLAGS(6);
    note PT_NOTE;
}

SECTIONS
{
    . = VIRT_BASE;
    .text : AT(ADDR(.text) - VIRT_BASE) {
        *(.text.head)
        *(.text .text.*)
    } :text
    __text_end = .;
    .rodata : AT(ADDR(.rodata) - VIRT_BASE) {
        *(.rodata .rodata.*)
    } :text
    .note.Xen : AT(ADDR(.note.Xen) - VIRT_BASE) {
        *(.note.Xen)
    } :text :note

    . = ALIGN(4096);
    .data : AT(ADDR(.data) - VIRT_BASE) {
        *(.data .data.*)
        *(.got .got.plt)
    } :data
    .symbols : AT(ADDR(.symbols) - VIRT_BASE) {
        *(.image_symbols)
    } :data
    . = ALIGN(4096);
    .bss : AT(ADDR(.bss) - VIRT_BASE) {
        *(.bss .bss.*)
        *(COMMON)
        . = ALIGN(4096);
    } :data
    __kernel_end = .;

    /DISCARD/ : {
        *(.eh_frame) *(.note.gnu*) *(.comment) *(.interp) *(.dynsym) *(.dynstr) *(.hash)
        *(.gnu.hash) *(.dynamic) *(.rela.*)
    }
}
