# Compiler flags for the two flavours every source can be built in:
# freestanding (hv, and later dom0 and test kernels) and host (unit tests).

CC        ?= gcc
LD        := ld
OBJCOPY   := objcopy
NM        := nm
GCC_INCLUDE := $(shell $(CC) -print-file-name=include)

# The ABI headers stay where libxen-dev installs them; build/abi-include/xen is
# only a symlink to /usr/include/xen so that freestanding code, which must not
# see the rest of /usr/include, can still say <xen/xen.h>.
ABI_INCLUDE := $(BUILD)/abi-include

WARNINGS := -Wall -Wextra -Wno-unused-parameter -Wstrict-prototypes -Wmissing-prototypes \
            -Wshadow -Wpointer-arith -Werror

FREESTANDING_CFLAGS := -std=gnu11 -O2 -g -ffreestanding -nostdinc -isystem $(GCC_INCLUDE) \
    -fno-stack-protector -fno-common -fno-strict-aliasing -fno-asynchronous-unwind-tables \
    -fno-omit-frame-pointer -mno-red-zone -mgeneral-regs-only -fpie -fvisibility=hidden \
    -fcf-protection=none -include include/hv/visibility.h \
    -Iinclude -Ilib/libc/include -I$(ABI_INCLUDE) $(WARNINGS) -MMD -MP

# Unit tests: the same sources, built for Linux with sanitizers.
HOST_CFLAGS := -std=gnu11 -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
    -fno-sanitize-recover=undefined -DHOST_TEST -Iinclude -I$(ABI_INCLUDE) $(WARNINGS) \
    -Wno-missing-prototypes -MMD -MP
HOST_LDFLAGS := -fsanitize=address,undefined
