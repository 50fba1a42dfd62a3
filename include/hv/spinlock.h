/* Spinlocks for arch-neutral code: the arch's, or a no-op in host unit tests. */
#ifndef HV_SPINLOCK_H
#define HV_SPINLOCK_H
#ifdef HOST_TEST
#include <hv/types.h>
typedef struct {
    int held;
} spinlock_t;
#define SPINLOCK_INIT                                                                              \
    {                                                                                              \
        0                                                                                          \
    }
static inline void spin_lock(spinlock_t *l)
{
    l->held = 1;
}
static inline void spin_unlock(spinlock_t *l)
{
    l->held = 0;
}
static inline bool spin_trylock(spinlock_t *l)
{
    if (l->held)
        return false;
    l->held = 1;
    return true;
}
static inline unsigned long spin_lock_irqsave(spinlock_t *l)
{
    l->held = 1;
    return 0;
}
static inline void spin_unlock_irqrestore(spinlock_t *l, unsigned long f)
{
    l->held = 0;
}
#else
#include <asm/spinlock.h>
#endif
#endif
