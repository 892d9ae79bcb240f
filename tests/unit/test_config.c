/* SPDX-License-Identifier: MIT */
/* Unit tests for the config blob parser: blobs are built with libfdt's sequential-write API. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <libfdt.h>

#include "kernel/config.h"
#include "kernel/console.h"
#include "kernel/errno.h"

#include "tests/unit/console_capture.h"

/* ---- blob building ------------------------------------------------------ */

enum tkind { T_END, T_U32, T_U64, T_STR, T_RAW };

struct tprop {
	const char *name;
	enum tkind kind;
	uint64_t v;
	const void *raw;
	int len;
};

#define U32(n, x) { (n), T_U32, (x), NULL, 0 }
#define U64(n, x) { (n), T_U64, (x), NULL, 0 }
#define STR(n, s) { (n), T_STR, 0, (s), 0 }
#define RAW(n, p, l) { (n), T_RAW, 0, (p), (l) }
#define PROPS(...) ((const struct tprop[]){ __VA_ARGS__, { NULL, T_END, 0, NULL, 0 } })
#define NO_PROPS ((const struct tprop[]){ { NULL, T_END, 0, NULL, 0 } })
#define MEM64 U64("memory", 64ull << 20)
#define MEM128 U64("memory", 128ull << 20) /* the smallest Linux VM */
#define IMG STR("image", "guest.bin")
#define KERNEL STR("kernel", "vmlinuz")

struct tvm {
	const char *name;
	const struct tprop *props;
};

static uint64_t blob_buf[65536 / 8];
static void *const fdt = blob_buf;
static struct basalt_config cfg;
static struct config_limits limits;

static void add_props(const struct tprop *p)
{
	for (; p->kind != T_END; p++) {
		if (p->kind == T_U32)
			assert_int_equal(fdt_property_u32(fdt, p->name, (uint32_t)p->v), 0);
		else if (p->kind == T_U64)
			assert_int_equal(fdt_property_u64(fdt, p->name, p->v), 0);
		else if (p->kind == T_STR)
			assert_int_equal(fdt_property_string(fdt, p->name, (const char *)p->raw), 0);
		else
			assert_int_equal(fdt_property(fdt, p->name, p->raw, p->len), 0);
	}
}

static void add_node(const char *name, const struct tprop *props)
{
	assert_int_equal(fdt_begin_node(fdt, name), 0);
	add_props(props);
	assert_int_equal(fdt_end_node(fdt), 0);
}

static void start_blob(void)
{
	assert_int_equal(fdt_create(fdt, sizeof(blob_buf)), 0);
	assert_int_equal(fdt_finish_reservemap(fdt), 0);
	assert_int_equal(fdt_begin_node(fdt, ""), 0);
}

static size_t finish_blob(void)
{
	assert_int_equal(fdt_end_node(fdt), 0);
	assert_int_equal(fdt_finish(fdt), 0);
	return fdt_totalsize(fdt);
}

/* A root with the given /basalt properties and VMs; basalt NULL leaves /basalt out. */
static size_t build_full(const struct tprop *basalt, const struct tvm *vms, int n)
{
	start_blob();
	if (basalt)
		add_node("basalt", basalt);
	assert_int_equal(fdt_begin_node(fdt, "vms"), 0);
	for (int i = 0; i < n; i++)
		add_node(vms[i].name, vms[i].props);
	assert_int_equal(fdt_end_node(fdt), 0);
	return finish_blob();
}

static size_t build_vms(const struct tvm *vms, int n)
{
	return build_full(PROPS(U32("version", 1)), vms, n);
}

static size_t build_vm(const char *name, const struct tprop *props)
{
	return build_vms(&(struct tvm){ name, props }, 1);
}

static int parse(size_t size)
{
	return config_parse(fdt, size, &limits, &cfg);
}

static void expect_refused(const char *vm, const struct tprop *props, const char *prop, const char *what)
{
	char head[256];

	assert_int_equal(parse(build_vm(vm, props)), 0);
	assert_int_equal(cfg.vm_count, 0);
	assert_int_equal(cfg.refused, 1);
	snprintf(head, sizeof(head), "config: /vms/%s: %s: ", vm, prop);
	expect_output(head);
	expect_output(what);
	expect_output("; VM refused\n");
	assert_int_equal(count_lines(), 1);
}

static void expect_fatal(size_t size, const char *text)
{
	assert_int_equal(parse(size), -EINVAL);
	assert_int_equal(cfg.vm_count, 0);
	expect_output(text);
	assert_int_equal(count_lines(), 1);
}

static int reset(void **state)
{
	(void)state;
	console_len = 0;
	console_text[0] = '\0';
	console_set_sink(capture);
	limits = (struct config_limits){ .host_memory_bytes = 1ull << 30, .host_cpus = 4 };
	memset(&cfg, 0xa5, sizeof(cfg));
	return 0;
}

/* ---- valid configs ------------------------------------------------------ */

static const uint8_t payload[100] = { 0xf4, 1, 2, 3 };

static void test_valid_four_vms(void **state)
{
	(void)state;
	const struct tvm vms[] = {
		{ "web", PROPS(U64("memory", 64ull << 20), STR("image", "web.bin")) },
		{ "db", PROPS(U32("memory", 0x8000000), U32("vcpus", 4), STR("image", "db.bin"),
			      U32("load-address", 0x200000), U64("entry", 0x200100), U32("shares", 500),
			      RAW("cpus", "\0\0\0\1\0\0\0\3", 8)) },
		{ "inline_1", PROPS(U64("memory", 2ull << 20), RAW("image-data", payload, sizeof(payload)),
				    U64("load-address", 0x10000), U32("entry", 0x10010)) },
		{ "x-4", PROPS(U32("memory", 4 << 20), U32("vcpus", CONFIG_MAX_VCPUS), STR("image", "dir/x.bin"),
			       U32("shares", CONFIG_MAX_SHARES), U32("cpus", 0)) },
	};
	size_t size = build_full(PROPS(U32("version", 1), STR("sched", "shares"), U32("timeslice-us", 5000)),
				 vms, 4);

	assert_int_equal(parse(size), 0);
	assert_int_equal(console_len, 0);
	assert_int_equal(cfg.version, 1);
	assert_int_equal(cfg.policy, CONFIG_SCHED_SHARES);
	assert_int_equal(cfg.timeslice_us, 5000);
	assert_int_equal(cfg.vm_count, 4);
	assert_int_equal(cfg.refused, 0);

	const struct vm_config *v = &cfg.vms[0];
	assert_string_equal(v->name, "web");
	assert_int_equal(v->memory_bytes, 64ull << 20);
	assert_int_equal(v->vcpus, 1);
	assert_int_equal(v->image.source, CONFIG_IMAGE_FILE);
	assert_string_equal(v->image.path, "web.bin");
	assert_null(v->image.data);
	assert_int_equal(v->image.size, 0);
	assert_int_equal(v->load_address, CONFIG_DEFAULT_LOAD);
	assert_int_equal(v->entry, CONFIG_DEFAULT_LOAD);
	assert_int_equal(v->shares, CONFIG_DEFAULT_SHARES);
	assert_int_equal(v->cpu_mask, 0xf);
	assert_int_equal(v->kind, CONFIG_VM_FLAT);
	assert_int_equal(v->kernel.source, CONFIG_IMAGE_NONE);
	assert_int_equal(v->initrd.source, CONFIG_IMAGE_NONE);
	assert_string_equal(v->cmdline, "");

	v = &cfg.vms[1];
	assert_string_equal(v->name, "db");
	assert_int_equal(v->memory_bytes, 0x8000000);
	assert_int_equal(v->vcpus, 4);
	assert_int_equal(v->image.source, CONFIG_IMAGE_FILE);
	assert_string_equal(v->image.path, "db.bin");
	assert_int_equal(v->load_address, 0x200000);
	assert_int_equal(v->entry, 0x200100);
	assert_int_equal(v->shares, 500);
	assert_int_equal(v->cpu_mask, 0xa);

	v = &cfg.vms[2];
	assert_string_equal(v->name, "inline_1");
	assert_int_equal(v->memory_bytes, 2ull << 20);
	assert_int_equal(v->image.source, CONFIG_IMAGE_INLINE);
	assert_string_equal(v->image.path, "");
	assert_int_equal(v->image.size, sizeof(payload));
	assert_true((const char *)v->image.data > (const char *)fdt);
	assert_true((const char *)v->image.data + v->image.size <= (const char *)fdt + size);
	assert_memory_equal(v->image.data, payload, sizeof(payload));
	assert_int_equal(v->load_address, 0x10000);
	assert_int_equal(v->entry, 0x10010);
	assert_int_equal(v->vcpus, 1);
	assert_int_equal(v->shares, CONFIG_DEFAULT_SHARES);
	assert_int_equal(v->cpu_mask, 0xf);

	v = &cfg.vms[3];
	assert_string_equal(v->name, "x-4");
	assert_int_equal(v->memory_bytes, 4 << 20);
	assert_int_equal(v->vcpus, CONFIG_MAX_VCPUS);
	assert_string_equal(v->image.path, "dir/x.bin");
	assert_int_equal(v->shares, CONFIG_MAX_SHARES);
	assert_int_equal(v->cpu_mask, 0x1);
}

static void test_basalt_defaults(void **state)
{
	(void)state;
	assert_int_equal(parse(build_vm("a", PROPS(MEM64, IMG))), 0);
	assert_int_equal(cfg.policy, CONFIG_SCHED_SHARES);
	assert_int_equal(cfg.timeslice_us, CONFIG_DEFAULT_TIMESLICE_US);
	assert_int_equal(cfg.vm_count, 1);
}

static void test_sched_rr_explicit(void **state)
{
	(void)state;
	size_t n = build_full(PROPS(U32("version", 1), STR("sched", "rr"), U32("timeslice-us", 1000)),
			      &(struct tvm){ "a", PROPS(MEM64, IMG) }, 1);

	assert_int_equal(parse(n), 0);
	assert_int_equal(cfg.policy, CONFIG_SCHED_RR);
	assert_int_equal(cfg.timeslice_us, 1000);
}

static void test_inline_image_at_end_of_memory(void **state)
{
	(void)state;
	assert_int_equal(parse(build_vm("a", PROPS(U64("memory", 2 << 20), RAW("image-data", payload, 100),
					       U32("load-address", (2 << 20) - 4096),
					       U32("entry", (2 << 20) - 4096 + 99)))), 0);
	assert_int_equal(cfg.vm_count, 1);
	assert_int_equal(cfg.vms[0].entry, (2 << 20) - 4096 + 99);
}

static void test_cpu_mask_wide_host(void **state)
{
	(void)state;
	limits.host_cpus = 100;
	assert_int_equal(parse(build_vms((const struct tvm[]){
		{ "a", PROPS(MEM64, IMG) }, { "b", PROPS(MEM64, IMG, U32("cpus", 63)) } }, 2)), 0);
	assert_int_equal(cfg.vms[0].cpu_mask, ~0ull);
	assert_int_equal(cfg.vms[1].cpu_mask, 1ull << 63);
}

/* ---- blob-level errors -------------------------------------------------- */

static void test_bad_magic(void **state)
{
	(void)state;
	size_t n = build_vm("a", PROPS(MEM64, IMG));

	((uint8_t *)fdt)[0] ^= 0xff;
	expect_fatal(n, "config: blob is not a valid device tree: FDT_ERR_BADMAGIC\n");
}

static void test_truncated(void **state)
{
	(void)state;
	size_t n = build_vm("a", PROPS(MEM64, IMG));

	expect_fatal(n - 1, "config: blob is not a valid device tree: FDT_ERR_TRUNCATED\n");
	reset(NULL);
	expect_fatal(n / 2, "config: blob is not a valid device tree: FDT_ERR_TRUNCATED\n");
	reset(NULL);
	expect_fatal(10, "config: blob is not a valid device tree: FDT_ERR_TRUNCATED\n");
	reset(NULL);
	expect_fatal(0, "config: blob is not a valid device tree: ");
}

static void test_totalsize_beyond_buffer(void **state)
{
	(void)state;
	size_t n = build_vm("a", PROPS(MEM64, IMG));

	fdt_set_totalsize(fdt, (uint32_t)n + 64);
	expect_fatal(n, "config: blob is not a valid device tree: FDT_ERR_TRUNCATED\n");
}

static void test_corrupt_structure(void **state)
{
	(void)state;
	size_t n = build_vm("a", PROPS(MEM64, IMG));

	/* an FDT_END_NODE tag where the root's BEGIN_NODE is */
	fdt32_st((char *)fdt + fdt_off_dt_struct(fdt), FDT_END_NODE);
	expect_fatal(n, "config: blob is not a valid device tree: FDT_ERR_");
}

/* libfdt 1.6.1's fdt_check_full dereferences NULL on a version 14 blob whose root has no '/' */
static void test_old_fdt_version(void **state)
{
	(void)state;
	size_t n = build_vm("a", PROPS(MEM64, IMG));

	fdt_set_version(fdt, 14);
	fdt_set_last_comp_version(fdt, 2);
	expect_fatal(n, "config: blob is not a valid device tree: FDT_ERR_BADVERSION\n");
	assert_int_equal(config_for_each_path(fdt, n, NULL, NULL), -EINVAL);
}

static void test_misaligned_blob(void **state)
{
	(void)state;
	static uint64_t shifted[65536 / 8 + 1];
	size_t n = build_vm("a", PROPS(MEM64, IMG));

	memcpy((char *)shifted + 4, fdt, n);
	assert_int_equal(config_parse((char *)shifted + 4, n, &limits, &cfg), -EINVAL);
	expect_output("config: blob is not a valid device tree: FDT_ERR_ALIGNMENT");
}

/* ---- /, /basalt and /vms ------------------------------------------------ */

static void test_missing_basalt(void **state)
{
	(void)state;
	expect_fatal(build_full(NULL, &(struct tvm){ "a", PROPS(MEM64, IMG) }, 1), "config: /basalt: ");
	expect_output("version");
	expect_output("; config refused\n");
}

static void test_missing_version(void **state)
{
	(void)state;
	expect_fatal(build_full(PROPS(STR("sched", "rr")), &(struct tvm){ "a", PROPS(MEM64, IMG) }, 1),
		     "config: /basalt: version: missing");
}

static void test_wrong_version(void **state)
{
	(void)state;
	expect_fatal(build_full(PROPS(U32("version", 2)), &(struct tvm){ "a", PROPS(MEM64, IMG) }, 1),
		     "config: /basalt: version: 2 is not supported");
	reset(NULL);
	expect_fatal(build_full(PROPS(U64("version", 1)), &(struct tvm){ "a", PROPS(MEM64, IMG) }, 1),
		     "config: /basalt: version: has 8 bytes");
}

static void test_bad_sched(void **state)
{
	(void)state;
	expect_fatal(build_full(PROPS(U32("version", 1), STR("sched", "fifo")), NULL, 0),
		     "config: /basalt: sched: \"fifo\" is not a policy");
	reset(NULL);
	expect_fatal(build_full(PROPS(U32("version", 1), RAW("sched", "rr", 2)), NULL, 0),
		     "config: /basalt: sched: ");
}

static void test_bad_timeslice(void **state)
{
	(void)state;
	expect_fatal(build_full(PROPS(U32("version", 1), U32("timeslice-us", 999)), NULL, 0),
		     "config: /basalt: timeslice-us: 999 is out of range");
	reset(NULL);
	expect_fatal(build_full(PROPS(U32("version", 1), U32("timeslice-us", 1000001)), NULL, 0),
		     "config: /basalt: timeslice-us: 1000001 is out of range");
}

static void test_basalt_unknown_or_repeated(void **state)
{
	(void)state;
	expect_fatal(build_full(PROPS(U32("version", 1), U32("timeslice", 5000)), NULL, 0),
		     "config: /basalt: timeslice: unknown property; config refused\n");
	reset(NULL);
	expect_fatal(build_full(PROPS(U32("version", 1), STR("sched", "rr"), STR("sched", "shares")), NULL, 0),
		     "config: /basalt: sched: given twice");
}

static void test_root_strictness(void **state)
{
	(void)state;
	start_blob();
	add_node("basalt", PROPS(U32("version", 1)));
	add_node("vm", PROPS(MEM64, IMG));
	expect_fatal(finish_blob(), "config: /: vm: unexpected node");
	reset(NULL);
	start_blob();
	add_props(PROPS(STR("model", "x")));
	add_node("basalt", PROPS(U32("version", 1)));
	expect_fatal(finish_blob(), "config: /: model: unexpected property");
	reset(NULL);
	start_blob();
	add_node("basalt", PROPS(U32("version", 1)));
	add_node("basalt", PROPS(U32("version", 2)));
	expect_fatal(finish_blob(), "config: /: basalt: node given twice");
}

static void test_no_vms(void **state)
{
	(void)state;
	start_blob();
	add_node("basalt", PROPS(U32("version", 1)));
	assert_int_equal(parse(finish_blob()), 0);
	assert_int_equal(cfg.vm_count, 0);
	assert_int_equal(cfg.refused, 0);
	assert_string_equal(console_text, "config: /vms: no VMs defined\n");
	reset(NULL);
	assert_int_equal(parse(build_vms(NULL, 0)), 0);
	assert_string_equal(console_text, "config: /vms: no VMs defined\n");
}

static void test_vms_property(void **state)
{
	(void)state;
	start_blob();
	add_node("basalt", PROPS(U32("version", 1)));
	add_node("vms", PROPS(MEM64));
	expect_fatal(finish_blob(), "config: /vms: memory: unexpected property");
}

/* ---- per-VM errors ------------------------------------------------------ */

static void test_memory_errors(void **state)
{
	(void)state;
	expect_refused("web", PROPS(IMG), "memory", "missing");
	reset(NULL);
	expect_refused("web", PROPS(RAW("memory", "\0\0\1", 3), IMG), "memory", "3 bytes");
	reset(NULL);
	expect_refused("web", PROPS(RAW("memory", "\0\0\0\0\0\0\0\0\0\0\0\1", 12), IMG), "memory", "12 bytes");
	reset(NULL);
	expect_refused("web", PROPS(U32("memory", 0), IMG), "memory", "0 bytes is not allowed (minimum 2 MiB)");
	reset(NULL);
	expect_refused("web", PROPS(U32("memory", 0x4000800), IMG), "memory", "0x4000800 bytes is not a multiple of 4 KiB");
	reset(NULL);
	expect_refused("web", PROPS(U32("memory", 1 << 20), IMG), "memory", "1 MiB is below the minimum of 2 MiB");
	reset(NULL);
	expect_refused("web", PROPS(U64("memory", 2ull << 40), IMG), "memory", "2 TiB is above the maximum of 1 TiB");
}

static void test_memory_exceeds_host(void **state)
{
	(void)state;
	limits.host_memory_bytes = 256ull << 20;
	const struct tvm vms[] = {
		{ "a", PROPS(U32("memory", 100 << 20), IMG) },
		{ "b", PROPS(U32("memory", 100 << 20), IMG) },
		{ "c", PROPS(U32("memory", 100 << 20), IMG) },
		{ "d", PROPS(U32("memory", 32 << 20), IMG) },
	};

	assert_int_equal(parse(build_vms(vms, 4)), 0);
	assert_int_equal(cfg.vm_count, 3);
	assert_int_equal(cfg.refused, 1);
	assert_string_equal(cfg.vms[0].name, "a");
	assert_string_equal(cfg.vms[1].name, "b");
	assert_string_equal(cfg.vms[2].name, "d");
	expect_output("config: /vms/c: memory: asks for 100 MiB but only 56 MiB of host memory is left; VM refused\n");
	assert_int_equal(count_lines(), 1);
}

static void test_vcpus_errors(void **state)
{
	(void)state;
	expect_refused("web", PROPS(MEM64, IMG, U32("vcpus", 0)), "vcpus", "0 is out of range (1..64)");
	reset(NULL);
	expect_refused("web", PROPS(MEM64, IMG, U32("vcpus", 65)), "vcpus", "65 is out of range");
	reset(NULL);
	expect_refused("web", PROPS(MEM64, IMG, U64("vcpus", 1)), "vcpus", "8 bytes");
}

static void test_image_choice(void **state)
{
	(void)state;
	expect_refused("web", PROPS(MEM64), "image", "missing (give image, image-data, kernel, kernel-data, multiboot or multiboot-data)");
	reset(NULL);
	expect_refused("web", PROPS(MEM64, IMG, RAW("image-data", payload, 16)), "image-data", "exactly one");
	reset(NULL);
	expect_refused("web", PROPS(MEM64, RAW("image-data", payload, 0)), "image-data", "empty");
}

static void test_image_not_string(void **state)
{
	(void)state;
	expect_refused("web", PROPS(MEM64, RAW("image", "ab", 2)), "image", "not a NUL-terminated string");
	reset(NULL);
	expect_refused("web", PROPS(MEM64, RAW("image", "a\0b", 4)), "image", "one string");
	reset(NULL);
	expect_refused("web", PROPS(MEM64, STR("image", "")), "image", "empty");
	reset(NULL);
	expect_refused("web", PROPS(MEM64, STR("image", "a\tb")), "image", "non-printable");
}

static void test_image_path_length(void **state)
{
	(void)state;
	char path[CONFIG_PATH_MAX + 1];

	memset(path, 'p', sizeof(path) - 1);
	path[CONFIG_PATH_MAX] = '\0';
	expect_refused("web", PROPS(MEM64, STR("image", path)), "image", "128 characters, the limit is 127");
	reset(NULL);
	path[CONFIG_PATH_MAX - 1] = '\0';
	assert_int_equal(parse(build_vm("web", PROPS(MEM64, STR("image", path)))), 0);
	assert_int_equal(cfg.vm_count, 1);
	assert_string_equal(cfg.vms[0].image.path, path);
}

static void test_load_address_errors(void **state)
{
	(void)state;
	static uint8_t big[8192];

	expect_refused("web", PROPS(MEM64, IMG, U32("load-address", 0x100800)), "load-address",
		       "0x100800 is not 4 KiB aligned");
	reset(NULL);
	expect_refused("web", PROPS(MEM64, IMG, U32("load-address", 0xf000)), "load-address",
		       "0xf000 is below 0x10000");
	reset(NULL);
	expect_refused("web", PROPS(MEM64, IMG, RAW("load-address", "\0\0\0\0\0", 5)), "load-address", "5 bytes");
	reset(NULL);
	expect_refused("web", PROPS(U32("memory", 2 << 20), IMG, U32("load-address", 2 << 20)), "load-address",
		       "outside guest memory");
	reset(NULL);
	expect_refused("web", PROPS(U32("memory", 2 << 20), RAW("image-data", big, sizeof(big)),
				    U32("load-address", (2 << 20) - 4096)),
		       "load-address", "8192 bytes at 0x1ff000 does not fit in 2 MiB");
}

static void test_entry_errors(void **state)
{
	(void)state;
	expect_refused("web", PROPS(MEM64, RAW("image-data", payload, 16), U32("entry", 0x100010)), "entry",
		       "0x100010 is outside [0x100000, 0x100010) (the image)");
	reset(NULL);
	expect_refused("web", PROPS(MEM64, IMG, U32("entry", 0xfffff)), "entry", "0xfffff is outside");
	reset(NULL);
	expect_refused("web", PROPS(MEM64, IMG, U64("entry", 64ull << 20)), "entry", "0x4000000 is outside");
	reset(NULL);
	assert_int_equal(parse(build_vm("web", PROPS(MEM64, IMG, U64("entry", (64ull << 20) - 1)))), 0);
	assert_int_equal(cfg.vm_count, 1);
}

static void test_shares_errors(void **state)
{
	(void)state;
	expect_refused("web", PROPS(MEM64, IMG, U32("shares", 0)), "shares", "0 is out of range (1..10000)");
	reset(NULL);
	expect_refused("web", PROPS(MEM64, IMG, U32("shares", 10001)), "shares", "10001 is out of range");
}

static void test_cpus_errors(void **state)
{
	(void)state;
	static uint8_t many[65 * 4];

	expect_refused("web", PROPS(MEM64, IMG, U32("cpus", 4)), "cpus", "CPU 4 is out of range");
	reset(NULL);
	expect_refused("web", PROPS(MEM64, IMG, RAW("cpus", "\0\0\0\1\0\0\0\1", 8)), "cpus", "CPU 1 is listed twice");
	reset(NULL);
	expect_refused("web", PROPS(MEM64, IMG, RAW("cpus", "", 0)), "cpus", "0 bytes");
	reset(NULL);
	expect_refused("web", PROPS(MEM64, IMG, RAW("cpus", many, sizeof(many))), "cpus", "1..64 cells");
	reset(NULL);
	expect_refused("web", PROPS(MEM64, IMG, RAW("cpus", "\0\0\0", 3)), "cpus", "3 bytes");
}

static void test_unknown_property(void **state)
{
	(void)state;
	expect_refused("web", PROPS(U64("memroy", 64ull << 20), IMG), "memroy", "unknown property");
	reset(NULL);
	expect_refused("web", PROPS(MEM64, IMG, MEM64), "memory", "given twice");
}

static void test_child_node_refused(void **state)
{
	(void)state;
	start_blob();
	add_node("basalt", PROPS(U32("version", 1)));
	assert_int_equal(fdt_begin_node(fdt, "vms"), 0);
	assert_int_equal(fdt_begin_node(fdt, "web"), 0);
	add_props(PROPS(MEM64, IMG));
	add_node("widget", NO_PROPS);
	assert_int_equal(fdt_end_node(fdt), 0);
	assert_int_equal(fdt_end_node(fdt), 0);
	assert_int_equal(parse(finish_blob()), 0);
	assert_int_equal(cfg.refused, 1);
	expect_output("config: /vms/web/widget: unexpected child node (devices are disk* or net* nodes); VM refused\n");
}

static void test_names(void **state)
{
	(void)state;
	char name[40];

	memset(name, 'n', 32);
	name[32] = '\0';
	expect_refused(name, PROPS(MEM64, IMG), "name", "32 characters is too long (at most 31)");
	reset(NULL);
	name[31] = '\0';
	assert_int_equal(parse(build_vm(name, PROPS(MEM64, IMG))), 0);
	assert_int_equal(cfg.vm_count, 1);
	assert_string_equal(cfg.vms[0].name, name);
	reset(NULL);
	expect_refused("web@1", PROPS(MEM64, IMG), "name", "unit address \"@1\"");
	reset(NULL);
	expect_refused("Web", PROPS(MEM64, IMG), "name", "character 0x57 is not allowed");
}

/* VM names reach the console in "[name] " prefixes and hypervisor lines, which are not filtered:
 * a name must not carry anything a terminal obeys, and the refusal must not echo it raw. */
static void expect_name_refused(const char *name, const char *shown, unsigned bad)
{
	char want[128];

	reset(NULL);
	assert_int_equal(parse(build_vm(name, PROPS(MEM64, IMG))), 0);
	assert_int_equal(cfg.vm_count, 0);
	assert_int_equal(cfg.refused, 1);
	snprintf(want, sizeof(want), "config: /vms/%s: name: character 0x%02x is not allowed", shown, bad);
	expect_output(want);
	for (size_t i = 0; i < console_len; i++)
		assert_true(console_text[i] == '\n' || (console_text[i] >= 0x20 && console_text[i] < 0x7f));
}

static void test_names_with_terminal_controls(void **state)
{
	(void)state;
	expect_name_refused("w\x1b[1Ab", "w?[1Ab", 0x1b);
	expect_name_refused("a\rbasalt", "a?basalt", 0x0d);
	expect_name_refused("a\bb", "a?b", 0x08);
	expect_name_refused("a\x7f", "a?", 0x7f);
	expect_name_refused("x\xc2\x9by", "x??y", 0xc2);
	expect_name_refused("caf\xc3\xa9", "caf??", 0xc3);
}

static void test_long_name_is_cut_in_message(void **state)
{
	(void)state;
	char name[300];

	memset(name, 'q', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	assert_int_equal(parse(build_vm(name, PROPS(MEM64, IMG))), 0);
	assert_int_equal(cfg.refused, 1);
	expect_output("...: name: 299 characters is too long (at most 31); VM refused\n");
	assert_true(console_len < 200);
}

static void test_duplicate_names(void **state)
{
	(void)state;
	const struct tvm vms[] = {
		{ "web", PROPS(MEM64, STR("image", "one.bin")) },
		{ "web", PROPS(MEM64, STR("image", "two.bin")) },
	};

	assert_int_equal(parse(build_vms(vms, 2)), 0);
	assert_int_equal(cfg.vm_count, 1);
	assert_int_equal(cfg.refused, 1);
	assert_string_equal(cfg.vms[0].image.path, "one.bin");
	assert_string_equal(console_text, "config: /vms/web: duplicate VM name; VM refused\n");
}

static void test_duplicate_of_refused_vm_is_accepted(void **state)
{
	(void)state;
	const struct tvm vms[] = {
		{ "web", PROPS(U32("memory", 0), IMG) },
		{ "web", PROPS(MEM64, STR("image", "two.bin")) },
	};

	assert_int_equal(parse(build_vms(vms, 2)), 0);
	assert_int_equal(cfg.vm_count, 1);
	assert_int_equal(cfg.refused, 1);
	assert_string_equal(cfg.vms[0].image.path, "two.bin");
}

static void test_too_many_vms(void **state)
{
	(void)state;
	const struct tprop *props = PROPS(MEM64, IMG);
	struct tvm vms[CONFIG_MAX_VMS + 2];
	char names[CONFIG_MAX_VMS + 2][16];

	limits.host_memory_bytes = 1ull << 40;
	for (int i = 0; i < CONFIG_MAX_VMS + 2; i++) {
		snprintf(names[i], sizeof(names[i]), "vm%d", i);
		vms[i] = (struct tvm){ names[i], props };
	}
	assert_int_equal(parse(build_vms(vms, CONFIG_MAX_VMS + 2)), 0);
	assert_int_equal(cfg.vm_count, CONFIG_MAX_VMS);
	assert_int_equal(cfg.refused, 2);
	assert_string_equal(cfg.vms[CONFIG_MAX_VMS - 1].name, "vm15");
	expect_output("config: /vms/vm16: too many VMs (Basalt runs at most 16); VM refused\n");
	expect_output("config: /vms/vm17: too many VMs");
	assert_int_equal(count_lines(), 2);
}

static void test_bad_vm_between_good_ones(void **state)
{
	(void)state;
	const struct tvm vms[] = {
		{ "first", PROPS(MEM64, STR("image", "1.bin")) },
		{ "bad", PROPS(MEM64, STR("image", "2.bin"), U32("vcpus", 0)) },
		{ "third", PROPS(MEM64, STR("image", "3.bin")) },
	};

	assert_int_equal(parse(build_vms(vms, 3)), 0);
	assert_int_equal(cfg.vm_count, 2);
	assert_int_equal(cfg.refused, 1);
	assert_string_equal(cfg.vms[0].name, "first");
	assert_string_equal(cfg.vms[1].name, "third");
	assert_string_equal(cfg.vms[1].image.path, "3.bin");
	expect_output("config: /vms/bad: vcpus: ");
	assert_int_equal(count_lines(), 1);
}

/* ---- Linux VMs ---------------------------------------------------------- */

static const uint8_t fake_kernel[600] = { [0x1fe] = 0x55, [0x1ff] = 0xaa };
static const uint8_t fake_initrd[64] = { '0', '7', '0', '7', '0', '1' };

static void expect_linux_defaults(const struct vm_config *v)
{
	assert_int_equal(v->kind, CONFIG_VM_LINUX);
	assert_int_equal(v->image.source, CONFIG_IMAGE_NONE);
	assert_null(v->image.data);
	assert_int_equal(v->load_address, 0);
	assert_int_equal(v->entry, 0);
}

static void test_linux_vms(void **state)
{
	(void)state;
	const struct tvm vms[] = {
		{ "deb", PROPS(U64("memory", 256ull << 20), U32("vcpus", 2), STR("kernel", "debian/vmlinuz"),
			       STR("initrd", "debian/initrd.img"), STR("cmdline", "console=ttyS0 quiet"),
			       U32("shares", 300), U32("cpus", 2)) },
		{ "inl", PROPS(MEM128, RAW("kernel-data", fake_kernel, sizeof(fake_kernel)),
			       RAW("initrd-data", fake_initrd, sizeof(fake_initrd))) },
	};
	size_t size = build_vms(vms, 2);
	const struct vm_config *v = &cfg.vms[0];

	assert_int_equal(parse(size), 0);
	assert_int_equal(console_len, 0);
	assert_int_equal(cfg.vm_count, 2);
	assert_int_equal(cfg.refused, 0);
	assert_string_equal(v->name, "deb");
	expect_linux_defaults(v);
	assert_int_equal(v->memory_bytes, 256ull << 20);
	assert_int_equal(v->vcpus, 2);
	assert_int_equal(v->shares, 300);
	assert_int_equal(v->cpu_mask, 0x4);
	assert_int_equal(v->kernel.source, CONFIG_IMAGE_FILE);
	assert_string_equal(v->kernel.path, "debian/vmlinuz");
	assert_int_equal(v->initrd.source, CONFIG_IMAGE_FILE);
	assert_string_equal(v->initrd.path, "debian/initrd.img");
	assert_string_equal(v->cmdline, "console=ttyS0 quiet");

	v = &cfg.vms[1];
	assert_string_equal(v->name, "inl");
	expect_linux_defaults(v);
	assert_int_equal(v->kernel.source, CONFIG_IMAGE_INLINE);
	assert_int_equal(v->kernel.size, sizeof(fake_kernel));
	assert_memory_equal(v->kernel.data, fake_kernel, sizeof(fake_kernel));
	assert_true((const char *)v->kernel.data + v->kernel.size <= (const char *)fdt + size);
	assert_int_equal(v->initrd.source, CONFIG_IMAGE_INLINE);
	assert_int_equal(v->initrd.size, sizeof(fake_initrd));
	assert_memory_equal(v->initrd.data, fake_initrd, sizeof(fake_initrd));
	assert_string_equal(v->cmdline, CONFIG_DEFAULT_CMDLINE);
}

static void test_linux_defaults(void **state)
{
	(void)state;
	const struct tvm vms[] = {
		{ "plain", PROPS(MEM128, KERNEL) },
		{ "empty-cmdline", PROPS(MEM128, KERNEL, STR("cmdline", "")) },
	};

	assert_int_equal(parse(build_vms(vms, 2)), 0);
	assert_int_equal(cfg.vm_count, 2);
	expect_linux_defaults(&cfg.vms[0]);
	assert_string_equal(cfg.vms[0].cmdline, "console=ttyS0");
	assert_int_equal(cfg.vms[0].initrd.source, CONFIG_IMAGE_NONE);
	assert_string_equal(cfg.vms[0].kernel.path, "vmlinuz");
	assert_int_equal(cfg.vms[0].vcpus, 1);
	assert_int_equal(cfg.vms[0].shares, CONFIG_DEFAULT_SHARES);
	assert_string_equal(cfg.vms[1].cmdline, "");
}

static void test_linux_cmdline_limit(void **state)
{
	(void)state;
	static char line[CONFIG_CMDLINE_MAX + 1];

	memset(line, 'c', CONFIG_CMDLINE_MAX);
	line[CONFIG_CMDLINE_MAX] = '\0';
	expect_refused("web", PROPS(MEM128, KERNEL, STR("cmdline", line)), "cmdline",
		       "command line is 1024 characters, the limit is 1023");
	reset(NULL);
	line[CONFIG_CMDLINE_MAX - 1] = '\0';
	assert_int_equal(parse(build_vm("web", PROPS(MEM128, KERNEL, STR("cmdline", line)))), 0);
	assert_int_equal(cfg.vm_count, 1);
	assert_string_equal(cfg.vms[0].cmdline, line);
}

static void test_linux_image_conflicts(void **state)
{
	(void)state;
	const char *why = "(give exactly one of image, image-data, kernel, kernel-data, multiboot or multiboot-data)";

	expect_refused("web", PROPS(MEM128, KERNEL, IMG), "kernel", "conflicts with image");
	expect_output(why);
	reset(NULL);
	expect_refused("web", PROPS(MEM64, RAW("image-data", payload, 16), KERNEL), "kernel",
		       "conflicts with image-data");
	reset(NULL);
	expect_refused("web", PROPS(MEM128, RAW("kernel-data", fake_kernel, 16), KERNEL), "kernel-data",
		       "conflicts with kernel");
	expect_output(why);
	reset(NULL);
	expect_refused("web", PROPS(MEM128, RAW("kernel-data", fake_kernel, 0)), "kernel-data", "is empty");
	reset(NULL);
	expect_refused("web", PROPS(MEM64, STR("kernel", "")), "kernel", "is empty");
	reset(NULL);
	expect_refused("web", PROPS(MEM64, STR("kernel", "a\tb")), "kernel", "path has a non-printable");
	reset(NULL);
	expect_refused("web", PROPS(MEM128, KERNEL, KERNEL), "kernel", "given twice");
}

static void test_linux_only_props(void **state)
{
	(void)state;
	expect_refused("web", PROPS(MEM64, IMG, STR("initrd", "initrd.img")), "initrd",
		       "given without a kernel (initrd needs kernel or kernel-data)");
	reset(NULL);
	expect_refused("web", PROPS(MEM64, IMG, RAW("initrd-data", fake_initrd, 8)), "initrd-data",
		       "given without a kernel (initrd-data needs kernel or kernel-data)");
	reset(NULL);
	expect_refused("web", PROPS(MEM64, RAW("image-data", payload, 16), STR("cmdline", "quiet")), "cmdline",
		       "given without a kernel (cmdline needs kernel, kernel-data, multiboot or multiboot-data)");
	reset(NULL);
	expect_refused("web", PROPS(MEM64, STR("initrd", "initrd.img")), "image",
		       "missing (give image, image-data, kernel, kernel-data, multiboot or multiboot-data)");
	reset(NULL);
	expect_refused("web", PROPS(MEM128, KERNEL, STR("initrd", "initrd.img"),
				    RAW("initrd-data", fake_initrd, 8)),
		       "initrd-data", "conflicts with initrd (give at most one of the two)");
	reset(NULL);
	expect_refused("web", PROPS(MEM128, KERNEL, STR("initrd", "i\x01")), "initrd", "non-printable");
	reset(NULL);
	expect_refused("web", PROPS(MEM128, KERNEL, RAW("initrd-data", fake_initrd, 0)), "initrd-data", "is empty");
}

static void test_platform(void **state)
{
	(void)state;
	assert_int_equal(parse(build_vm("web", PROPS(MEM64, IMG))), 0);
	assert_false(cfg.vms[0].platform_pc);
	reset(NULL);
	assert_int_equal(parse(build_vm("web", PROPS(MEM64, IMG, STR("platform", "pc")))), 0);
	assert_true(cfg.vms[0].platform_pc);
	reset(NULL);
	assert_int_equal(parse(build_vm("web", PROPS(MEM64, IMG, STR("platform", "none")))), 0);
	assert_false(cfg.vms[0].platform_pc);
	reset(NULL);
	assert_int_equal(parse(build_vm("web", PROPS(MEM128, KERNEL))), 0);
	assert_true(cfg.vms[0].platform_pc);
	reset(NULL);
	expect_refused("web", PROPS(MEM64, IMG, STR("platform", "isa")), "platform",
		       "\"isa\" is not a platform (use \"none\" or \"pc\")");
	reset(NULL);
	expect_refused("web", PROPS(MEM128, KERNEL, STR("platform", "none")), "platform",
		       "a Linux VM needs the \"pc\" platform");
}

static void test_virtio_console(void **state)
{
	(void)state;
	assert_int_equal(parse(build_vm("web", PROPS(MEM128, KERNEL))), 0);
	assert_false(cfg.vms[0].virtio_console);
	reset(NULL);
	assert_int_equal(parse(build_vm("web", PROPS(MEM128, KERNEL, RAW("virtio-console", "", 0)))), 0);
	assert_true(cfg.vms[0].virtio_console);
	reset(NULL);
	assert_int_equal(parse(build_vm("web", PROPS(MEM64, IMG, STR("platform", "pc"), RAW("virtio-console", "", 0)))), 0);
	assert_true(cfg.vms[0].virtio_console);
	reset(NULL);
	expect_refused("web", PROPS(MEM64, IMG, RAW("virtio-console", "", 0)), "virtio-console",
		       "needs the \"pc\" platform (its PCI bus)");
	reset(NULL);
	expect_refused("web", PROPS(MEM64, IMG, STR("platform", "none"), RAW("virtio-console", "", 0)), "virtio-console",
		       "needs the \"pc\" platform");
	reset(NULL);
	expect_refused("web", PROPS(MEM128, KERNEL, STR("virtio-console", "yes")), "virtio-console",
		       "takes no value (write `virtio-console;`)");
}

static void test_test_devices(void **state)
{
	(void)state;
	assert_int_equal(parse(build_vm("web", PROPS(MEM64, IMG))), 0);
	assert_int_equal(cfg.vms[0].test_devices, 0);
	assert_int_equal(cfg.vms[0].test_exit_port, 0);
	reset(NULL);
	assert_int_equal(parse(build_vm("web", PROPS(MEM64, IMG, RAW("test-devices", "mmio\0pci", 9),
						 U32("test-exit", 0xf4)))), 0);
	assert_int_equal(cfg.vms[0].test_devices, CONFIG_TESTDEV_MMIO | CONFIG_TESTDEV_PCI);
	assert_int_equal(cfg.vms[0].test_exit_port, 0xf4);
	reset(NULL);
	expect_refused("web", PROPS(MEM64, IMG, STR("test-devices", "hpet")), "test-devices",
		       "\"hpet\" is not a test device (use \"mmio\" or \"pci\")");
	reset(NULL);
	expect_refused("web", PROPS(MEM64, IMG, RAW("test-devices", "pci\0pci", 8)), "test-devices",
		       "\"pci\" is listed twice");
	reset(NULL);
	expect_refused("web", PROPS(MEM64, IMG, RAW("test-devices", "mmio", 4)), "test-devices",
		       "expected a list of strings (\"mmio\", \"pci\")");
	reset(NULL);
	expect_refused("web", PROPS(MEM64, IMG, U32("test-exit", 0)), "test-exit", "0 is out of range (1..65532)");
	reset(NULL);
	expect_refused("web", PROPS(MEM64, IMG, U32("test-exit", 0x10000)), "test-exit", "65536 is out of range (1..65532)");
}

static void test_linux_cmdline_errors(void **state)
{
	(void)state;
	expect_refused("web", PROPS(MEM128, KERNEL, RAW("cmdline", "quiet", 5)), "cmdline",
		       "is not a NUL-terminated string");
	reset(NULL);
	expect_refused("web", PROPS(MEM128, KERNEL, RAW("cmdline", "", 0)), "cmdline",
		       "is not a NUL-terminated string");
	reset(NULL);
	expect_refused("web", PROPS(MEM128, KERNEL, U32("cmdline", 0x00414200)), "cmdline", "one string, not a list");
	reset(NULL);
	expect_refused("web", PROPS(MEM128, KERNEL, RAW("cmdline", "quiet\0ro", 9)), "cmdline",
		       "one string, not a list");
	reset(NULL);
	expect_refused("web", PROPS(MEM128, KERNEL, STR("cmdline", "quiet\nro")), "cmdline",
		       "command line has a non-printable character at offset 5");
	reset(NULL);
	expect_refused("web", PROPS(MEM128, KERNEL, STR("cmdline", "root=\xc3\xa9")), "cmdline",
		       "non-printable character at offset 5");
	reset(NULL);
	expect_refused("web", PROPS(MEM128, KERNEL, STR("cmdline", "a"), STR("cmdline", "b")), "cmdline",
		       "given twice");
}

static void test_linux_flat_only_props(void **state)
{
	(void)state;
	const char *why = "only for flat images; the Linux loader places the kernel itself";

	expect_refused("web", PROPS(MEM128, KERNEL, U32("load-address", 0x100000)), "load-address", why);
	reset(NULL);
	expect_refused("web", PROPS(MEM128, RAW("kernel-data", fake_kernel, 16), U32("entry", 0x100000)),
		       "entry", why);
}

static void test_linux_memory_minimum(void **state)
{
	(void)state;
	expect_refused("web", PROPS(U32("memory", 32 << 20), KERNEL), "memory",
		       "32 MiB is below the 128 MiB a Linux VM needs (Debian's kernel and initramfs");
	reset(NULL);
	expect_refused("web", PROPS(U32("memory", (128 << 20) - 4096), KERNEL), "memory",
		       "131068 KiB is below the 128 MiB");
	reset(NULL);
	/* the general rules still come first */
	expect_refused("web", PROPS(U32("memory", 1 << 20), KERNEL), "memory", "1 MiB is below the minimum of 2 MiB");
	reset(NULL);
	assert_int_equal(parse(build_vm("web", PROPS(U32("memory", 32 << 20), IMG))), 0);
	assert_int_equal(cfg.vm_count, 1);
}

static void test_mixed_flat_linux_bad(void **state)
{
	(void)state;
	const struct tvm vms[] = {
		{ "flat", PROPS(MEM64, STR("image", "flat.bin")) },
		{ "deb", PROPS(U64("memory", 128ull << 20), KERNEL, STR("initrd", "initrd.img")) },
		{ "bad", PROPS(U32("memory", 32 << 20), KERNEL) },
		{ "tiny", PROPS(U32("memory", 2 << 20), RAW("image-data", payload, sizeof(payload)),
				U32("load-address", 0x10000)) },
		{ "deb2", PROPS(MEM128, RAW("kernel-data", fake_kernel, sizeof(fake_kernel)),
				STR("cmdline", "console=ttyS0 earlyprintk=serial")) },
	};

	assert_int_equal(parse(build_vms(vms, 5)), 0);
	assert_int_equal(cfg.vm_count, 4);
	assert_int_equal(cfg.refused, 1);
	assert_string_equal(cfg.vms[0].name, "flat");
	assert_int_equal(cfg.vms[0].kind, CONFIG_VM_FLAT);
	assert_string_equal(cfg.vms[1].name, "deb");
	assert_int_equal(cfg.vms[1].kind, CONFIG_VM_LINUX);
	assert_string_equal(cfg.vms[1].initrd.path, "initrd.img");
	assert_string_equal(cfg.vms[2].name, "tiny");
	assert_int_equal(cfg.vms[2].kind, CONFIG_VM_FLAT);
	assert_int_equal(cfg.vms[2].entry, 0x10000);
	assert_string_equal(cfg.vms[3].name, "deb2");
	assert_int_equal(cfg.vms[3].kind, CONFIG_VM_LINUX);
	assert_string_equal(cfg.vms[3].cmdline, "console=ttyS0 earlyprintk=serial");
	expect_output("config: /vms/bad: memory: 32 MiB is below the 128 MiB");
	assert_int_equal(count_lines(), 1);
}

/* ---- config_for_each_path ----------------------------------------------- */

struct seen_paths {
	int n;
	char text[512];
};

static void record_path(const char *vm, const char *path, void *ctx)
{
	struct seen_paths *s = ctx;
	size_t used = strlen(s->text);

	snprintf(s->text + used, sizeof(s->text) - used, "%s=%s;", vm, path);
	s->n++;
}

static void test_for_each_path(void **state)
{
	(void)state;
	struct seen_paths s = { 0 };
	const struct tvm vms[] = {
		{ "a", PROPS(MEM64, STR("image", "a.bin")) },
		{ "b", PROPS(MEM64, RAW("image-data", payload, 4)) },
		{ "c", PROPS(U32("memory", 0), STR("image", "c.bin")) },
		{ "d", PROPS(MEM64, RAW("image", "xy", 2)) },
		{ "e", PROPS(MEM64, STR("image", "")) },
	};
	size_t n = build_vms(vms, 5);

	assert_int_equal(config_for_each_path(fdt, n, record_path, &s), 2);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.text, "a=a.bin;c=c.bin;");
	assert_int_equal(console_len, 0);
	assert_int_equal(config_for_each_path(fdt, n - 1, record_path, &s), -EINVAL);
	((uint8_t *)fdt)[1] ^= 0xff;
	assert_int_equal(config_for_each_path(fdt, n, record_path, &s), -EINVAL);
	assert_int_equal(s.n, 2);
}

static void test_for_each_path_kernel_initrd(void **state)
{
	(void)state;
	struct seen_paths s = { 0 };
	const struct tvm vms[] = {
		{ "flat", PROPS(MEM64, STR("image", "flat.bin")) },
		{ "deb", PROPS(MEM64, STR("initrd", "initrd.img"), STR("kernel", "vmlinuz")) },
		{ "inl", PROPS(MEM128, RAW("kernel-data", fake_kernel, 16), STR("initrd", "i2.img")) },
		{ "both", PROPS(U32("memory", 0), STR("kernel", "k3"), STR("image", "x.bin")) },
		{ "badk", PROPS(MEM64, STR("kernel", ""), RAW("initrd", "ab", 2)) },
	};
	size_t n = build_vms(vms, 5);

	assert_int_equal(config_for_each_path(fdt, n, record_path, &s), 6);
	assert_string_equal(s.text, "flat=flat.bin;deb=vmlinuz;deb=initrd.img;inl=i2.img;both=x.bin;both=k3;");
	assert_int_equal(console_len, 0);
}

static void test_for_each_path_no_vms(void **state)
{
	(void)state;
	start_blob();
	add_node("basalt", PROPS(U32("version", 1)));
	assert_int_equal(config_for_each_path(fdt, finish_blob(), record_path, NULL), 0);
}

/* ---- multiboot VMs ------------------------------------------------------ */

#define MB STR("multiboot", "mb/kernel.elf")
#define MODS(...) RAW("modules", (const char[]){ __VA_ARGS__ }, sizeof((const char[]){ __VA_ARGS__ }))

static const char two_modules[] = "mb/a.bin first arg\0mb/b.bin";

static void test_multiboot_valid(void **state)
{
	const struct vm_config *vm = &cfg.vms[0];

	(void)state;
	assert_int_equal(parse(build_vm("mb", PROPS(MEM64, MB, STR("cmdline", "x=1 y"),
						    RAW("modules", two_modules, sizeof(two_modules)),
						    U32("test-exit", 0x501)))), 0);
	assert_int_equal(cfg.vm_count, 1);
	assert_int_equal(vm->kind, CONFIG_VM_MULTIBOOT);
	assert_int_equal(vm->kernel.source, CONFIG_IMAGE_FILE);
	assert_string_equal(vm->kernel.path, "mb/kernel.elf");
	assert_int_equal(vm->image.source, CONFIG_IMAGE_NONE);
	assert_string_equal(vm->cmdline, "x=1 y");
	assert_true(vm->platform_pc);
	assert_int_equal(vm->test_exit_port, 0x501);
	assert_int_equal(vm->load_address, 0);
	assert_int_equal(vm->nr_modules, 2);
	assert_string_equal(vm->modules[0].file.path, "mb/a.bin");
	assert_int_equal(vm->modules[0].file.source, CONFIG_IMAGE_FILE);
	assert_string_equal(vm->modules[0].string, "mb/a.bin first arg");
	assert_string_equal(vm->modules[1].file.path, "mb/b.bin");
	assert_string_equal(vm->modules[1].string, "mb/b.bin");
	assert_int_equal(console_len, 0);
}

static void test_multiboot_inline_defaults(void **state)
{
	const struct vm_config *vm = &cfg.vms[0];

	(void)state;
	assert_int_equal(parse(build_vm("mb", PROPS(MEM64, RAW("multiboot-data", payload, 64),
						    STR("platform", "pc")))), 0);
	assert_int_equal(vm->kind, CONFIG_VM_MULTIBOOT);
	assert_int_equal(vm->kernel.source, CONFIG_IMAGE_INLINE);
	assert_int_equal(vm->kernel.size, 64);
	assert_string_equal(vm->cmdline, "");
	assert_int_equal(vm->nr_modules, 0);
	assert_int_equal(vm->test_exit_port, 0);
	assert_true(vm->platform_pc);
}

static void test_multiboot_refused_props(void **state)
{
	(void)state;
	expect_refused("mb", PROPS(MEM64, MB, U64("load-address", 0x200000)), "load-address", "not for multiboot kernels");
	reset(state);
	expect_refused("mb", PROPS(MEM64, MB, U64("entry", 0x200000)), "entry", "not for multiboot kernels");
	reset(state);
	expect_refused("mb", PROPS(MEM64, MB, STR("initrd", "i.img")), "initrd", "not for multiboot kernels");
	reset(state);
	expect_refused("mb", PROPS(MEM64, MB, STR("platform", "none")), "platform", "needs the \"pc\" platform");
	reset(state);
	expect_refused("mb", PROPS(MEM64, MB, KERNEL), "multiboot", "conflicts with kernel");
	reset(state);
	expect_refused("mb", PROPS(MEM64, IMG, MB), "multiboot", "conflicts with image");
	reset(state);
	expect_refused("mb", PROPS(MEM64, MB, RAW("multiboot-data", payload, 4)), "multiboot-data", "conflicts with multiboot");
	reset(state);
	expect_refused("mb", PROPS(MEM64, RAW("multiboot-data", payload, 0)), "multiboot-data", "is empty");
	reset(state);
	expect_refused("mb", PROPS(MEM64, STR("multiboot", "")), "multiboot", "is empty");
	reset(state);
	/* Modules belong to multiboot kernels only. */
	expect_refused("web", PROPS(MEM64, IMG, MODS("a.bin")), "modules", "given without a multiboot kernel");
	reset(state);
	expect_refused("deb", PROPS(MEM128, KERNEL, MODS("a.bin")), "modules", "given without a multiboot kernel");
}

static void test_multiboot_bad_modules(void **state)
{
	char long_entry[CONFIG_MODULE_STRING_MAX + 1], long_path[CONFIG_PATH_MAX + 8];
	char nine[9 * 4];

	(void)state;
	expect_refused("mb", PROPS(MEM64, MB, RAW("modules", "a.bin", 5)), "modules", "expected a list of strings");
	reset(state);
	expect_refused("mb", PROPS(MEM64, MB, RAW("modules", "", 1)), "modules", "expected a list of strings");
	reset(state);
	expect_refused("mb", PROPS(MEM64, MB, MODS("a.bin\0\0b.bin")), "modules", "entry 1 is empty or starts with a blank");
	reset(state);
	expect_refused("mb", PROPS(MEM64, MB, MODS(" a.bin")), "modules", "entry 0 is empty or starts with a blank");
	reset(state);
	expect_refused("mb", PROPS(MEM64, MB, MODS("a.bin\0b\tx")), "modules", "entry 1 has a non-printable character at offset 1");
	reset(state);
	memset(long_entry, 'x', sizeof(long_entry) - 1);
	long_entry[0] = 'a';
	long_entry[1] = ' ';
	long_entry[sizeof(long_entry) - 1] = '\0';
	expect_refused("mb", PROPS(MEM64, MB, RAW("modules", long_entry, sizeof(long_entry))), "modules",
		       "entry 0 is 256 characters, the limit is 255");
	reset(state);
	memset(long_path, 'p', sizeof(long_path) - 1);
	long_path[sizeof(long_path) - 1] = '\0';
	expect_refused("mb", PROPS(MEM64, MB, RAW("modules", long_path, sizeof(long_path))), "modules",
		       "is longer than 127 characters");
	reset(state);
	for (int i = 0; i < 9; i++)
		memcpy(nine + i * 4, "m.b", 4);
	expect_refused("mb", PROPS(MEM64, MB, RAW("modules", nine, sizeof(nine))), "modules", "more than 8 modules");
	reset(state);
	/* Eight is the limit, not an error. */
	assert_int_equal(parse(build_vm("mb", PROPS(MEM64, MB, RAW("modules", nine, 8 * 4)))), 0);
	assert_int_equal(cfg.vms[0].nr_modules, 8);
}

static void test_for_each_path_multiboot(void **state)
{
	(void)state;
	struct seen_paths s = { 0 };
	const struct tvm vms[] = {
		{ "mb", PROPS(MEM64, MB, RAW("modules", two_modules, sizeof(two_modules))) },
		{ "inl", PROPS(MEM64, RAW("multiboot-data", payload, 8), MODS("c.bin x\0\tbad\0d.bin")) },
		{ "notlist", PROPS(MEM64, MB, RAW("modules", "e.bin", 5)) },
	};
	size_t n = build_vms(vms, 3);

	assert_int_equal(config_for_each_path(fdt, n, record_path, &s), 6);
	assert_string_equal(s.text, "mb=mb/kernel.elf;mb=mb/a.bin;mb=mb/b.bin;inl=c.bin;inl=d.bin;notlist=mb/kernel.elf;");
	assert_int_equal(console_len, 0);
}

#define T(f) cmocka_unit_test_setup(f, reset)

/* ---- scheduling admission (config_sched.c) -------------------------------- */

static const char cpus_1_2[8] = { 0, 0, 0, 1, 0, 0, 0, 2 };

static void test_sched_per_vm_and_default(void **state)
{
	(void)state;
	assert_int_equal(parse(build_vms((const struct tvm[]){
		{ "a", PROPS(MEM64, IMG) }, { "b", PROPS(MEM64, IMG, STR("sched", "rr")) },
		{ "c", PROPS(MEM64, IMG, STR("sched", "pinned")) } }, 3)), 0);
	assert_int_equal(cfg.vm_count, 3);
	assert_int_equal(cfg.vms[0].policy, CONFIG_SCHED_SHARES);
	assert_int_equal(cfg.vms[1].policy, CONFIG_SCHED_RR);
	assert_int_equal(cfg.vms[2].policy, CONFIG_SCHED_PINNED);
	assert_int_equal(cfg.vms[2].cpu_mask, 1u << 3); /* no cpus: the highest free core */
	assert_int_equal(cfg.vms[0].cpu_mask, 0x7);      /* core 3 left every other mask */
	assert_int_equal(cfg.vms[1].cpu_mask, 0x7);
	expect_output("config: /vms/a: cpus: core(s) 0x8 now pinned to /vms/c; the VM runs on the others\n");
}

static void test_sched_bad_policy(void **state)
{
	(void)state;
	expect_refused("a", PROPS(MEM64, IMG, STR("sched", "fifo")), "sched",
		       "\"fifo\" is not a policy (use \"pinned\", \"rr\" or \"shares\")");
}

static void test_sched_pinned_twice_refused(void **state)
{
	(void)state;
	assert_int_equal(parse(build_vms((const struct tvm[]){
		{ "a", PROPS(MEM64, IMG, STR("sched", "pinned"), U32("cpus", 1)) },
		{ "b", PROPS(MEM64, IMG, STR("sched", "pinned"), U32("cpus", 1)) } }, 2)), 0);
	assert_int_equal(cfg.vm_count, 1);
	assert_int_equal(cfg.refused, 1);
	expect_output("config: /vms/b: cpus: core 1 is already pinned to /vms/a; VM refused\n");
}

static void test_sched_pinned_too_few_cores(void **state)
{
	(void)state;
	expect_refused("rt", PROPS(MEM64, IMG, U32("vcpus", 4), STR("sched", "pinned"), RAW("cpus", cpus_1_2, 8)),
		       "vcpus", "4 pinned vCPUs but cpus names 2 cores");
	reset(NULL);
	expect_refused("rt", PROPS(MEM64, IMG, U32("vcpus", 5), STR("sched", "pinned")), "vcpus",
		       "5 pinned vCPUs but only 4 host cores are free of other pinned VMs");
}

static void test_sched_pinned_keeps_others_a_core(void **state)
{
	(void)state;
	assert_int_equal(parse(build_vms((const struct tvm[]){
		{ "a", PROPS(MEM64, IMG, U32("cpus", 2)) },
		{ "rt", PROPS(MEM64, IMG, STR("sched", "pinned"), U32("cpus", 2)) },
		{ "c", PROPS(MEM64, IMG, STR("sched", "pinned"), U32("cpus", 3)) },
		{ "d", PROPS(MEM64, IMG, U32("cpus", 3)) } }, 4)), 0);
	assert_int_equal(cfg.vm_count, 2);
	assert_int_equal(cfg.refused, 2);
	expect_output("config: /vms/rt: cpus: would take every core /vms/a may run on; VM refused\n");
	expect_output("config: /vms/d: cpus: every core it may run on is pinned to another VM; VM refused\n");
}

static void test_sched_note_for_named_pinned_core(void **state)
{
	(void)state;
	assert_int_equal(parse(build_vms((const struct tvm[]){
		{ "rt", PROPS(MEM64, IMG, STR("sched", "pinned"), U32("cpus", 1)) },
		{ "b", PROPS(MEM64, IMG, RAW("cpus", cpus_1_2, 8)) } }, 2)), 0);
	assert_int_equal(cfg.vm_count, 2);
	assert_int_equal(cfg.vms[1].cpu_mask, 1u << 2);
	expect_output("config: /vms/b: cpus: core(s) 0x2 are pinned to other VMs; the VM runs on the others\n");
}

static void test_sched_mask_names_missing_core(void **state)
{
	(void)state;
	expect_refused("a", PROPS(MEM64, IMG, STR("sched", "pinned"), U32("cpus", 4)), "cpus",
		       "CPU 4 is out of range (this host has 4 usable CPUs)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_valid_four_vms), T(test_basalt_defaults), T(test_sched_rr_explicit),
		T(test_sched_per_vm_and_default), T(test_sched_bad_policy), T(test_sched_pinned_twice_refused),
		T(test_sched_pinned_too_few_cores), T(test_sched_pinned_keeps_others_a_core),
		T(test_sched_mask_names_missing_core), T(test_sched_note_for_named_pinned_core),
		T(test_multiboot_valid), T(test_multiboot_inline_defaults), T(test_multiboot_refused_props),
		T(test_multiboot_bad_modules), T(test_for_each_path_multiboot),
		T(test_inline_image_at_end_of_memory), T(test_cpu_mask_wide_host),
		T(test_bad_magic), T(test_truncated), T(test_totalsize_beyond_buffer), T(test_corrupt_structure),
		T(test_old_fdt_version),
		T(test_misaligned_blob), T(test_missing_basalt), T(test_missing_version), T(test_wrong_version),
		T(test_bad_sched), T(test_bad_timeslice), T(test_basalt_unknown_or_repeated),
		T(test_root_strictness), T(test_no_vms), T(test_vms_property),
		T(test_memory_errors), T(test_memory_exceeds_host), T(test_vcpus_errors), T(test_image_choice),
		T(test_image_not_string), T(test_image_path_length), T(test_load_address_errors),
		T(test_entry_errors), T(test_shares_errors), T(test_cpus_errors), T(test_unknown_property),
		T(test_child_node_refused), T(test_names), T(test_names_with_terminal_controls),
		T(test_long_name_is_cut_in_message),
		T(test_duplicate_names), T(test_duplicate_of_refused_vm_is_accepted), T(test_too_many_vms),
		T(test_bad_vm_between_good_ones), T(test_linux_vms), T(test_linux_defaults),
		T(test_linux_cmdline_limit), T(test_linux_image_conflicts), T(test_linux_only_props),
		T(test_linux_cmdline_errors), T(test_linux_flat_only_props), T(test_linux_memory_minimum),
		T(test_mixed_flat_linux_bad), T(test_for_each_path), T(test_for_each_path_kernel_initrd),
		T(test_for_each_path_no_vms), T(test_platform), T(test_virtio_console), T(test_test_devices),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
