# Freestanding builds of the third-party libraries (DESIGN §2.6), from the
# Debian source packages scripts/fetch-sources.sh unpacks into build/src.

SRC_DIR := $(BUILD)/src
LIBFDT_DIR := $(SRC_DIR)/libfdt
LIBFDT_LIB := $(BUILD)/third_party/libfdt.a
ZLIB_DIR := $(SRC_DIR)/zlib
ZLIB_LIB := $(BUILD)/third_party/libz.a
XZ_DIR := $(SRC_DIR)/xz-utils/src/liblzma
XZ_LIB := $(BUILD)/third_party/liblzma.a
XZ_INCLUDE := $(XZ_DIR)/api

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

# liblzma's .xz decoder only (LZMA2, x86 BCJ, CRC32/CRC64), configured by
# mk/xz/config.h; its allocator fallbacks go to mk/xz/lzma_no_alloc.c.
XZ_SOURCES := common/common.c common/block_decoder.c common/block_header_decoder.c \
    common/block_util.c common/filter_common.c common/filter_decoder.c \
    common/filter_flags_decoder.c common/index_hash.c common/stream_decoder.c \
    common/stream_buffer_decoder.c common/stream_flags_common.c common/stream_flags_decoder.c \
    common/vli_decoder.c common/vli_size.c check/check.c check/crc32_fast.c check/crc32_table.c \
    check/crc64_fast.c check/crc64_table.c lz/lz_decoder.c lzma/lzma_decoder.c \
    lzma/lzma2_decoder.c simple/simple_coder.c simple/simple_decoder.c simple/x86.c
XZ_CFLAGS := $(THIRD_PARTY_CFLAGS) -DHAVE_CONFIG_H -Imk/xz -I$(XZ_INCLUDE) -I$(XZ_DIR)/common \
    -I$(XZ_DIR)/check -I$(XZ_DIR)/lz -I$(XZ_DIR)/lzma -I$(XZ_DIR)/rangecoder -I$(XZ_DIR)/simple -I$(XZ_DIR)/delta \
    -I$(SRC_DIR)/xz-utils/src/common -Wno-unused-parameter

$(XZ_LIB): $(SRC_DIR)/.fetched $(wildcard mk/xz/*) | $(ABI_INCLUDE)/xen
	@mkdir -p $(BUILD)/third_party/xz
	@echo '  CC      liblzma (freestanding)'
	@for f in $(XZ_SOURCES) ../../../../../mk/xz/lzma_no_alloc.c; do \
	    o=$(BUILD)/third_party/xz/$$(basename $${f%.c}).o; \
	    $(CC) $(XZ_CFLAGS) -c $(XZ_DIR)/$$f -o $$o || exit 1; \
	done
	@rm -f $@
	@ar rcs $@ $(BUILD)/third_party/xz/*.o

third-party: $(LIBFDT_LIB) $(ZLIB_LIB) $(XZ_LIB)
.PHONY: third-party
