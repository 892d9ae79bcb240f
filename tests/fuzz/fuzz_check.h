/* SPDX-License-Identifier: MIT */
/* CHECK: an invariant of the code under test, which libFuzzer reports as a crash with its input. */
#ifndef BASALT_TESTS_FUZZ_CHECK_H
#define BASALT_TESTS_FUZZ_CHECK_H

/* __builtin_trap, not assert: NDEBUG must not turn a fuzz target's checks off. */
#define CHECK(cond)                       \
	do {                              \
		if (!(cond))              \
			__builtin_trap(); \
	} while (0)

#endif
