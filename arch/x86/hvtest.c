/*
 * hvtest=: fault injection for the system tests.  Each case takes one of
 * hv's fatal paths on purpose, once the machinery for reporting it exists:
 *   pf   write to virtual address 0x1000 (proves no identity map is left)
 *   gp   read a non-canonical address
 *   df   fault with the stack pointer on an unmapped page (#PF cannot be
 *        delivered, so the CPU raises #DF, which runs on its IST stack)
 *   nmi  send this CPU an NMI through the local APIC (runs on its IST stack)
 */
#include <asm/hvtest.h>
#include <asm/traps.h>
#include <asm/apic.h>
#include <hv/cmdline.h>
#include <hv/console.h>
#include <string.h>

static char opt_hvtest[16];
string_param("hvtest", opt_hvtest);

void hvtest_run(enum hvtest_stage stage)
{
    if (!opt_hvtest[0])
        return;
    if (stage == HVTEST_AFTER_TRAPS) {
        if (!strcmp(opt_hvtest, "pf")) {
            printk("hvtest: writing to virtual address 0x1000\n");
            *(volatile uint32_t *)0x1000 = 0x1234;
        } else if (!strcmp(opt_hvtest, "gp")) {
            printk("hvtest: reading non-canonical address 0x8000000000000000\n");
            (void)*(volatile uint64_t *)0x8000000000000000UL;
        } else if (!strcmp(opt_hvtest, "df")) {
            printk("hvtest: faulting with the stack on an unmapped page\n");
            __asm__ __volatile__("mov $0x2000, %%rsp\n\t"
                                 "push %%rax" ::
                                     : "memory");
        } else if (strcmp(opt_hvtest, "nmi")) {
            printk(XENLOG_WARNING "WARNING: hvtest=%s: unknown case ignored (pf, gp, df, nmi)\n",
                   opt_hvtest);
        }
        return;
    }
    if (stage == HVTEST_AFTER_APIC && !strcmp(opt_hvtest, "nmi")) {
        printk("hvtest: sending an NMI to this CPU\n");
        nmi_is_fatal = true;
        lapic_send_self_nmi();
        for (volatile int i = 0; i < 100000000; i++)
            ;
        printk("hvtest: the NMI did not arrive\n");
    }
}
