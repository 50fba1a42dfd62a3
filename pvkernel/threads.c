/* pvkernel's cooperative threads (see include/pvkernel/threads.h). */
#include <pvkernel/threads.h>
#include <pvkernel/console.h>
#include <pvkernel/events.h>
#include <pvkernel/hypercall.h>
#include <pvkernel/kernel.h>
#include <pvkernel/mm.h>
#include <pvkernel/time.h>
#include <string.h>

enum thread_state {
    THREAD_FREE,
    THREAD_RUNNING, /* the current thread */
    THREAD_RUNNABLE,
    THREAD_WAITING,
    THREAD_SLEEPING,
    THREAD_DONE,
};

struct thread {
    enum thread_state state;
    char name[16];
    uint64_t saved_rsp;  /* while switched out */
    unsigned long stack; /* lowest stack address; 0 for main's boot stack */
    thread_fn fn;
    void *arg;
    long result;
    uint64_t deadline;   /* while sleeping */
    struct thread *next; /* on the run queue, a wait queue or the sleepers */
    struct wait_queue joiner;
};

/* The entry of a new thread's stack and the switch (thread_switch.S). */
void thread_switch(uint64_t *save_rsp, uint64_t load_rsp);
extern char thread_entry[];
void thread_run_current(void);

unsigned long threads_idle_blocks;

static struct thread threads[THREADS_MAX];
static struct thread *current;
static struct wait_queue run_queue;
static struct thread *sleepers; /* by deadline, earliest first */
static evtchn_port_t timer_port;

/*
 * The lists are changed by threads and by event handlers (wake_up), so a
 * thread changes them with events masked; these bracket that.
 */
static bool events_begin(void)
{
    bool masked = events_masked();
    events_mask();
    return masked;
}

static void events_end(bool masked)
{
    if (!masked)
        events_unmask();
}

static void queue_append(struct wait_queue *q, struct thread *t)
{
    t->next = NULL;
    if (q->tail)
        q->tail->next = t;
    else
        q->head = t;
    q->tail = t;
}

static struct thread *queue_pop(struct wait_queue *q)
{
    struct thread *t = q->head;
    if (t) {
        q->head = t->next;
        if (!q->head)
            q->tail = NULL;
        t->next = NULL;
    }
    return t;
}

static void make_runnable(struct thread *t)
{
    t->state = THREAD_RUNNABLE;
    queue_append(&run_queue, t);
}

static void wake_sleepers(uint64_t now)
{
    while (sleepers && sleepers->deadline <= now) {
        struct thread *t = sleepers;
        sleepers = t->next;
        make_runnable(t);
    }
}

/*
 * No thread can run: block the vCPU until an event, with the single-shot
 * timer at the earliest deadline.  SCHEDOP_block unmasks events and the
 * upcall runs as it returns; the mask is set again for the caller.
 */
static void idle_block(void)
{
    HYPERVISOR_set_timer_op(sleepers ? sleepers->deadline : 0);
    threads_idle_blocks++;
    HYPERVISOR_sched_op(SCHEDOP_block, NULL);
    events_mask();
}

/*
 * Runs the next runnable thread.  The caller has masked events and has
 * already put the current thread where it belongs (run queue, a wait
 * queue, the sleepers, or nowhere once done).
 */
static void schedule(void)
{
    struct thread *prev = current;
    for (;;) {
        wake_sleepers(time_now());
        struct thread *next = queue_pop(&run_queue);
        if (next) {
            next->state = THREAD_RUNNING;
            if (next != prev) {
                current = next;
                thread_switch(&prev->saved_rsp, next->saved_rsp);
            }
            return;
        }
        idle_block();
    }
}

static void timer_event(evtchn_port_t port, void *data)
{
    (void)port;
    (void)data;
}

long threads_init(void)
{
    long rc = HYPERVISOR_vcpu_op(VCPUOP_stop_periodic_timer, 0, NULL);
    if (rc) {
        printk("pvkernel: threads: stopping the periodic timer failed: %ld\n", rc);
        return rc;
    }
    rc = evtchn_bind_virq(VIRQ_TIMER, 0, &timer_port);
    if (rc) {
        printk("pvkernel: threads: binding VIRQ_TIMER failed: %ld\n", rc);
        return rc;
    }
    evtchn_set_handler(timer_port, timer_event, NULL);
    struct thread *main = &threads[0];
    main->state = THREAD_RUNNING;
    strlcpy(main->name, "main", sizeof(main->name));
    current = main;
    return 0;
}

/* A stack for slot t: kept from an earlier thread, or mapped now from
 * spare pages below an unmapped guard page. */
static bool stack_ready(struct thread *t)
{
    if (t->stack)
        return true;
    unsigned long va = mm_alloc_va_range(THREAD_STACK_PAGES + 1);
    if (!va)
        return false;
    va += PAGE_SIZE;
    for (unsigned long i = 0; i < THREAD_STACK_PAGES; i++) {
        unsigned long pfn = mm_alloc_pfn();
        if (!pfn || mm_map(va + i * PAGE_SIZE, pfn_to_mfn(pfn), PTE_P | PTE_RW))
            return false; /* the window pages taken stay unused */
    }
    t->stack = va;
    return true;
}

struct thread *thread_create(const char *name, thread_fn fn, void *arg)
{
    struct thread *t = NULL;
    for (unsigned int i = 1; i < THREADS_MAX && !t; i++)
        if (threads[i].state == THREAD_FREE)
            t = &threads[i];
    if (!t || !stack_ready(t))
        return NULL;
    strlcpy(t->name, name, sizeof(t->name));
    t->fn = fn;
    t->arg = arg;
    t->result = 0;
    t->joiner = (struct wait_queue)WAIT_QUEUE_INIT;
    /*
     * The first switch to t pops six callee-saved registers (zero) and
     * returns to thread_entry with the stack 16-byte aligned, as a call
     * site would have it.
     */
    uint64_t *sp = (uint64_t *)(t->stack + THREAD_STACK_PAGES * PAGE_SIZE);
    *--sp = (uint64_t)thread_entry;
    for (int i = 0; i < 6; i++)
        *--sp = 0;
    t->saved_rsp = (uint64_t)sp;
    bool masked = events_begin();
    make_runnable(t);
    events_end(masked);
    return t;
}

void thread_run_current(void)
{
    events_unmask();
    thread_exit(current->fn(current->arg));
}

struct thread *thread_self(void)
{
    return current;
}

const char *thread_name(const struct thread *t)
{
    return t->name;
}

void thread_yield(void)
{
    bool masked = events_begin();
    wake_sleepers(time_now());
    if (run_queue.head) {
        make_runnable(current);
        schedule();
    }
    events_end(masked);
}

void thread_sleep_until(uint64_t deadline)
{
    bool masked = events_begin();
    struct thread **at = &sleepers;
    while (*at && (*at)->deadline <= deadline)
        at = &(*at)->next;
    current->deadline = deadline;
    current->state = THREAD_SLEEPING;
    current->next = *at;
    *at = current;
    schedule();
    events_end(masked);
}

void thread_sleep(uint64_t ns)
{
    thread_sleep_until(time_now() + ns);
}

void thread_exit(long result)
{
    if (current == &threads[0]) {
        printk("pvkernel: threads: main called thread_exit\n");
        pvkernel_exit(result ? 1 : 0);
    }
    events_mask();
    current->result = result;
    current->state = THREAD_DONE;
    wake_up(&current->joiner);
    schedule();
    __builtin_unreachable();
}

static bool has_ended(void *arg)
{
    return ((struct thread *)arg)->state == THREAD_DONE;
}

long thread_join(struct thread *t)
{
    thread_wait_until(&t->joiner, has_ended, t);
    long result = t->result;
    t->state = THREAD_FREE;
    return result;
}

void thread_wait_until(struct wait_queue *wq, bool (*cond)(void *arg), void *arg)
{
    bool masked = events_begin();
    while (!cond(arg)) {
        current->state = THREAD_WAITING;
        queue_append(wq, current);
        schedule();
    }
    events_end(masked);
}

void wake_up(struct wait_queue *wq)
{
    bool masked = events_begin();
    struct thread *t;
    while ((t = queue_pop(wq)))
        make_runnable(t);
    events_end(masked);
}
