# The one build macro for freestanding images (DESIGN §3).
#
# $(call freestanding_image,NAME,SOURCES,LINKER_SCRIPT,EXTRA_CFLAGS,EXTRA_OBJECTS)
#
# Builds $(BUILD)/NAME from SOURCES (.c and .S), each object under
# $(BUILD)/obj/NAME/, linked with its own linker script.  The image is linked
# twice: the first link gives the addresses from which its symbol table
# (for symbolized stack traces) is generated; the table sits after all code
# and data, so the second link moves nothing that the table describes.

define freestanding_image
$(1)_OBJS := $$(patsubst %,$(BUILD)/obj/$(1)/%.o,$(2))
$(1)_CFLAGS := $(FREESTANDING_CFLAGS) $(4)
$(1)_EXTRA := $(5)
$(1)_LDSCRIPT := $(3)

$(BUILD)/obj/$(1)/%.c.o: %.c | $(ABI_INCLUDE)/xen
	@mkdir -p $$(dir $$@)
	@echo '  CC      $$<'
	@$$(CC) $$($(1)_CFLAGS) -c $$< -o $$@

$(BUILD)/obj/$(1)/%.S.o: %.S | $(ABI_INCLUDE)/xen
	@mkdir -p $$(dir $$@)
	@echo '  AS      $$<'
	@$$(CC) $$($(1)_CFLAGS) -D__ASSEMBLY__ -c $$< -o $$@

$(BUILD)/obj/$(1)/link.lds: $(3)
	@mkdir -p $$(dir $$@)
	@$$(CC) -E -P -x c -D__ASSEMBLY__ -Iinclude -Iarch/x86/include $$< -o $$@

$(BUILD)/obj/$(1)/symbols-empty.o: scripts/gen-symbols.sh
	@mkdir -p $$(dir $$@)
	@sh scripts/gen-symbols.sh /dev/null > $(BUILD)/obj/$(1)/symbols-empty.S
	@$$(CC) -c $(BUILD)/obj/$(1)/symbols-empty.S -o $$@

$(BUILD)/obj/$(1)/pass1: $$($(1)_OBJS) $$($(1)_EXTRA) $(BUILD)/obj/$(1)/symbols-empty.o $(BUILD)/obj/$(1)/link.lds
	@$$(LD) -nostdlib -static -no-pie -z max-page-size=4096 -z noexecstack --no-warn-rwx-segments \
	    -T $(BUILD)/obj/$(1)/link.lds -o $$@ $$($(1)_OBJS) $$($(1)_EXTRA) $(BUILD)/obj/$(1)/symbols-empty.o

$(BUILD)/obj/$(1)/symbols.o: $(BUILD)/obj/$(1)/pass1 scripts/gen-symbols.sh
	@$$(NM) -n --defined-only $$< | sh scripts/gen-symbols.sh - > $(BUILD)/obj/$(1)/symbols.S
	@$$(CC) -c $(BUILD)/obj/$(1)/symbols.S -o $$@

$(BUILD)/$(1): $$($(1)_OBJS) $$($(1)_EXTRA) $(BUILD)/obj/$(1)/symbols.o $(BUILD)/obj/$(1)/link.lds
	@echo '  LD      $$@'
	@mkdir -p $$(dir $$@)
	@$$(LD) -nostdlib -static -no-pie -z max-page-size=4096 -z noexecstack --no-warn-rwx-segments \
	    -T $(BUILD)/obj/$(1)/link.lds -Map $(BUILD)/$(1).map -o $$@ \
	    $$($(1)_OBJS) $$($(1)_EXTRA) $(BUILD)/obj/$(1)/symbols.o
	@sh scripts/check-symbols.sh $(BUILD)/obj/$(1)/pass1 $$@

-include $$($(1)_OBJS:.o=.d)
endef
