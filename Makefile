# SPDX-License-Identifier: MIT
# Basalt: one Makefile. `make` builds the hypervisor, test guests and test configs;
# `make run` boots a config in QEMU; `make test` runs unit and integration tests.

BUILD   := build
VERSION := $(shell cat VERSION 2>/dev/null || echo 0.0.0)
CC      := gcc
LD      := ld
OBJCOPY := objcopy

# ---- source lists, per folder ------------------------------------------------
BOOT_SRCS   := boot/efi/efi_main.c boot/efi/efi_files.c boot/efi/efi_exit.c boot/efi/efi_mp.c
KERNEL_SRCS := kernel/main.c kernel/vm_reap.c kernel/vm_io.c kernel/console.c kernel/fmt.c kernel/config.c kernel/config_vm.c kernel/config_dev.c kernel/config_sched.c kernel/palloc.c \
               kernel/vm.c kernel/vcpu.c kernel/vcpu_start.c kernel/exit.c kernel/hypercall.c kernel/cpuid_policy.c \
               kernel/nested_pt.c kernel/gmem.c kernel/loader.c kernel/panic.c kernel/clock.c \
               kernel/mem.c kernel/pio.c kernel/pio_string.c kernel/mmio.c kernel/mmio_exit.c kernel/report.c kernel/cpu_time.c kernel/virq.c \
               kernel/bzimage.c kernel/e820.c kernel/linux_loader.c kernel/linux_vm.c kernel/msr_policy.c \
               kernel/multiboot.c kernel/multiboot_info.c kernel/multiboot_vm.c \
               kernel/console_input.c kernel/console_filter.c kernel/console_line.c \
               kernel/cr_rules.c kernel/cr_access.c kernel/gva.c kernel/guest_walk.c \
               kernel/libc/string.c kernel/libc/stdlib.c
ARCH_SRCS   := arch/x86/cpu.c arch/x86/gdt.c arch/x86/idt.c arch/x86/smp.c arch/x86/paging.c arch/x86/acpi.c \
               arch/x86/vmm_select.c arch/x86/insn_decode.c arch/x86/insn_classify.c arch/x86/insn_emul.c arch/x86/insn_emul_alu.c \
               arch/x86/svm/svm.c arch/x86/svm/svm_event.c arch/x86/svm/svm_trace.c arch/x86/svm/svm_exit.c arch/x86/svm/npt_encode.c \
               arch/x86/vmx/vmx.c arch/x86/vmx/vmx_run.c arch/x86/vmx/vmx_vmcs.c arch/x86/vmx/vmx_caps.c \
               arch/x86/vmx/vmx_exit.c arch/x86/vmx/ept_encode.c
ARCH_ASM    := arch/x86/isr.S arch/x86/smp_trampoline.S arch/x86/svm/svm_entry.S arch/x86/vmx/vmx_entry.S
SCHED_SRCS  := sched/sched.c sched/sched_place.c sched/sched_rr.c sched/sched_shares.c
# drivers/host: the machine's own devices (UART, LAPIC, PCI, NVMe); drivers/pc: the guest
# platform's device models; drivers/virtio: virtqueues, transport and virtio devices;
# drivers/block: block backends (RAM disk, partition windows); drivers/net: the switches.
DRIVER_SRCS := drivers/host/uart16550.c drivers/host/lapic.c \
               drivers/host/pci_host.c drivers/host/nvme.c drivers/host/nvme_queue.c drivers/host/nvme_io.c \
               drivers/host/crc32.c drivers/host/gpt.c drivers/host/host_storage.c \
               drivers/pc/platform.c drivers/pc/vdebugcon.c drivers/pc/vcmos.c drivers/pc/vtestexit.c \
               drivers/pc/vpc.c drivers/pc/vpic.c drivers/pc/vpit.c drivers/pc/vuart.c \
               drivers/pc/vlapic.c drivers/pc/vlapic_timer.c drivers/pc/apic_bus.c drivers/pc/vioapic.c \
               drivers/pc/vpci.c drivers/pc/vpci_func.c drivers/pc/vpci_bar.c drivers/pc/vpci_irq.c \
               drivers/pc/vpci_testdev.c drivers/pc/vtestdev.c \
               drivers/pc/aml.c drivers/pc/vacpi.c drivers/pc/vacpi_pm.c drivers/pc/vacpi_tables.c \
               drivers/pc/vacpi_dsdt.c \
               drivers/virtio/virtqueue.c drivers/virtio/virtio_pci.c drivers/virtio/virtio_pci_common.c \
               drivers/virtio/virtio_console.c drivers/virtio/virtio_blk.c drivers/virtio/virtio_net.c \
               drivers/block/ramdisk.c drivers/block/partition.c \
               drivers/net/vswitch.c drivers/net/vswitch_inbox.c

HV_SRCS := $(BOOT_SRCS) $(KERNEL_SRCS) $(ARCH_SRCS) $(SCHED_SRCS) $(DRIVER_SRCS)
HV_OBJS := $(HV_SRCS:%.c=$(BUILD)/hv/%.o) $(ARCH_ASM:%.S=$(BUILD)/hv/%.o)

# ---- flags -------------------------------------------------------------------
WARN := -Wall -Wextra -Werror -Wmissing-prototypes -Wstrict-prototypes -Wshadow -Wundef
GCC_INC := $(shell $(CC) -print-file-name=include)
EFI_INC := -isystem /usr/include/efi -isystem /usr/include/efi/x86_64 -isystem /usr/include/efi/protocol
# -nostdinc: only gcc's freestanding headers, our small libc and the libfdt headers.
HV_CFLAGS := -std=gnu11 -O2 -g $(WARN) -ffreestanding -nostdinc -isystem $(GCC_INC) \
             -Ikernel/libc/include -I$(BUILD)/fdtinc -I. $(EFI_INC) \
             -fpic -fshort-wchar -fno-stack-protector -fno-stack-check -fno-strict-aliasing \
             -mno-red-zone -maccumulate-outgoing-args -mno-sse -mno-sse2 -mno-mmx -mno-avx \
             -mgeneral-regs-only -DEFI_FUNCTION_WRAPPER -DBASALT_HYPERVISOR \
             -DBASALT_VERSION=\"$(VERSION)\" -DBASALT_VERSION_W=L\"$(VERSION)\"
# make EXIT_TRACE=1: AMD-V vCPUs keep their last exits and print them when their VM crashes
# (arch/x86/svm/svm_trace.h); off by default, it costs a dozen stores per exit.
ifeq ($(EXIT_TRACE),1)
HV_CFLAGS += -DBASALT_EXIT_TRACE
endif
EFI_LIBS := /usr/lib/crt0-efi-x86_64.o
LIBFDT_A := /usr/lib/x86_64-linux-gnu/libfdt.a

.PHONY: all hypervisor guests configs run test unit acpi-check integration integration-all bench fuzz clean deps-build embedded \
        linux-guest test-linux profile
all: hypervisor guests configs

deps-build:
	@tools/deps.sh build

hypervisor: $(BUILD)/basalt.efi

$(BUILD)/fdtinc/libfdt.h:
	@mkdir -p $(@D)
	ln -sf /usr/include/libfdt.h /usr/include/libfdt_env.h /usr/include/fdt.h $(@D)/

# The flags the objects were built with: a change (EXIT_TRACE=1 and back) rebuilds them all.
$(BUILD)/hv/flags: FORCE
	@mkdir -p $(@D)
	@echo '$(HV_CFLAGS)' | cmp -s - $@ || echo '$(HV_CFLAGS)' > $@

$(BUILD)/hv/%.o: %.c $(BUILD)/fdtinc/libfdt.h $(BUILD)/hv/flags
	@mkdir -p $(@D)
	@echo "  CC      $<"
	@$(CC) $(HV_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/hv/%.o: %.S $(BUILD)/hv/flags
	@mkdir -p $(@D)
	@echo "  CC      $<"
	@$(CC) $(HV_CFLAGS) -MMD -MP -c $< -o $@

# The default config section holds nothing; tools/embed-config.sh fills it for single-file boot.
$(BUILD)/hv/basalt_section.o: tools/empty-section.S
	@mkdir -p $(@D)
	$(CC) -c $< -o $@

$(BUILD)/basalt.so: $(HV_OBJS) $(BUILD)/hv/basalt_section.o linker.ld
	$(LD) -nostdlib -znocombreloc -shared -Bsymbolic -T linker.ld --wrap=memset --wrap=memcpy $(EFI_LIBS) $(HV_OBJS) \
	      $(BUILD)/hv/basalt_section.o $(LIBFDT_A) -L/usr/lib -lefi -lgnuefi -o $@
	@tools/check-undefined.sh $@ || { rm -f $@; exit 1; } # a failed check must not leave the file to pass next time
	@echo "HV_LINK_OBJS=$(HV_OBJS)" > $(BUILD)/hv/link-objects

EFI_SECTIONS := -j .text -j .sdata -j .data -j .dynamic -j .dynsym -j .rel -j .rela -j .rel.* \
                -j .rela.* -j .reloc -j .basalt
$(BUILD)/basalt.efi: $(BUILD)/basalt.so
	$(OBJCOPY) $(EFI_SECTIONS) --target efi-app-x86_64 --subsystem=10 $< $@
	@echo "built $@ ($$(stat -c %s $@) bytes)"

-include $(HV_OBJS:.o=.d)

# ---- test guests and configs -------------------------------------------------
include tests/guests/guests.mk

CONFIG_DTS := $(wildcard tests/configs/*.dts) $(wildcard tools/demo/*.dts)
CONFIG_DTB := $(CONFIG_DTS:%.dts=$(BUILD)/%.dtb)
configs: $(CONFIG_DTB)
$(BUILD)/%.dtb: %.dts $(GUEST_BINS)
	@mkdir -p $(@D)
	dtc -q -I dts -O dtb -i $(BUILD)/guests -i $(<D) -o $@ $<

# Single-file image: `make embedded CONFIG=x.dts` puts the config inside the .efi (.basalt section).
embedded: hypervisor guests
	tools/embed-config.sh $(CONFIG) $(BUILD)/basalt-embedded.efi $(BUILD)/guests

# ---- running -----------------------------------------------------------------
CONFIG ?= tools/demo/demo.dts
# The demo's host NVMe drive: made once, then kept, so what the demo VM writes to its disk is
# there at the next `make run` (delete the file for a fresh one).
DEMO_NVME := $(BUILD)/demo-nvme.img
$(DEMO_NVME):
	tools/mk-nvme-image.sh $@ 256 demo-data:192 spare:rest
run:
	@tools/deps.sh run
	@$(MAKE) --no-print-directory all linux-guest $(DEMO_NVME)
	tools/run-qemu.sh --config $(CONFIG) $(if $(TEST),--test) $(if $(ACCEL),--accel $(ACCEL)) \
		-- -drive file=$(DEMO_NVME),if=none,id=nvme0,format=raw -device nvme,serial=basalt-demo,drive=nvme0

# ---- tests -------------------------------------------------------------------
UNIT_CFLAGS := -std=gnu11 -O1 -g $(WARN) -Wno-missing-prototypes -I. -DBASALT_HOST_TEST \
               -fsanitize=address,undefined -fno-omit-frame-pointer
UNIT_LIBS := -lcmocka -lfdt
UNIT_TESTS :=
include $(wildcard tests/unit/*.mk)
UNIT_BINS := $(UNIT_TESTS:%=$(BUILD)/unit/test_%)

.SECONDEXPANSION:
$(BUILD)/unit/test_%: tests/unit/test_%.c $$(UNIT_SRCS_$$*) $$(wildcard kernel/*.h sched/*.h drivers/host/*.h drivers/pc/*.h drivers/virtio/*.h drivers/block/*.h drivers/net/*.h arch/x86/*.h arch/x86/svm/*.h arch/x86/vmx/*.h tests/unit/*.h)
	@mkdir -p $(@D)
	$(CC) $(UNIT_CFLAGS) -o $@ $< $(UNIT_SRCS_$*) $(UNIT_LIBS)

unit: $(UNIT_BINS)
	@tools/run-unit.sh $(UNIT_BINS)
	@tests/check-selftest.sh >/dev/null || tests/check-selftest.sh

# The guest ACPI tables (from the unit test's builder) through Debian's iasl: disassemble, recompile.
acpi-check: $(BUILD)/unit/test_vacpi
	@tests/acpi-iasl.sh $<

# The Debian guest (kernel from linux-image-amd64, busybox initramfs) is built from Debian packages.
linux-guest:
	@tools/build-linux-guest.sh

# A single-file image for the embedded-config test: tests/configs/embedded.dts inside .basalt.
EMBEDDED_TEST_EFI := $(BUILD)/basalt-embedded-test.efi
$(EMBEDDED_TEST_EFI): $(BUILD)/basalt.so tests/configs/embedded.dts $(GUEST_BINS) tools/embed-config.sh
	tools/embed-config.sh tests/configs/embedded.dts $@ $(BUILD)/guests

integration: all linux-guest $(EMBEDDED_TEST_EFI)
	tests/integration.sh

test-linux: all linux-guest
	tests/integration.sh linux

# make test: unit tests, the iasl check of the guest ACPI tables, a short fuzzing pass over every parser of untrusted bytes, then the
# integration tests on AMD-V (QEMU) and on VT-x (Bochs).
TEST_FUZZ_SECONDS ?= 10
# The integration tests of both emulators share one pool of job slots (tests/integration-all.sh).
test:
	@tools/deps.sh test
	@$(MAKE) --no-print-directory -j2 unit
	@$(MAKE) --no-print-directory acpi-check
	@$(MAKE) --no-print-directory -j2 fuzz FUZZ_SECONDS=$(TEST_FUZZ_SECONDS)
	@$(MAKE) --no-print-directory integration-all

integration-all: all linux-guest $(EMBEDDED_TEST_EFI) test-vmx-deps
	tests/integration-all.sh

bench:
	@tools/deps.sh bench
	@$(MAKE) --no-print-directory all
	tests/bench.sh

# make profile: where the instructions of the bench's Linux boot go (build/profile.txt), under Basalt
# and bare, counted by a QEMU TCG plugin (tools/profile/insncount.c) under -icount.
PROFILE_PLUGIN := $(BUILD)/profile/insncount.so
$(PROFILE_PLUGIN): tools/profile/insncount.c
	@mkdir -p $(@D)
	$(CC) -std=gnu11 -O2 -Wall -Wextra -Werror -shared -fPIC -fvisibility=hidden -o $@ $<

profile: $(PROFILE_PLUGIN)
	@tools/deps.sh bench
	@$(MAKE) --no-print-directory all
	tools/profile/profile.sh

include $(wildcard tests/fuzz/*.mk)
include tests/bochs/bochs.mk

clean:
	rm -rf $(BUILD)

FORCE:
