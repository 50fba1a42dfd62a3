/*
 * pvkernel's time (needs events_init() for shared_info): Xen system time
 * in ns from the version-protected vcpu_time_info of vcpu 0 and the TSC,
 * and the wallclock of shared_info.
 *
 *   ns = system_time + ((tsc - tsc_timestamp) << tsc_shift) * tsc_to_system_mul >> 32
 *
 * (a negative tsc_shift shifts right).
 */
#ifndef PVKERNEL_TIME_H
#define PVKERNEL_TIME_H
#include <stdint.h>
#include <xen-abi.h>

#define NS_PER_MS  1000000ULL
#define NS_PER_SEC 1000000000ULL

/* A consistent copy of vcpu 0's time record (version even, unchanged while read). */
void time_info(struct vcpu_time_info *out);
/* Xen system time now, in ns since the hypervisor's boot. */
uint64_t time_now(void);
/* The wallclock at system time 0: seconds (64-bit) and ns. */
void time_wallclock(uint64_t *sec, uint32_t *nsec);
uint64_t rdtsc_ordered(void);
#endif
