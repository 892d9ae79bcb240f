/* SPDX-License-Identifier: MIT */
/* The string functions the hypervisor (and libfdt inside it) may use; memset/memcpy are string.c's
 * __wrap_memset/__wrap_memcpy (the link wraps gnu-efi's byte loops). */
#ifndef BASALT_LIBC_STRING_H
#define BASALT_LIBC_STRING_H

#include <stddef.h>

void *memset(void *dst, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);
/* What memset/memcpy resolve to in the linked image (ld --wrap). */
void *__wrap_memset(void *dst, int c, size_t n);
void *__wrap_memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memchr(const void *s, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
char *strrchr(const char *s, int c);
char *strncpy(char *dst, const char *src, size_t n);
char *strstr(const char *haystack, const char *needle);

#endif
