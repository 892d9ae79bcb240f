# SPDX-License-Identifier: MIT
# Test guests: flat 64-bit payloads loaded at 1 MiB, one check each (see tests/guests/lib/guest.h).
GUEST_NAMES := cpuid pio unmapped hlt spin triple virt hypercall bench hello
# The hostile-guest suite (tests/integration/hostile-*.expect), beside a neighbour.
GUEST_NAMES += cr8 dr timer usermode console insn insn-cr
# MMIO emulation against the test device; mmio-bad ends its VM with an instruction not emulated.
GUEST_NAMES += mmio
# The test-exit port (tests/integration/testexit.expect).
GUEST_NAMES += testexit
# Issue 9: the modern PC platform (platform = "pc"): ACPI, PCI, the local APIC.
GUEST_NAMES += acpi pci lapic
# Issue 10: SMP guests (APs by INIT-SIPI-SIPI, IPIs between vCPUs) and the hostile IPI storm.
GUEST_NAMES += smp hostile-ipi
# Issue 10: fairness spinners (tests/configs/fairness*.dts), vCPU switch and IPI figures for the bench.
GUEST_NAMES += fair switch bench_ipi
# Issue 11: virtio devices driven by a polled guest driver (tests/guests/lib/vio.c).
GUEST_NAMES += vblk vblk-kill vnet vbench
# Variants: one source built with a define; NAME:SOURCE:FLAGS.
STORM_SEED ?= 0x5706ab1e
GUEST_VARIANTS := neighbour-wall:neighbour: neighbour-run:neighbour:-DNEIGHBOUR_METRIC_RUN \
                  dr-watch:dr:-DDR_WATCH insn-strict:insn:-DINSN_STRICT \
                  insn-rep-step:insn:-DINSN_REP_STEP insn-cr0:insn-cr:-DINSN_CR0 \
                  storm:storm:-DSTORM_SEED=$(STORM_SEED) testexit-fail:testexit:-DTESTEXIT_FAIL \
                  mmio-bad:mmio:-DMMIO_BAD \
                  pci-pio:pci:-DPCI_PIO_ONLY lapic-xapic:lapic:-DLAPIC_XAPIC \
                  fair-short:fair:-DFAIR_END_NS=600000000ul
GUEST_NAMES += $(foreach v,$(GUEST_VARIANTS),$(word 1,$(subst :, ,$(v))))
GUEST_BINS  := $(GUEST_NAMES:%=$(BUILD)/guests/%.bin)
include tests/guests/multiboot/multiboot.mk

GUEST_LIB_SRCS := tests/guests/lib/start.S tests/guests/lib/isr.S tests/guests/lib/guest.c \
                  tests/guests/lib/printf.c tests/guests/lib/idt.c \
                  tests/guests/lib/hostile.c tests/guests/lib/ring3.c tests/guests/lib/ring3.S \
                  tests/guests/lib/vio.c
GUEST_LIB_OBJS := $(patsubst tests/guests/%,$(BUILD)/guests/obj/%.o,$(GUEST_LIB_SRCS))
GUEST_LDS      := tests/guests/guest.ld

GUEST_CFLAGS := -std=gnu11 -O2 -ffreestanding -fno-pic -fno-pie -mno-red-zone -mgeneral-regs-only \
                -fno-stack-protector -fno-asynchronous-unwind-tables -nostdlib -static \
                -Wall -Wextra -Werror -Wmissing-prototypes -Wstrict-prototypes -Wshadow -Wundef -I.
GUEST_LDFLAGS := -T $(GUEST_LDS) -nostdlib -static -z noexecstack --no-warn-rwx-segments

guests: $(GUEST_BINS)

$(BUILD)/guests/obj/%.c.o: tests/guests/%.c
	@mkdir -p $(@D)
	$(CC) $(GUEST_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/guests/obj/%.S.o: tests/guests/%.S
	@mkdir -p $(@D)
	$(CC) $(GUEST_CFLAGS) -MMD -MP -c $< -o $@

# The ELF keeps symbols for debugging; the .bin is what the hypervisor loads.
$(BUILD)/guests/%.elf: $(BUILD)/guests/obj/%.c.o $(GUEST_LIB_OBJS) $(GUEST_LDS)
	$(LD) $(GUEST_LDFLAGS) -o $@ $< $(GUEST_EXTRA_$*) $(GUEST_LIB_OBJS)

# Guests with more objects than their one source: GUEST_EXTRA_<name>, also a prerequisite.
GUEST_EXTRA_mmio := $(BUILD)/guests/obj/mmio_snips.S.o
GUEST_EXTRA_mmio-bad := $(GUEST_EXTRA_mmio)
$(BUILD)/guests/mmio.elf $(BUILD)/guests/mmio-bad.elf: $(GUEST_EXTRA_mmio)
GUEST_EXTRA_smp := $(BUILD)/guests/obj/smp_tramp.S.o $(BUILD)/guests/obj/smp_common.c.o
GUEST_EXTRA_hostile-ipi := $(GUEST_EXTRA_smp)
$(BUILD)/guests/smp.elf $(BUILD)/guests/hostile-ipi.elf: $(GUEST_EXTRA_smp)
GUEST_EXTRA_bench_ipi := $(BUILD)/guests/obj/bench_ipi_tramp.S.o
$(BUILD)/guests/bench_ipi.elf: $(GUEST_EXTRA_bench_ipi)

$(BUILD)/guests/%.bin: $(BUILD)/guests/%.elf
	$(OBJCOPY) -O binary $< $@

# $(call guest_variant,NAME,SOURCE,FLAGS)
define guest_variant
$(BUILD)/guests/obj/$(1).c.o: tests/guests/$(2).c
	@mkdir -p $$(@D)
	$$(CC) $$(GUEST_CFLAGS) $(3) -MMD -MP -c $$< -o $$@
endef
$(foreach v,$(GUEST_VARIANTS),$(eval $(call guest_variant,$(word 1,$(subst :, ,$(v))),$(word 2,$(subst :, ,$(v))),$(subst ~, ,$(word 3,$(subst :, ,$(v)))))))

.PRECIOUS: $(BUILD)/guests/%.elf $(BUILD)/guests/obj/%.c.o $(BUILD)/guests/obj/%.S.o

-include $(GUEST_LIB_OBJS:.o=.d) $(GUEST_NAMES:%=$(BUILD)/guests/obj/%.c.d)
