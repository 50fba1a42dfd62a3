/*
 * 64-bit PV guests on x86 (arch/x86/pv/): entering and leaving guest
 * context, hypercall dispatch, exceptions raised by guests, privileged
 * operation emulation, and the dom0 builder.
 *
 * While a vCPU runs on a CPU, its registers are saved, on every entry to hv,
 * in the struct cpu_regs at the top of that CPU's primary stack: the TSS's
 * RSP0 points there for interrupts and exceptions, and the per-CPU syscall
 * stub switches to it for hypercalls.
 */
#ifndef ASM_PV_H
#define ASM_PV_H
#include <asm/regs.h>
#include <hv/bootinfo.h>
#include <hv/domain.h>

#define VECTOR_SYSCALL 0x100 /* the "vector" of a frame built by the syscall stub */

/* The frame of the guest running on the calling CPU. */
struct cpu_regs *guest_regs(void);
struct vcpu *current_vcpu(void);

void pv_cpu_init(unsigned int cpu); /* syscall MSRs of this CPU */
void pv_syscall(struct cpu_regs *regs);
void pv_guest_exception(struct cpu_regs *regs);
/* `int $0x80` from a guest, which hv's IDT lets through (VECTOR_INT80). */
void pv_guest_int80(struct cpu_regs *regs);
/* On the way back to a guest after an interrupt: softirqs, domain state. */
void pv_before_return_to_guest(struct cpu_regs *regs);
/* Crashes the current vCPU's domain with a register report; never returns. */
void pv_crash_current(const struct cpu_regs *regs, const char *reason) __noreturn;
/* arch/x86/pv/context_switch.c: the FPU image a context gives (NULL: initial state). */
void pv_fpu_set_image(struct vcpu *v, const void *fxsave_image);
/* The FXSAVE image of a vCPU that is not running (getvcpucontext). */
void pv_fpu_get_image(const struct vcpu *v, void *fxsave_image);
/* arch/x86/pv/vcpu_context.c: VCPUOP_initialise and setvcpucontext. */
int pv_set_vcpu_context(struct vcpu *v, const struct vcpu_guest_context *c);
/* arch/x86/pv/cpu_state.c */
void pv_load_debugregs(struct vcpu *v);
long pv_set_debugreg(struct vcpu *v, unsigned int reg, uint64_t value);
/* An exception for the guest: vector, error code, and CR2 for a #PF. */
struct pv_fault {
    unsigned int vector;
    uint32_t error_code;
    uint64_t cr2;
};
/* Emulates the privileged instruction at regs->rip after its #GP(0). */
enum pv_emulation {
    PV_EMUL_NONE,       /* not emulated: the #GP stands */
    PV_EMUL_DONE,       /* done, RIP past it (or at it, for a rep to go on) */
    PV_EMUL_FAULT,      /* the guest gets *fault instead (registers as far as it got) */
    PV_EMUL_DEBUG_TRAP, /* done, then a #DB trap (single-step or I/O breakpoint; DR6 set) */
};
enum pv_emulation pv_emulate_privileged_op(struct cpu_regs *regs, struct pv_fault *fault);
/* May v access bytes at port (virtual IOPL or its I/O bitmap)? */
bool pv_io_permitted(struct vcpu *v, unsigned int port, unsigned int bytes);
/* arch/x86/pv/string_io.c: ins/outs, rep or not, after the permission check. */
struct pv_string_io {
    bool in, rep, addr32;
    unsigned int bytes; /* per element: 1, 2 or 4 */
    uint8_t segment;    /* override prefix byte, or 0 */
    size_t length;      /* of the instruction */
};
enum pv_emulation pv_emulate_string_io(struct cpu_regs *regs, const struct pv_string_io *io,
                                       struct pv_fault *fault, bool breakpoint);
/* arch/x86/pv/iomem.c: may d map I/O memory frame mfn, and how? */
enum iomem_access { IOMEM_DENIED, IOMEM_READ_ONLY, IOMEM_READ_WRITE };
enum iomem_access pv_iomem_access(const struct domain *d, uint64_t mfn);
bool pv_iomem_range_permitted(const struct domain *d, uint64_t first, uint64_t last);
/* Has d every port of [first, last] (arch/x86/pv/io_ports.c)? */
bool pv_io_ports_permitted(const struct domain *d, unsigned int first, unsigned int last);
/* arch/x86/pv/io_ports.c: an in/out that passed its privilege checks. */
uint32_t pv_io_read(struct domain *d, unsigned int port, unsigned int bytes);
void pv_io_write(struct domain *d, unsigned int port, unsigned int bytes, uint32_t data);
/* Does such an access go straight to the hardware port? */
bool pv_io_direct(const struct domain *d, unsigned int port, unsigned int bytes);
/* arch/x86/pv/emulate_cpuid_msr.c */
enum pv_emulation pv_emulate_forced_cpuid(struct cpu_regs *regs);
bool pv_emulate_msr(struct cpu_regs *regs, bool write);
/* The PV CPUID policy, without the per-vCPU bits (OSXSAVE). */
void pv_cpuid_policy(uint32_t leaf, uint32_t sub, uint32_t r[4]);
/* arch/x86/pv/control_regs.c: CR0/2/3/4 and XCR0 of the current vCPU;
 * false means #GP. */
void pv_init_control_regs(struct vcpu *v);
/* A context's CR4 for v, fixed up as the guest's writes are. */
void pv_set_guest_cr4(struct vcpu *v, uint64_t cr4);
/* Loads v's CR4 bits, XCR0 and TSC_AUX into this CPU. */
void pv_load_control_regs(struct vcpu *v);
bool pv_emulate_cr_read(unsigned int cr, uint64_t *value);
bool pv_emulate_cr_write(unsigned int cr, uint64_t value);
bool pv_emulate_xsetbv(uint32_t index, uint64_t value);
bool pv_emulate_rdtsc(struct cpu_regs *regs, bool rdtscp);
bool pv_tsc_aux_msr(bool write, uint64_t *value);

/* arch/x86/pv/traps.c */
long do_set_trap_table(uint64_t traps);
long do_iret(struct cpu_regs *regs);
/* Bounces exception `vector` to the guest's handler; false if it has none or it fails. */
bool pv_inject_exception(struct cpu_regs *regs, unsigned int vector, uint32_t error_code);
void pv_toggle_guest_mode(struct vcpu *v);
/* A syscall that is not a hypercall (from guest user, or from compat mode)
 * to the guest's syscall callback, or #UD without one; false if neither. */
bool pv_bounce_syscall(struct cpu_regs *regs);
/* `int $n` refused by hv's IDT (a #GP naming the vector): delivered through
 * the trap table if the entry's DPL allows it; false if not a software
 * interrupt or it could not be delivered. */
bool pv_software_interrupt(struct cpu_regs *regs, bool *delivered);

/* arch/x86/pv/mm.c: the lock of frame counts, types and page tables
 * (recursive; the hypercalls and faults that change them take it). */
void pv_mm_lock(void);
void pv_mm_unlock(void);
/* arch/x86/pv/mm.c and ptwr.c */
/* For grant mappings (page lock held): the L1 entry behind va in v's
 * current tables, or at machine address maddr in one of d's L1 tables
 * (NULL if there is none); Xen's adjustment of an L1 entry; the
 * references an L1 entry held, dropped. */
uint64_t *pv_find_l1e(const struct vcpu *v, uint64_t va);
uint64_t *pv_l1e_at_maddr(const struct domain *d, uint64_t maddr);
uint64_t pv_adjust_l1e(uint64_t e, const struct domain *d);
void pv_put_l1e_refs(uint64_t e);
bool pv_l1_table_behind(const struct vcpu *v, uint64_t va, uint64_t *l1_mfn);
uint64_t pv_read_table_entry(uint64_t mfn, unsigned int index);
int pv_write_table_entry(uint64_t mfn, unsigned int index, uint64_t value);
/* A guest-kernel write fault at addr into one of its L1 tables; true if emulated. */
bool pv_emulate_pt_write(struct cpu_regs *regs, uint64_t addr);
long do_vm_assist(uint64_t cmd, uint64_t type);
/* The VMASST_TYPE_* bits a 64-bit PV guest may enable. */
unsigned long pv_vm_assist_valid(void);
/*
 * arch/x86/pv/traps.c: Xen's bounce frame on the guest kernel's stack,
 * {rcx, r11, extra..., rip, cs with the upcall mask in bits 32+, rflags,
 * rsp, ss}, regs then pointing at handler in kernel mode.  The extra words
 * are an exception's error code, or the failsafe callback's selectors.
 */
#define PV_BOUNCE_MAX_EXTRA 4
bool pv_bounce_frame(struct vcpu *v, struct cpu_regs *regs, uint64_t handler, const uint64_t *extra,
                     unsigned int nr_extra, bool mask_events);
/* arch/x86/pv/traps.c: a bounce frame with no error code to handler. */
bool bounce(struct vcpu *v, struct cpu_regs *regs, uint64_t handler, bool has_error,
            uint32_t error_code, bool mask_events);
bool pv_bounce_to(struct cpu_regs *regs, uint64_t handler, bool mask_events);
/* arch/x86/pv/events_time.c */
vcpu_info_t *pv_vcpu_info(struct vcpu *v);
void pv_update_time(struct vcpu *v);
void pv_update_wallclock(struct domain *d);
int pv_register_vcpu_info(struct vcpu *v, uint64_t mfn, uint64_t offset);
/* Delivers a pending, unmasked event upcall by bouncing to the event callback. */
void pv_deliver_events(struct cpu_regs *regs);
long do_set_callbacks(uint64_t event, uint64_t failsafe, uint64_t syscall);
long do_callback_op(uint64_t cmd, uint64_t arg);
/* arch/x86/pv/cpu_state.c */
long do_set_segment_base(uint64_t which, uint64_t base);
long do_stack_switch(uint64_t ss, uint64_t sp);
long do_fpu_taskswitch(uint64_t set);
long do_set_debugreg(uint64_t reg, uint64_t value);
long do_get_debugreg(uint64_t reg);
/* DRn as the guest reads it; -ENODEV for one that does not exist. */
int pv_read_debugreg(unsigned int reg, uint64_t *value);
bool pv_handle_nm(struct cpu_regs *regs);
void pv_record_debug_status(void);
bool pv_debug_trap_in_hv(void);
void pv_init_debugregs(struct vcpu *v);
/* An in/out of bytes at port: the I/O breakpoints (CR4.DE) it matches, as DR6 bits. */
unsigned int pv_io_breakpoints(const struct vcpu *v, unsigned int port, unsigned int bytes);
/* arch/x86/pv/mm.c: references on frames of d (type PGT_*; 0 or -EINVAL/-EBUSY). */
int pv_get_page_and_type(uint64_t mfn, uint64_t type, struct domain *d);
void pv_put_page_and_type(uint64_t mfn);
bool pv_get_page(uint64_t mfn, const struct domain *d);
void pv_put_page(uint64_t mfn);
int pv_get_page_type(uint64_t mfn, uint64_t type, struct domain *d);
void pv_put_page_type(uint64_t mfn);
/* Flushes every CPU once and lets the frees that follow skip their own
 * flush (a dying domain's frames, mapped by nothing that may be loaded),
 * until called with false.  With the page lock held. */
void pv_frees_preflushed(bool on);
/* arch/x86/pv/descriptors.c */
long do_set_gdt(uint64_t frame_list, uint64_t entries);
/* set_gdt for v with frames already read (a context's gdt_frames). */
int pv_set_gdt(struct vcpu *v, const uint64_t *frames, unsigned int entries);
long do_update_descriptor(uint64_t maddr, uint64_t desc);
/* Validates (and fixes up, as Xen) the 512 descriptors of a page becoming seg_desc. */
int pv_validate_descriptor_page(uint64_t mfn);
/* Shows v's GDT frames in this CPU's GDT window. */
void pv_load_gdt(struct vcpu *v);
/* The exception hv's iretq would raise for this return frame (as the CPU
 * would report it); false if the frame loads. */
bool pv_return_frame_fault(const struct cpu_regs *regs, struct pv_fault *fault);
/* arch/x86/pv/ldt.c */
int pv_set_ldt(struct vcpu *v, uint64_t addr, unsigned int entries);
/* Shows v's LDT in this CPU's LDT window and loads LDTR. */
void pv_load_ldt(struct vcpu *v);
/* Drops the LDT pages mapped for v (their type references with them). */
void pv_destroy_ldt(struct vcpu *v);
bool pv_in_ldt_window(uint64_t va);
/* A read of this CPU's LDT window faulted at va: maps the current vCPU's
 * page there; false if it cannot be mapped. */
bool pv_map_ldt_fault(uint64_t va);
/* The fault the guest gets when a page at va of the window cannot be mapped
 * (#PF at the LDT's own address; fault->error_code is the caller's for #PF). */
void pv_ldt_fault_for_guest(uint64_t va, struct pv_fault *fault);
/* Descriptor sel (TI set) of the current vCPU's LDT, mapping its page; false
 * with the fault the CPU would raise reading it. */
bool pv_ldt_descriptor(uint16_t sel, uint64_t *desc, struct pv_fault *fault);
/* arch/x86/pv/mm.c: the frame v's kernel page tables map at va; false if none. */
bool pv_kernel_mapped_frame(const struct vcpu *v, uint64_t va, uint64_t *mfn);
/* arch/x86/pv/traps.c: a #PF at cr2 for the guest (user bit as Xen sets it). */
bool pv_inject_page_fault(struct cpu_regs *regs, uint64_t cr2, uint32_t error_code);
/* arch/x86/pv/mm.c: v's kernel page table becomes mfn (MMUEXT_NEW_BASEPTR). */
int pv_new_guest_cr3(struct vcpu *v, uint64_t mfn);
/* A new context's page tables for v (not running): kernel L4 and user L4
 * (0: none), each taken as an L4 of v's domain; the old ones released. */
int pv_set_vcpu_tables(struct vcpu *v, uint64_t kernel_mfn, uint64_t user_mfn);
/* arch/x86/pv/mm.c: a general and a writable-type reference on a frame of d. */
bool pv_get_writable_page(struct domain *d, uint64_t mfn);

/* arch/x86/pv/hypercall_page.c: Xen's stubs for a 64-bit PV guest, into one page. */
void pv_fill_hypercall_page(uint8_t *page);

int dom0_build_pv(struct domain *d, const struct boot_module *kernel,
                  const struct boot_module *initrd);

/* entry.S */
void pv_enter_guest(struct cpu_regs *frame) __noreturn;
void reset_stack_and_call(void *stack_top, void (*fn)(void)) __noreturn;
extern uint64_t pv_syscall_stack[];
extern const char pv_syscall_stubs[], pv_syscall32_stubs[];
#define PV_SYSCALL_STUB_SIZE 64
#endif
