/*
 * Error numbers as hv returns them (negated) to guests: the names of the
 * ABI's <xen/errno.h>, turned into plain E* enumerators through that header's
 * own XEN_ERRNO() hook, so the values come from libxen-dev and nowhere else.
 */
#ifndef HV_ERRNO_H
#define HV_ERRNO_H
#define XEN_ERRNO(name, value) name = value,
enum hv_errno {
#include <xen/errno.h>
};
/* Xen's internal "repeat this hypercall" (a continuation), never seen by a
 * guest; <xen/errno.h> names it only for Xen's own build. */
#ifndef __XEN__
enum { ERESTART = 85 };
#endif
#endif
