/*
 * hv's entry from the boot loader: the multiboot1 and multiboot2 headers,
 * the 32-bit entry point, the switch to long mode on boot page tables, and
 * the jump to hv's high virtual address (DESIGN §4).
 *
 * Both headers carry address fields, so QEMU -kernel (which refuses 64-bit
 * ELF) and GRUB load the image by those and never read the ELF headers.
 * The boot page tables map the first 4 GiB three times: identity (only for
 * the instant of the switch), at HV_VIRT_BASE (the image) and at
 * DIRECTMAP_VIRT_START.  arch/x86/paging.c replaces them with tables that
 * have no identity map.
 */
#include <asm/layout.h>
#include <asm/processor-flags.h>

#define PHYS(sym) ((sym) - HV_VIRT_BASE)

#define MB1_MAGIC 0x1badb002
#define MB1_FLAGS 0x00010003 /* page-aligned modules, memory info, address fields */
#define MB2_MAGIC 0xe85250d6

#define COM1 0x3f8

        .section .text.head, "ax"
        .code32
        .globl start32
start32:
        jmp     entry32

        .balign 4
multiboot1_header:
        .long   MB1_MAGIC
        .long   MB1_FLAGS
        .long   0x100000000 - (MB1_MAGIC + MB1_FLAGS)
        .long   PHYS(multiboot1_header)
        .long   PHYS(__image_start)
        .long   PHYS(__load_end)
        .long   PHYS(__bss_end)
        .long   PHYS(start32)

        .balign 8
multiboot2_header:
        .long   MB2_MAGIC
        .long   0 /* i386 */
        .long   multiboot2_end - multiboot2_header
        .long   0x100000000 - (MB2_MAGIC + (multiboot2_end - multiboot2_header))
        /* address tag */
        .short  2, 0
        .long   24
        .long   PHYS(multiboot2_header)
        .long   PHYS(__image_start)
        .long   PHYS(__load_end)
        .long   PHYS(__bss_end)
        /* entry address tag */
        .short  3, 0
        .long   12
        .long   PHYS(start32)
        .long   0 /* pad to 8 */
        /* module alignment tag: modules on page boundaries */
        .short  6, 0
        .long   8
        /* end tag */
        .short  0, 0
        .long   8
multiboot2_end:

entry32:
        cli
        cld
        mov     %eax, %ebp              /* loader magic */
        mov     %ebx, %esi              /* loader information, physical */

        /* The loaders clear bss, but the boot page tables must not depend on it. */
        mov     $PHYS(__bss_start), %edi
        mov     $PHYS(__bss_end), %ecx
        sub     %edi, %ecx
        xor     %eax, %eax
        rep stosb

        mov     $PHYS(boot_stack_top - STACK_INFO_SIZE), %esp

        mov     $0x80000000, %eax
        cpuid
        cmp     $0x80000001, %eax
        jb      no_long_mode
        mov     $0x80000001, %eax
        cpuid
        bt      $29, %edx
        jnc     no_long_mode
        mov     %edx, %ebx              /* keep: bit 20 says NX exists */

        /* 2048 2-MiB mappings: the first 4 GiB. */
        mov     $PHYS(boot_l2), %edi
        mov     $(_PAGE_PRESENT | _PAGE_RW | _PAGE_PSE), %eax
        mov     $2048, %ecx
1:      mov     %eax, (%edi)
        movl    $0, 4(%edi)
        add     $0x200000, %eax
        add     $8, %edi
        loop    1b

        mov     %cr4, %eax
        or      $X86_CR4_PAE, %eax
        mov     %eax, %cr4
        mov     $PHYS(boot_l4), %eax
        mov     %eax, %cr3

        mov     $MSR_EFER, %ecx
        rdmsr
        or      $EFER_LME, %eax
        bt      $20, %ebx
        jnc     2f
        or      $EFER_NXE, %eax
2:      wrmsr

        mov     %cr0, %eax
        or      $(X86_CR0_PG | X86_CR0_WP | X86_CR0_PE), %eax
        mov     %eax, %cr0

        lgdt    PHYS(boot_gdtr)
        ljmp    $BOOT_CS64, $PHYS(entry64_low)

no_long_mode:
        mov     $PHYS(no_long_mode_msg), %esi
3:      lodsb
        test    %al, %al
        jz      4f
        mov     %al, %bl
        mov     $(COM1 + 5), %dx
5:      inb     %dx, %al
        test    $0x20, %al
        jz      5b
        mov     $COM1, %dx
        mov     %bl, %al
        outb    %al, %dx
        jmp     3b
4:      hlt
        jmp     4b

        .code64
entry64_low:
        movabs  $entry64, %rax
        jmp     *%rax
entry64:
        mov     $BOOT_DS, %eax
        mov     %eax, %ds
        mov     %eax, %es
        mov     %eax, %ss
        xor     %eax, %eax
        mov     %eax, %fs
        mov     %eax, %gs
        movabs  $(boot_stack_top - STACK_INFO_SIZE), %rsp
        mov     %ebp, %edi              /* rdi = loader magic */
        mov     %esi, %esi              /* rsi = loader information, physical */
        xor     %ebp, %ebp              /* a zero frame pointer ends stack traces */
        call    arch_start
        ud2

        .section .rodata
no_long_mode_msg:
        .asciz  "hv: this CPU has no long mode; hv needs an x86-64 CPU\r\n"

        .section .data.page_aligned, "aw"
        .balign 4096
        .globl boot_l4
boot_l4:
        .quad   PHYS(boot_l3_ident) + (_PAGE_PRESENT | _PAGE_RW)
        .fill   260, 8, 0
        .quad   PHYS(boot_l3_hv) + (_PAGE_PRESENT | _PAGE_RW)       /* slot 261 */
        .quad   PHYS(boot_l3_direct) + (_PAGE_PRESENT | _PAGE_RW)   /* slot 262 */
        .fill   249, 8, 0
boot_l3_ident:
        .quad   PHYS(boot_l2) + (_PAGE_PRESENT | _PAGE_RW)
        .fill   511, 8, 0
boot_l3_hv:
        .fill   321, 8, 0       /* (HV_VIRT_BASE >> 30) & 511 == 321 */
        .quad   PHYS(boot_l2) + (_PAGE_PRESENT | _PAGE_RW)
        .fill   190, 8, 0
boot_l3_direct:
        .quad   PHYS(boot_l2) + 0x0000 + (_PAGE_PRESENT | _PAGE_RW)
        .quad   PHYS(boot_l2) + 0x1000 + (_PAGE_PRESENT | _PAGE_RW)
        .quad   PHYS(boot_l2) + 0x2000 + (_PAGE_PRESENT | _PAGE_RW)
        .quad   PHYS(boot_l2) + 0x3000 + (_PAGE_PRESENT | _PAGE_RW)
        .fill   508, 8, 0

        .balign 8
boot_gdt:
        .quad   0
        .quad   GDT_DESC_CS64           /* BOOT_CS64 */
        .quad   GDT_DESC_DS             /* BOOT_DS */
        .quad   GDT_DESC_CS32           /* BOOT_CS32 */
boot_gdt_end:
        .globl boot_gdtr
boot_gdtr:
        .word   boot_gdt_end - boot_gdt - 1
        .long   PHYS(boot_gdt)

        .section .bss.page_aligned, "aw", @nobits
        .balign 4096
boot_l2:
        .skip   4 * 4096
        /*
         * CPU 0's stack block (see asm/layout.h).  hv.lds.S aligns it to its
         * size; a section alignment that large would move the image's file
         * offset past where loaders look for the multiboot headers.
         */
        .section .bss.stack_block, "aw", @nobits
        .balign 4096
        .globl boot_stack
boot_stack:
        .skip   STACK_BLOCK_SIZE
        .globl boot_stack_top
boot_stack_top:

        .section .note.GNU-stack, "", @progbits
