/* SPDX-License-Identifier: MIT */
/* Every SVM and VMX instruction (except this CPU's hypercall) must raise #UD inside a guest. */
#include "lib/guest.h"

const char guest_name[] = "virt";

/*
 * name, bytes, and which hypercall kind makes it the hypercall (0: never).
 * Memory operands are [rax]; RAX points at a zeroed 4 KiB-aligned page.
 * ModRM 0x30 = /6 [rax]; 0x08 = rcx, [rax]; 0xc8 = rcx, rax (register form).
 */
#define VIRT_INSNS(X)                                                          \
	X(VMRUN, ".byte 0x0f, 0x01, 0xd8", 0)                                  \
	X(VMLOAD, ".byte 0x0f, 0x01, 0xda", 0)                                 \
	X(VMSAVE, ".byte 0x0f, 0x01, 0xdb", 0)                                 \
	X(STGI, ".byte 0x0f, 0x01, 0xdc", 0)                                   \
	X(CLGI, ".byte 0x0f, 0x01, 0xdd", 0)                                   \
	X(SKINIT, ".byte 0x0f, 0x01, 0xde", 0)                                 \
	X(INVLPGA, ".byte 0x0f, 0x01, 0xdf", 0)                                \
	X(VMMCALL, ".byte 0x0f, 0x01, 0xd9", BASALT_HCALL_VMMCALL)             \
	X(VMXON, ".byte 0xf3, 0x0f, 0xc7, 0x30", 0)                            \
	X(VMXOFF, ".byte 0x0f, 0x01, 0xc4", 0)                                 \
	X(VMLAUNCH, ".byte 0x0f, 0x01, 0xc2", 0)                               \
	X(VMRESUME, ".byte 0x0f, 0x01, 0xc3", 0)                               \
	X(VMPTRLD, ".byte 0x0f, 0xc7, 0x30", 0)                                \
	X(VMCLEAR, ".byte 0x66, 0x0f, 0xc7, 0x30", 0)                          \
	X(VMREAD, ".byte 0x0f, 0x78, 0xc8", 0)                                 \
	X(VMWRITE, ".byte 0x0f, 0x79, 0xc8", 0)                                \
	X(INVEPT, ".byte 0x66, 0x0f, 0x38, 0x80, 0x08", 0)                     \
	X(INVVPID, ".byte 0x66, 0x0f, 0x38, 0x81, 0x08", 0)                    \
	X(VMCALL, ".byte 0x0f, 0x01, 0xc1", BASALT_HCALL_VMCALL)

struct virt_insn {
	const char *name;
	int (*run)(uint64_t page); /* returns the vector caught or EXC_NONE */
	uint32_t hypercall_kind;
};

#define DEFINE_TRY(name, bytes, kind) \
	static int try_##name(uint64_t page) { return TRY_INSN(EXC_UD, bytes, page); }
VIRT_INSNS(DEFINE_TRY)

#define TABLE_ENTRY(name, bytes, kind) { #name, try_##name, kind },
static const struct virt_insn insns[] = { VIRT_INSNS(TABLE_ENTRY) };

static uint8_t operand_page[4096] __attribute__((aligned(4096)));

/* Returns true when the instruction raised #UD; prints one progress line either way. */
static bool check_insn(const struct virt_insn *in)
{
	int vec;

	memset(operand_page, 0, sizeof(operand_page));
	vec = in->run((uint64_t)operand_page);
	if (vec == EXC_UD) {
		printf("virt: %s -> #UD\n", in->name);
		return true;
	}
	if (vec == EXC_NONE)
		printf("virt: %s -> no exception, expected #UD\n", in->name);
	else
		printf("virt: %s -> %s (error 0x%lx at rip 0x%lx), expected #UD\n", in->name, exc_name(vec),
		       exc_error, exc_rip);
	return false;
}

void guest_main(void)
{
	unsigned tried = 0, failed = 0;
	const char *first_failed = NULL;

	for (size_t i = 0; i < sizeof(insns) / sizeof(insns[0]); i++) {
		if (insns[i].hypercall_kind == guest_hcall_kind) {
			printf("virt: %s skipped (the hypercall instruction on this CPU)\n", insns[i].name);
			continue;
		}
		tried++;
		if (!check_insn(&insns[i])) {
			failed++;
			if (!first_failed)
				first_failed = insns[i].name;
		}
	}
	if (failed)
		fail(guest_name, "%u of %u instructions did not raise #UD (first: %s)", failed, tried, first_failed);
	pass(guest_name);
}
