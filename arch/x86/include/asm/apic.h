/* The local APIC of each CPU (arch/x86/apic.c) and the IOAPICs (arch/x86/ioapic.c). */
#ifndef ASM_APIC_H
#define ASM_APIC_H
#include <hv/types.h>

#define VECTOR_LAPIC_TIMER 0xf0
#define VECTOR_IPI_WAKE    0xf1
#define VECTOR_IPI_STOP    0xf2
#define VECTOR_IPI_FLUSH   0xf3
#define VECTOR_LAPIC_ERROR 0xfe
#define VECTOR_SPURIOUS    0xff

void lapic_init_bsp(void);
void lapic_init_ap(void);
uint32_t lapic_id(void);
void lapic_eoi(void);
void lapic_send_self_nmi(void);
void lapic_send_init(uint32_t apic_id);
void lapic_send_startup(uint32_t apic_id, uint32_t vector_page);
void lapic_send_ipi(uint32_t apic_id, uint8_t vector);
bool lapic_icr_wait(void);
/* Timer: counts in LAPIC timer ticks after calibration. */
void lapic_timer_calibrate(void);
/* Arms a one-shot interrupt after delta_ns nanoseconds (0: disarm). */
void lapic_timer_oneshot(uint64_t delta_ns);
extern uint64_t lapic_timer_hz;
/* Masks the 8259s and every IOAPIC pin. */
void ioapic_init(void);
#endif
