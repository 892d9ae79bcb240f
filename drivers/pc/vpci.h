/* SPDX-License-Identifier: MIT */
/* A VM's PCI bus: CF8/CFC and ECAM config access, a host bridge, and the interface PCI device models use. */
#ifndef BASALT_DRIVERS_PC_VPCI_H
#define BASALT_DRIVERS_PC_VPCI_H

#include <stdbool.h>
#include <stdint.h>

struct vm;
struct vpci;
struct vpci_func;

/*
 * How a device model (virtio-pci, the PCI test function) plugs in:
 *
 *   static struct my_dev { struct vpci_func fn; ... } dev;      owned by the model, lives as long as the VM
 *   vpci_func_init(&dev.fn, &my_ops, &dev, vendor, device, class_code, revision);
 *   vpci_func_set_bar(&dev.fn, 0, VPCI_BAR_MEM32, 0x1000);       sizes are powers of two
 *   off = vpci_func_add_cap(&dev.fn, PCI_CAP_ID_VNDR, 16);        then vpci_cfg_* fill it
 *   vpci_func_add_msix(&dev.fn, nvec, bar, table_off, pba_off);   and/or vpci_func_add_msi(...)
 *   vpci_func_set_intx(&dev.fn, 1);                               INTA#
 *   vpci_register(vm, &dev.fn, slot, 0);                          BARs get addresses, the bus sees it
 *
 * Every config-space byte has a value, a mask of bits the guest may write, and a mask of bits a
 * guest write of 1 clears (RW1C); the rest are read-only. Standard registers (command, status,
 * BARs, interrupt line/pin, MSI, MSI-X) are kept by vpci; writes to anything else land in the
 * bytes by those masks and the model's config_write hook sees them afterwards.
 *
 * Interrupts: vpci_func_signal(fn, vector) sends MSI-X entry `vector` when MSI-X is enabled,
 * else MSI vector `vector` (within the enabled count) when MSI is enabled, else asserts INTx (the
 * model deasserts it with vpci_func_set_intx_level(fn, false) when the guest acknowledges, as a
 * level-triggered device does). MSI and MSI-X are sent only while Bus Master is enabled; a
 * masked vector becomes pending and is sent when unmasked. INTx reaches the IOAPIC at GSI
 * pc_pci_intx_gsi(slot, pin - 1) (shared lines are wired-OR), unless the command register's INTx
 * disable bit is set; the status register's interrupt bit shows the device's INTx state.
 *
 * BARs: vpci pre-assigns every BAR an address in the PCI windows (pc_layout.h) as firmware would,
 * and decodes it (an MMIO or port range the guest's accesses reach) while the command register
 * enables memory / I/O space, the address is inside the host bridge's window for its kind (what
 * the DSDT's _CRS describes: the 32- and 64-bit memory windows, any port but 0xcf8-0xcff) and it
 * overlaps no other device. A BAR the guest moves is
 * re-registered at its new address; one that is being sized (all ones), outside the windows or
 * over another range is simply not decoded, like an address no bridge forwards. The model's
 * bar_access sees offsets inside the BAR (MSI-X table and PBA ranges are served by vpci).
 *
 * Concurrency: a VM's bus is used by its vCPUs one at a time (single-vCPU VMs today). With SMP
 * guests, calls for one bus must be serialised by the caller (one lock per bus).
 */

#define VPCI_CFG_SIZE 4096       /* PCI Express extended config space per function */
#define VPCI_MAX_BARS 6
#define VPCI_MSIX_MAX 64         /* MSI-X vectors a function may have */
#define VPCI_BUS_FUNCS 256       /* bus 0: 32 slots x 8 functions */

/* Standard config-space offsets and bits (PCI Local Bus 3.0 / PCI Express 4.0 type 0 header). */
#define PCI_VENDOR_ID 0x00
#define PCI_DEVICE_ID 0x02
#define PCI_COMMAND 0x04
#define PCI_STATUS 0x06
#define PCI_REVISION 0x08
#define PCI_CLASS_PROG 0x09
#define PCI_HEADER_TYPE 0x0e
#define PCI_BAR0 0x10
#define PCI_SUBSYS_VENDOR 0x2c
#define PCI_SUBSYS_ID 0x2e
#define PCI_ROM 0x30
#define PCI_CAP_PTR 0x34
#define PCI_INT_LINE 0x3c
#define PCI_INT_PIN 0x3d
#define PCI_CAP_START 0x40

#define PCI_CMD_IO (1u << 0)
#define PCI_CMD_MEM (1u << 1)
#define PCI_CMD_MASTER (1u << 2)
#define PCI_CMD_PARITY (1u << 6)
#define PCI_CMD_SERR (1u << 8)
#define PCI_CMD_INTX_DISABLE (1u << 10)
#define PCI_STATUS_INTX (1u << 3)
#define PCI_STATUS_CAP_LIST (1u << 4)
#define PCI_STATUS_ERRORS 0xf900u /* parity, signalled/received aborts, SERR: RW1C */

#define PCI_BAR_IO 0x1u
#define PCI_BAR_MEM64 0x4u
#define PCI_BAR_PREFETCH 0x8u

#define PCI_CAP_ID_MSI 0x05
#define PCI_CAP_ID_VNDR 0x09
#define PCI_CAP_ID_MSIX 0x11

/* MSI capability (offsets from the capability). */
#define PCI_MSI_CTRL 2
#define PCI_MSI_ADDR_LO 4
#define PCI_MSI_CTRL_ENABLE (1u << 0)
#define PCI_MSI_CTRL_64 (1u << 7)
#define PCI_MSI_CTRL_PVM (1u << 8)
/* MSI-X capability. */
#define PCI_MSIX_CTRL 2
#define PCI_MSIX_TABLE 4
#define PCI_MSIX_PBA 8
#define PCI_MSIX_CTRL_MASK (1u << 14)
#define PCI_MSIX_CTRL_ENABLE (1u << 15)
#define PCI_MSIX_ENTRY_SIZE 16
#define PCI_MSIX_ENTRY_CTRL_MASK 1u

enum vpci_bar_type { VPCI_BAR_NONE, VPCI_BAR_MEM32, VPCI_BAR_MEM64, VPCI_BAR_MEM64_PREFETCH, VPCI_BAR_IO,
		     VPCI_BAR_UPPER /* set by vpci: the upper half of a 64-bit BAR */ };

struct vpci_func_ops {
	/* An access of size 1, 2, 4 or 8 at offset off inside BAR bar (never past its end): a write
	 * passes *value, a read fills it. May be NULL (reads all ones, writes dropped). */
	void (*bar_access)(struct vpci_func *fn, unsigned bar, uint64_t off, unsigned size, bool write,
			   uint64_t *value);
	/* After a guest config write of size bytes at off has been applied (value as written). */
	void (*config_write)(struct vpci_func *fn, unsigned off, unsigned size, uint32_t value);
};

struct vpci_bar {
	uint8_t type;          /* enum vpci_bar_type */
	uint8_t index;         /* which BAR of its function (the MMIO/port handlers get the BAR) */
	uint64_t size;
	uint64_t decoded_at;   /* where it is registered, valid when decoded */
	bool decoded;
};

struct vpci_msix_entry {
	uint32_t addr_lo, addr_hi, data, ctrl;
};
_Static_assert(sizeof(struct vpci_msix_entry) == PCI_MSIX_ENTRY_SIZE, "MSI-X table entry layout");

/* One PCI function: the model embeds it and must not touch the fields below after vpci_register
 * except through the vpci_* calls. */
struct vpci_func {
	const struct vpci_func_ops *ops;
	void *priv;                  /* the model's own pointer */
	struct vpci *bus;            /* set by vpci_register */
	uint8_t devfn;               /* slot << 3 | function */
	uint8_t next_cap;            /* where the next capability goes */
	uint8_t last_cap;            /* the capability to link the next one from (0: cap pointer) */
	struct vpci_bar bars[VPCI_MAX_BARS];
	uint8_t msi_cap, msix_cap;   /* offsets, 0 = absent */
	uint8_t msix_bar;
	uint16_t msix_vectors;
	uint32_t msix_table_off, msix_pba_off;
	uint32_t msi_pending;        /* MSI vectors raised while masked */
	uint64_t msix_pba[VPCI_MSIX_MAX / 64];
	struct vpci_msix_entry msix[VPCI_MSIX_MAX];
	bool intx_level;             /* the device's INTx# line */
	bool intx_driven;            /* what it contributes to its GSI now */
	uint8_t cfg[VPCI_CFG_SIZE];
	uint8_t wmask[VPCI_CFG_SIZE];
	uint8_t w1c[VPCI_CFG_SIZE];
};

/* ---- for the platform -------------------------------------------------------------------- */

/* Creates vm's bus with the host bridge at 00:00.0, claims ports 0xcf8 (dword) and 0xcfc-0xcff
 * and the ECAM window, and sets vm->pci. 0 or -errno. */
int vpci_attach(struct vm *vm);

/* ---- for device models ------------------------------------------------------------------- */

/* A type 0 function with these IDs; class_code is base << 16 | sub << 8 | prog_if. No BARs,
 * capabilities or interrupts yet. */
void vpci_func_init(struct vpci_func *fn, const struct vpci_func_ops *ops, void *priv, uint16_t vendor,
		    uint16_t device, uint32_t class_code, uint8_t revision);
/* Declares BAR bar (a 64-bit BAR takes bar and bar + 1). size: power of two, >= 16 for memory
 * (use 4096 or more: the guest's page granularity), >= 4 and <= 256 for I/O. 0 or -EINVAL. */
int vpci_func_set_bar(struct vpci_func *fn, unsigned bar, enum vpci_bar_type type, uint64_t size);
/* Appends a capability of len bytes (id and next pointer included) to the list in the first
 * 256 bytes; returns its offset, or -ENOSPC. Its bytes start zero and read-only. */
int vpci_func_add_cap(struct vpci_func *fn, uint8_t id, unsigned len);
/* MSI with 2^log2_vectors vectors (0-5), 32- or 64-bit address, optional per-vector masking. */
int vpci_func_add_msi(struct vpci_func *fn, unsigned log2_vectors, bool addr64, bool per_vector_mask);
/* MSI-X with nvec entries (1..VPCI_MSIX_MAX), table at table_off and PBA at pba_off (8-byte
 * aligned, inside BAR bar, which must be a memory BAR set before). */
int vpci_func_add_msix(struct vpci_func *fn, unsigned nvec, unsigned bar, uint32_t table_off, uint32_t pba_off);
/* INTx pin 1-4 (INTA#-INTD#), 0 = none. */
void vpci_func_set_intx(struct vpci_func *fn, unsigned pin);
/* Puts fn at 00:slot.function (slot 1-31: 0 is the host bridge), assigns its BARs and its
 * interrupt line. 0, -EINVAL, -EEXIST (taken) or -ENOSPC (no window space). */
int vpci_register(struct vm *vm, struct vpci_func *fn, unsigned slot, unsigned function);

/* Raises interrupt `vector` by whatever the guest enabled (see the top of this file). */
void vpci_func_signal(struct vpci_func *fn, unsigned vector);
/* The device's INTx# line (level): asserted until the model deasserts it. */
void vpci_func_set_intx_level(struct vpci_func *fn, bool level);

/* Config bytes for the model's own registers (little endian, no masks applied). */
void vpci_cfg_set(struct vpci_func *fn, unsigned off, unsigned size, uint32_t value);
uint32_t vpci_cfg_get(const struct vpci_func *fn, unsigned off, unsigned size);
/* Which bits of [off, off+size) the guest may write, and which a written 1 clears. */
void vpci_cfg_set_wmask(struct vpci_func *fn, unsigned off, unsigned size, uint32_t mask);
void vpci_cfg_set_w1c(struct vpci_func *fn, unsigned off, unsigned size, uint32_t mask);

/* ---- the config-space paths (vpci.c); exported for unit tests and the fuzzer -------------- */

/* One config access to 00-ff:dev.fn register reg, size 1, 2 or 4 within one dword; absent
 * functions read all ones. */
uint32_t vpci_config_read(struct vpci *bus, unsigned busno, unsigned devfn, unsigned reg, unsigned size);
void vpci_config_write(struct vpci *bus, unsigned busno, unsigned devfn, unsigned reg, unsigned size,
		       uint32_t value);
/* The function at bus 0 devfn, or NULL. */
struct vpci_func *vpci_find(struct vpci *bus, unsigned devfn);

#endif
