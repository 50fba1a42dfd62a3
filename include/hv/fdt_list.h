/* Boot descriptions in FDT form (a boot module starting with the FDT magic). */
#ifndef HV_FDT_LIST_H
#define HV_FDT_LIST_H
#include <hv/bootinfo.h>
/* If m is an FDT blob: checks it, lists it node by node at loglvl=all, returns true. */
bool fdt_module_list(const struct boot_module *m);
#endif
