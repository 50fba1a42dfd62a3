/*
 * Boot command-line options, in Xen's words (DESIGN §4).  Each option is a
 * `struct boot_param` placed in the .init.setup section by one of the
 * *_param() macros next to the variable it sets.  Unknown and malformed
 * options are warned about and ignored, never fatal.
 */
#ifndef HV_CMDLINE_H
#define HV_CMDLINE_H
#include <hv/types.h>

enum param_type { PARAM_BOOL, PARAM_INT, PARAM_SIZE, PARAM_STRING, PARAM_CUSTOM };

struct boot_param {
    const char *name;
    enum param_type type;
    void *var;
    size_t len;                      /* PARAM_STRING: size of the buffer */
    int (*parse)(const char *value); /* PARAM_CUSTOM: 0 or negative for invalid */
};

#define __param(id, n, t, v, l, f)                                                                 \
    static const struct boot_param __param_##id __section(".init.setup")                           \
        __used __aligned(8) = {n, t, v, l, f}
#define boolean_param(n, v) __param(v, n, PARAM_BOOL, &(v), sizeof(v), NULL)
#define integer_param(n, v) __param(v, n, PARAM_INT, &(v), sizeof(v), NULL)
#define size_param(n, v)    __param(v, n, PARAM_SIZE, &(v), sizeof(v), NULL)
#define string_param(n, v)  __param(v, n, PARAM_STRING, (v), sizeof(v), NULL)
#define custom_param(n, f)  __param(f, n, PARAM_CUSTOM, NULL, 0, f)

typedef void (*cmdline_warn_fn)(const char *fmt, ...) __printf(1, 2);

/* Drops the loader's first word (the image path) unless the loader is GRUB 2. */
const char *cmdline_cook(const char *cmdline, const char *loader_name);

/* Applies every option of cmdline; returns the number of options warned about. */
int cmdline_parse(const char *cmdline, const struct boot_param *start, const struct boot_param *end,
                  cmdline_warn_fn warn);

/* Xen's parse_bool: 1, 0, or -1 if s is not a boolean word. */
int parse_bool(const char *s, const char *end);
/* Xen's parse_size_and_unit: a number with an optional K/M/G/T/B suffix (default KiB). */
uint64_t parse_size_and_unit(const char *s, const char **rest);

#ifndef HOST_TEST
extern const struct boot_param __setup_start[], __setup_end[];
#endif
#endif
