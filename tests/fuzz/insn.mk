FUZZ_TARGETS += insn
FUZZ_SRCS_insn := arch/x86/insn_decode.c arch/x86/insn_classify.c arch/x86/insn_emul.c arch/x86/insn_emul_alu.c
FUZZ_LIBS_insn := -lZydis
