UNIT_TESTS += cpuid_policy
UNIT_SRCS_cpuid_policy := kernel/cpuid_policy.c
