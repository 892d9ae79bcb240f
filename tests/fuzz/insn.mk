FUZZ_TARGETS += insn
FUZZ_SRCS_insn := arch/x86/insn_decode.c arch/x86/insn_classify.c
FUZZ_LIBS_insn := -lZydis
