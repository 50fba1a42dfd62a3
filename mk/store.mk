# The store (issue 5): xenstored, libxs and their test programs, hosted on
# Linux.  Included by the top Makefile.
#
#   make store-build   everything the store tests need, under $(BUILD)/store:
#                      san/   ASan+UBSan build: xenstored, xs-tool, libxs.a
#                      opt/   -O2 build for the benchmarks (xenstored, xs-bench)
#                      fuzz/  the libFuzzer target (clang)
#   make store-bench   runs the benchmarks and prints figures (never asserts)
#
# The daemon's core and libxs are C11 with GNU extensions (-std=gnu11: Xen's
# public headers use anonymous unions and refuse strict ISO mode); the hosted
# transports and the platform layer ask for _GNU_SOURCE themselves.

STORE_DIR := $(BUILD)/store

STORE_CORE_SOURCES := \
    libxs/proto.c \
    dom0-tools/xenstored/node.c dom0-tools/xenstored/perms.c dom0-tools/xenstored/txn.c \
    dom0-tools/xenstored/watch.c dom0-tools/xenstored/conn.c dom0-tools/xenstored/store.c \
    dom0-tools/xenstored/domain.c dom0-tools/xenstored/ops.c dom0-tools/xenstored/ops_session.c
XENSTORED_SOURCES := $(STORE_CORE_SOURCES) \
    dom0-tools/xenstored/io_ring.c dom0-tools/xenstored/io_socket.c dom0-tools/xenstored/main.c \
    dom0-tools/platform/hosted_ring.c dom0-tools/platform/hosted_socket.c
LIBXS_SOURCES := libxs/proto.c libxs/client.c libxs/transport_socket.c libxs/transport_ring.c \
    libxs/sim_domain.c

STORE_INCLUDES := -D__XEN_TOOLS__ -Iinclude -I$(ABI_INCLUDE) -Ilibxs/include \
    -Idom0-tools/platform/include -Idom0-tools/xenstored
STORE_BASE_CFLAGS := -std=gnu11 -g -fno-omit-frame-pointer \
    $(STORE_INCLUDES) $(WARNINGS) -MMD -MP
STORE_SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=undefined

# $(call store_flavour,NAME,CFLAGS,LDFLAGS)
define store_flavour
$(1)_STORE_CFLAGS := $(STORE_BASE_CFLAGS) $(2)
$(1)_STORE_LDFLAGS := $(3)

$(STORE_DIR)/$(1)/obj/%.o: %.c mk/store.mk | $(ABI_INCLUDE)/xen
	@mkdir -p $$(dir $$@)
	@echo '  CC      $$< (store $(1))'
	@$$(CC) $$($(1)_STORE_CFLAGS) -c $$< -o $$@

$(STORE_DIR)/$(1)/libxs.a: $$(patsubst %.c,$(STORE_DIR)/$(1)/obj/%.o,$(LIBXS_SOURCES))
	@rm -f $$@
	@ar rcs $$@ $$^

$(STORE_DIR)/$(1)/xenstored: $$(patsubst %.c,$(STORE_DIR)/$(1)/obj/%.o,$(XENSTORED_SOURCES))
	@echo '  LD      $$@'
	@$$(CC) $$($(1)_STORE_LDFLAGS) -o $$@ $$^

$(STORE_DIR)/$(1)/xs-tool: $(STORE_DIR)/$(1)/obj/tests/store/xs_tool.o $(STORE_DIR)/$(1)/libxs.a
	@echo '  LD      $$@'
	@$$(CC) $$($(1)_STORE_LDFLAGS) -o $$@ $$^

$(STORE_DIR)/$(1)/xs-bench: $(STORE_DIR)/$(1)/obj/tests/store/xs_bench.o $(STORE_DIR)/$(1)/libxs.a
	@echo '  LD      $$@'
	@$$(CC) $$($(1)_STORE_LDFLAGS) -o $$@ $$^

-include $$(shell find $(STORE_DIR)/$(1)/obj -name '*.d' 2>/dev/null)
endef

$(eval $(call store_flavour,san,-O1 $(STORE_SAN_FLAGS),$(STORE_SAN_FLAGS)))
$(eval $(call store_flavour,opt,-O2,))

# The libFuzzer target: the whole request path of the daemon core.
STORE_FUZZ := $(STORE_DIR)/fuzz/fuzz-xenstored
FUZZ_CC ?= clang
$(STORE_FUZZ): tests/fuzz/fuzz_xenstored.c $(STORE_CORE_SOURCES) $(wildcard dom0-tools/xenstored/*.h libxs/include/*.h) mk/store.mk | $(ABI_INCLUDE)/xen
	@mkdir -p $(@D)
	@if ! command -v $(FUZZ_CC) >/dev/null 2>&1; then \
	    echo "error: $(FUZZ_CC) not found (scripts/install-deps.sh installs clang)" >&2; exit 1; fi
	@echo '  FUZZCC  $@'
	@$(FUZZ_CC) $(STORE_BASE_CFLAGS) -O1 -fsanitize=fuzzer,address,undefined \
	    -fno-sanitize-recover=undefined -o $@ tests/fuzz/fuzz_xenstored.c $(STORE_CORE_SOURCES)

STORE_SAN_PROGRAMS := $(STORE_DIR)/san/xenstored $(STORE_DIR)/san/xs-tool
STORE_OPT_PROGRAMS := $(STORE_DIR)/opt/xenstored $(STORE_DIR)/opt/xs-bench

.PHONY: store-build store-bench
store-build: $(STORE_SAN_PROGRAMS) $(STORE_OPT_PROGRAMS) $(STORE_FUZZ)

store-bench: $(STORE_OPT_PROGRAMS)
	@sh tests/store/bench.sh $(STORE_DIR)/opt
