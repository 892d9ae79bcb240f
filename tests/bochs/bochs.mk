# Intel VT-x targets, run under Bochs 2.7 (VMX + EPT); included by the top-level Makefile.
#   make test-vmx                        integration tests under Bochs (tests/integration-vmx.sh)
#   make test-vmx BOCHS_TESTS="basic"    only these expectation files
#   make bench-vmx                       exit costs in instructions -> build/bench-vmx.txt
# Names here start with test-vmx, bench-vmx or BOCHS_ so they cannot clash with the main Makefile.

BOCHS_TESTS ?=

.PHONY: test-vmx bench-vmx test-vmx-deps

test-vmx-deps:
	@tools/deps.sh vmx

test-vmx: test-vmx-deps all linux-guest $(EMBEDDED_TEST_EFI)
	tests/integration-vmx.sh $(BOCHS_TESTS)

bench-vmx: test-vmx-deps all
	tests/bench-vmx.sh
