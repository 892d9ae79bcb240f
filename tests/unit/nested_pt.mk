UNIT_TESTS += nested_pt
UNIT_SRCS_nested_pt := kernel/nested_pt.c arch/x86/svm/npt_encode.c
