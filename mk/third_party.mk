# Freestanding builds of the third-party libraries (DESIGN §2.6), from the
# Debian source packages scripts/fetch-sources.sh unpacks into build/src.

SRC_DIR := $(BUILD)/src
LIBFDT_DIR := $(SRC_DIR)/libfdt
LIBFDT_LIB := $(BUILD)/third_party/libfdt.a
ZLIB_DIR := $(SRC_DIR)/zlib
ZLIB_LIB := $(BUILD)/third_party/libz.a

THIRD_PARTY_CFLAGS := $(filter-out -Werror -Wmissing-prototypes -Wstrict-prototypes -Wshadow,$(FREESTANDING_CFLAGS))

$(SRC_DIR)/.fetched:
	sh scripts/fetch-sources.sh

LIBFDT_SOURCES := fdt.c fdt_ro.c fdt_wip.c fdt_sw.c fdt_rw.c fdt_strerror.c fdt_empty_tree.c \
    fdt_addresses.c

$(LIBFDT_LIB): $(SRC_DIR)/.fetched | $(ABI_INCLUDE)/xen
	@mkdir -p $(BUILD)/third_party/libfdt
	@echo '  CC      libfdt/zlib (freestanding)'
	@for f in $(LIBFDT_SOURCES); do \
	    $(CC) $(THIRD_PARTY_CFLAGS) -I$(LIBFDT_DIR) -c $(LIBFDT_DIR)/$$f \
	        -o $(BUILD)/third_party/libfdt/$${f%.c}.o || exit 1; \
	done
	@ar rcs $@ $(patsubst %.c,$(BUILD)/third_party/libfdt/%.o,$(LIBFDT_SOURCES))

# zlib's inflate only, in Z_SOLO mode (no libc allocation: callers supply it).
ZLIB_SOURCES := inflate.c inftrees.c inffast.c adler32.c crc32.c zutil.c

$(ZLIB_LIB): $(SRC_DIR)/.fetched | $(ABI_INCLUDE)/xen
	@mkdir -p $(BUILD)/third_party/zlib
	@echo '  CC      libfdt/zlib (freestanding)'
	@for f in $(ZLIB_SOURCES); do \
	    $(CC) $(THIRD_PARTY_CFLAGS) -DZ_SOLO -I$(ZLIB_DIR) -c $(ZLIB_DIR)/$$f \
	        -o $(BUILD)/third_party/zlib/$${f%.c}.o || exit 1; \
	done
	@ar rcs $@ $(patsubst %.c,$(BUILD)/third_party/zlib/%.o,$(ZLIB_SOURCES))

third-party: $(LIBFDT_LIB) $(ZLIB_LIB)
.PHONY: third-party
