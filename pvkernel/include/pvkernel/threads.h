/*
 * pvkernel's cooperative threads (DESIGN §3): several threads of control on
 * one vCPU, switched only where a thread lets go — thread_yield(),
 * thread_sleep_until(), thread_wait_until(), thread_join(), thread_exit() —
 * never from an event upcall.  Event handlers wake threads (wake_up()) and
 * the woken run at the next switch.  When no thread can run, the vCPU
 * blocks in SCHEDOP_block with a single-shot timer (set_timer_op) at the
 * earliest sleeper's deadline, so an idle kernel costs the machine nothing.
 *
 * Threads run pvkernel code, built with general registers only: a switch
 * keeps the callee-saved registers and the stack, not FPU/SSE state.  New
 * threads start with events unmasked.  Each has a 16 KiB stack with an
 * unmapped guard page below it; stacks are reused after thread_join().
 *
 * threads_init() binds VIRQ_TIMER (the wake-up of a blocked vCPU) and
 * stops the default periodic timer; kernels that use threads leave both to
 * it.
 */
#ifndef PVKERNEL_THREADS_H
#define PVKERNEL_THREADS_H
#include <stdbool.h>
#include <stdint.h>

/* Threads at once, the one running kernel_main included. */
#define THREADS_MAX        16
#define THREAD_STACK_PAGES 4

struct thread;
typedef long (*thread_fn)(void *arg);

/* Threads waiting for something; wake_up() makes all of them runnable. */
struct wait_queue {
    struct thread *head, *tail;
};
#define WAIT_QUEUE_INIT                                                                            \
    {                                                                                              \
        0, 0                                                                                       \
    }

/*
 * Makes the caller (kernel_main) the thread "main".  Needs events_init().
 * 0, or the negative errno of the hypercall that failed.
 */
long threads_init(void);

/* A new runnable thread running fn(arg); NULL when THREADS_MAX are in use
 * or no memory is left for its stack. */
struct thread *thread_create(const char *name, thread_fn fn, void *arg);
struct thread *thread_self(void);
const char *thread_name(const struct thread *t);

/* Lets every other runnable thread run once; returns at once if none can. */
void thread_yield(void);
/* Runs others until Xen system time reaches deadline (ns). */
void thread_sleep_until(uint64_t deadline);
void thread_sleep(uint64_t ns);
/* Ends the calling thread with `result` (returning from its fn does too). */
void thread_exit(long result) __attribute__((noreturn));
/* Waits until t has ended, frees it and returns its result.  t must be
 * another thread than the caller and is joined once (after that its slot
 * may hold a new thread). */
long thread_join(struct thread *t);

/*
 * Waits on wq until cond(arg) is true.  cond is tested with events masked,
 * so a handler's wake_up() between the test and the wait is not lost.
 */
void thread_wait_until(struct wait_queue *wq, bool (*cond)(void *arg), void *arg);
/* Makes every thread waiting on wq runnable; callable from event handlers. */
void wake_up(struct wait_queue *wq);

/* Times the vCPU blocked because no thread could run. */
extern unsigned long threads_idle_blocks;
#endif
