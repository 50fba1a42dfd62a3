/* The COM1 serial port (arch/x86/uart.c) and the VGA text console. */
#ifndef ASM_UART_H
#define ASM_UART_H
void uart_init_early(void);
void uart_configure(void);
int uart_getc(void);
/* The VGA text console (arch/x86/vga.c). */
void vga_init(void);
#endif
