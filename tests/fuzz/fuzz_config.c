/* SPDX-License-Identifier: MIT */
/* libFuzzer target: any bytes fed to the config parser must neither crash it nor break its promises. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/config.h"
#include "kernel/console.h"
#include "kernel/errno.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                    \
	do {                           \
		if (!(cond))           \
			__builtin_trap(); \
	} while (0)

/* Discards output, but a line cut short by the console's buffer would lose its newline. */
static void check_line(const char *text, size_t len)
{
	CHECK(len > 0 && len < 511 && text[len - 1] == '\n');
	CHECK(memchr(text, '\n', len) == text + len - 1);
}

static void count_path(const char *vm, const char *path, void *ctx)
{
	/* strlen walks every byte so ASan sees a read past the blob */
	*(size_t *)ctx += strlen(vm) + strlen(path);
}

static void check_vm(const struct vm_config *vm, const uint8_t *blob, size_t size,
		     const struct config_limits *limits)
{
	CHECK(memchr(vm->name, '\0', sizeof(vm->name)) && vm->name[0]);
	CHECK(vm->memory_bytes >= CONFIG_MIN_MEMORY && vm->memory_bytes <= CONFIG_MAX_MEMORY);
	CHECK(vm->memory_bytes % 4096 == 0);
	CHECK(vm->vcpus >= 1 && vm->vcpus <= CONFIG_MAX_VCPUS);
	CHECK(vm->shares >= 1 && vm->shares <= CONFIG_MAX_SHARES);
	CHECK(vm->cpu_mask && !(vm->cpu_mask & ~((1ull << limits->host_cpus) - 1)));
	CHECK(vm->load_address >= CONFIG_MIN_LOAD && vm->load_address % 4096 == 0);
	CHECK(vm->entry >= vm->load_address && vm->entry < vm->memory_bytes);
	if (vm->image.source == CONFIG_IMAGE_INLINE) {
		const uint8_t *d = vm->image.data;

		CHECK(vm->image.size && vm->image.size <= size);
		CHECK(d >= blob && d - blob <= (ptrdiff_t)(size - vm->image.size));
		CHECK(vm->load_address + vm->image.size <= vm->memory_bytes);
		CHECK(vm->entry < vm->load_address + vm->image.size);
	} else {
		CHECK(vm->image.source == CONFIG_IMAGE_FILE);
		CHECK(vm->image.path[0] && memchr(vm->image.path, '\0', sizeof(vm->image.path)));
	}
}

static void check_config(int rc, const struct basalt_config *cfg, const uint8_t *blob, size_t size,
			 const struct config_limits *limits)
{
	uint64_t total = 0;

	CHECK(rc == 0 || rc == -EINVAL);
	CHECK(cfg->vm_count <= CONFIG_MAX_VMS);
	if (rc)
		CHECK(cfg->vm_count == 0);
	for (unsigned i = 0; i < cfg->vm_count; i++) {
		check_vm(&cfg->vms[i], blob, size, limits);
		total += cfg->vms[i].memory_bytes;
		for (unsigned j = 0; j < i; j++)
			CHECK(strcmp(cfg->vms[i].name, cfg->vms[j].name) != 0);
	}
	CHECK(total <= limits->host_memory_bytes);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct basalt_config cfg;
	const struct config_limits limits = { .host_memory_bytes = 4ull << 30, .host_cpus = 8 };
	size_t paths = 0;
	uint8_t *blob = malloc(size ? size : 1); /* malloc is 16-byte aligned, as libfdt needs */
	int rc;

	CHECK(blob);
	memcpy(blob, data, size);
	console_set_sink(check_line);
	rc = config_parse(blob, size, &limits, &cfg);
	check_config(rc, &cfg, blob, size, &limits);
	rc = config_for_each_path(blob, size, count_path, &paths);
	CHECK(rc >= -EINVAL);
	free(blob);
	return 0;
}
