/*
 * Timers: each CPU keeps its pending timers in a binary min-heap ordered by
 * expiry (struct timer_heap, pure and unit-tested), and programs its
 * one-shot hardware timer for the earliest (hv/timer.c).  Timer callbacks
 * run in softirq context on the CPU the timer was set on.
 */
#ifndef HV_TIMER_H
#define HV_TIMER_H
#include <hv/types.h>

struct timer {
    s_time_t expires;
    void (*fn)(void *data);
    void *data;
    unsigned int heap_index; /* 1-based position in its heap; 0 when not queued */
    unsigned int cpu;
};

struct timer_heap {
    struct timer **slots; /* slots[1..nr]; slots[0] unused */
    unsigned int nr;
    unsigned int capacity; /* usable slots: slots has capacity + 1 entries */
};

void timer_heap_init(struct timer_heap *h, struct timer **slots, unsigned int capacity);
/* Adds t (not queued); returns false if the heap is full. */
bool timer_heap_insert(struct timer_heap *h, struct timer *t);
/* Removes t if queued; returns whether it was. */
bool timer_heap_remove(struct timer_heap *h, struct timer *t);
/* The earliest timer, or NULL. */
struct timer *timer_heap_peek(const struct timer_heap *h);
/* Removes and returns the earliest timer if it expires at or before now, else NULL. */
struct timer *timer_heap_pop_expired(struct timer_heap *h, s_time_t now);

#ifndef HOST_TEST
void init_timer(struct timer *t, void (*fn)(void *), void *data, unsigned int cpu);
/* (Re)arms t to fire at `expires` (system time, ns). */
void set_timer(struct timer *t, s_time_t expires);
void stop_timer(struct timer *t);
/* Moves t to another CPU's heap (armed or not). */
void migrate_timer(struct timer *t, unsigned int cpu);
/* Room for n more timers on every CPU (a new vCPU's); false without memory. */
bool timers_reserve(unsigned int n);
void timers_release(unsigned int n);
s_time_t NOW(void);
void timers_init_cpu(unsigned int cpu);
/* Called from the hardware timer interrupt: raises TIMER_SOFTIRQ. */
void timer_interrupt(void);
/* Arch hooks: the clock, and the one-shot timer of the calling CPU (0 disarms). */
s_time_t arch_now(void);
void arch_timer_program(s_time_t deadline);
#endif

#define MILLISECS(ms) ((s_time_t)(ms)*1000000LL)
#define SECONDS(s)    ((s_time_t)(s)*1000000000LL)
#endif
