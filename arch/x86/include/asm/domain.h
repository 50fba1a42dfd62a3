/*
 * x86 PV state of domains and vCPUs (DESIGN §2.2): guest kernel and guest
 * user both run at CPL 3; hv keeps which one is running, the two top-level
 * page tables, the guest's trap table and callbacks, its virtual IOPL and its
 * segment bases.
 */
#ifndef ASM_DOMAIN_H
#define ASM_DOMAIN_H
#include <hv/types.h>
#include <xen-abi.h>
#include <asm/regs.h>
#include <asm/layout.h>
#include <hv/rangeset.h>

struct arch_vcpu {
    /* Its registers while it does not run (also where it starts: the
     * builder, VCPUOP_initialise); while it runs they are in its CPU's frame. */
    struct cpu_regs user_regs;
    uint16_t sel_ds, sel_es, sel_fs, sel_gs; /* data selectors while it does not run */
    bool segments_failed;                    /* one did not reload: failsafe callback due */
    unsigned int vgc_flags;                  /* VGCF_* of its last context */
    void *fpu_area;                          /* XSAVE (or FXSAVE) image while it does not run */
    bool fpu_initialised;                    /* has FPU state: given in a context, or it ran */
    size_t fpu_area_size;
    unsigned int fpu_area_pages;
    bool kernel_mode;              /* guest kernel (true) or guest user */
    uint64_t guest_table;          /* MFN of the kernel's L4 */
    uint64_t guest_table_user;     /* MFN of the user L4; 0 if none */
    unsigned int iopl;             /* virtual IOPL, PHYSDEVOP_set_iopl */
    uint64_t kernel_ss, kernel_sp; /* stack_switch */
    uint64_t event_callback, failsafe_callback, syscall_callback, nmi_callback;
    uint64_t syscall32_callback; /* a compat-mode syscall's entry */
    bool failsafe_callback_masks, syscall_callback_masks, syscall32_callback_masks;
    vcpu_info_t *vcpu_info; /* VCPUOP_register_vcpu_info; NULL: shared_info's slot */
    bool fpu_ts;            /* the guest's virtual CR0.TS (fpu_taskswitch) */
    uint64_t cr2;           /* the guest's CR2: its last #PF address or `mov` to CR2 */
    uint64_t cr4;           /* the guest's view of CR4 (pv_fixup_guest_cr4) */
    uint64_t xcr0;          /* set by its xsetbv; 0 until then (x87+SSE loaded) */
    uint64_t xcr0_accum;    /* every component ever enabled */
    uint32_t tsc_aux;       /* MSR_TSC_AUX, loaded while the vCPU runs */
    uint64_t debugreg[8];   /* set_debugreg; DR7 without the emulated I/O enables */
    unsigned int dr7_emul;  /* DR7 enable bits of I/O breakpoints (CR4.DE), emulated */
    uint64_t iobmp;         /* PHYSDEVOP_set_iobitmap: guest address, 0 if none */
    uint32_t iobmp_limit;   /* ports it covers */
    uint64_t vcpu_info_mfn;
    uint64_t fs_base, gs_base_kernel, gs_base_user;
    struct trap_info traps[256];
    /* set_gdt: the frames (each holding a seg_desc type reference) and entries. */
    uint64_t gdt_frames[FIRST_RESERVED_GDT_PAGE];
    unsigned int gdt_ents;
    /* MMUEXT_SET_LDT, and the LDT pages mapped so far (each with a seg_desc
     * type reference): ldt_frames[i] is valid where bit i of ldt_mapped is set. */
    uint64_t ldt_base;
    unsigned int ldt_ents;
    uint16_t ldt_mapped;
    uint64_t ldt_frames[LDT_PAGES];
};

struct arch_domain {
    unsigned long vm_assist; /* VMASST_TYPE_* bits enabled */
    /* I/O ports the domain may access (1 bit per port). */
    uint8_t ioport_allowed[65536 / 8];
    /* I/O memory frames a domU may map (iomem_permission); dom0's are fixed. */
    struct rangeset iomem_allowed;
    uint8_t cmos_index; /* the last byte written to port 0x70 */
    uint32_t pci_cf8;   /* the last dword written to port 0xcf8 */
};
#endif
