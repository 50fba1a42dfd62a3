/* Names of the x86 exception vectors, for crash reports (hv and pvkernel). */
#ifndef LIB_X86_EXCEPTIONS_H
#define LIB_X86_EXCEPTIONS_H
/* "page fault" for 14; "unknown" for vectors with no architectural name. */
const char *x86_exception_name(unsigned long vector);
#endif
