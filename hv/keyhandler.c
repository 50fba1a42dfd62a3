/* The debug keys (see include/hv/keyhandler.h). */
#include <hv/keyhandler.h>
#include <hv/console.h>
#include <hv/domain.h>
#include <hv/sched.h>
#include <hv/softirq.h>
#include <hv/event.h>
#include <hv/mm.h>
#include <hv/panic.h>

struct debug_key {
    char key;
    const char *description;
    void (*fn)(void);
};

static void key_help(void);

/* As Xen's 'q': each domain's state, then VIRQ_DEBUG to every vCPU (guests dump theirs). */
static void key_domains(void)
{
    unsigned int count = 0;
    for (unsigned int id = 0; id < DOMID_HV_MAX; id++) {
        struct domain *d = domain_by_id((domid_t_hv)id);
        if (d) {
            domain_dump(d);
            count++;
        }
    }
    if (!count) {
        printk("No domains\n");
        return;
    }
    for (unsigned int id = 0; id < DOMID_HV_MAX; id++) {
        struct domain *d = domain_by_id((domid_t_hv)id);
        for (unsigned int i = 0; d && i < d->max_vcpus; i++) {
            struct vcpu *v = d->vcpus[i];
            if (!v)
                continue;
            printk("Notifying guest %u:%u (virq %u, port %u)\n", d->id, v->id, VIRQ_DEBUG,
                   v->virq_to_port[VIRQ_DEBUG]);
            send_guest_vcpu_virq(v, VIRQ_DEBUG);
        }
    }
}

/* 'd': each CPU's hardware state, what it runs and has queued, and how
 * late its softirqs have been served. */
static void key_cpus(void)
{
    arch_dump_cpus();
    sched_dump();
    softirq_dump();
}

static void key_reboot(void)
{
    printk("Rebooting on request\n");
    machine_restart();
}

static const struct debug_key keys[] = {
    {'d', "dump per-CPU state", key_cpus}, {'h', "show this message", key_help},
    {'m', "dump memory info", mm_dump},    {'q', "dump domain (and guest debug) info", key_domains},
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
