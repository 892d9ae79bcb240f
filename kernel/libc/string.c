/* SPDX-License-Identifier: MIT */
/* Freestanding string functions for the hypervisor image (the host tests use the C library's). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if (d == s || n == 0)
		return dst;
	if (d < s || d >= s + n) {
		while (n--)
			*d++ = *s++;
	} else {
		while (n--)
			d[n] = s[n];
	}
	return dst;
}

void *memchr(const void *s, int c, size_t n)
{
	const unsigned char *p = s;

	for (size_t i = 0; i < n; i++)
		if (p[i] == (unsigned char)c)
			return (void *)(p + i);
	return NULL;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	for (size_t i = 0; i < n; i++)
		if (x[i] != y[i])
			return x[i] - y[i];
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

size_t strnlen(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

int strcmp(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (a[i] != b[i] || !a[i])
			return (unsigned char)a[i] - (unsigned char)b[i];
	}
	return 0;
}

char *strchr(const char *s, int c)
{
	for (;; s++) {
		if (*s == (char)c)
			return (char *)s;
		if (!*s)
			return NULL;
	}
}

char *strrchr(const char *s, int c)
{
	const char *last = NULL;

	for (;; s++) {
		if (*s == (char)c)
			last = s;
		if (!*s)
			return (char *)last;
	}
}

char *strncpy(char *dst, const char *src, size_t n)
{
	size_t i = 0;

	for (; i < n && src[i]; i++)
		dst[i] = src[i];
	for (; i < n; i++)
		dst[i] = '\0';
	return dst;
}

char *strstr(const char *haystack, const char *needle)
{
	size_t n = strlen(needle);

	for (; *haystack; haystack++)
		if (!strncmp(haystack, needle, n))
			return (char *)haystack;
	return n ? NULL : (char *)haystack;
}

/*
 * memset and memcpy. gnu-efi's (libefi's init.o, which the link pulls in for InitializeLib) move
 * one byte per loop of four instructions: zeroing a 256 MiB guest's RAM at VM creation took 1.07 G
 * instructions, as much as the rest of Basalt's share of a Linux boot many times over. The link
 * wraps both names (ld --wrap, Makefile) onto these, which move eight bytes per step with
 * rep stosq/movsq and the last 0-7 bytes with rep stosb/movsb: one instruction per step, and the
 * form the processor itself speeds up. Forward copies, like gnu-efi's: the same result for the
 * (undefined, but possible) overlap with dst below src. The ABI keeps the direction flag clear
 * at every call; exits restore the host's RFLAGS (SVM) or clear it (VMX).
 */
void *__wrap_memset(void *dst, int c, size_t n)
{
	uint64_t pattern = 0x0101010101010101ull * (unsigned char)c;
	void *d = dst;
	size_t quads = n / 8, bytes = n % 8;

	__asm__ volatile("rep stosq" : "+D"(d), "+c"(quads) : "a"(pattern) : "memory");
	__asm__ volatile("rep stosb" : "+D"(d), "+c"(bytes) : "a"(pattern) : "memory");
	return dst;
}

void *__wrap_memcpy(void *dst, const void *src, size_t n)
{
	void *d = dst;
	const void *s = src;
	size_t quads = n / 8, bytes = n % 8;

	__asm__ volatile("rep movsq" : "+D"(d), "+S"(s), "+c"(quads) : : "memory");
	__asm__ volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(bytes) : : "memory");
	return dst;
}
