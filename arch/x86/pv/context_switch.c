/*
 * Switching a CPU between PV vCPUs (the arch half of hv/sched.c): the
 * outgoing vCPU's registers (the frame at the top of the CPU's stack),
 * data segment selectors, segment bases and FPU/SSE/AVX state go to its
 * struct vcpu; the incoming vCPU's page tables, GDT and LDT windows,
 * selectors and bases, FPU state, control and debug registers and time
 * are loaded, and it resumes on a fresh stack through the ordinary return
 * to guest.  A selector that no longer loads (its descriptor changed while
 * the vCPU was away) is replaced by the null selector and the guest gets
 * its failsafe callback, as on Xen.
 */
#include <asm/pv.h>
#include <asm/cpu.h>
#include <asm/extable.h>
#include <asm/flush.h>
#include <asm/guest_access.h>
#include <asm/layout.h>
#include <asm/paging.h>
#include <asm/percpu.h>
#include <asm/processor-flags.h>
#include <hv/console.h>
#include <hv/main.h>
#include <hv/mm.h>
#include <hv/sched.h>
#include <hv/softirq.h>
#include <string.h>

#define FCW_DEFAULT       0x037f
#define MXCSR_DEFAULT     0x1f80
#define FXSAVE_MXCSR      24 /* byte offsets in the legacy (FXSAVE) region */
#define FXSAVE_MXCSR_MASK 28
#define XSAVE_HEADER      512
#define XSTATE_FP_SSE     3ULL

static bool cpu_has_xsave(void)
{
    uint32_t a, b, c, d;
    cpuid(1, &a, &b, &c, &d);
    return c & (1u << 26);
}

/* Bytes of the save area: XSAVE's size for every component the CPU has. */
static size_t fpu_area_size(void)
{
    if (!cpu_has_xsave())
        return 512;
    uint32_t a, b, c, d;
    cpuid_count(0xd, 0, &a, &b, &c, &d);
    return c > 576 ? c : 576;
}

static void set_xcr0(uint64_t xcr0)
{
    __asm__ __volatile__("xsetbv" ::"a"((uint32_t)xcr0), "d"((uint32_t)(xcr0 >> 32)), "c"(0u));
}

static void fpu_area_init(struct vcpu *v, const void *fxsave_image)
{
    uint8_t *area = v->arch.fpu_area;
    v->arch.fpu_initialised = fxsave_image != NULL;
    memset(area, 0, v->arch.fpu_area_size);
    if (fxsave_image) {
        memcpy(area, fxsave_image, 512);
        /* MXCSR bits the CPU refuses would make the restore fault. */
        uint32_t mask;
        memcpy(&mask, area + FXSAVE_MXCSR_MASK, 4);
        uint32_t mxcsr;
        memcpy(&mxcsr, area + FXSAVE_MXCSR, 4);
        mxcsr &= mask ? mask : 0xffbf;
        memcpy(area + FXSAVE_MXCSR, &mxcsr, 4);
        if (cpu_has_xsave()) {
            uint64_t bv = XSTATE_FP_SSE;
            memcpy(area + XSAVE_HEADER, &bv, 8);
        }
        return;
    }
    /* Xen's start: x87 and SSE in their initial state (FCW 0x37f, MXCSR 0x1f80). */
    uint16_t fcw = FCW_DEFAULT;
    uint32_t mxcsr = MXCSR_DEFAULT;
    memcpy(area, &fcw, 2);
    memcpy(area + FXSAVE_MXCSR, &mxcsr, 4);
}

int arch_vcpu_create(struct vcpu *v)
{
    size_t size = fpu_area_size();
    unsigned int pages = (unsigned int)((size + PAGE_SIZE - 1) / PAGE_SIZE);
    v->arch.fpu_area = alloc_hv_pages(pages);
    if (!v->arch.fpu_area)
        return -1;
    v->arch.fpu_area_pages = pages;
    v->arch.fpu_area_size = size;
    fpu_area_init(v, NULL);
    pv_init_debugregs(v);
    pv_init_control_regs(v);
    return 0;
}

void arch_vcpu_destroy(struct vcpu *v)
{
    if (v->arch.fpu_area)
        free_hv_pages(v->arch.fpu_area, v->arch.fpu_area_pages);
    v->arch.fpu_area = NULL;
}

void pv_fpu_set_image(struct vcpu *v, const void *fxsave_image)
{
    fpu_area_init(v, fxsave_image);
}

void pv_fpu_get_image(const struct vcpu *v, void *fxsave_image)
{
    /* An XSAVE image starts with the FXSAVE layout (the legacy region). */
    memcpy(fxsave_image, v->arch.fpu_area, 512);
}

static uint64_t xcr0_for_save(const struct vcpu *v)
{
    return v->arch.xcr0_accum | XSTATE_FP_SSE;
}

static void fpu_save(struct vcpu *v)
{
    v->arch.fpu_initialised = true;
    clts();
    if (cpu_has_xsave()) {
        /* Every component the guest ever enabled, whatever its XCR0 now. */
        set_xcr0(xcr0_for_save(v));
        __asm__ __volatile__("xsave64 (%0)" ::"r"(v->arch.fpu_area), "a"(~0u), "d"(~0u) : "memory");
    } else {
        __asm__ __volatile__("fxsave64 (%0)" ::"r"(v->arch.fpu_area) : "memory");
    }
}

/* Restores v's FPU state; a state the CPU refuses (it cannot come from
 * xsave, only from a guest's context) leaves the initial state. */
static void fpu_restore(struct vcpu *v)
{
    clts();
    bool ok = true;
    if (cpu_has_xsave()) {
        set_xcr0(xcr0_for_save(v));
        __asm__ __volatile__(ASM_TRY("xrstor64 (%1)")
                             : "+m"(ok)
                             : "r"(v->arch.fpu_area), "a"(~0u), "d"(~0u)
                             : "memory");
    } else {
        __asm__ __volatile__(ASM_TRY("fxrstor64 (%1)")
                             : "+m"(ok)
                             : "r"(v->arch.fpu_area)
                             : "memory");
    }
    if (!ok) {
        fpu_area_init(v, NULL);
        fpu_restore(v);
    }
}

static uint16_t read_sel(int which)
{
    uint16_t sel = 0;
    switch (which) {
    case 0:
        __asm__ __volatile__("mov %%ds, %0" : "=r"(sel));
        break;
    case 1:
        __asm__ __volatile__("mov %%es, %0" : "=r"(sel));
        break;
    case 2:
        __asm__ __volatile__("mov %%fs, %0" : "=r"(sel));
        break;
    default:
        __asm__ __volatile__("mov %%gs, %0" : "=r"(sel));
        break;
    }
    return sel;
}

/* Loads a data segment selector; one the CPU refuses leaves the null selector. */
#define LOAD_SEG(seg, sel, ok)                                                                     \
    __asm__ __volatile__(ASM_TRY_FIXUP("mov %w1, %%" seg, "xor %%eax, %%eax\n\tmov %%eax, %%" seg) \
                         : "+m"(ok)                                                                \
                         : "r"(sel)                                                                \
                         : "rax", "memory")

static void save_segments(struct vcpu *v)
{
    v->arch.sel_ds = read_sel(0);
    v->arch.sel_es = read_sel(1);
    v->arch.sel_fs = read_sel(2);
    v->arch.sel_gs = read_sel(3);
    /* The guest may have changed them itself (FSGSBASE, selector loads). */
    v->arch.fs_base = rdmsr(MSR_FS_BASE);
    uint64_t active = rdmsr(MSR_GS_BASE), shadow = rdmsr(MSR_SHADOW_GS_BASE);
    v->arch.gs_base_kernel = v->arch.kernel_mode ? active : shadow;
    v->arch.gs_base_user = v->arch.kernel_mode ? shadow : active;
}

static bool load_segments(struct vcpu *v)
{
    bool ok = true;
    LOAD_SEG("ds", v->arch.sel_ds, ok);
    LOAD_SEG("es", v->arch.sel_es, ok);
    LOAD_SEG("fs", v->arch.sel_fs, ok);
    LOAD_SEG("gs", v->arch.sel_gs, ok);
    /* Bases after selectors: a selector load sets its segment's base. */
    wrmsr(MSR_FS_BASE, v->arch.fs_base);
    wrmsr(MSR_GS_BASE, v->arch.kernel_mode ? v->arch.gs_base_kernel : v->arch.gs_base_user);
    wrmsr(MSR_SHADOW_GS_BASE, v->arch.kernel_mode ? v->arch.gs_base_user : v->arch.gs_base_kernel);
    return ok;
}

/*
 * Xen's failsafe callback: on the guest kernel's stack {rcx, r11, ds, es,
 * fs, gs, rip, cs with the upcall mask in bits 32+, rflags, rsp, ss}, the
 * selectors being those that failed to load; the guest reloads what it can.
 * False if the frame cannot be written (the domain is then crashed).
 */
static bool failsafe_callback(struct vcpu *v, struct cpu_regs *regs)
{
    if (!v->arch.failsafe_callback)
        return false;
    const uint64_t selectors[4] = {v->arch.sel_ds, v->arch.sel_es, v->arch.sel_fs, v->arch.sel_gs};
    return pv_bounce_frame(v, regs, v->arch.failsafe_callback, selectors, 4,
                           v->arch.failsafe_callback_masks);
}

static void save_debugregs(struct vcpu *v)
{
    /* Breakpoints of a vCPU must not fire in the next one. */
    if (v->arch.debugreg[7] & 0xff)
        __asm__ __volatile__("mov %0, %%db7" ::"r"(0x400UL));
}

static void __noreturn resume_current(void)
{
    struct vcpu *v = current_vcpu();
    struct cpu_regs *regs = guest_regs();
    if (v->arch.segments_failed) {
        v->arch.segments_failed = false;
        struct cpu_regs at_switch = *regs;
        if (!failsafe_callback(v, regs))
            pv_crash_current(&at_switch, "selector reload failed with no usable failsafe callback");
    }
    pv_before_return_to_guest(regs);
    pv_enter_guest(regs);
}

void arch_context_switch(struct vcpu *prev, struct vcpu *next)
{
    local_irq_disable();
    struct percpu *p = this_cpu();
    struct cpu_regs *frame = guest_regs();
    unsigned int cpu = p->id;
    if (prev) {
        /* Written while prev's page tables are still loaded. */
        vcpu_update_runstate_area(prev);
        prev->arch.user_regs = *frame;
        save_segments(prev);
        fpu_save(prev);
        save_debugregs(prev);
    }
    p->current = next;
    if (next) {
        struct vcpu *v = next;
        __atomic_fetch_or(&v->domain->dirty_cpumask, 1ULL << cpu, __ATOMIC_SEQ_CST);
        write_cr3((v->arch.kernel_mode ? v->arch.guest_table : v->arch.guest_table_user)
                  << PAGE_SHIFT);
        /* Guests' user mappings are global: the last vCPU's must go too. */
        flush_tlb_global_local();
        pv_load_gdt(v);
        pv_load_ldt(v);
        v->arch.segments_failed = !load_segments(v);
        fpu_restore(v);
        pv_load_control_regs(v);
        if (v->arch.fpu_ts)
            write_cr0(read_cr0() | X86_CR0_TS);
        pv_load_debugregs(v);
        *frame = v->arch.user_regs;
        pv_update_time(v);
        vcpu_update_runstate_area(v);
    } else {
        write_cr3(hv_l4_pa);
    }
    /* prev's TLB entries went with the CR3 load. */
    if (prev && (!next || next->domain != prev->domain))
        __atomic_fetch_and(&prev->domain->dirty_cpumask, ~(1ULL << cpu), __ATOMIC_SEQ_CST);
    if (prev)
        sched_context_saved(prev);
    if (next)
        reset_stack_and_call((char *)frame - 64, resume_current);
    reset_stack_and_call((char *)frame - 64, arch_idle);
}
