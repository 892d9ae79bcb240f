/* SPDX-License-Identifier: MIT */
/* A small AML byte-code emitter (ACPI 6, chapter 20) for the DSDT Basalt builds per VM; pure C. */
#ifndef BASALT_DRIVERS_PC_AML_H
#define BASALT_DRIVERS_PC_AML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Output goes into a caller-owned buffer. Every call appends; a call that would not fit sets
 * `overflow` and writes nothing more, so a builder checks once at the end (aml_ok). Nested objects
 * (Scope, Device, Method, Package, Buffer) are opened with aml_*_begin, which returns a mark, and
 * closed with aml_end(mark): the PkgLength (1-4 bytes, ACPI 6 20.2.4) is only known then, so the
 * body is moved down when it needs fewer than the 4 bytes reserved for it.
 */
struct aml {
	uint8_t *buf;
	size_t cap;
	size_t len;
	bool overflow;
};

/* A nested object's PkgLength position; 0 when the begin call overflowed (aml_end then no-ops). */
typedef size_t aml_mark;

#define AML_PKGLENGTH_MAX 0x0fffffffu /* 28 bits: the largest PkgLength 4 bytes can say */

void aml_init(struct aml *a, void *buf, size_t cap);
static inline bool aml_ok(const struct aml *a) { return !a->overflow; }

/* Raw bytes (a caller that knows the encoding, e.g. a table header in front of the AML). */
void aml_bytes(struct aml *a, const void *p, size_t n);
void aml_byte(struct aml *a, uint8_t b);

/* PkgLength for a body of body_len bytes: how many bytes (1-4) it takes, 0 if too long. */
unsigned aml_pkglength_size(size_t body_len);
/* Writes the PkgLength of a body_len-byte body into out (>= 4 bytes); returns its size or 0. */
unsigned aml_pkglength_encode(size_t body_len, uint8_t *out);

/* A NameString from an ASL-style path: "\\_SB.PCI0", "^FOO", "_S5"; segments shorter than four
 * characters are padded with '_'. A malformed path (empty or >4-char segment, bad character)
 * sets overflow too, so it cannot go unnoticed. */
void aml_name_string(struct aml *a, const char *path);

/* Data objects. */
void aml_integer(struct aml *a, uint64_t v);   /* Zero/One/Ones or the smallest prefix form */
void aml_string(struct aml *a, const char *s); /* StringPrefix ... NUL */
void aml_eisa_id(struct aml *a, const char *id); /* "PNP0A08" compressed into a DWord */

/* Named objects and scopes. Name(path, <what follows>): call aml_name, then emit the value. */
void aml_name(struct aml *a, const char *path);
aml_mark aml_scope_begin(struct aml *a, const char *path);
aml_mark aml_device_begin(struct aml *a, const char *path);
/* Method(path, nargs, NotSerialized/Serialized); nargs 0-7. */
aml_mark aml_method_begin(struct aml *a, const char *path, unsigned nargs, bool serialized);
/* Package(count) { ... }: count 0-255, the caller emits exactly that many elements. */
aml_mark aml_package_begin(struct aml *a, unsigned count);
/* Closes what the begin calls above opened (not a Buffer). */
void aml_end(struct aml *a, aml_mark m);
/* Buffer() { bytes }: its size TermArg is only known, and inserted, at aml_buffer_end. */
aml_mark aml_buffer_begin(struct aml *a);
void aml_buffer_end(struct aml *a, aml_mark m);
void aml_return(struct aml *a); /* ReturnOp: the value follows */

/*
 * Resource templates (ACPI 6 6.4): the body of a Buffer begun with aml_buffer_begin, ended with
 * aml_res_end_tag(mark) (which sums every descriptor since the buffer began into its checksum
 * byte), then aml_buffer_end(mark).
 */
enum aml_res_flags {
	AML_RES_CONSUMER = 1u << 0, /* else producer (a bridge's window) */
};
void aml_res_io(struct aml *a, uint16_t min, uint16_t max, uint8_t align, uint8_t len); /* Decode16 */
void aml_res_irq_noflags(struct aml *a, uint16_t mask); /* edge, active high, exclusive */
void aml_res_word_bus(struct aml *a, uint16_t min, uint16_t max); /* producer, fixed, pos. decode */
void aml_res_word_io(struct aml *a, uint16_t min, uint16_t max);  /* producer window, EntireRange */
void aml_res_dword_memory(struct aml *a, unsigned flags, uint32_t min, uint32_t max);
void aml_res_qword_memory(struct aml *a, unsigned flags, uint64_t min, uint64_t max);
/* Extended Interrupt: one GSI; level-triggered / active-low / shared as asked. */
void aml_res_ext_irq(struct aml *a, unsigned flags, bool level, bool active_low, bool shared, uint32_t gsi);
void aml_res_end_tag(struct aml *a, aml_mark buffer);

#endif
