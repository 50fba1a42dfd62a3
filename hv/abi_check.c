/*
 * Compile-time proof that hv's build flavour sees Xen 4.17's hypercall
 * numbers (DESIGN §2.1); the unit tests check the same in the host flavours.
 */
#include <xen-abi.h>

_Static_assert(__XEN_INTERFACE_VERSION__ == 0x00040e00, "interface version");
_Static_assert(__HYPERVISOR_sched_op == 29, "sched_op");
_Static_assert(__HYPERVISOR_event_channel_op == 32, "event_channel_op");
_Static_assert(__HYPERVISOR_physdev_op == 33, "physdev_op");
_Static_assert(__HYPERVISOR_domctl == 36, "domctl");
_Static_assert(XEN_DOMCTL_INTERFACE_VERSION == 0x15, "domctl interface 0x15");
