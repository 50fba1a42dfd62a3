/* The CMOS real-time clock (arch/x86/rtc.c). */
#ifndef ASM_RTC_H
#define ASM_RTC_H
#include <hv/types.h>
/* Seconds since the epoch at system time 0; 0 if the RTC could not be read. */
extern uint64_t rtc_boot_seconds;
void rtc_init(void);
#endif
