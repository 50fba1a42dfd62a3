/*
 * The COM1 16550 UART: hv's serial console sink and the source of serial
 * input (polled from the timer tick, so it needs no interrupt routing).
 * com1=<baud|auto>[,DPS[,io-base]] as in Xen, e.g. com1=115200,8n1.
 */
#include <hv/console.h>
#include <hv/cmdline.h>
#include <asm/cpu.h>
#include <asm/uart.h>
#include <stdlib.h>
#include <string.h>

#define UART_THR 0
#define UART_RBR 0
#define UART_DLL 0
#define UART_IER 1
#define UART_DLM 1
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define LSR_DR   0x01
#define LSR_THRE 0x20
#define LCR_DLAB 0x80

static uint16_t uart_port = 0x3f8;
static bool uart_present = true;
static char opt_com1[64] = "115200,8n1";
string_param("com1", opt_com1);

static void uart_putc(char c)
{
    /* A missing UART reads all ones (LSR_THRE set), so this cannot hang. */
    for (unsigned int spins = 0; !(inb(uart_port + UART_LSR) & LSR_THRE) && spins < 100000; spins++)
        cpu_relax();
    outb(uart_port + UART_THR, (uint8_t)c);
}

static void uart_puts(const char *s, size_t len)
{
    if (!uart_present)
        return;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '\n')
            uart_putc('\r');
        uart_putc(s[i]);
    }
}

static struct console_sink uart_sink = {.name = "com1", .puts = uart_puts};

static void uart_program(uint32_t baud, uint8_t lcr)
{
    outb(uart_port + UART_IER, 0);
    if (baud) {
        uint32_t divisor = 115200 / baud;
        outb(uart_port + UART_LCR, LCR_DLAB);
        outb(uart_port + UART_DLL, divisor & 0xff);
        outb(uart_port + UART_DLM, divisor >> 8);
    }
    outb(uart_port + UART_LCR, lcr);
    outb(uart_port + UART_FCR, 0xc7); /* FIFOs on and cleared, 14-byte trigger */
    outb(uart_port + UART_MCR, 0x03); /* DTR, RTS; OUT2 off: input is polled */
}

void uart_init_early(void)
{
    uart_program(115200, 0x03);
    console_register_sink(&uart_sink);
}

/* Applies com1=; returns false (with the reason in *why) when it is malformed. */
static bool parse_com1(const char *opt, uint32_t *baud, uint8_t *lcr, uint16_t *port,
                       const char **why)
{
    char *e;
    if (!strncmp(opt, "auto", 4)) {
        *baud = 0;
        e = (char *)opt + 4;
    } else {
        unsigned long b = strtoul(opt, &e, 10);
        if (e == opt || b == 0 || b > 115200 || 115200 % b) {
            *why = "baud rate must divide 115200";
            return false;
        }
        *baud = b;
    }
    if (*e == '/') { /* base baud: only the standard 115200 clock is supported */
        strtoul(e + 1, &e, 10);
    }
    if (*e == '\0')
        return true;
    if (*e++ != ',') {
        *why = "expected ',' after the baud rate";
        return false;
    }
    if (*e && *e != ',') {
        if (e[0] < '5' || e[0] > '8' || !strchr("noems", e[1]) || (e[2] != '1' && e[2] != '2')) {
            *why = "DPS must look like 8n1";
            return false;
        }
        static const uint8_t parity[] = {['n' - 'a'] = 0x00,
                                         ['o' - 'a'] = 0x08,
                                         ['e' - 'a'] = 0x18,
                                         ['m' - 'a'] = 0x28,
                                         ['s' - 'a'] = 0x38};
        *lcr = (uint8_t)((e[0] - '5') | parity[e[1] - 'a'] | (e[2] == '2' ? 0x04 : 0));
        e += 3;
    }
    if (*e == ',') {
        e++;
        if (*e && *e != ',') {
            char *end;
            unsigned long p = strtoul(e, &end, 0);
            if (end == e || p == 0 || p > 0xfff8) {
                *why = "bad I/O base";
                return false;
            }
            *port = (uint16_t)p;
        }
    }
    return true;
}

void uart_configure(void)
{
    uint32_t baud = 115200;
    uint8_t lcr = 0x03;
    uint16_t port = uart_port;
    const char *why = "";

    if (!parse_com1(opt_com1, &baud, &lcr, &port, &why)) {
        printk(XENLOG_WARNING "com1=%s: %s; keeping 115200,8n1\n", opt_com1, why);
        return;
    }
    uart_port = port;
    /* Scratch register test: no UART at this port means no serial console. */
    outb(uart_port + 7, 0x5a);
    uart_present = inb(uart_port + 7) == 0x5a;
    if (uart_present)
        uart_program(baud, lcr);
}

int uart_getc(void)
{
    if (!uart_present || !(inb(uart_port + UART_LSR) & LSR_DR))
        return -1;
    return inb(uart_port + UART_RBR);
}
