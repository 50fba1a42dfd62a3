/*
 * Serial input (see include/hv/console.h): Ctrl-A three times in a row
 * switches it between dom0 and hv's debug keys; bytes for dom0 wait in a
 * ring for CONSOLEIO_read, and each one raises VIRQ_CONSOLE.  As Xen 4.17:
 * the ring holds 128 bytes (later ones are dropped while it is full), a
 * byte that finds it full still raises the VIRQ (so a reader that missed
 * one cannot get stuck), and one or two Ctrl-As followed by another byte
 * are passed on, not eaten.
 */
#include <hv/console.h>
#include <hv/event.h>
#include <hv/keyhandler.h>
#include <asm/spinlock.h>
#include <xen-abi.h>

#define SWITCH_CODE     0x01 /* Ctrl-A */
#define DOM0_INPUT_SIZE 128  /* Xen's SERIAL_RX_SIZE */

static spinlock_t input_lock = SPINLOCK_INIT;
static bool input_to_hv;
static unsigned int switch_code_count;
static char dom0_input[DOM0_INPUT_SIZE];
/* Free-running; prod - cons is the number of bytes waiting. */
static unsigned int dom0_input_prod, dom0_input_cons;

bool console_input_to_hv(void)
{
    return input_to_hv;
}

static void deliver(char c)
{
    if (input_to_hv) {
        handle_debug_key(c);
        return;
    }
    unsigned long flags = spin_lock_irqsave(&input_lock);
    if (dom0_input_prod - dom0_input_cons < DOM0_INPUT_SIZE)
        dom0_input[dom0_input_prod++ % DOM0_INPUT_SIZE] = c;
    spin_unlock_irqrestore(&input_lock, flags);
    send_global_virq(VIRQ_CONSOLE);
}

void console_input(char c)
{
    if (c == SWITCH_CODE) {
        if (++switch_code_count == 3) {
            switch_code_count = 0;
            input_to_hv = !input_to_hv;
            printk("*** Serial input to %s (type 'CTRL-a' three times to switch input)\n",
                   input_to_hv ? "hv" : "DOM0");
        }
        return;
    }
    for (; switch_code_count; switch_code_count--)
        deliver(SWITCH_CODE);
    deliver(c);
}

size_t console_dom0_input_peek(char *buf, size_t max)
{
    unsigned long flags = spin_lock_irqsave(&input_lock);
    unsigned int cons = dom0_input_cons;
    size_t n = 0;
    while (n < max && (unsigned int)(cons + n) != dom0_input_prod) {
        buf[n] = dom0_input[(cons + n) % DOM0_INPUT_SIZE];
        n++;
    }
    spin_unlock_irqrestore(&input_lock, flags);
    return n;
}

void console_dom0_input_consume(size_t n)
{
    unsigned long flags = spin_lock_irqsave(&input_lock);
    unsigned int waiting = dom0_input_prod - dom0_input_cons;
    dom0_input_cons += n < waiting ? (unsigned int)n : waiting;
    spin_unlock_irqrestore(&input_lock, flags);
}
