/*
 * The hypercall page of 64-bit PV guests (arch/x86/pv/hypercall_page.c):
 * filled by hv's dom0 builder and by XEN_DOMCTL_hypercall_init.
 */
#include <asm/pv.h>
#include <xen-abi.h>
#include <string.h>

/*
 * As Xen fills it for a 64-bit PV guest: int3 everywhere, then one 32-byte
 * stub per hypercall (save the registers syscall clobbers, number in
 * %eax, syscall, restore, return). The iret stub is jumped to, never
 * called: it also pushes %rax, the frame HYPERVISOR_iret expects, and
 * does not return.
 */
void pv_fill_hypercall_page(uint8_t *page)
{
    uint8_t slot[32];
    for (unsigned int i = 0; i < PAGE_SIZE / sizeof(slot); i++) {
        memset(slot, 0xcc, sizeof(slot));
        unsigned int n = 0;
        slot[n++] = 0x51; /* push %rcx */
        slot[n++] = 0x41; /* push %r11 */
        slot[n++] = 0x53;
        if (i == __HYPERVISOR_iret)
            slot[n++] = 0x50; /* push %rax */
        slot[n++] = 0xb8;     /* mov $i, %eax */
        memcpy(&slot[n], &i, 4);
        n += 4;
        slot[n++] = 0x0f; /* syscall */
        slot[n++] = 0x05;
        if (i != __HYPERVISOR_iret) {
            slot[n++] = 0x41; /* pop %r11 */
            slot[n++] = 0x5b;
            slot[n++] = 0x59; /* pop %rcx */
            slot[n++] = 0xc3; /* ret */
        }
        memcpy(page + i * sizeof(slot), slot, sizeof(slot));
    }
}
