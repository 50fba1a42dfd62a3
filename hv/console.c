/*
 * printk and the console (see include/hv/console.h).  Every line goes, with
 * the "(XEN) "-style prefix "(hv) ", to the console ring and to each enabled
 * sink, if its level passes loglvl=.
 */
#include <hv/console.h>
#include <hv/cmdline.h>
#include <asm/spinlock.h>
#include <stdio.h>
#include <string.h>

#define CONRING_SIZE (64 * 1024)
static char conring_buf[CONRING_SIZE];
struct conring console_ring = {conring_buf, CONRING_SIZE, 0};

static struct console_sink *sinks;
static spinlock_t console_lock = SPINLOCK_INIT;
static bool at_line_start = true;
static int log_level = LOG_INFO;

static char opt_console[64] = "com1,vga";
string_param("console", opt_console);

static int parse_loglvl(const char *v)
{
    static const char *const names[] = {"error", "warning", "info", "debug"};
    char lower[16];
    /* Xen's form is lower[/upper]; hv has one threshold, the lower one. */
    const char *slash = strchr(v, '/');
    size_t n = slash ? (size_t)(slash - v) : strlen(v);
    if (n >= sizeof(lower))
        return -1;
    memcpy(lower, v, n);
    lower[n] = '\0';
    if (!strcmp(lower, "all")) {
        log_level = LOG_DEBUG;
        return 0;
    }
    if (!strcmp(lower, "none")) {
        log_level = -1;
        return 0;
    }
    for (int i = 0; i < 4; i++)
        if (!strcmp(lower, names[i])) {
            log_level = i;
            return 0;
        }
    return -1;
}
custom_param("loglvl", parse_loglvl);

int console_log_level(void)
{
    return log_level;
}

void console_register_sink(struct console_sink *sink)
{
    sink->next = sinks;
    sinks = sink;
    /* Until console_init reads console=, print everywhere. */
    sink->enabled = true;
}

static bool option_names(const char *list, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = list; *p;) {
        if (!strncmp(p, name, n) && (p[n] == ',' || p[n] == '\0'))
            return true;
        p = strchr(p, ',');
        if (!p)
            break;
        p++;
    }
    return false;
}

void console_init(void)
{
    for (struct console_sink *s = sinks; s; s = s->next)
        s->enabled = option_names(opt_console, s->name);
}

static void emit_to_sinks(const char *s, size_t len)
{
    for (struct console_sink *k = sinks; k; k = k->next)
        if (k->enabled)
            k->puts(s, len);
}

static void emit(const char *s, size_t len)
{
    conring_put(&console_ring, s, len);
    emit_to_sinks(s, len);
}

/* Splits text into lines so that each line starts with the prefix. */
static void emit_lines(const char *s, size_t len)
{
    static const char prefix[] = "(hv) ";
    while (len) {
        if (at_line_start) {
            emit(prefix, sizeof(prefix) - 1);
            at_line_start = false;
        }
        const char *nl = memchr(s, '\n', len);
        size_t n = nl ? (size_t)(nl - s) + 1 : len;
        emit(s, n);
        if (nl)
            at_line_start = true;
        s += n;
        len -= n;
    }
}

void vprintk(const char *fmt, va_list ap)
{
    char buf[512];
    int level = LOG_INFO;

    if (fmt[0] == '<' && fmt[1] >= '0' && fmt[1] <= '3' && fmt[2] == '>') {
        level = fmt[1] - '0';
        fmt += 3;
    }
    if (level > log_level)
        return;
    int n = vsnprintf(buf, sizeof(buf), fmt, ap);
    if (n >= (int)sizeof(buf))
        n = sizeof(buf) - 1;

    unsigned long flags = spin_lock_irqsave(&console_lock);
    emit_lines(buf, n);
    spin_unlock_irqrestore(&console_lock, flags);
}

void printk(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprintk(fmt, ap);
    va_end(ap);
}

void console_guest_write(const char *s, size_t len)
{
    unsigned long flags = spin_lock_irqsave(&console_lock);
    /* A partial hv line is closed first so the guest's text starts a line. */
    if (!at_line_start) {
        emit("\n", 1);
        at_line_start = true;
    }
    /* Straight out, as Xen does for the hardware domain: not into the
     * ring that readconsole (xm dmesg) reads. */
    emit_to_sinks(s, len);
    spin_unlock_irqrestore(&console_lock, flags);
}

/* Where sysctl readconsole's clear left the ring (Xen's conringc). */
static uint64_t ring_cleared;

size_t console_ring_read(uint32_t *index, bool incremental, bool clear, char *out, size_t max)
{
    unsigned long flags = spin_lock_irqsave(&console_lock);
    uint64_t prod = console_ring.prod, oldest = conring_oldest(&console_ring);
    if (ring_cleared > oldest)
        oldest = ring_cleared;
    /* The index is the free-running count of bytes logged, mod 2^32: it
     * resumes only if it lies after the oldest byte and not past the last. */
    uint64_t pos = oldest;
    uint32_t behind = (uint32_t)prod - *index;
    if (incremental && behind < prod - oldest)
        pos = prod - behind;
    size_t n = conring_read(&console_ring, &pos, out, max);
    if (clear)
        ring_cleared = pos;
    spin_unlock_irqrestore(&console_lock, flags);
    *index = (uint32_t)pos;
    return n;
}

void console_force_unlock(void)
{
    console_lock = (spinlock_t)SPINLOCK_INIT;
}
