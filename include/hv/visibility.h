/*
 * Force-included into every freestanding object: all symbols are hidden so
 * that position-independent code addresses them RIP-relative, never through a
 * GOT.  hv is linked high in the address space (DESIGN §2.3), outside the
 * +-2 GiB window that -mcmodel=kernel would need.
 */
#pragma GCC visibility push(hidden)
