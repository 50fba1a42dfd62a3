/*
 * Bringing up the other CPUs the MADT lists as enabled (INIT-SIPI-SIPI
 * through the real-mode trampoline), each with its own per-CPU data, stack,
 * GDT/TSS/IST stacks, local APIC and timers; and the per-CPU heartbeat that
 * counts local APIC timer interrupts and reports them once, after a second.
 */
#include <asm/smp.h>
#include <asm/acpi.h>
#include <asm/apic.h>
#include <asm/cpu.h>
#include <asm/desc.h>
#include <asm/layout.h>
#include <asm/paging.h>
#include <asm/percpu.h>
#include <asm/pv.h>
#include <asm/guest_access.h>
#include <asm/processor-flags.h>
#include <asm/time.h>
#include <asm/traps.h>
#include <asm/uart.h>
#include <hv/console.h>
#include <hv/main.h>
#include <hv/mm.h>
#include <hv/panic.h>
#include <hv/smp.h>
#include <hv/softirq.h>
#include <hv/timer.h>
#include <hv/sched.h>
#include <asm/flush.h>
#include <string.h>

extern const char trampoline_start[], trampoline_end[], trampoline_params[];

#define HEARTBEAT_PERIOD MILLISECS(10)
#define REPORT_AFTER     SECONDS(1)

struct heartbeat {
    struct timer timer;
    s_time_t started;
    bool reported;
};
static struct heartbeat heartbeats[NR_CPUS];

unsigned int smp_processor_id(void)
{
    return this_cpu_id();
}

unsigned int num_online_cpus(void)
{
    return nr_cpus_online;
}

void udelay(uint64_t us)
{
    uint64_t start = rdtsc(), ticks = us * tsc_khz / 1000;
    while (rdtsc() - start < ticks)
        cpu_relax();
}

static void heartbeat_fn(void *data)
{
    struct heartbeat *hb = data;
    struct percpu *me = this_cpu();
    if (me->id == 0) {
        /* Serial input is polled: no interrupt routing needed for it. */
        int c;
        while ((c = uart_getc()) >= 0)
            console_input((char)c);
    }
    if (!hb->reported && NOW() - hb->started >= REPORT_AFTER) {
        hb->reported = true;
        printk("cpu %u apic %u ticks %lu\n", me->id, me->apic_id, me->lapic_ticks);
    }
    set_timer(&hb->timer, hb->timer.expires + HEARTBEAT_PERIOD);
}

void cpu_start_heartbeat(void)
{
    unsigned int cpu = this_cpu_id();
    struct heartbeat *hb = &heartbeats[cpu];
    init_timer(&hb->timer, heartbeat_fn, hb, cpu);
    hb->started = NOW();
    set_timer(&hb->timer, hb->started + HEARTBEAT_PERIOD);
}

static void lapic_timer_irq(struct cpu_regs *regs)
{
    this_cpu()->lapic_ticks++;
    lapic_eoi();
    timer_interrupt();
}

static void wake_irq(struct cpu_regs *regs)
{
    lapic_eoi(); /* the softirq it announces runs on the way back to idle */
}

static void stop_irq(struct cpu_regs *regs)
{
    lapic_eoi();
    this_cpu()->online = false;
    local_irq_disable();
    for (;;)
        halt();
}

static void spurious_irq(struct cpu_regs *regs)
{
    /* No EOI for spurious interrupts. */
}

static void lapic_error_irq(struct cpu_regs *regs)
{
    printk(XENLOG_WARNING "CPU %u: local APIC error\n", this_cpu_id());
    lapic_eoi();
}

#define TIMER_MIN_DELTA_NS 50000

void arch_timer_program(s_time_t deadline)
{
    if (!deadline) {
        lapic_timer_oneshot(0);
        return;
    }
    /* Never closer than Xen's default timer slop (50 us).  Under QEMU's
     * icount a LAPIC deadline a microsecond away left the CPU taking the
     * interrupt unable to run again until QEMU's round-robin kick, up to
     * 100 ms or more later (seen in conformance/vcpus with the softirq
     * latency watch, hv/softirq.c). */
    s_time_t delta = deadline - NOW();
    lapic_timer_oneshot(delta > TIMER_MIN_DELTA_NS ? (uint64_t)delta : TIMER_MIN_DELTA_NS);
}

void arch_kick_cpu(unsigned int cpu)
{
    struct percpu *p = percpu_of[cpu];
    if (p && p->online)
        lapic_send_ipi(p->apic_id, VECTOR_IPI_WAKE);
}

void smp_stop_other_cpus(void)
{
    for (unsigned int i = 0; i < NR_CPUS; i++) {
        struct percpu *p = percpu_of[i];
        if (p && p->online && p != this_cpu())
            lapic_send_ipi(p->apic_id, VECTOR_IPI_STOP);
    }
}

void interrupts_init_cpu(void)
{
    if (this_cpu_id() == 0) {
        set_irq_handler(VECTOR_LAPIC_TIMER, lapic_timer_irq);
        set_irq_handler(VECTOR_IPI_WAKE, wake_irq);
        set_irq_handler(VECTOR_IPI_STOP, stop_irq);
        flush_init();
        set_irq_handler(VECTOR_SPURIOUS, spurious_irq);
        set_irq_handler(VECTOR_LAPIC_ERROR, lapic_error_irq);
    }
}

/* The idle loop of every CPU: run softirqs, halt until the next interrupt. */
static void idle_loop(void)
{
    unsigned int cpu = this_cpu_id();
    for (;;) {
        local_irq_disable();
        if (!softirq_pending(cpu))
            safe_halt(); /* sti; hlt: no wake-up lost between the check and the halt */
        local_irq_enable();
        do_softirq();
    }
}

/*
 * The idle loop runs below the guest frame at the top of the stack: the
 * scheduler writes the next vCPU's registers there before leaving the
 * idle loop's stack for good.
 */
void arch_idle(void)
{
    struct cpu_regs *frame = (struct cpu_regs *)stack_block_top(this_cpu()) - 1;
    reset_stack_and_call((char *)frame - 64, idle_loop);
}

static void ap_start(struct percpu *p) __noreturn;
static void ap_start(struct percpu *p)
{
    write_cr3(hv_l4_pa); /* leave the trampoline's identity map behind */
    cpu_desc_init(&p->desc, p->stack_block, p->id);
    pv_cpu_init(p->id);
    cpu_features_init();
    p->apic_id = lapic_id();
    lapic_init_ap();
    timers_init_cpu(p->id);
    sched_init_cpu(p->id);
    __atomic_fetch_add(&nr_cpus_online, 1, __ATOMIC_SEQ_CST);
    __atomic_store_n(&p->online, true, __ATOMIC_SEQ_CST);
    cpu_start_heartbeat();
    arch_idle();
}

/* Page tables for the trampoline: hv's slots plus the first 2 MiB identity-mapped. */
static paddr_t trampoline_tables(void)
{
    paddr_t l4 = TRAMPOLINE_PHYS + 0x1000, l3 = l4 + 0x1000, l2 = l3 + 0x1000;
    uint64_t *l4v = __va(l4), *l3v = __va(l3), *l2v = __va(l2);
    memcpy(l4v, hv_l4, PAGE_SIZE);
    memset(l3v, 0, PAGE_SIZE);
    memset(l2v, 0, PAGE_SIZE);
    l2v[0] = 0 | _PAGE_PRESENT | _PAGE_RW | _PAGE_PSE | _PAGE_ACCESSED | _PAGE_DIRTY;
    l3v[0] = l2 | _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED;
    l4v[0] = l3 | _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED;
    return l4;
}

static bool start_cpu(unsigned int id, uint32_t apic_id, paddr_t cr3)
{
    struct percpu *p = xzalloc(sizeof(*p));
    /* 2^STACK_BLOCK_ORDER pages from the buddy allocator: aligned to their size. */
    char *stack = alloc_hv_pages(STACK_BLOCK_SIZE / PAGE_SIZE);
    if (!p || !stack) {
        printk(XENLOG_WARNING "WARNING: no memory to start CPU %u\n", id);
        return false;
    }
    p->id = id;
    p->apic_id = apic_id;
    p->stack_block = stack;
    percpu_set(p);

    struct trampoline_params *tp = __va(TRAMPOLINE_PHYS + (trampoline_params - trampoline_start));
    tp->cr3 = cr3;
    tp->stack = (uint64_t)stack_block_top(p);
    tp->entry = (uint64_t)ap_start;
    tp->arg = (uint64_t)p;
    tp->nx = cpu_has_nx;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);

    lapic_send_init(apic_id);
    udelay(10000);
    for (int sipi = 0; sipi < 2 && !READ_ONCE(p->online); sipi++) {
        lapic_send_startup(apic_id, TRAMPOLINE_PHYS >> PAGE_SHIFT);
        udelay(200);
    }
    /* Up to a second for the CPU to reach ap_start (slow under emulation). */
    uint64_t start = rdtsc();
    while (!READ_ONCE(p->online) && rdtsc() - start < tsc_khz * 1000)
        cpu_relax();
    if (!READ_ONCE(p->online)) {
        printk(XENLOG_WARNING "WARNING: CPU %u (APIC %u) did not start\n", id, apic_id);
        percpu_of[id] = NULL;
        return false;
    }
    printk("CPU %u: APIC %u online\n", id, apic_id);
    return true;
}

void smp_boot_cpus(void)
{
    if (!acpi_info.have_madt) {
        printk("SMP: no MADT; running on CPU 0 only\n");
        return;
    }
    memcpy(__va(TRAMPOLINE_PHYS), trampoline_start, trampoline_end - trampoline_start);
    paddr_t cr3 = trampoline_tables();
    uint32_t bsp = lapic_id();
    unsigned int next_id = 1, disabled = 0;

    for (unsigned int i = 0; i < acpi_info.madt.nr_cpus; i++) {
        const struct acpi_cpu *c = &acpi_info.madt.cpus[i];
        if (c->apic_id == bsp)
            continue;
        if (!c->enabled) {
            disabled++;
            continue;
        }
        if (next_id == NR_CPUS) {
            printk(XENLOG_WARNING "WARNING: more than %u CPUs; APIC %u not started\n", NR_CPUS,
                   c->apic_id);
            continue;
        }
        if (start_cpu(next_id, c->apic_id, cr3))
            next_id++;
    }
    printk("SMP: %u CPUs online", nr_cpus_online);
    if (disabled)
        printk(", %u more present but disabled in the MADT", disabled);
    printk("\n");
}
