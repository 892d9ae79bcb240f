UNIT_TESTS += insn_emul
UNIT_SRCS_insn_emul := arch/x86/insn_emul.c arch/x86/insn_emul_alu.c arch/x86/insn_decode.c tests/unit/insn_emul_cases.S
