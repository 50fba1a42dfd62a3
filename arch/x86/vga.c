/*
 * The VGA text console: a second output sink, 80x25 at 0xb8000, scrolling.
 * Enabled by console=vga (part of the default, as on Xen).
 */
#include <hv/console.h>
#include <asm/layout.h>
#include <asm/uart.h>
#include <string.h>

#define VGA_COLS 80
#define VGA_ROWS 25
#define VGA_ATTR 0x0700

static volatile uint16_t *vga;
static unsigned int row, col;

static void vga_scroll(void)
{
    for (unsigned int i = 0; i < (VGA_ROWS - 1) * VGA_COLS; i++)
        vga[i] = vga[i + VGA_COLS];
    for (unsigned int i = 0; i < VGA_COLS; i++)
        vga[(VGA_ROWS - 1) * VGA_COLS + i] = VGA_ATTR | ' ';
}

static void vga_puts(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c == '\n' || col == VGA_COLS) {
            col = 0;
            if (++row == VGA_ROWS) {
                vga_scroll();
                row = VGA_ROWS - 1;
            }
            if (c == '\n')
                continue;
        }
        if (c == '\r') {
            col = 0;
            continue;
        }
        vga[row * VGA_COLS + col++] = VGA_ATTR | (uint8_t)c;
    }
}

static struct console_sink vga_sink = {.name = "vga", .puts = vga_puts};

void vga_init(void)
{
    vga = __va(0xb8000);
    for (unsigned int i = 0; i < VGA_ROWS * VGA_COLS; i++)
        vga[i] = VGA_ATTR | ' ';
    row = col = 0;
    console_register_sink(&vga_sink);
}
