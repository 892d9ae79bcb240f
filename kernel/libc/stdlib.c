/* SPDX-License-Identifier: MIT */
/* strtoul for libfdt, and the stack-protector hook libfdt.a was built to call. */
#include <stdbool.h>
#include <stdlib.h>

#include "kernel/panic.h"

static int digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'Z')
		return c - 'A' + 10;
	return 99;
}

unsigned long strtoul(const char *s, char **end, int base)
{
	unsigned long v = 0;

	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '+')
		s++;
	if ((base == 0 || base == 16) && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		s += 2;
		base = 16;
	} else if (base == 0) {
		base = s[0] == '0' ? 8 : 10;
	}
	while (digit_value(*s) < base)
		v = v * (unsigned long)base + (unsigned long)digit_value(*s++);
	if (end)
		*end = (char *)s;
	return v;
}

void __stack_chk_fail(void);
void __stack_chk_fail(void)
{
	panic("stack protector: stack smashed in libfdt");
}
