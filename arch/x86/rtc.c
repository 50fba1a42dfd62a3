/*
 * The CMOS real-time clock, read once at boot: the wallclock hv gives
 * guests (shared_info's wc_sec/wc_nsec) is that time at system time 0.
 */
#include <asm/cpu.h>
#include <asm/rtc.h>
#include <hv/console.h>

uint64_t rtc_boot_seconds;

static uint8_t cmos_read(uint8_t reg)
{
    outb(0x70, reg);
    return inb(0x71);
}

static unsigned int from_bcd(uint8_t v, bool binary)
{
    return binary ? v : (v & 0x0f) + (v >> 4) * 10;
}

/* Days since 1970-01-01 of a civil date (proleptic Gregorian). */
static uint64_t days_from_civil(unsigned int y, unsigned int m, unsigned int d)
{
    y -= m <= 2;
    uint64_t era = y / 400;
    unsigned int yoe = y - (unsigned int)era * 400;
    unsigned int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void rtc_init(void)
{
    /* Wait for a moment when no update is in progress, then read twice until stable. */
    for (unsigned long spins = 0; (cmos_read(0x0a) & 0x80) && spins < 10000000; spins++)
        cpu_relax();
    uint8_t regs[6], again[6];
    static const uint8_t which[6] = {0x00, 0x02, 0x04, 0x07, 0x08, 0x09};
    for (int tries = 0; tries < 5; tries++) {
        for (int i = 0; i < 6; i++)
            regs[i] = cmos_read(which[i]);
        for (int i = 0; i < 6; i++)
            again[i] = cmos_read(which[i]);
        if (!__builtin_memcmp(regs, again, sizeof(regs)))
            break;
    }
    uint8_t status_b = cmos_read(0x0b);
    bool binary = status_b & 0x04;
    unsigned int sec = from_bcd(regs[0], binary), min = from_bcd(regs[1], binary);
    unsigned int hour = from_bcd(regs[2] & 0x7f, binary);
    if (!(status_b & 0x02) && (regs[2] & 0x80))
        hour = (hour % 12) + 12; /* 12-hour mode, PM */
    unsigned int day = from_bcd(regs[3], binary), month = from_bcd(regs[4], binary);
    unsigned int year = from_bcd(regs[5], binary) + 2000;
    if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || min > 59 || sec > 60) {
        printk(XENLOG_WARNING "WARNING: RTC reads an impossible time; wallclock starts at 0\n");
        return;
    }
    rtc_boot_seconds = days_from_civil(year, month, day) * 86400 + hour * 3600 + min * 60 + sec;
    printk("RTC: %04u-%02u-%02u %02u:%02u:%02u UTC\n", year, month, day, hour, min, sec);
}
