/* SPDX-License-Identifier: MIT */
/* Unit tests for the device part of the config (kernel/config_dev.c): blobs compiled from DTS text by dtc. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "drivers/net/eth.h"
#include "kernel/config.h"
#include "kernel/console.h"

#include "tests/unit/console_capture.h"

static uint64_t blob[65536 / 8];
static struct basalt_config cfg;
static struct config_limits limits = { .host_memory_bytes = 1ull << 30, .host_cpus = 2 };

/* Compiles "/dts-v1/; / { basalt { version = <1>; }; <body> };" with dtc into blob. Forced (-f):
 * some tests need what dtc itself refuses (a property or node twice); a syntax error still
 * produces no blob and fails. */
static size_t compile(const char *body)
{
	char src[] = "/tmp/basalt-cfgdev-XXXXXX";
	char cmd[256];
	int fd = mkstemp(src);
	FILE *f, *p;
	size_t n;

	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fprintf(f, "/dts-v1/;\n/ {\n basalt { version = <1>; };\n%s\n};\n", body);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "dtc -q -f -I dts -O dtb %s 2>/dev/null", src);
	p = popen(cmd, "r");
	assert_non_null(p);
	n = fread(blob, 1, sizeof(blob), p);
	pclose(p);
	unlink(src);
	assert_true(n > 0);
	return n;
}

static int parse(const char *body)
{
	size_t n = compile(body);

	capture_clear();
	return config_parse(blob, n, &limits, &cfg);
}

static const struct vm_config *vm_named(const char *name)
{
	for (unsigned i = 0; i < cfg.vm_count; i++)
		if (!strcmp(cfg.vms[i].name, name))
			return &cfg.vms[i];
	return NULL;
}

#define PC_VM(name, children) \
	" vms { " name " { memory = <0x4000000>; image = \"g.bin\"; platform = \"pc\"; " children " }; };"
#define LAN0 " switches { lan0 { }; lan1 { mtu = <9000>; }; };"

/* One VM refused with exactly `line`, nothing accepted. */
static void expect_refused(const char *body, const char *line)
{
	assert_int_equal(parse(body), 0);
	assert_int_equal(cfg.vm_count, 0);
	assert_int_equal(cfg.refused, 1);
	expect_output(line);
}

static void test_switches(void **state)
{
	(void)state;
	assert_int_equal(parse(LAN0), 0);
	assert_int_equal(cfg.nr_switches, 2);
	assert_string_equal(cfg.switches[0].name, "lan0");
	assert_int_equal(cfg.switches[0].mtu, 1500);
	assert_int_equal(cfg.switches[1].mtu, 9000);
	assert_false(cfg.switches[1].refused);
}

static void test_bad_switches(void **state)
{
	(void)state;
	assert_int_equal(parse(" switches { lan0 { mtu = <9001>; }; lan1 { vlan = <3>; }; lan1 { }; Big { }; };"), 0);
	expect_output("config: /switches/lan0: mtu: 9001 is out of range (68..9000); switch refused\n");
	expect_output("config: /switches/lan1: vlan: unknown property (a switch takes only mtu); switch refused\n");
	expect_output("config: /switches/lan1: duplicate switch name; switch refused\n");
	expect_output("config: /switches/Big: name: character 0x42 is not allowed");
	assert_true(cfg.switches[0].refused);
	/* /switches itself with a property: the whole config is refused. */
	assert_int_equal(parse(" switches { mtu = <1500>; };"), -22);
	expect_output("config: /switches: mtu: unexpected property (switches are the child nodes of /switches); config refused\n");
}

static void test_nic(void **state)
{
	const struct vm_config *vm;

	(void)state;
	assert_int_equal(parse(LAN0 PC_VM("web", "net { switch = \"lan1\"; mac = [02 11 22 33 44 55]; allow-spoofing; };"
					       "net-b { switch = \"lan0\"; };")),
			 0);
	vm = vm_named("web");
	assert_non_null(vm);
	assert_int_equal(vm->nr_nics, 2);
	assert_string_equal(vm->nics[0].node, "net");
	assert_int_equal(vm->nics[0].switch_index, 1);
	assert_memory_equal(vm->nics[0].mac, "\x02\x11\x22\x33\x44\x55", 6);
	assert_true(vm->nics[0].allow_spoofing);
	assert_int_equal(vm->nics[1].switch_index, 0);
	assert_false(vm->nics[1].allow_spoofing);
	/* generated: locally administered unicast, stable */
	assert_int_equal(vm->nics[1].mac[0] & 3, 2);
	{
		uint8_t again[6];

		eth_mac_from_name("web", 1, again);
		assert_memory_equal(again, vm->nics[1].mac, 6);
		eth_mac_from_name("web", 0, again);
		assert_memory_not_equal(again, vm->nics[1].mac, 6);
		eth_mac_from_name("wec", 1, again);
		assert_memory_not_equal(again, vm->nics[1].mac, 6);
	}
}

static void test_nic_errors(void **state)
{
	(void)state;
	expect_refused(LAN0 PC_VM("a", "net { };"), "config: /vms/a/net: switch: missing (name a switch of /switches); VM refused\n");
	expect_refused(LAN0 PC_VM("a", "net { switch = \"lan9\"; };"),
		       "config: /vms/a/net: switch: \"lan9\" is not a switch (define it under /switches); VM refused\n");
	expect_refused(LAN0 PC_VM("a", "net { switch = \"lan0\"; speed = <10>; };"),
		       "config: /vms/a/net: speed: unknown property; VM refused\n");
	expect_refused(LAN0 PC_VM("a", "net { switch = \"lan0\"; mac = [02 11 22 33 44]; };"),
		       "config: /vms/a/net: mac: has 5 bytes, expected 6");
	expect_refused(LAN0 PC_VM("a", "net { switch = \"lan0\"; mac = [01 00 5e 00 00 01]; };"),
		       "config: /vms/a/net: mac: 01:00:5e:00:00:01 is a multicast address; VM refused\n");
	expect_refused(LAN0 PC_VM("a", "net { switch = \"lan0\"; mac = [00 00 00 00 00 00]; };"),
		       "config: /vms/a/net: mac: 00:00:00:00:00:00 is not an address");
	expect_refused(LAN0 PC_VM("a", "net { switch = \"lan0\"; allow-spoofing = <1>; };"),
		       "config: /vms/a/net: allow-spoofing: takes no value (write `allow-spoofing;`)");
	expect_refused(" switches { lan0 { mtu = <1>; }; };" PC_VM("a", "net { switch = \"lan0\"; };"),
		       "config: /vms/a/net: switch: switch \"lan0\" was refused (see its line above); VM refused\n");
	expect_refused(LAN0 PC_VM("a", "net0 { switch = \"lan0\"; }; net1 { switch = \"lan0\"; }; net2 { switch = \"lan0\"; };"
					"net3 { switch = \"lan0\"; }; net4 { switch = \"lan0\"; };"),
		       "config: /vms/a/net4: too many network ports (at most 4 per VM); VM refused\n");
	expect_refused(LAN0 " vms { a { memory = <0x4000000>; image = \"g.bin\"; net { switch = \"lan0\"; }; }; };",
		       "config: /vms/a: net: a virtio device needs the \"pc\" platform (its PCI bus); VM refused\n");
}

static void test_duplicate_mac(void **state)
{
	(void)state;
	assert_int_equal(parse(LAN0 " vms {"
			       " a { memory = <0x4000000>; image = \"g.bin\"; platform = \"pc\"; net { switch = \"lan0\"; mac = [02 00 00 00 00 07]; }; };"
			       " b { memory = <0x4000000>; image = \"g.bin\"; platform = \"pc\"; eth-net { }; net { switch = \"lan1\"; mac = [02 00 00 00 00 07]; }; };"
			       " c { memory = <0x4000000>; image = \"g.bin\"; platform = \"pc\"; net-x { switch = \"lan1\"; mac = [02 00 00 00 00 07]; }; };"
			       " d { memory = <0x4000000>; image = \"g.bin\"; platform = \"pc\"; net { switch = \"lan1\"; mac = [02 00 00 00 00 08]; };"
			       "     net2 { switch = \"lan0\"; mac = [02 00 00 00 00 08]; }; };"
			       " e { memory = <0x4000000>; image = \"g.bin\"; platform = \"pc\"; net { switch = \"lan1\"; }; }; };"),
			 0);
	assert_int_equal(cfg.vm_count, 2);
	assert_non_null(vm_named("a"));
	assert_non_null(vm_named("e"));
	expect_output("config: /vms/b/eth-net: unexpected child node (devices are disk* or net* nodes); VM refused\n");
	expect_output("config: /vms/c/net-x: mac: 02:00:00:00:00:07 is already used by /vms/a/net; VM refused\n");
	expect_output("config: /vms/d/net2: mac: 02:00:00:00:00:08 is already used by /vms/d/net; VM refused\n");
}

static void test_ram_disks(void **state)
{
	const struct vm_config *vm;

	(void)state;
	assert_int_equal(parse(PC_VM("db", "disk { size = <0x100000>; }; disk-data { image = \"data.img\"; read-only; };"
					   "disk2 { image-data = [01 02 03]; }; disk3 { image-data = [01 02]; size = <0 0x400>; };")),
			 0);
	vm = vm_named("db");
	assert_non_null(vm);
	assert_int_equal(vm->nr_disks, 4);
	assert_int_equal(vm->disks[0].backend, CONFIG_DISK_RAM);
	assert_int_equal(vm->disks[0].size_bytes, 0x100000);
	assert_int_equal(vm->disks[0].image.source, CONFIG_IMAGE_NONE);
	assert_string_equal(vm->disks[1].node, "disk-data");
	assert_int_equal(vm->disks[1].image.source, CONFIG_IMAGE_FILE);
	assert_string_equal(vm->disks[1].image.path, "data.img");
	assert_int_equal(vm->disks[1].size_bytes, 0); /* the file's size, known at boot */
	assert_true(vm->disks[1].read_only);
	assert_int_equal(vm->disks[2].image.source, CONFIG_IMAGE_INLINE);
	assert_int_equal(vm->disks[2].image.size, 3);
	assert_int_equal(vm->disks[2].size_bytes, 512);
	assert_int_equal(vm->disks[3].size_bytes, 0x400);
}

static void test_disk_errors(void **state)
{
	(void)state;
	expect_refused(PC_VM("a", "disk { };"),
		       "config: /vms/a/disk: says nothing about its medium (give partition, partition-guid, size, image or "
		       "image-data); VM refused\n");
	expect_refused(PC_VM("a", "disk { size = <1000>; };"),
		       "config: /vms/a/disk: size: 1000 bytes is not a positive multiple of 512; VM refused\n");
	expect_refused(PC_VM("a", "disk { size = <0x2 0x0>; };"),
		       "config: /vms/a/disk: size: 8 GiB is above the RAM disk limit of 4 GiB; VM refused\n");
	expect_refused(PC_VM("a", "disk { partition = \"root\"; size = <0x1000>; };"),
		       "config: /vms/a/disk: size: is for RAM disks; this disk is a partition; VM refused\n");
	expect_refused(PC_VM("a", "disk { partition = \"root\"; partition-guid = \"0fc63daf-8483-4772-8e79-3d69d8477de4\"; };"),
		       "config: /vms/a/disk: partition-guid: conflicts with partition (name the partition one way)");
	expect_refused(PC_VM("a", "disk { image = \"x\"; image-data = [00]; };"),
		       "config: /vms/a/disk: image-data: conflicts with image (give at most one of the two)");
	expect_refused(PC_VM("a", "disk { image-data = [00 01 02]; size = <2>; };"),
		       "config: /vms/a/disk: size: 2 bytes is not a positive multiple of 512");
	expect_refused(PC_VM("a", "disk { partition-guid = \"0fc63daf-8483-4772-8e79-3d69d8477de\"; };"),
		       "config: /vms/a/disk: partition-guid: is not a GUID");
	expect_refused(PC_VM("a", "disk { partition-guid = \"0fc63daf-8483-4772-8e79x3d69d8477de4\"; };"),
		       "config: /vms/a/disk: partition-guid: is not a GUID: character 24");
	expect_refused(PC_VM("a", "disk { partition = \"\"; };"), "config: /vms/a/disk: partition: is empty");
	expect_refused(PC_VM("a", "disk { partition = \"root\"; read-only = \"yes\"; };"),
		       "config: /vms/a/disk: read-only: takes no value (write `read-only;`)");
	expect_refused(PC_VM("a", "disk { partition = \"root\"; partition = \"b\"; };"),
		       "config: /vms/a/disk: partition: given twice");
	expect_refused(PC_VM("a", "disk { partition = \"root\"; sub { }; };"),
		       "config: /vms/a/disk: sub: unexpected child node; VM refused\n");
	expect_refused(PC_VM("a", "disk0 { size = <512>; }; disk1 { size = <512>; }; disk2 { size = <512>; };"
				  "disk3 { size = <512>; }; disk4 { size = <512>; };"),
		       "config: /vms/a/disk4: too many disks (at most 4 per VM); VM refused\n");
	expect_refused(PC_VM("a", "diskette { size = <512>; };"),
		       "config: /vms/a/diskette: unexpected child node (devices are disk* or net* nodes); VM refused\n");
	expect_refused(" vms { a { memory = <0x4000000>; image = \"g.bin\"; disk { size = <512>; }; }; };",
		       "config: /vms/a: disk: a virtio device needs the \"pc\" platform (its PCI bus); VM refused\n");
}

static void test_partitions(void **state)
{
	(void)state;
	assert_int_equal(parse(" vms {"
			       " a { memory = <0x4000000>; image = \"g.bin\"; platform = \"pc\"; disk { partition = \"web-root\"; }; };"
			       " b { memory = <0x4000000>; image = \"g.bin\"; platform = \"pc\"; disk { partition = \"web-root\"; read-only; }; };"
			       " c { memory = <0x4000000>; image = \"g.bin\"; platform = \"pc\"; disk { partition = \"shared\"; read-only; }; };"
			       " d { memory = <0x4000000>; image = \"g.bin\"; platform = \"pc\"; disk { partition = \"shared\"; read-only; }; };"
			       " e { memory = <0x4000000>; image = \"g.bin\"; platform = \"pc\"; disk { partition-guid = \"0FC63DAF-8483-4772-8E79-3D69D8477DE4\"; }; };"
			       " f { memory = <0x4000000>; image = \"g.bin\"; platform = \"pc\"; disk { partition-guid = \"0fc63daf-8483-4772-8e79-3d69d8477de4\"; read-only; }; };"
			       " g { memory = <0x4000000>; image = \"g.bin\"; platform = \"pc\"; disk { partition = \"x\"; }; disk2 { partition = \"x\"; read-only; }; };"
			       " };"),
			 0);
	assert_int_equal(cfg.vm_count, 4);
	assert_non_null(vm_named("a"));
	assert_non_null(vm_named("c"));
	assert_non_null(vm_named("d"));
	assert_non_null(vm_named("e"));
	assert_string_equal(vm_named("e")->disks[0].partition_guid, "0fc63daf-8483-4772-8e79-3d69d8477de4");
	assert_int_equal(vm_named("e")->disks[0].backend, CONFIG_DISK_PARTITION);
	expect_output("config: /vms/b/disk: partition: already given to /vms/a/disk, and a writable partition belongs to "
		      "one disk; VM refused\n");
	expect_output("config: /vms/f/disk: partition-guid: already given to /vms/e/disk");
	expect_output("config: /vms/g/disk: partition: already given to /vms/g/disk2");
}

static void test_ram_disk_memory(void **state)
{
	(void)state;
	limits.host_memory_bytes = 256ull << 20;
	assert_int_equal(parse(" vms {"
			       " a { memory = <0x4000000>; image = \"g.bin\"; platform = \"pc\"; disk { size = <0x8000000>; }; };"
			       " b { memory = <0x4000000>; image = \"g.bin\"; platform = \"pc\"; disk { size = <0x1000000>; }; }; };"),
			 0);
	limits.host_memory_bytes = 1ull << 30;
	assert_int_equal(cfg.vm_count, 1);
	expect_output("config: /vms/b: memory: asks for 80 MiB with its RAM disks but only 64 MiB of host memory is left; VM refused\n");
}

static void collect(const char *vm, const char *path, void *ctx)
{
	char *out = ctx;

	strcat(out, vm);
	strcat(out, ":");
	strcat(out, path);
	strcat(out, " ");
}

static void test_disk_image_paths(void **state)
{
	char seen[512] = "";
	size_t n;

	(void)state;
	n = compile(PC_VM("a", "disk { image = \"a.img\"; }; disk-b { size = <512>; }; disk-c { image = \"c.img\"; };"
			       "net { switch = \"x\"; image = \"not-a-disk\"; }; diskette { image = \"nor-this\"; };"));
	assert_int_equal(config_for_each_path(blob, n, collect, seen), 3);
	assert_string_equal(seen, "a:g.bin a:a.img a:c.img ");
}

static int setup(void **state)
{
	(void)state;
	console_set_sink(capture);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_switches),      cmocka_unit_test(test_bad_switches),
		cmocka_unit_test(test_nic),           cmocka_unit_test(test_nic_errors),
		cmocka_unit_test(test_duplicate_mac), cmocka_unit_test(test_ram_disks),
		cmocka_unit_test(test_disk_errors),   cmocka_unit_test(test_partitions),
		cmocka_unit_test(test_ram_disk_memory), cmocka_unit_test(test_disk_image_paths),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
