UNIT_TESTS += svm_event
UNIT_SRCS_svm_event := arch/x86/svm/svm_event.c
