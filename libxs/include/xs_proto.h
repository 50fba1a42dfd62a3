/*
 * The xenstore wire protocol as both sides of this tree speak it: message
 * framing checks, splitting a payload into its NUL-terminated arguments,
 * error names (the xsd_errors table of <xen/io/xs_wire.h>), message type
 * names, path syntax and permission strings.  The protocol itself (struct
 * xsd_sockmsg, enum xsd_sockmsg_type, the shared ring) comes from libxen-dev's
 * header, reached through include/xen-abi.h; nothing here redefines it.
 */
#ifndef XS_PROTO_H
#define XS_PROTO_H

#include <errno.h> /* before xs_wire.h: its error table needs the E* names */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <xen-abi.h>
#include <xen/io/xs_wire.h>

/* Most arguments any request carries (SET_PERMS: a path and its entries). */
#define XS_MAX_ARGS 64

/* The name of errno value err as sent in an ERROR reply ("ENOENT"); values
 * outside the protocol's table are sent as "EINVAL", as Xen does. */
const char *xs_error_name(int err);
/* The errno value for an ERROR payload (name and optional NUL); EINVAL for
 * a name the table lacks. */
int xs_error_number(const char *payload, size_t len);
/* "READ", "WRITE", ...; NULL for a type the protocol does not define. */
const char *xs_type_name(uint32_t type);

/*
 * Arguments of a request payload: each argument ends at a NUL.  With
 * want_tail, everything after the first `fixed` arguments is one binary
 * blob (the value of WRITE) and need not end in NUL.
 */
struct xs_args {
    unsigned count;
    const char *arg[XS_MAX_ARGS];
    size_t len[XS_MAX_ARGS]; /* without the NUL */
    const char *tail;        /* only with want_tail */
    size_t tail_len;
};
/* Splits payload[0..len) into NUL-terminated strings.  Returns 0, or EINVAL
 * when an argument lacks its NUL (with !want_tail) or there are more than
 * XS_MAX_ARGS.  `fixed` is the number of strings before the tail. */
int xs_split_args(const char *payload, size_t len, unsigned fixed, bool want_tail,
                  struct xs_args *out);

/* Path syntax of docs/misc/xenstore.txt: characters [A-Za-z0-9_@/-], no
 * empty component, no trailing '/' except the root. */
bool xs_path_chars_valid(const char *path, size_t len);
/* Whether `child` is `parent` or lies below it ("/" is everyone's parent). */
bool xs_path_is_child(const char *child, const char *parent);

/* One permission entry: 'r', 'w', 'b' (both) or 'n' (none) for domid. */
#define XS_PERM_NONE  0u
#define XS_PERM_READ  1u
#define XS_PERM_WRITE 2u
#define XS_PERM_BOTH  (XS_PERM_READ | XS_PERM_WRITE)

struct xs_perm {
    uint16_t domid;
    uint8_t perm; /* XS_PERM_* */
};
/* Parses "b3"; false on anything else (unknown letter, bad or out of range
 * domid, trailing junk). */
bool xs_perm_parse(const char *s, size_t len, struct xs_perm *out);
/* Writes "b3" and its NUL into buf (at least 8 bytes); returns the length
 * without the NUL. */
size_t xs_perm_format(const struct xs_perm *p, char *buf);

/* A decimal domid 0..65535 (nothing else in the string); false otherwise. */
bool xs_parse_domid(const char *s, uint16_t *out);

#endif
