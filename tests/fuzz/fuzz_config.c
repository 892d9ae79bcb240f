/* SPDX-License-Identifier: MIT */
/* libFuzzer target: any bytes fed to the config parser must neither crash it nor break its promises. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/config.h"
#include "kernel/console.h"
#include "kernel/errno.h"
#include "tests/fuzz/fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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

/* A FILE or INLINE image: a NUL-terminated non-empty path, or bytes that lie inside the blob. */
static void check_image(const struct config_image *img, const uint8_t *blob, size_t size)
{
	if (img->source == CONFIG_IMAGE_INLINE) {
		const uint8_t *d = img->data;

		CHECK(img->size && img->size <= size);
		CHECK(d >= blob && d - blob <= (ptrdiff_t)(size - img->size));
	} else {
		CHECK(img->source == CONFIG_IMAGE_FILE);
		CHECK(img->path[0] && memchr(img->path, '\0', sizeof(img->path)));
	}
}

static void check_flat(const struct vm_config *vm, const uint8_t *blob, size_t size)
{
	CHECK(vm->load_address >= CONFIG_MIN_LOAD && vm->load_address % 4096 == 0);
	CHECK(vm->entry >= vm->load_address && vm->entry < vm->memory_bytes);
	check_image(&vm->image, blob, size);
	if (vm->image.source == CONFIG_IMAGE_INLINE) {
		CHECK(vm->load_address + vm->image.size <= vm->memory_bytes);
		CHECK(vm->entry < vm->load_address + vm->image.size);
	}
	CHECK(vm->kernel.source == CONFIG_IMAGE_NONE && vm->initrd.source == CONFIG_IMAGE_NONE);
	CHECK(vm->cmdline[0] == '\0');
}

static void check_linux(const struct vm_config *vm, const uint8_t *blob, size_t size)
{
	const char *end = memchr(vm->cmdline, '\0', sizeof(vm->cmdline));

	CHECK(vm->memory_bytes >= CONFIG_MIN_LINUX_MEMORY);
	CHECK(vm->load_address == 0 && vm->entry == 0);
	CHECK(vm->image.source == CONFIG_IMAGE_NONE);
	check_image(&vm->kernel, blob, size);
	if (vm->initrd.source != CONFIG_IMAGE_NONE)
		check_image(&vm->initrd, blob, size);
	CHECK(end);
	for (const char *c = vm->cmdline; c < end; c++)
		CHECK(*c >= 0x20 && *c < 0x7f);
}

static void check_multiboot(const struct vm_config *vm, const uint8_t *blob, size_t size)
{
	CHECK(vm->platform_pc && vm->load_address == 0 && vm->entry == 0);
	CHECK(vm->image.source == CONFIG_IMAGE_NONE && vm->initrd.source == CONFIG_IMAGE_NONE);
	check_image(&vm->kernel, blob, size);
	CHECK(memchr(vm->cmdline, '\0', sizeof(vm->cmdline)));
	CHECK(vm->nr_modules <= CONFIG_MAX_MODULES);
	for (unsigned i = 0; i < vm->nr_modules; i++) {
		const struct config_module *m = &vm->modules[i];
		size_t plen = strlen(m->file.path), slen = strnlen(m->string, sizeof(m->string));

		CHECK(m->file.source == CONFIG_IMAGE_FILE && plen > 0 && plen < CONFIG_PATH_MAX);
		CHECK(slen < sizeof(m->string) && slen >= plen && !memcmp(m->string, m->file.path, plen));
		CHECK(m->string[plen] == '\0' || m->string[plen] == ' ');
		for (size_t j = 0; j < slen; j++)
			CHECK(m->string[j] >= 0x20 && m->string[j] < 0x7f);
	}
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
	CHECK(vm->kind == CONFIG_VM_FLAT || vm->kind == CONFIG_VM_LINUX || vm->kind == CONFIG_VM_MULTIBOOT);
	CHECK(vm->kind == CONFIG_VM_MULTIBOOT || vm->nr_modules == 0);
	if (vm->kind == CONFIG_VM_MULTIBOOT)
		check_multiboot(vm, blob, size);
	else if (vm->kind == CONFIG_VM_FLAT)
		check_flat(vm, blob, size);
	else
		check_linux(vm, blob, size);
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
