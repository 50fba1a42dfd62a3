# The one entry point (DESIGN §3): make, make run, make check, make test,
# make iso, make bench.  Everything is built under build/.

BUILD := build
export BUILD
include mk/flags.mk
include mk/image.mk
include mk/third_party.mk

.PHONY: all hv deps run check test iso bench unit format-check clean xen

all: hv

# --- hv -------------------------------------------------------------------
HV_SOURCES := \
    arch/x86/boot/head.S arch/x86/entry.S \
    arch/x86/setup.c arch/x86/multiboot.c arch/x86/e820.c arch/x86/paging.c \
    arch/x86/desc.c arch/x86/traps.c arch/x86/uart.c arch/x86/vga.c arch/x86/reboot.c \
    arch/x86/hvtest.c arch/x86/apic.c arch/x86/time.c arch/x86/acpi.c arch/x86/acpi_tables.c \
    arch/x86/ioapic.c arch/x86/smpboot.c arch/x86/flush.c arch/x86/boot/trampoline.S \
    arch/x86/m2p.c arch/x86/rtc.c arch/x86/memory_op.c arch/x86/guest_copy.S arch/x86/guest_access.c \
    arch/x86/pv/entry.S arch/x86/pv/pv.c arch/x86/pv/emulate_priv.c arch/x86/pv/io_ports.c arch/x86/pv/iomem.c arch/x86/pv/emulate_cpuid_msr.c arch/x86/pv/dom0_build.c \
    arch/x86/pv/physdev.c arch/x86/pv/traps.c arch/x86/pv/mm.c arch/x86/pv/ptwr.c arch/x86/pv/events_time.c arch/x86/pv/cpu_state.c arch/x86/pv/control_regs.c arch/x86/pv/string_io.c arch/x86/pv/descriptors.c arch/x86/pv/ldt.c arch/x86/pv/context_switch.c arch/x86/pv/vcpu_context.c arch/x86/pv/relinquish.c arch/x86/pv/hypercall_page.c arch/x86/pv/domctl.c arch/x86/pv/grant_host.c hv/domain.c hv/domain_kill.c hv/hypercall.c hv/console_io.c hv/sched_op.c hv/xen_version.c hv/multicall.c hv/event_channel.c hv/vcpu.c hv/sched.c hv/sched_credit.c hv/domctl.c hv/domctl_sched.c hv/rangeset.c hv/sysctl.c hv/grant_table.c hv/grant_map.c hv/grant_copy.c \
    lib/elf/elf_image.c lib/elf/xen_notes.c lib/elf/bzimage.c lib/x86/exceptions.c \
    hv/main.c hv/console.c hv/console_input.c hv/conring.c hv/cmdline.c hv/panic.c hv/symbols.c \
    hv/keyhandler.c hv/timer.c hv/timer_heap.c hv/softirq.c hv/mm.c hv/bootmem.c hv/buddy.c hv/heap.c hv/fdt_list.c hv/gunzip.c hv/unxz.c hv/abi_check.c \
    lib/libc/string.c lib/libc/strlcpy.c lib/libc/strtol.c lib/libc/format.c

HV_CFLAGS := -D__XEN_TOOLS__ -Iarch/x86/include -Ilib -I$(LIBFDT_DIR) -I$(ZLIB_DIR) -I$(XZ_INCLUDE)

$(eval $(call freestanding_image,hv,$(HV_SOURCES),arch/x86/hv.lds.S,$(HV_CFLAGS),$(LIBFDT_LIB) $(ZLIB_LIB) $(XZ_LIB)))

# libfdt's, zlib's and liblzma's headers must exist before any hv object is compiled.
$(hv_OBJS): | $(LIBFDT_LIB) $(ZLIB_LIB) $(XZ_LIB)

hv: $(BUILD)/hv $(BUILD)/hv.gz $(BUILD)/third_party/.checked pv-kernels

# Prove the libraries link against nothing but the freestanding libc.
LIBC_OBJS := $(filter $(BUILD)/obj/hv/lib/libc/%,$(hv_OBJS))
$(BUILD)/third_party/.checked: $(LIBFDT_LIB) $(ZLIB_LIB) $(XZ_LIB) $(LIBC_OBJS) scripts/check-freestanding.sh
	@sh scripts/check-freestanding.sh "$(LIBC_OBJS)" $(LIBFDT_LIB) $(ZLIB_LIB) $(XZ_LIB)
	@touch $@

$(BUILD)/hv.gz: $(BUILD)/hv
	gzip -9 -n -c $< > $@

$(ABI_INCLUDE)/xen:
	@if [ ! -f /usr/include/xen/xen.h ]; then \
	    echo "error: libxen-dev is not installed (scripts/install-deps.sh installs it)" >&2; exit 1; fi
	@mkdir -p $(ABI_INCLUDE)
	ln -sfn /usr/include/xen $@

# --- pvkernel and the kernels built on it -----------------------------------
PVKERNEL_SOURCES := pvkernel/head.S pvkernel/notes.S pvkernel/start.c pvkernel/console.c \
    pvkernel/test.c pvkernel/traps.c pvkernel/traps_entry.S pvkernel/mm.c pvkernel/events.c pvkernel/time.c pvkernel/threads.c pvkernel/thread_switch.S lib/x86/exceptions.c lib/libc/string.c lib/libc/strlcpy.c lib/libc/strtol.c lib/libc/format.c
GUEST_CFLAGS := -D__XEN_INTERFACE_VERSION__=0x00040e00 -Ipvkernel/include -Ilib

# The toolstack's flavour (include/xen-abi.h): __XEN_TOOLS__ gives the same
# 4.17 interface plus domctl.h and sysctl.h, for kernels that build domains.
TOOLS_GUEST_CFLAGS := -D__XEN_TOOLS__ -Ipvkernel/include -Ilib

# $(call pv_kernel,NAME,SOURCES[,CFLAGS[,LIBS]]): build/NAME, a PV kernel image
# on pvkernel (guest flavour unless CFLAGS says otherwise), linked with LIBS.
define pv_kernel
$$(eval $$(call freestanding_image,$(1),$(PVKERNEL_SOURCES) $(2),pvkernel/pvkernel.lds.S,$(if $(3),$(3),$(GUEST_CFLAGS)),$(4)))
PV_KERNELS += $(BUILD)/$(1)
endef

$(eval $(call pv_kernel,conformance/start-of-day,tests/conformance/start_of_day.c tests/conformance/layout_probe.c))
$(eval $(call pv_kernel,conformance/start-of-day-hypercall-page,tests/conformance/start_of_day.c tests/conformance/layout_probe.c tests/conformance/hypercall_page_note.S))
$(eval $(call pv_kernel,conformance/start-of-day-mod-pfn,tests/conformance/start_of_day.c tests/conformance/layout_probe.c tests/conformance/mod_start_pfn_note.S))
$(eval $(call pv_kernel,conformance/start-of-day-init-p2m,tests/conformance/start_of_day.c tests/conformance/layout_probe.c tests/conformance/init_p2m_note.S))
$(eval $(call pv_kernel,conformance/hypercall-args,tests/conformance/hypercall_args.c))
$(eval $(call pv_kernel,conformance/memory-op,tests/conformance/memory_op.c))
$(eval $(call pv_kernel,conformance/priv-ops,tests/conformance/priv_ops.c tests/conformance/priv_ops_cases.S))
$(eval $(call pv_kernel,conformance/traps,tests/conformance/traps.c tests/conformance/traps_cases.S))
$(eval $(call pv_kernel,conformance/mmu,tests/conformance/mmu.c tests/conformance/mmu_probe.S))
$(eval $(call pv_kernel,conformance/events-time,tests/conformance/events_time.c))
$(eval $(call pv_kernel,conformance/cpu-state,tests/conformance/cpu_state.c tests/conformance/cpu_state_cases.S))
$(eval $(call pv_kernel,conformance/user-mode,tests/conformance/user_mode.c tests/conformance/user_mode_cases.S))
$(eval $(call pv_kernel,conformance/descriptors,tests/conformance/descriptors.c))
$(eval $(call pv_kernel,conformance/console-input,tests/conformance/console_input.c))
$(eval $(call pv_kernel,conformance/control-regs,tests/conformance/control_regs.c tests/conformance/control_regs_cases.S))
$(eval $(call pv_kernel,conformance/threads,tests/conformance/threads.c))
$(eval $(call pv_kernel,conformance/domctl,tests/conformance/domctl.c,$(TOOLS_GUEST_CFLAGS)))
$(eval $(call pv_kernel,conformance/vcpus,tests/conformance/vcpus.c))
# A dom0 building domUs with the builder of dom0-tools (toolstack ABI), and its test domU.
BUILDER_SOURCES := dom0-tools/builder/domu_build.c dom0-tools/builder/gunzip.c dom0-tools/builder/page_tables.c lib/elf/elf_image.c lib/elf/xen_notes.c tests/conformance/dom0_platform.c
BUILDER_CFLAGS := $(TOOLS_GUEST_CFLAGS) -Idom0-tools/builder/include -I$(ZLIB_DIR)
$(eval $(call pv_kernel,conformance/domains,tests/conformance/domains.c $(BUILDER_SOURCES),$(BUILDER_CFLAGS),$(ZLIB_LIB)))
$(eval $(call pv_kernel,conformance/grants,tests/conformance/grants.c $(BUILDER_SOURCES),$(BUILDER_CFLAGS),$(ZLIB_LIB)))
$(eval $(call pv_kernel,conformance/domu-vcpus,tests/conformance/domu_vcpus.c $(BUILDER_SOURCES),$(BUILDER_CFLAGS),$(ZLIB_LIB)))
$(eval $(call pv_kernel,conformance/sched,tests/conformance/sched.c $(BUILDER_SOURCES),$(BUILDER_CFLAGS),$(ZLIB_LIB)))
$(eval $(call pv_kernel,conformance/builder,tests/conformance/builder.c tests/conformance/layout_probe.c $(BUILDER_SOURCES),$(BUILDER_CFLAGS),$(ZLIB_LIB)))
$(eval $(call pv_kernel,bench/hypervisors,tests/bench/hypervisors.c $(BUILDER_SOURCES),$(BUILDER_CFLAGS),$(ZLIB_LIB)))
# zlib's headers come with its library (the builder unpacks gzip kernels).
BUILDER_KERNELS := conformance/domains conformance/grants conformance/domu-vcpus conformance/sched conformance/builder bench/hypervisors
$(foreach k,$(BUILDER_KERNELS),$(eval $($(k)_OBJS): | $(ZLIB_LIB)))
$(eval $(call pv_kernel,conformance/domu-guest,tests/conformance/domu_guest.c,$(TOOLS_GUEST_CFLAGS)))
$(eval $(call pv_kernel,conformance/builder-guest,tests/conformance/builder_guest.c tests/conformance/layout_probe.c tests/conformance/init_p2m_note.S tests/conformance/mod_start_pfn_note.S))
$(eval $(call pv_kernel,kernels/crash-ud2,tests/kernels/crash_ud2.c))
$(eval $(call pv_kernel,kernels/hostile-iret,tests/kernels/hostile_iret.c))
$(eval $(call pv_kernel,kernels/bad-hypercall-page,tests/kernels/crash_ud2.c tests/kernels/bad_hypercall_page_note.S))
$(eval $(call pv_kernel,kernels/bad-init-p2m,tests/kernels/crash_ud2.c tests/kernels/bad_init_p2m_note.S))
$(eval $(call pv_kernel,kernels/hv-range-init-p2m,tests/kernels/crash_ud2.c tests/kernels/hv_range_init_p2m_note.S))

pv-kernels: $(PV_KERNELS)
.PHONY: pv-kernels

# --- host unit tests ------------------------------------------------------
include tests/unit/unit.mk

# --- the store, hosted (libxs, xenstored) -----------------------------------
include mk/store.mk

# --- running and testing ----------------------------------------------------
deps:
	@sh scripts/install-deps.sh

run: deps
	@$(MAKE) --no-print-directory hv
	sh scripts/run-qemu.sh

iso: deps
	@$(MAKE) --no-print-directory hv
	sh scripts/mkiso.sh

xen: deps
	sh scripts/fetch-xen.sh

check: deps
	@$(MAKE) --no-print-directory hv unit-build store-build
	python3 scripts/harness.py --tier check $(if $(TESTS),--select '$(TESTS)')

test: deps
	@$(MAKE) --no-print-directory hv unit-build store-build
	sh scripts/mkiso.sh
	sh scripts/fetch-xen.sh
	python3 scripts/harness.py --tier test $(if $(TESTS),--select '$(TESTS)')

bench: deps
	@$(MAKE) --no-print-directory hv
	sh scripts/fetch-xen.sh
	python3 scripts/harness.py --tier bench --no-unit
	@$(MAKE) --no-print-directory store-bench

format-check:
	sh scripts/format-check.sh

clean:
	rm -rf $(BUILD)/obj $(BUILD)/hv $(BUILD)/hv.gz $(BUILD)/hv.map $(BUILD)/unit $(BUILD)/third_party \
	    $(BUILD)/store $(BUILD)/conformance $(BUILD)/kernels $(BUILD)/bench
