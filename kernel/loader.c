/* SPDX-License-Identifier: MIT */
/* Flat payload loader: the image, a GDT, a TSS and 4 GiB of identity-mapped 2 MiB pages. */
#include "kernel/loader.h"

#include <string.h>

#include "arch/x86/cr.h"
#include "arch/x86/pte.h"
#include "kernel/console.h"
#include "kernel/errno.h"
#include "kernel/gmem.h"
#include "kernel/mem.h"
#include "kernel/vm.h"
#include "kernel/vmm.h"

#define GUEST_CODE_SEL 0x08
#define GUEST_DATA_SEL 0x10
#define GUEST_TSS_SEL 0x18
#define GUEST_TSS_LIMIT 0x67
#define FPU_FCW_OFFSET 0
#define FPU_MXCSR_OFFSET 24

static const uint64_t boot_gdt[5] = {
	0,
	0x00af9b000000ffffull, /* 64-bit code, accessed */
	0x00cf93000000ffffull, /* data, accessed */
	/* 64-bit TSS (busy) at LOADER_TSS_GPA */
	0x00008b0000000000ull | GUEST_TSS_LIMIT | ((LOADER_TSS_GPA & 0xffffff) << 16),
	0,
};

/* The same layout for 32-bit guests: selectors agree with boot_gdt, the code segment has D set. */
static const uint64_t boot_gdt32[4] = {
	0,
	0x00cf9b000000ffffull, /* 32-bit code, accessed */
	0x00cf93000000ffffull, /* data, accessed */
	/* 32-bit TSS (busy) at LOADER_TSS_GPA */
	0x00008b0000000000ull | GUEST_TSS_LIMIT | ((LOADER_TSS_GPA & 0xffffff) << 16),
};

static int write_page_tables(struct vm *vm)
{
	pte_t *pml4 = gpa_map_checked(vm, LOADER_PML4_GPA, PAGE_SIZE);
	pte_t *pdpt = gpa_map_checked(vm, LOADER_PDPT_GPA, PAGE_SIZE);
	pte_t *pd = gpa_map_checked(vm, LOADER_PD_GPA, 4 * PAGE_SIZE);

	if (!pml4 || !pdpt || !pd)
		return -EFAULT;
	pml4[0] = LOADER_PDPT_GPA | PTE_P | PTE_RW;
	for (unsigned i = 0; i < 4; i++)
		pdpt[i] = (LOADER_PD_GPA + i * PAGE_SIZE) | PTE_P | PTE_RW;
	for (unsigned i = 0; i < 4 * 512; i++)
		pd[i] = (uint64_t)i * LARGE_PAGE_SIZE | PTE_P | PTE_RW | PTE_PS;
	return 0;
}

int loader_load_flat(struct vm *vm, const void *image, size_t size, uint64_t load_gpa, uint64_t entry)
{
	uint64_t ram = gmem_size(vm);

	if (size == 0 || load_gpa < LOADER_LOW_END || load_gpa > ram || size > ram - load_gpa) {
		kprintf("loader: vm '%s': image of %zu bytes does not fit at 0x%llx in %llu bytes of RAM\n",
			vm->name, size, (unsigned long long)load_gpa, (unsigned long long)ram);
		return -E2BIG;
	}
	if (entry < load_gpa || entry >= load_gpa + size) {
		kprintf("loader: vm '%s': entry 0x%llx is outside the image [0x%llx, 0x%llx)\n", vm->name,
			(unsigned long long)entry, (unsigned long long)load_gpa,
			(unsigned long long)(load_gpa + size));
		return -EINVAL;
	}
	if (gpa_write(vm, load_gpa, image, size) || gpa_write(vm, LOADER_GDT_GPA, boot_gdt, sizeof(boot_gdt)) ||
	    write_page_tables(vm))
		return -EFAULT;
	return 0;
}

static void set_flat_segments(struct vcpu *vcpu, const struct long_mode_start *s)
{
	struct vm_segment code = { s->cs, SEG_TYPE(0xb) | SEG_S | SEG_P | SEG_L | SEG_G, 0xffffffff, 0 };
	struct vm_segment data = { s->ds, SEG_TYPE(0x3) | SEG_S | SEG_P | SEG_DB | SEG_G, 0xffffffff, 0 };
	struct vm_segment tss = { s->tr, SEG_TYPE(0xb) | SEG_P, s->tss_limit, s->tss_base };
	struct vm_segment ldt = { 0, 0, 0, 0 };
	struct vm_segment gdtr = { 0, 0, s->gdt_limit, s->gdt_base };
	struct vm_segment idtr = { 0, 0, 0, 0 };

	vmm_set_seg(vcpu, VM_SEG_CS, &code);
	vmm_set_seg(vcpu, VM_SEG_DS, &data);
	vmm_set_seg(vcpu, VM_SEG_ES, &data);
	vmm_set_seg(vcpu, VM_SEG_SS, &data);
	vmm_set_seg(vcpu, VM_SEG_FS, &data);
	vmm_set_seg(vcpu, VM_SEG_GS, &data);
	vmm_set_seg(vcpu, VM_SEG_TR, &tss);
	vmm_set_seg(vcpu, VM_SEG_LDTR, &ldt);
	vmm_set_seg(vcpu, VM_SEG_GDTR, &gdtr);
	vmm_set_seg(vcpu, VM_SEG_IDTR, &idtr);
}

void loader_start_long_mode(struct vcpu *vcpu, const struct long_mode_start *s)
{
	set_flat_segments(vcpu, s);
	vmm_set_reg(vcpu, VM_REG_CR0, CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_PG);
	vmm_set_reg(vcpu, VM_REG_CR3, s->cr3);
	vmm_set_reg(vcpu, VM_REG_CR4, CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT);
	vmm_set_reg(vcpu, VM_REG_EFER, EFER_LME | EFER_LMA);
	vmm_set_reg(vcpu, VM_REG_RFLAGS, RFLAGS_RESERVED1);
	vmm_set_reg(vcpu, VM_REG_RIP, s->entry);
	vmm_set_reg(vcpu, VM_REG_RSP, s->stack_top);
	memset(&vcpu->gprs, 0, sizeof(vcpu->gprs));
	vcpu->gprs.r[GPR_RDI] = s->rdi;
	vcpu->gprs.r[GPR_RSI] = s->rsi;
}

void loader_setup_long_mode(struct vcpu *vcpu, uint64_t entry, uint64_t stack_top)
{
	struct long_mode_start s = {
		.entry = entry, .stack_top = stack_top, .cr3 = LOADER_PML4_GPA,
		.gdt_base = LOADER_GDT_GPA, .gdt_limit = sizeof(boot_gdt) - 1,
		.cs = GUEST_CODE_SEL, .ds = GUEST_DATA_SEL, .tr = GUEST_TSS_SEL,
		.tss_base = LOADER_TSS_GPA, .tss_limit = GUEST_TSS_LIMIT,
		.rdi = gmem_size(vcpu->vm), .rsi = vcpu->id,
	};

	loader_start_long_mode(vcpu, &s);
}

int loader_write_gdt32(struct vm *vm, struct protected_mode_start *s)
{
	if (gpa_write(vm, LOADER_GDT_GPA, boot_gdt32, sizeof(boot_gdt32)))
		return -EFAULT;
	s->gdt_base = LOADER_GDT_GPA;
	s->gdt_limit = sizeof(boot_gdt32) - 1;
	s->cs = GUEST_CODE_SEL;
	s->ds = GUEST_DATA_SEL;
	s->tr = GUEST_TSS_SEL;
	s->tss_base = LOADER_TSS_GPA;
	s->tss_limit = GUEST_TSS_LIMIT;
	return 0;
}

void loader_start_protected_mode(struct vcpu *vcpu, const struct protected_mode_start *s)
{
	struct vm_segment code = { s->cs, SEG_TYPE(0xb) | SEG_S | SEG_P | SEG_DB | SEG_G, 0xffffffff, 0 };
	struct vm_segment data = { s->ds, SEG_TYPE(0x3) | SEG_S | SEG_P | SEG_DB | SEG_G, 0xffffffff, 0 };
	struct vm_segment tss = { s->tr, SEG_TYPE(0xb) | SEG_P, s->tss_limit, s->tss_base };
	struct vm_segment none = { 0, 0, 0, 0 };
	struct vm_segment gdtr = { 0, 0, s->gdt_limit, s->gdt_base };
	static const enum vm_seg data_segs[] = { VM_SEG_DS, VM_SEG_ES, VM_SEG_SS, VM_SEG_FS, VM_SEG_GS };

	vmm_set_seg(vcpu, VM_SEG_CS, &code);
	for (size_t i = 0; i < sizeof(data_segs) / sizeof(data_segs[0]); i++)
		vmm_set_seg(vcpu, data_segs[i], &data);
	vmm_set_seg(vcpu, VM_SEG_TR, &tss);
	vmm_set_seg(vcpu, VM_SEG_LDTR, &none);
	vmm_set_seg(vcpu, VM_SEG_GDTR, &gdtr);
	vmm_set_seg(vcpu, VM_SEG_IDTR, &none);
	vmm_set_reg(vcpu, VM_REG_CR0, CR0_PE | CR0_ET);
	vmm_set_reg(vcpu, VM_REG_CR3, 0);
	vmm_set_reg(vcpu, VM_REG_CR4, 0);
	vmm_set_reg(vcpu, VM_REG_EFER, 0);
	vmm_set_reg(vcpu, VM_REG_RFLAGS, RFLAGS_RESERVED1);
	vmm_set_reg(vcpu, VM_REG_RIP, s->entry);
	vmm_set_reg(vcpu, VM_REG_RSP, s->stack_top);
	memset(&vcpu->gprs, 0, sizeof(vcpu->gprs));
	vcpu->gprs.r[GPR_RAX] = s->eax;
	vcpu->gprs.r[GPR_RBX] = s->ebx;
}
