/* SPDX-License-Identifier: MIT */
/* Shared by config.c (blob, /basalt, /vms) and config_vm.c (one VM node); not for other modules. */
#ifndef BASALT_CONFIG_INTERNAL_H
#define BASALT_CONFIG_INTERNAL_H

#include "kernel/config.h"

#include <stddef.h>
#include <stdint.h>

#define CONFIG_PAGE_4K 0x1000ull
#define CONFIG_SHOW_MAX 48 /* blob text echoed to the console is cut here */

/* The first problem found, kept until it is printed as one line ("config: node: prop: why; verdict"). */
struct config_err {
	char node[CONFIG_SHOW_MAX + 16];
	char prop[CONFIG_SHOW_MAX + 4];
	char why[192];
};

/* One VM node being parsed: config.c fills blob, limits, vm and err.node; config_vm.c the rest. */
struct vm_parse {
	const void *blob;
	const struct config_limits *limits;
	struct vm_config *vm;
	uint32_t seen; /* bit per known VM property, for "given twice" and the cross-property rules */
	enum config_sched_policy default_policy; /* /basalt sched, for VMs without their own */
	const struct basalt_config *cfg;         /* what is accepted so far (the switches) */
	struct config_err err;
};

/* Copies at most size-4 bytes of s into buf, non-printables as '?', "..." when cut; returns buf. */
const char *config_show(char *buf, size_t size, const char *s, size_t len);

/* Records prop and the formatted reason in e; always returns -EINVAL so callers can `return config_fail(...)`. */
int config_fail(struct config_err *e, const char *prop, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));


/* Property readers: 0 with *out set, or -EINVAL with the reason in e. */
int config_read_u32(struct config_err *e, const char *prop, const void *val, int len, uint32_t *out);
int config_read_u64(struct config_err *e, const char *prop, const void *val, int len, uint64_t *out);
int config_read_u32_range(struct config_err *e, const char *prop, const void *val, int len,
			  uint32_t min, uint32_t max, uint32_t *out);

/*
 * One NUL-terminated string (not a list) of printable ASCII, at most max bytes with its NUL;
 * `what` names it in messages ("path", "command line"). config_check_path also refuses "".
 */
int config_check_string(struct config_err *e, const char *prop, const char *val, int len, int max,
			const char *what);
int config_check_path(struct config_err *e, const char *prop, const char *val, int len);

/*
 * The file of a `modules` entry ("file" or "file args"): the characters before the first blank,
 * copied NUL-terminated into path[0, size). -EINVAL when that is empty or does not fit.
 */
int config_module_path(const char *entry, char *path, size_t size);

/* 0 when the node has no child nodes; else the first child is named in e. */
int config_check_no_children(const void *blob, int node, struct config_err *e);

/*
 * Parses the VM node `node` named name[0..namelen) into p->vm (fully overwritten, defaults
 * applied). Returns 0, or -EINVAL with the first problem in p->err. Host-wide rules (unique
 * names, the VM count, memory left on the host) are the caller's.
 */
int config_parse_vm(struct vm_parse *p, int node, const char *name, int namelen);
/* True when the VM node gave `cpus` (a pinned VM without it gets cores chosen by admission). */
bool config_vm_names_cpus(const struct vm_parse *p);

/* Prints e as one line: "config: <node>: <prop>: <why>; <verdict>". */
void config_print_err(const struct config_err *e, const char *verdict);

/* config_dev.c: /switches (a bad switch is refused and kept, marked, by name; -EINVAL only for a
 * /switches node that is itself unusable), the VM's disk* and net* children (0 or -EINVAL with the
 * first problem in p->err), and the rules across VMs: a writable partition given twice, a MAC used
 * twice (ports without `mac` get theirs here). */
/* A VM child node of that kind ("disk", "net"): "disk", "disk-root", "disk1" (the kind, then nothing,
 * a separator or a digit), not "diskette". */
bool config_dev_node_is(const char *name, const char *kind);
int config_parse_switches(const void *blob, int node, struct basalt_config *out, struct config_err *fatal);
int config_parse_vm_devices(struct vm_parse *p, int vm_node);
int config_admit_devices(const struct basalt_config *out, struct vm_config *vm, struct config_err *e);
/* Host memory the VM's RAM disks take (those whose size is known from the config). */
uint64_t config_ram_disk_bytes(const struct vm_config *vm);

/* Cross-VM scheduling rules, against the VMs admitted so far (config_sched.c): a pinned VM owns its
 * cores (two VMs pinned to one core, or more pinned vCPUs than cores, are refused) and every other VM
 * must keep a core; pinned cores leave the masks of the others. 0 or -EINVAL with the reason in e. */
int config_admit_sched(struct basalt_config *out, struct vm_config *vm, bool cpus_given,
		       const struct config_limits *limits, struct config_err *e);

#endif
