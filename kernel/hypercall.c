/* SPDX-License-Identifier: MIT */
/* The Basalt hypercall interface (kernel/basalt_abi.h), the same on every vendor. */
#include "kernel/basalt_abi.h"
#include "kernel/clock.h"
#include "kernel/cr_access.h"
#include "kernel/exit.h"
#include "kernel/gmem.h"
#include "kernel/vcpu.h"
#include "kernel/vm.h"
#include "kernel/vmm.h"

#define CONSOLE_WRITE_MAX 4096

static long hc_console_write(struct vcpu *vcpu, uint64_t gpa, uint64_t len)
{
	const char *buf;

	if (len > CONSOLE_WRITE_MAX)
		return BASALT_HC_EINVAL;
	buf = gpa_map_checked(vcpu->vm, gpa, len);
	if (!buf)
		return BASALT_HC_EFAULT;
	spin_lock(&vcpu->vm->lock); /* the VM's console line is shared with its other vCPUs and its UART */
	for (uint64_t i = 0; i < len; i++)
		vm_console_putc(vcpu->vm, buf[i]);
	spin_unlock(&vcpu->vm->lock);
	return (long)len;
}

enum exit_action exit_handle_hypercall(struct vcpu *vcpu, const struct vm_exit *exit)
{
	uint64_t *r = vcpu->gprs.r;
	enum exit_action action = EXIT_RESUME;
	long result = 0;

	__atomic_fetch_add(&vcpu->vm->stats.hypercalls, 1, __ATOMIC_RELAXED);
	vcpu_skip_insn(vcpu, exit);
	/* The interface belongs to the guest kernel: user code gets EPERM and nothing else happens. */
	if (vmm_get_reg(vcpu, VM_REG_CPL) != 0) {
		__atomic_fetch_add(&vcpu->vm->stats.hypercalls_refused, 1, __ATOMIC_RELAXED);
		r[GPR_RAX] = (uint64_t)BASALT_HC_EPERM;
		return EXIT_RESUME;
	}
	switch (r[GPR_RAX]) {
	case BASALT_HC_INFO:
		result = BASALT_ABI_VERSION;
		break;
	case BASALT_HC_CONSOLE_WRITE:
		result = hc_console_write(vcpu, r[GPR_RDI], r[GPR_RSI]);
		break;
	case BASALT_HC_POWER_OFF:
		vm_power_off(vcpu->vm, r[GPR_RDI]);
		return EXIT_STOP;
	case BASALT_HC_YIELD:
		action = EXIT_YIELD;
		break;
	case BASALT_HC_CLOCK_NS:
		result = (long)guest_clock_ns();
		break;
	case BASALT_HC_WAKE_AT:
		vcpu->wake_at_ns = r[GPR_RDI] ? guest_clock_to_host_ns(r[GPR_RDI]) : 0;
		break;
	case BASALT_HC_RUN_NS:
		result = (long)vcpu_run_ns(vcpu);
		break;
	default:
		result = BASALT_HC_ENOSYS;
		break;
	}
	r[GPR_RAX] = (uint64_t)result;
	return action;
}
