UNIT_TESTS += svm_exit
UNIT_SRCS_svm_exit := arch/x86/svm/svm_exit.c
