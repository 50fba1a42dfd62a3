/*
 * The one header through which project code includes Xen's public ABI
 * headers from libxen-dev (DESIGN §2.1).  Guest code defines
 * __XEN_INTERFACE_VERSION__ as 0x00040e00; hv and the toolstack define only
 * __XEN_TOOLS__ (which selects the same latest version and unlocks domctl.h
 * and sysctl.h).  Without either, the headers silently give the legacy
 * hypercall numbers, so that is refused here.
 */
#ifndef XEN_ABI_H
#define XEN_ABI_H

#if defined(__XEN_TOOLS__) && defined(__XEN_INTERFACE_VERSION__)
#error "define either __XEN_TOOLS__ (hv, tools) or __XEN_INTERFACE_VERSION__ (guests), not both"
#endif
#if !defined(__XEN_TOOLS__) && !defined(__XEN_INTERFACE_VERSION__)
#error "define __XEN_TOOLS__ (hv, tools) or __XEN_INTERFACE_VERSION__=0x00040e00 (guests)"
#endif
#if defined(__XEN_INTERFACE_VERSION__) && __XEN_INTERFACE_VERSION__ != 0x00040e00
#error "guests are built against interface version 0x00040e00 (Xen 4.17)"
#endif

#include <stdint.h>
#include <xen/xen.h>
#include <xen/event_channel.h>
#include <xen/grant_table.h>
#include <xen/memory.h>
#include <xen/sched.h>
#include <xen/vcpu.h>
#include <xen/version.h>
#include <xen/callback.h>
#include <xen/physdev.h>
#include <xen/xen-compat.h>
#include <xen/features.h>
#include <xen/elfnote.h>
#include <xen/errno.h>
#include <xen/arch-x86/cpuid.h>
#include <xen/io/console.h>
#ifdef __XEN_TOOLS__
#include <xen/domctl.h>
#include <xen/sysctl.h>
#endif

#endif
