UNIT_TESTS += insn_decode
UNIT_SRCS_insn_decode := arch/x86/insn_decode.c arch/x86/insn_classify.c tests/unit/insn_cases.S
