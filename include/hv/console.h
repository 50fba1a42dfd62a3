/*
 * hv's console: printk with log levels, the output sinks (serial, VGA), the
 * console ring, and serial input (switched between dom0 and hv's debug keys
 * by Ctrl-A three times).
 */
#ifndef HV_CONSOLE_H
#define HV_CONSOLE_H
#include <hv/types.h>
#include <hv/conring.h>

/* Level markers, as Xen writes them, at the start of a printk format. */
#define XENLOG_ERR     "<0>"
#define XENLOG_WARNING "<1>"
#define XENLOG_INFO    "<2>"
#define XENLOG_DEBUG   "<3>"

enum { LOG_ERR = 0, LOG_WARNING = 1, LOG_INFO = 2, LOG_DEBUG = 3 };

struct console_sink {
    const char *name; /* as named in console=, e.g. "com1", "vga" */
    void (*puts)(const char *s, size_t len);
    bool enabled;
    struct console_sink *next;
};

void printk(const char *fmt, ...) __printf(1, 2);
void vprintk(const char *fmt, va_list ap) __printf(1, 0);
void console_register_sink(struct console_sink *sink);
void console_init(void);
/* For panic paths: stop waiting for a lock a crashed CPU may hold. */
void console_force_unlock(void);
/* One byte of serial input (hv/console_input.c). */
void console_input(char c);
/* Text from the hardware domain (console_io): out as it is, no prefix. */
void console_guest_write(const char *s, size_t len);
/*
 * Serial input waiting for dom0: copies up to max bytes without taking
 * them; consume takes the first n once they reached the guest.  One reader
 * at a time (console_io serialises them).
 */
size_t console_dom0_input_peek(char *buf, size_t max);
void console_dom0_input_consume(size_t n);
bool console_input_to_hv(void);
extern struct conring console_ring;
/*
 * sysctl readconsole: up to max bytes of the ring from the oldest byte, or
 * from *index (a count of bytes ever logged, mod 2^32) when incremental
 * and still held; *index becomes the count after the last byte read.
 * clear forgets everything up to there.  Returns the bytes read.
 */
size_t console_ring_read(uint32_t *index, bool incremental, bool clear, char *out, size_t max);
int console_log_level(void);
#endif
