/* Machine reset and halt. */
#include <hv/panic.h>
#include <hv/console.h>
#include <asm/cpu.h>
#include <asm/uart.h>

void machine_restart(void)
{
    local_irq_disable();
    /* The PCI reset control register, then the keyboard controller... */
    outb(0xcf9, 0x02);
    outb(0xcf9, 0x06);
    for (int i = 0; i < 100000 && (inb(0x64) & 0x02); i++)
        cpu_relax();
    outb(0x64, 0xfe);
    for (volatile int i = 0; i < 1000000; i++)
        cpu_relax();
    /* ...and if neither worked, a triple fault. */
    struct {
        uint16_t limit;
        uint64_t base;
    } __packed empty = {0, 0};
    __asm__ __volatile__("lidt %0; int3" : : "m"(empty));
    for (;;)
        halt();
}

void machine_halt(void)
{
    local_irq_disable();
    /* Keep answering debug keys (r resets) while halted. */
    for (;;) {
        int c = uart_getc();
        if (c >= 0)
            console_input((char)c);
        cpu_relax();
    }
}
