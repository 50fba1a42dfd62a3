/* Names of the x86 exception vectors, for crash reports (hv and pvkernel). */
#ifndef LIB_X86_EXCEPTIONS_H
#define LIB_X86_EXCEPTIONS_H
/* The architectural exception vectors. */
#define X86_EXC_DE 0  /* divide error */
#define X86_EXC_DB 1  /* debug */
#define X86_EXC_BP 3  /* breakpoint (int3) */
#define X86_EXC_UD 6  /* invalid opcode */
#define X86_EXC_NM 7  /* device not available */
#define X86_EXC_DF 8  /* double fault */
#define X86_EXC_TS 10 /* invalid TSS */
#define X86_EXC_NP 11 /* segment not present */
#define X86_EXC_SS 12 /* stack-segment fault */
#define X86_EXC_GP 13 /* general protection */
#define X86_EXC_PF 14 /* page fault */

/* "page fault" for 14; "unknown" for vectors with no architectural name. */
const char *x86_exception_name(unsigned long vector);
#endif
