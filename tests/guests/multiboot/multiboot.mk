# SPDX-License-Identifier: MIT
# The multiboot test kernel (32-bit, gcc -m32 / ld -m elf_i386) in its variants, and its module.
MB_DIR := $(BUILD)/guests/multiboot
MB_SRC := tests/guests/multiboot
MB_FILES := $(MB_DIR)/mbtest.elf $(MB_DIR)/mbtest-aout.bin $(MB_DIR)/mbtest-badload.bin $(MB_DIR)/mod.bin
GUEST_BINS += $(MB_FILES)

MB_CFLAGS := -std=gnu11 -m32 -O2 -ffreestanding -fno-pic -fno-pie -mgeneral-regs-only -fno-stack-protector \
             -fno-asynchronous-unwind-tables -nostdlib -static \
             -Wall -Wextra -Werror -Wmissing-prototypes -Wstrict-prototypes -Wshadow -Wundef
MB_LDFLAGS := -m elf_i386 -T $(MB_SRC)/mb.ld -nostdlib -static -z noexecstack --no-warn-rwx-segments
MB_DEPS := $(MB_SRC)/entry.S $(MB_SRC)/mbtest.c $(MB_SRC)/mb.ld $(MB_SRC)/multiboot.mk

# $(call mb_kernel,OUT_ELF,FLAGS): entry + checks built with FLAGS and linked at 1 MiB.
define mb_kernel
	@mkdir -p $(MB_DIR)/obj
	$(CC) $(MB_CFLAGS) $(2) -c $(MB_SRC)/entry.S -o $(MB_DIR)/obj/$(notdir $(1)).entry.o
	$(CC) $(MB_CFLAGS) $(2) -c $(MB_SRC)/mbtest.c -o $(MB_DIR)/obj/$(notdir $(1)).mbtest.o
	$(LD) $(MB_LDFLAGS) -o $(1) $(MB_DIR)/obj/$(notdir $(1)).entry.o $(MB_DIR)/obj/$(notdir $(1)).mbtest.o
endef

# ELF: loaded by its program headers.
$(MB_DIR)/mbtest.elf: $(MB_DEPS)
	$(call mb_kernel,$@,-DMB_SELF='"multiboot/mbtest.elf"')

# a.out kludge: a flat binary the header's address fields place (there is no ELF header left).
$(MB_DIR)/mbtest-aout.elf: $(MB_DEPS)
	$(call mb_kernel,$@,-DMB_AOUT -DMB_SELF='"multiboot/mbtest-aout.bin"')

# Hostile: its address fields load it over Basalt's information structure; the VM must be refused.
$(MB_DIR)/mbtest-badload.elf: $(MB_DEPS)
	$(call mb_kernel,$@,-DMB_AOUT -DMB_BAD_LOAD -DMB_SELF='"multiboot/mbtest-badload.bin"')

$(MB_DIR)/%.bin: $(MB_DIR)/%.elf
	$(OBJCOPY) -O binary $< $@

$(MB_DIR)/mod.elf: $(MB_SRC)/module.S
	@mkdir -p $(@D)
	$(CC) -m32 -c $< -o $@

$(MB_DIR)/mod.bin: $(MB_DIR)/mod.elf
	$(OBJCOPY) -O binary -j .data $< $@

.PRECIOUS: $(MB_DIR)/%.elf
