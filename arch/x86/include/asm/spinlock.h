/* Ticket spinlocks: FIFO-fair, so no CPU starves under contention. */
#ifndef ASM_SPINLOCK_H
#define ASM_SPINLOCK_H
#include <hv/types.h>
#include <asm/cpu.h>

typedef struct {
    volatile uint16_t head; /* ticket being served */
    volatile uint16_t tail; /* next ticket to hand out */
} spinlock_t;

#define SPINLOCK_INIT                                                                              \
    {                                                                                              \
        0, 0                                                                                       \
    }

static inline void spin_lock(spinlock_t *l)
{
    uint16_t me = __atomic_fetch_add(&l->tail, 1, __ATOMIC_RELAXED);
    while (__atomic_load_n(&l->head, __ATOMIC_ACQUIRE) != me)
        cpu_relax();
}
static inline bool spin_trylock(spinlock_t *l)
{
    uint16_t head = __atomic_load_n(&l->head, __ATOMIC_RELAXED);
    uint16_t expect = head;
    if (__atomic_load_n(&l->tail, __ATOMIC_RELAXED) != head)
        return false;
    return __atomic_compare_exchange_n(&l->tail, &expect, (uint16_t)(head + 1), false,
                                       __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}
static inline void spin_unlock(spinlock_t *l)
{
    __atomic_store_n(&l->head, (uint16_t)(l->head + 1), __ATOMIC_RELEASE);
}
static inline bool spin_is_locked(spinlock_t *l)
{
    return l->head != l->tail;
}
static inline unsigned long spin_lock_irqsave(spinlock_t *l)
{
    unsigned long f = local_irq_save();
    spin_lock(l);
    return f;
}
static inline void spin_unlock_irqrestore(spinlock_t *l, unsigned long f)
{
    spin_unlock(l);
    local_irq_restore(f);
}
#endif
