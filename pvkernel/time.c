/* pvkernel's time (see include/pvkernel/time.h). */
#include <pvkernel/time.h>
#include <pvkernel/events.h>

#define barrier() __asm__ __volatile__("" ::: "memory")

uint64_t rdtsc_ordered(void)
{
    uint32_t lo, hi;
    __asm__ __volatile__("lfence; rdtsc" : "=a"(lo), "=d"(hi) : : "memory");
    return ((uint64_t)hi << 32) | lo;
}

static uint64_t scale(uint64_t delta, int8_t shift, uint32_t mul)
{
    if (shift >= 0)
        delta <<= shift;
    else
        delta >>= -shift;
    return (uint64_t)(((unsigned __int128)delta * mul) >> 32);
}

void time_info(struct vcpu_time_info *out)
{
    const volatile struct vcpu_time_info *t = &events_vcpu_info()->time;
    uint32_t version;
    do {
        version = t->version;
        barrier();
        out->tsc_timestamp = t->tsc_timestamp;
        out->system_time = t->system_time;
        out->tsc_to_system_mul = t->tsc_to_system_mul;
        out->tsc_shift = t->tsc_shift;
        out->flags = t->flags;
        barrier();
    } while ((version & 1) || version != t->version);
    out->version = version;
}

uint64_t time_now(void)
{
    const volatile struct vcpu_time_info *t = &events_vcpu_info()->time;
    uint32_t version;
    uint64_t ns;
    do {
        version = t->version;
        barrier();
        uint64_t tsc = rdtsc_ordered();
        ns = t->system_time + scale(tsc - t->tsc_timestamp, t->tsc_shift, t->tsc_to_system_mul);
        barrier();
    } while ((version & 1) || version != t->version);
    return ns;
}

void time_wallclock(uint64_t *sec, uint32_t *nsec)
{
    const volatile shared_info_t *s = HYPERVISOR_shared_info;
    uint32_t version;
    do {
        version = s->wc_version;
        barrier();
        *sec = s->wc_sec | ((uint64_t)s->wc_sec_hi << 32);
        *nsec = s->wc_nsec;
        barrier();
    } while ((version & 1) || version != s->wc_version);
}
