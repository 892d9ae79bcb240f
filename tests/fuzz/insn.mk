FUZZ_TARGETS += insn
FUZZ_SRCS_insn := arch/x86/insn_decode.c
FUZZ_LIBS_insn := -lZydis
