// SPDX-License-Identifier: MIT
/* QEMU TCG plugin for make profile: counts executed instructions per (virtual, host) address. */

/*
 * Debian ships no qemu-plugin.h, so the few types and functions of QEMU 7.2's plugin API (API
 * version 1) this plugin uses are declared here by hand. Every translated block gets one inline
 * 64-bit add per execution; at exit the plugin writes one line per instruction address:
 *   <vaddr hex> <host address hex> <executions>
 * The host address (where QEMU keeps the guest-physical page) tells apart code that runs at the
 * same virtual address in different address spaces: under Basalt the hypervisor, its guest's user
 * space and the firmware all run at low virtual addresses. tools/profile/report.py turns the dump
 * into a table.
 *
 * A block that ends early (an exception or an exit in its middle) is counted whole: the error is
 * the instructions after the faulting one, small against billions.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXPORT __attribute__((visibility("default")))

/* ---- the QEMU 7.2 plugin API (include/qemu/qemu-plugin.h), declared by hand ---- */
typedef uint64_t qemu_plugin_id_t;
typedef struct {
	const char *target_name;
	struct {
		int min;
		int cur;
	} version;
	bool system_emulation;
	union {
		struct {
			int smp_vcpus;
			int max_vcpus;
		} system;
	};
} qemu_info_t;
struct qemu_plugin_tb;
struct qemu_plugin_insn;
enum qemu_plugin_op { QEMU_PLUGIN_INLINE_ADD_U64 };
typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb);
typedef void (*qemu_plugin_udata_cb_t)(qemu_plugin_id_t id, void *userdata);

void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id, qemu_plugin_vcpu_tb_trans_cb_t cb);
void qemu_plugin_register_vcpu_tb_exec_inline(struct qemu_plugin_tb *tb, enum qemu_plugin_op op, void *ptr,
					      uint64_t imm);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, qemu_plugin_udata_cb_t cb, void *userdata);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *tb, size_t idx);
uint64_t qemu_plugin_insn_vaddr(const struct qemu_plugin_insn *insn);
void *qemu_plugin_insn_haddr(const struct qemu_plugin_insn *insn);

EXPORT int qemu_plugin_version = 1;

/* ---- blocks: one record per distinct (first vaddr, first haddr, length) ---- */
struct block {
	uint64_t count; /* executions: the inline add's target, first so it is 8-aligned */
	uint64_t vaddr;
	uint64_t haddr;
	uint32_t n;
	struct block *next;
	uint64_t *insn; /* n pairs: vaddr, haddr */
};

#define HASH_BITS 20
static struct block *table[1u << HASH_BITS];
static const char *out_path = "insncount.txt";

static unsigned hash(uint64_t v, uint64_t h, uint32_t n)
{
	uint64_t x = (v * 0x9e3779b97f4a7c15ull) ^ (h * 0xc2b2ae3d27d4eb4full) ^ n;
	return (unsigned)(x >> (64 - HASH_BITS));
}

/* Translation runs on one thread at a time under -icount (single-threaded TCG), so no lock. */
static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	size_t n = qemu_plugin_tb_n_insns(tb);
	struct qemu_plugin_insn *first;
	uint64_t v, h;
	struct block *b;
	unsigned k;

	(void)id;
	if (n == 0)
		return;
	first = qemu_plugin_tb_get_insn(tb, 0);
	v = qemu_plugin_insn_vaddr(first);
	h = (uint64_t)(uintptr_t)qemu_plugin_insn_haddr(first);
	k = hash(v, h, (uint32_t)n);
	for (b = table[k]; b; b = b->next)
		if (b->vaddr == v && b->haddr == h && b->n == n)
			break;
	if (!b) {
		b = calloc(1, sizeof(*b));
		if (!b || !(b->insn = calloc(2 * n, sizeof(uint64_t))))
			abort();
		b->vaddr = v;
		b->haddr = h;
		b->n = (uint32_t)n;
		for (size_t i = 0; i < n; i++) {
			struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);

			b->insn[2 * i] = qemu_plugin_insn_vaddr(insn);
			b->insn[2 * i + 1] = (uint64_t)(uintptr_t)qemu_plugin_insn_haddr(insn);
		}
		b->next = table[k];
		table[k] = b;
	}
	qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64, &b->count, 1);
}

static void on_qemu_exit(qemu_plugin_id_t id, void *userdata)
{
	FILE *f = fopen(out_path, "w");

	(void)id;
	(void)userdata;
	if (!f) {
		perror(out_path);
		return;
	}
	for (size_t k = 0; k < sizeof(table) / sizeof(table[0]); k++)
		for (struct block *b = table[k]; b; b = b->next)
			if (b->count)
				for (uint32_t i = 0; i < b->n; i++)
					fprintf(f, "%" PRIx64 " %" PRIx64 " %" PRIu64 "\n", b->insn[2 * i],
						b->insn[2 * i + 1], b->count);
	fclose(f);
}

EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc, char **argv)
{
	(void)info;
	for (int i = 0; i < argc; i++)
		if (strncmp(argv[i], "out=", 4) == 0)
			out_path = strdup(argv[i] + 4);
	qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
	qemu_plugin_register_atexit_cb(id, on_qemu_exit, NULL);
	return 0;
}
