/* The debug keys (see include/hv/keyhandler.h). */
#include <hv/keyhandler.h>
#include <hv/console.h>
#include <hv/mm.h>
#include <hv/panic.h>

struct debug_key {
    char key;
    const char *description;
    void (*fn)(void);
};

static void key_help(void);

static void key_domains(void)
{
    printk("Domains: none (no dom0 yet)\n");
}

static void key_reboot(void)
{
    printk("Rebooting on request\n");
    machine_restart();
}

static const struct debug_key keys[] = {
    {'d', "dump domains and vCPUs", key_domains}, {'h', "show this message", key_help},
    {'m', "dump memory info", mm_dump},           {'q', "dump per-CPU state", arch_dump_cpus},
    {'r', "reboot machine", key_reboot},
};

static void key_help(void)
{
    for (unsigned int i = 0; i < ARRAY_SIZE(keys); i++)
        printk(" key '%c' - %s\n", keys[i].key, keys[i].description);
}

void handle_debug_key(char c)
{
    for (unsigned int i = 0; i < ARRAY_SIZE(keys); i++)
        if (keys[i].key == c) {
            printk("'%c' pressed -> %s\n", c, keys[i].description);
            keys[i].fn();
            return;
        }
    if (c >= 0x20 && c < 0x7f)
        printk("'%c' pressed -> no such key; 'h' lists them\n", c);
}
