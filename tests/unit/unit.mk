# Host-built unit tests (cmocka, ASan/UBSan) of hv sources, included by the
# top Makefile.  Each test binary is built from its test file and the hv
# sources it covers, compiled with HOST_CFLAGS (HOST_TEST: no-op locks, no
# hv-only declarations) into $(BUILD)/unit/obj/<test>/.
#
#   make unit-build   builds $(UNIT_BINARIES) and checks xen-abi.h's guard
#   make unit         builds and runs every binary; fails if any test fails
#
# Each binary prints cmocka's report on stdout; randomized tests print their
# seed, and UNIT_SEED=<n> replays one.

UNIT_DIR     := $(BUILD)/unit
UNIT_OBJDIR  := $(UNIT_DIR)/obj
UNIT_CFLAGS  := $(HOST_CFLAGS) -Iarch/x86/include -Itests/unit
UNIT_LDLIBS  := -lcmocka

# The hv sources use the freestanding libc's names; on the host they are
# renamed so that they do not replace (or get replaced by) glibc's.
UNIT_STRTOL_RENAME := -Dstrtol=hv_strtol -Dstrtoul=hv_strtoul -Dstrtoull=hv_strtoull
# format.c gets va_arg through lib/libc/include/stdio.h; glibc's stdio.h does
# not define it, hence the forced <stdarg.h>.
UNIT_FORMAT_RENAME := -Dvsnprintf=lib_vsnprintf -Dsnprintf=lib_snprintf -include stdarg.h

UNIT_BINARIES :=
UNIT_OBJS     :=

# $(call unit_test,NAME,SOURCES,EXTRA_CFLAGS): $(UNIT_DIR)/NAME from SOURCES,
# every one compiled with EXTRA_CFLAGS; a single object can add its own
# flags with a target-specific UNIT_SRC_CFLAGS.
define unit_test
$(1)_UNIT_OBJS := $$(patsubst %.c,$(UNIT_OBJDIR)/$(1)/%.o,$(2))
UNIT_BINARIES += $(UNIT_DIR)/$(1)
UNIT_OBJS += $$($(1)_UNIT_OBJS)

$(UNIT_OBJDIR)/$(1)/%.o: %.c tests/unit/unit.mk | $(ABI_INCLUDE)/xen
	@mkdir -p $$(dir $$@)
	@echo '  HOSTCC  $$< ($(1))'
	@$$(CC) $$(UNIT_CFLAGS) $(3) $$(UNIT_SRC_CFLAGS) -c $$< -o $$@

$(UNIT_DIR)/$(1): $$($(1)_UNIT_OBJS)
	@echo '  HOSTLD  $$@'
	@$$(CC) $$(HOST_LDFLAGS) -o $$@ $$^ $$(UNIT_LDLIBS)
endef

$(eval $(call unit_test,test_abi_tools,tests/unit/abi_numbers.c,-D__XEN_TOOLS__))
$(eval $(call unit_test,test_abi_guest,tests/unit/abi_numbers.c,-D__XEN_INTERFACE_VERSION__=0x00040e00))
$(eval $(call unit_test,test_cmdline,tests/unit/test_cmdline.c hv/cmdline.c lib/libc/strtol.c lib/libc/strlcpy.c))
$(UNIT_OBJDIR)/test_cmdline/hv/cmdline.o: UNIT_SRC_CFLAGS := $(UNIT_STRTOL_RENAME) -include tests/unit/host_compat.h
$(UNIT_OBJDIR)/test_cmdline/lib/libc/strtol.o: UNIT_SRC_CFLAGS := $(UNIT_STRTOL_RENAME)
$(UNIT_OBJDIR)/test_cmdline/lib/libc/strlcpy.o: UNIT_SRC_CFLAGS := -Dstrlcpy=unit_strlcpy
$(eval $(call unit_test,test_e820,tests/unit/test_e820.c arch/x86/e820.c))
$(eval $(call unit_test,test_buddy,tests/unit/test_buddy.c hv/buddy.c))
$(eval $(call unit_test,test_heap,tests/unit/test_heap.c hv/heap.c))
$(eval $(call unit_test,test_conring,tests/unit/test_conring.c hv/conring.c))
$(eval $(call unit_test,test_rangeset,tests/unit/test_rangeset.c hv/rangeset.c))
$(eval $(call unit_test,test_format,tests/unit/test_format.c lib/libc/format.c))
$(UNIT_OBJDIR)/test_format/lib/libc/format.o: UNIT_SRC_CFLAGS := $(UNIT_FORMAT_RENAME)
$(eval $(call unit_test,test_timer_heap,tests/unit/test_timer_heap.c hv/timer_heap.c))
$(eval $(call unit_test,test_acpi,tests/unit/test_acpi.c arch/x86/acpi_tables.c))
$(eval $(call unit_test,test_elf_image,tests/unit/test_elf_image.c tests/unit/elf_builder.c lib/elf/elf_image.c,-Ilib))
$(eval $(call unit_test,test_xen_notes,tests/unit/test_xen_notes.c tests/unit/elf_builder.c lib/elf/elf_image.c lib/elf/xen_notes.c,-Ilib -DUNIT_START_OF_DAY='"$(BUILD)/conformance/start-of-day"'))
$(eval $(call unit_test,test_bzimage,tests/unit/test_bzimage.c lib/elf/bzimage.c,-Ilib))
$(eval $(call unit_test,test_builder_tables,tests/unit/test_builder_tables.c dom0-tools/builder/page_tables.c,-D__XEN_TOOLS__ -Idom0-tools/builder -Idom0-tools/builder/include))
# Page-type transitions: arch/x86/pv/mm.c over a fake machine of test memory.
$(eval $(call unit_test,test_page_types,tests/unit/test_page_types.c arch/x86/pv/mm.c arch/x86/pv/relinquish.c,-D__XEN_TOOLS__ -include tests/unit/pv_mm_host.h))

# xen-abi.h must refuse both flavour macros, and neither: checked at build time.
UNIT_ABI_GUARD := $(UNIT_DIR)/abi-guard.ok
$(UNIT_ABI_GUARD): include/xen-abi.h tests/unit/check-abi-guard.sh | $(ABI_INCLUDE)/xen
	@mkdir -p $(@D)
	@sh tests/unit/check-abi-guard.sh '$(CC)' '$(ABI_INCLUDE)'
	@touch $@

-include $(UNIT_OBJS:.o=.d)

.PHONY: unit-build unit
unit-build: $(UNIT_BINARIES) $(UNIT_ABI_GUARD)

unit: unit-build
	@failed=''; \
	for t in $(UNIT_BINARIES); do \
	    echo "== $$t"; \
	    case $$t in /*) ;; *) t=./$$t ;; esac; \
	    $$t || failed="$$failed $${t##*/}"; \
	done; \
	if [ -n "$$failed" ]; then echo "unit: FAILED:$$failed"; exit 1; fi; \
	echo "unit: all $(words $(UNIT_BINARIES)) test binaries passed"

# The store (issue 5): tree, permissions, transactions and watches of the
# daemon core, driven through its real request path (tests/store/unit_*.c).
UNIT_STORE_SOURCES := libxs/proto.c dom0-tools/xenstored/node.c dom0-tools/xenstored/perms.c \
    dom0-tools/xenstored/txn.c dom0-tools/xenstored/watch.c dom0-tools/xenstored/conn.c \
    dom0-tools/xenstored/store.c dom0-tools/xenstored/domain.c dom0-tools/xenstored/ops.c \
    dom0-tools/xenstored/ops_session.c
UNIT_STORE_CFLAGS := -D__XEN_TOOLS__ -Ilibxs/include -Idom0-tools/xenstored -Itests/store
$(eval $(call unit_test,test_xs_tree,tests/store/unit_tree.c $(UNIT_STORE_SOURCES),$(UNIT_STORE_CFLAGS)))
$(eval $(call unit_test,test_xs_perms,tests/store/unit_perms.c $(UNIT_STORE_SOURCES),$(UNIT_STORE_CFLAGS)))
$(eval $(call unit_test,test_xs_txn,tests/store/unit_txn.c $(UNIT_STORE_SOURCES),$(UNIT_STORE_CFLAGS)))
-include $(test_xs_tree_UNIT_OBJS:.o=.d) $(test_xs_perms_UNIT_OBJS:.o=.d) $(test_xs_txn_UNIT_OBJS:.o=.d)
# Registered after the unit-build rule above: add them to it.
unit-build: $(UNIT_DIR)/test_xs_tree $(UNIT_DIR)/test_xs_perms $(UNIT_DIR)/test_xs_txn
