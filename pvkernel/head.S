/*
 * pvkernel's entry point.  The hypervisor starts a PV kernel at the ELF
 * note's ENTRY with RSI = start_info (DESIGN §7); pvkernel switches to its
 * own stack and calls pvkernel_start.
 */
        .section .text.head, "ax"
        .globl _start
_start:
        lea     boot_stack_top(%rip), %rsp
        xor     %ebp, %ebp
        mov     %rsi, %rdi
        call    pvkernel_start
        ud2

        .section .bss
        .balign 4096
boot_stack:
        .skip   16384
boot_stack_top:

        .section .note.GNU-stack, "", @progbits
