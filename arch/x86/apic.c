/*
 * The local APIC in xAPIC (MMIO) mode: enable, EOI, IPIs (INIT, STARTUP,
 * fixed, NMI) and the one-shot timer that drives each CPU's timer heap.  The
 * timer is calibrated against the TSC, itself calibrated against the HPET
 * or the PIT (arch/x86/time.c).
 */
#include <asm/apic.h>
#include <asm/cpu.h>
#include <asm/paging.h>
#include <asm/processor-flags.h>
#include <asm/time.h>
#include <hv/console.h>
#include <hv/panic.h>

#define APIC_ID        0x020
#define APIC_VERSION   0x030
#define APIC_TPR       0x080
#define APIC_EOI       0x0b0
#define APIC_SVR       0x0f0
#define APIC_ESR       0x280
#define APIC_ICR_LO    0x300
#define APIC_ICR_HI    0x310
#define APIC_LVT_TIMER 0x320
#define APIC_LVT_LINT0 0x350
#define APIC_LVT_LINT1 0x360
#define APIC_LVT_ERROR 0x370
#define APIC_TIMER_ICR 0x380
#define APIC_TIMER_CCR 0x390
#define APIC_TIMER_DCR 0x3e0

#define LVT_MASKED       (1u << 16)
#define ICR_BUSY         (1u << 12)
#define ICR_LEVEL_ASSERT (1u << 14)
#define ICR_SELF         (1u << 18)
#define ICR_MODE_FIXED   0x000
#define ICR_MODE_NMI     0x400
#define ICR_MODE_INIT    0x500
#define ICR_MODE_STARTUP 0x600

static volatile uint32_t *lapic;
uint64_t lapic_timer_hz;

static inline uint32_t lapic_read(uint32_t reg)
{
    return lapic[reg / 4];
}
static inline void lapic_write(uint32_t reg, uint32_t v)
{
    lapic[reg / 4] = v;
}

uint32_t lapic_id(void)
{
    return lapic_read(APIC_ID) >> 24;
}

void lapic_eoi(void)
{
    lapic_write(APIC_EOI, 0);
}

static void lapic_enable_local(void)
{
    lapic_write(APIC_TPR, 0);
    lapic_write(APIC_SVR, 0x100 | VECTOR_SPURIOUS);
    lapic_write(APIC_LVT_TIMER, LVT_MASKED | VECTOR_LAPIC_TIMER);
    lapic_write(APIC_LVT_ERROR, VECTOR_LAPIC_ERROR);
    lapic_write(APIC_TIMER_DCR, 0x0b); /* divide by 1 */
    lapic_write(APIC_ESR, 0);
    lapic_write(APIC_ESR, 0);
    lapic_eoi();
}

void lapic_init_bsp(void)
{
    uint64_t base = rdmsr(MSR_APIC_BASE);
    if (!(base & (1u << 11)))
        wrmsr(MSR_APIC_BASE, base | (1u << 11));
    paddr_t pa = base & 0xffffff000ULL;
    lapic = ioremap(pa, 0x1000, false);
    if (!lapic)
        panic("cannot map the local APIC at %#lx", pa);
    /* Legacy PIC interrupts are not used: LINT0 masked, LINT1 takes NMIs. */
    lapic_write(APIC_LVT_LINT0, LVT_MASKED);
    lapic_write(APIC_LVT_LINT1, 0x400);
    lapic_enable_local();
    printk("Local APIC at %#lx: id %u, version %#x, %u LVT entries\n", pa, lapic_id(),
           lapic_read(APIC_VERSION) & 0xff, ((lapic_read(APIC_VERSION) >> 16) & 0xff) + 1);
}

void lapic_init_ap(void)
{
    uint64_t base = rdmsr(MSR_APIC_BASE);
    if (!(base & (1u << 11)))
        wrmsr(MSR_APIC_BASE, base | (1u << 11));
    /* As on the BSP: platform NMIs (a watchdog, QEMU's "nmi") arrive on LINT1. */
    lapic_write(APIC_LVT_LINT0, LVT_MASKED);
    lapic_write(APIC_LVT_LINT1, 0x400);
    lapic_enable_local();
}

bool lapic_icr_wait(void)
{
    for (int i = 0; i < 1000000; i++) {
        if (!(lapic_read(APIC_ICR_LO) & ICR_BUSY))
            return true;
        cpu_relax();
    }
    return false;
}

static void lapic_icr(uint32_t dest, uint32_t lo)
{
    unsigned long f = local_irq_save();
    lapic_icr_wait();
    lapic_write(APIC_ICR_HI, dest << 24);
    lapic_write(APIC_ICR_LO, lo);
    lapic_icr_wait();
    local_irq_restore(f);
}

void lapic_send_self_nmi(void)
{
    /* The self shorthand may not carry NMIs on every APIC; name our own id. */
    lapic_icr(lapic_id(), ICR_MODE_NMI | ICR_LEVEL_ASSERT);
}

void lapic_send_init(uint32_t apic_id)
{
    lapic_icr(apic_id, ICR_MODE_INIT | ICR_LEVEL_ASSERT);
}

void lapic_send_startup(uint32_t apic_id, uint32_t vector_page)
{
    lapic_icr(apic_id, ICR_MODE_STARTUP | (vector_page & 0xff));
}

void lapic_send_ipi(uint32_t apic_id, uint8_t vector)
{
    lapic_icr(apic_id, ICR_MODE_FIXED | ICR_LEVEL_ASSERT | vector);
}

void lapic_timer_calibrate(void)
{
    /* Count LAPIC timer ticks over 10 ms of TSC time. */
    lapic_write(APIC_LVT_TIMER, LVT_MASKED | VECTOR_LAPIC_TIMER);
    lapic_write(APIC_TIMER_ICR, 0xffffffff);
    uint64_t t0 = rdtsc();
    uint64_t wait = tsc_khz * 10;
    while (rdtsc() - t0 < wait)
        cpu_relax();
    uint32_t counted = 0xffffffff - lapic_read(APIC_TIMER_CCR);
    lapic_write(APIC_TIMER_ICR, 0);
    lapic_timer_hz = (uint64_t)counted * 100;
    printk("Local APIC timer: %lu.%03lu MHz\n", lapic_timer_hz / 1000000,
           (lapic_timer_hz / 1000) % 1000);
}

void lapic_timer_oneshot(uint64_t delta_ns)
{
    if (!delta_ns) {
        lapic_write(APIC_TIMER_ICR, 0);
        return;
    }
    /* A far deadline fires early and is simply reprogrammed; capping keeps
     * the product below 2^64. */
    if (delta_ns > 10000000000ULL)
        delta_ns = 10000000000ULL;
    uint64_t ticks = delta_ns * (lapic_timer_hz / 1000) / 1000000;
    if (ticks == 0)
        ticks = 1;
    if (ticks > 0xffffffffULL)
        ticks = 0xffffffffULL;
    lapic_write(APIC_LVT_TIMER, VECTOR_LAPIC_TIMER); /* one-shot, unmasked */
    lapic_write(APIC_TIMER_ICR, (uint32_t)ticks);
}
