/*
 * The TSC as hv's clock.  Its rate is measured once at boot against the
 * HPET main counter when ACPI describes one, otherwise against PIT channel
 * 2; the log names the source.  System time is nanoseconds since that
 * measurement, computed with a 64.32 fixed-point scale (no division).
 */
#include <asm/time.h>
#include <asm/cpu.h>
#include <asm/paging.h>
#include <hv/console.h>
#include <hv/panic.h>

uint64_t tsc_khz;
paddr_t hpet_address;
static uint64_t tsc_at_boot;
static uint64_t ns_per_tsc_fp32; /* nanoseconds per TSC tick, as 32.32 fixed point */

#define PIT_HZ 1193182

static uint64_t calibrate_pit(void)
{
    /* Gate channel 2 on, speaker off; one-shot count-down of 50 ms. */
    outb(0x61, (inb(0x61) & ~0x02) | 0x01);
    outb(0x43, 0xb0);
    uint16_t latch = PIT_HZ / 20;
    outb(0x42, latch & 0xff);
    outb(0x42, latch >> 8);
    uint64_t t0 = rdtsc();
    /* OUT2 (bit 5 of port 0x61) rises at terminal count. */
    unsigned long spins = 0;
    while (!(inb(0x61) & 0x20))
        if (++spins > 100000000UL)
            return 0;
    uint64_t t1 = rdtsc();
    return (t1 - t0) * 20;
}

static uint64_t calibrate_hpet(void)
{
    volatile uint64_t *hpet = ioremap(hpet_address, 0x400, false);
    if (!hpet)
        return 0;
    uint64_t caps = hpet[0];
    uint32_t period_fs = caps >> 32;
    /* The specification bounds the period to (0, 100 ns]. */
    if (period_fs == 0 || period_fs > 100000000) {
        printk(XENLOG_WARNING "WARNING: HPET reports a bad period (%u fs); not used\n", period_fs);
        return 0;
    }
    hpet[0x10 / 8] |= 1; /* ENABLE_CNF: the main counter runs */
    uint64_t ticks_10ms = 10000000000000ULL / period_fs;
    uint64_t h0 = hpet[0xf0 / 8], t0 = rdtsc();
    unsigned long spins = 0;
    while (hpet[0xf0 / 8] - h0 < ticks_10ms)
        if (++spins > 100000000UL)
            return 0;
    uint64_t h1 = hpet[0xf0 / 8], t1 = rdtsc();
    /* tsc_hz = tsc ticks / (hpet ticks * period) */
    uint64_t elapsed_ns = (h1 - h0) * period_fs / 1000000;
    return elapsed_ns ? (t1 - t0) * 1000000000ULL / elapsed_ns : 0;
}

void time_calibrate(void)
{
    uint64_t hz = 0;
    const char *source = "PIT";
    if (hpet_address) {
        hz = calibrate_hpet();
        if (hz)
            source = "HPET";
    }
    if (!hz)
        hz = calibrate_pit();
    if (!hz)
        panic("cannot calibrate the TSC: neither HPET nor PIT answered");
    tsc_khz = hz / 1000;
    tsc_at_boot = rdtsc();
    ns_per_tsc_fp32 = (1000000ULL << 32) / tsc_khz;
    printk("TSC: %lu.%03lu MHz, calibrated against the %s\n", tsc_khz / 1000, tsc_khz % 1000,
           source);
}

s_time_t arch_now(void)
{
    uint64_t delta = rdtsc() - tsc_at_boot;
    return (s_time_t)(((unsigned __int128)delta * ns_per_tsc_fp32) >> 32);
}
