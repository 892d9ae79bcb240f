# SPDX-License-Identifier: MIT
# libFuzzer targets: `make fuzz` builds each one and runs it for FUZZ_SECONDS, seeded from its corpus.
#
# To add a target <t>: FUZZ_TARGETS += <t>, FUZZ_SRCS_<t> := the sources it tests, the harness in
# tests/fuzz/fuzz_<t>.c, and seed inputs as tests/fuzz/seeds/<t>/*.dts (compiled with dtc) or
# tests/fuzz/seeds/<t>/*.bin (copied as they are); FUZZ_LIBS_<t> adds libraries for one target.
# `make fuzz-<t>` runs one target alone.
# Host libc and headers only: kernel/libc is never on the include path here.

FUZZ_SECONDS ?= 20
FUZZ_CC      := clang
FUZZ_CFLAGS  := -std=gnu11 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
                $(WARN) -I. -DBASALT_HOST_TEST
FUZZ_LIBS    := -lfdt

FUZZ_TARGETS += config
FUZZ_SRCS_config := kernel/config.c kernel/config_vm.c kernel/config_dev.c kernel/config_sched.c kernel/console.c kernel/fmt.c

# Deferred (=, and $$ in the rules below): tests/fuzz/*.mk after this file add their targets later.
FUZZ_BINS = $(FUZZ_TARGETS:%=$(BUILD)/fuzz/fuzz_%)
FUZZ_RUNS = $(FUZZ_TARGETS:%=fuzz-%)
FUZZ_LONG_RUNS_ALL = $(FUZZ_TARGETS:%=fuzz-long-%)

.PHONY: fuzz-build  # fuzz-<t> stays off .PHONY: make skips pattern rules for phony targets
.SECONDEXPANSION:

$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $$(FUZZ_SRCS_$$*) $$(wildcard kernel/*.h arch/x86/*.h drivers/pc/*.h drivers/virtio/*.h drivers/block/*.h drivers/net/*.h drivers/host/*.h tests/unit/*.h tests/fuzz/*.h)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $< $(FUZZ_SRCS_$*) $(FUZZ_LIBS) $(FUZZ_LIBS_$*)

# The corpus keeps what libFuzzer finds between runs; the seeds are (re)added when they change.
.PRECIOUS: $(BUILD)/fuzz/corpus_%/.seeded
$(BUILD)/fuzz/corpus_%/.seeded: $$(wildcard tests/fuzz/seeds/$$*/*.dts tests/fuzz/seeds/$$*/*.bin)
	@mkdir -p $(@D)
	@for f in $(filter %.dts,$^); do \
		dtc -q -I dts -O dtb -o $(@D)/seed-$$(basename $$f .dts).dtb $$f || exit 1; done
	@for f in $(filter %.bin,$^); do cp $$f $(@D)/seed-$$(basename $$f); done
	@touch $@

fuzz-build: $$(FUZZ_BINS)

fuzz-%: $(BUILD)/fuzz/fuzz_% $(BUILD)/fuzz/corpus_%/.seeded
	$< -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 -artifact_prefix=$(BUILD)/fuzz/$*- \
	   $(BUILD)/fuzz/corpus_$*

fuzz: $$(FUZZ_RUNS)

# make fuzz-long: at least FUZZ_LONG_RUNS executions per target from the committed seed corpora,
# one target after another; each log keeps libFuzzer's final line (executions, coverage) and
# build/fuzz/long-report.txt collects them.
FUZZ_LONG_RUNS ?= 10000000
fuzz-long-%: $(BUILD)/fuzz/fuzz_% $(BUILD)/fuzz/corpus_%/.seeded
	@echo "fuzz-long: $* for $(FUZZ_LONG_RUNS) executions"
	@$< -runs=$(FUZZ_LONG_RUNS) -print_final_stats=1 -artifact_prefix=$(BUILD)/fuzz/$*- \
	   $(BUILD)/fuzz/corpus_$* >$(BUILD)/fuzz/long-$*.log 2>&1 || { tail -40 $(BUILD)/fuzz/long-$*.log; exit 1; }
	@grep -E "DONE|stat::number_of_executed_units" $(BUILD)/fuzz/long-$*.log

fuzz-long: $$(FUZZ_LONG_RUNS_ALL)
	@for t in $(FUZZ_TARGETS); do \
		printf '%-16s %s\n' "$$t" "$$(grep -E '^#[0-9]+[[:space:]]+DONE' $(BUILD)/fuzz/long-$$t.log | tail -1)"; \
	done | tee $(BUILD)/fuzz/long-report.txt
