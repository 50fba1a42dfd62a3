/*
 * pvkernel's exception handling: a trap table registered with
 * set_trap_table, entry stubs that turn the hypervisor's bounce frame
 * ({rcx, r11, [error code,] rip, cs, rflags, rsp, ss}) into a struct
 * trap_frame, and the way back through HYPERVISOR_iret.  A test kernel may
 * install a hook that inspects and redirects the frame; otherwise an
 * exception gets a readable report and the kernel exits.
 */
#ifndef PVKERNEL_TRAPS_H
#define PVKERNEL_TRAPS_H
#include <stdint.h>
#include <stdbool.h>

struct trap_frame {
    uint64_t r15, r14, r13, r12, rbp, rbx, r11, r10, r9, r8;
    uint64_t rax, rcx, rdx, rsi, rdi;
    uint64_t vector;
    uint64_t error_code;               /* 0 for vectors without one */
    uint64_t rip, cs, rflags, rsp, ss; /* as the hypervisor saved them */
};

/* The trap_frame vectors of the syscall callbacks' entry stubs (syscall_callback,
 * syscall32_callback); the event and failsafe callbacks' are in events.h. */
#define TRAP_VECTOR_SYSCALL   258
#define TRAP_VECTOR_SYSCALL32 259
extern char syscall_callback[], syscall32_callback[];
/* Where a test kernel's own entry stubs go once they have popped RCX and
 * R11 and pushed an error code and a vector (see traps_entry.S). */
extern char trap_common[];

/* RCX, R11 and RFLAGS as the last handler was entered (before its stub
 * restored RCX and R11 from the frame). */
extern uint64_t trap_entry_rcx, trap_entry_r11, trap_entry_rflags;

/* Returns true if it handled the exception (the frame may be changed). */
typedef bool (*trap_hook_fn)(struct trap_frame *f);
extern trap_hook_fn trap_hook;

void traps_init(void);
#endif
