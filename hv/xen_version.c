/*
 * The xen_version hypercall.  hv speaks Xen 4.17's ABI, so it reports
 * version 4.17; its own name and version are in extraversion and changeset.
 * Feature bits are only those hv implements (docs/abi-coverage.md).
 */
#include <hv/hypercall.h>
#include <hv/bootinfo.h>
#include <hv/domain.h>
#include <hv/errno.h>
#include <hv/main.h>
#include <asm/guest_access.h>
#include <asm/layout.h>
#include <asm/pv.h>
#include <string.h>
#include <xen-abi.h>

/* What holds for every PV domain on hv, plus dom0 for the hardware domain. */
static uint32_t feature_submap0(const struct domain *d)
{
    uint32_t map = (1u << XENFEAT_pae_pgdir_above_4gb) | (1u << XENFEAT_direct_mapped);
    if (d->privileged)
        map |= (1u << XENFEAT_dom0) | (1u << XENFEAT_linux_rsdp_unrestricted);
    return map;
}

static long copy_string_out(uint64_t arg, const char *s, size_t size)
{
    char buf[1024];
    memset(buf, 0, size);
    strlcpy(buf, s, size);
    return copy_to_guest(arg, buf, size) ? -EFAULT : 0;
}

long do_xen_version(uint64_t cmd, uint64_t arg)
{
    struct domain *d = current_vcpu()->domain;
    switch (cmd) {
    case XENVER_version:
        return (4 << 16) | 17;
    case XENVER_extraversion:
        return copy_string_out(arg, "-hv" HV_VERSION, sizeof(xen_extraversion_t));
    case XENVER_capabilities:
        return copy_string_out(arg, "xen-3.0-x86_64", sizeof(xen_capabilities_info_t));
    case XENVER_changeset:
        return copy_string_out(arg, "hv " HV_VERSION, sizeof(xen_changeset_info_t));
    case XENVER_compile_info: {
        xen_compile_info_t info;
        memset(&info, 0, sizeof(info));
        strlcpy(info.compiler, "gcc", sizeof(info.compiler));
        strlcpy(info.compile_by, "hv", sizeof(info.compile_by));
        return copy_to_guest(arg, &info, sizeof(info)) ? -EFAULT : 0;
    }
    case XENVER_platform_parameters: {
        xen_platform_parameters_t pp = {.virt_start = HV_RESERVED_START};
        return copy_to_guest(arg, &pp, sizeof(pp)) ? -EFAULT : 0;
    }
    case XENVER_get_features: {
        xen_feature_info_t fi;
        if (copy_from_guest(&fi, arg, sizeof(fi)))
            return -EFAULT;
        if (fi.submap_idx != 0)
            return -EINVAL;
        fi.submap = feature_submap0(d);
        return copy_to_guest(arg, &fi, sizeof(fi)) ? -EFAULT : 0;
    }
    case XENVER_pagesize:
        return PAGE_SIZE;
    case XENVER_guest_handle: {
        xen_domain_handle_t handle;
        memset(handle, 0, sizeof(handle)); /* set by setdomainhandle, for domUs */
        return copy_to_guest(arg, handle, sizeof(handle)) ? -EFAULT : 0;
    }
    case XENVER_commandline:
        if (!d->privileged)
            return -EPERM;
        return copy_string_out(arg, boot_info.cmdline, sizeof(xen_commandline_t));
    default:
        return -ENOSYS;
    }
}
