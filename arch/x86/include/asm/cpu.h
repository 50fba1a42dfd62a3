/* Thin wrappers around x86 instructions hv needs (port I/O, MSRs, CRs, CPUID). */
#ifndef ASM_CPU_H
#define ASM_CPU_H
#include <hv/types.h>

static inline void outb(uint16_t port, uint8_t v)
{
    __asm__ __volatile__("outb %0, %1" : : "a"(v), "Nd"(port));
}
static inline uint8_t inb(uint16_t port)
{
    uint8_t v;
    __asm__ __volatile__("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}
static inline void outl(uint16_t port, uint32_t v)
{
    __asm__ __volatile__("outl %0, %1" : : "a"(v), "Nd"(port));
}
static inline uint32_t inl(uint16_t port)
{
    uint32_t v;
    __asm__ __volatile__("inl %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}
static inline uint64_t rdmsr(uint32_t msr)
{
    uint32_t lo, hi;
    __asm__ __volatile__("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return ((uint64_t)hi << 32) | lo;
}
static inline void wrmsr(uint32_t msr, uint64_t v)
{
    __asm__ __volatile__("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}
static inline void cpuid_count(uint32_t leaf, uint32_t sub, uint32_t *a, uint32_t *b, uint32_t *c,
                               uint32_t *d)
{
    __asm__ __volatile__("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(sub));
}
static inline void cpuid(uint32_t leaf, uint32_t *a, uint32_t *b, uint32_t *c, uint32_t *d)
{
    cpuid_count(leaf, 0, a, b, c, d);
}
static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}
#define DEFINE_CR(n)                                                                               \
    static inline uint64_t read_cr##n(void)                                                        \
    {                                                                                              \
        uint64_t v;                                                                                \
        __asm__ __volatile__("mov %%cr" #n ", %0" : "=r"(v));                                      \
        return v;                                                                                  \
    }                                                                                              \
    static inline void write_cr##n(uint64_t v)                                                     \
    {                                                                                              \
        __asm__ __volatile__("mov %0, %%cr" #n : : "r"(v) : "memory");                             \
    }
DEFINE_CR(0)
DEFINE_CR(2)
#ifdef HOST_TEST
/* Unit tests run at CPL 3: CR3 loads and TLB flushes go to the test's hooks. */
uint64_t read_cr3(void);
void write_cr3(uint64_t v);
#else
DEFINE_CR(3)
#endif
DEFINE_CR(4)
#undef DEFINE_CR

static inline void local_irq_disable(void)
{
    __asm__ __volatile__("cli" ::: "memory");
}
static inline void local_irq_enable(void)
{
    __asm__ __volatile__("sti" ::: "memory");
}
static inline unsigned long local_save_flags(void)
{
    unsigned long f;
    __asm__ __volatile__("pushf; pop %0" : "=r"(f)::"memory");
    return f;
}
static inline unsigned long local_irq_save(void)
{
    unsigned long f = local_save_flags();
    local_irq_disable();
    return f;
}
static inline void local_irq_restore(unsigned long f)
{
    if (f & (1 << 9))
        local_irq_enable();
}
static inline void cpu_relax(void)
{
    __asm__ __volatile__("pause" ::: "memory");
}
static inline void halt(void)
{
    __asm__ __volatile__("hlt" ::: "memory");
}
/* Enable interrupts and halt with no window between them (sti shadow). */
static inline void safe_halt(void)
{
    __asm__ __volatile__("sti; hlt" ::: "memory");
}
#ifdef HOST_TEST
void invlpg(const void *va);
#else
static inline void clts(void)
{
    __asm__ __volatile__("clts" ::: "memory");
}

static inline void invlpg(const void *va)
{
    __asm__ __volatile__("invlpg (%0)" : : "r"(va) : "memory");
}
#endif
static inline void flush_tlb_local(void)
{
    write_cr3(read_cr3());
}
#endif
