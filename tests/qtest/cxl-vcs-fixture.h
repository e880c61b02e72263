/*
 * The seed topology of the multi-VCS switch qtests, and what the tests do
 * with it: drive the switch mailbox CCI as a fabric manager and play the
 * hosts' OS for PCIe hot-plug.
 *
 * The topology is tests/data/cxl/seed-topology.args, which the guest
 * harness and the documentation use too.
 *
 * Copyright (c) 2026 The QEMU CXL fabric project
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef CXL_VCS_FIXTURE_H
#define CXL_VCS_FIXTURE_H

#include "cxl-fm-utils.h"

/* The seed's cxl-vcs-switch properties */
#define SEED_SWITCH "usp-ppbs=2,dsp-ppbs=4,local-fm=true"

/* Root bus numbers of the seed topology's CXL host bridges */
#define ROOT_BUS0 12
#define ROOT_BUS1 22

/* Time for a bind to attach the device, and an unbind's time limit */
#define BIND_NS (100 * 1000 * 1000LL)
#define UNBIND_TIMEOUT_NS (30 * 1000 * 1000 * 1000LL)

#define MBOX_CCI_VID 0x19e5
#define MBOX_CCI_DID 0xa123

typedef struct Fixture {
    QTestState *qts;
    CXLFMHost h;
    CXLFMMailbox mb;
    char *dir;
    unsigned num_dsp;
} Fixture;

bool is_arm(void);
const char *machine_args(void);
/*
 * The options of tests/data/cxl/@name on one line, $DIR standing for the
 * directory of the backing files
 */
char *topology_file(const char *name);
/*
 * The seed topology with @switch_args for the cxl-vcs-switch and @extra
 * appended, its backing files in @dir
 */
GString *seed_args(const char *dir, const char *switch_args,
                   const char *extra);

/* Replace the first @limit (0: all) occurrences of @from in @s by @to */
void args_replace(GString *s, const char *from, const char *to,
                  unsigned limit);

/* Start it, enumerate both hosts and find the switch mailbox CCI */
void fixture_start(Fixture *f, const char *switch_args, const char *extra);
/* ... with its backing files in @dir, which exists */
void fixture_start_in(Fixture *f, const char *dir, const char *switch_args,
                      const char *extra);
/* Stop QEMU; fixture_stop() also removes the backing files */
void fixture_quit(Fixture *f);
/*
 * ... the second host bridge's root bus at @root_bus1, and the hosts
 * keeping @slot_buses bus numbers in each empty hot-plug slot
 */
void fixture_start_buses(Fixture *f, const char *switch_args,
                         const char *extra, int slot_buses, int root_bus1);
void fixture_stop(Fixture *f);

/* Send a command and check its return code and exact response payload */
void fm_expect(Fixture *f, uint16_t opcode, const void *in, size_t in_len,
               uint16_t rc, const void *out, size_t out_len);
void fm_expect_rc(Fixture *f, uint16_t opcode, const void *in,
                  size_t in_len, uint16_t rc);
/* The background operation's opcode, percentage and return code */
void bg_expect(Fixture *f, uint16_t opcode, uint8_t pct, uint16_t rc);
void fm_bind_start(Fixture *f, uint8_t vcs, uint8_t vppb, uint8_t port);
/* Bind, and let the link come up */
void fm_bind(Fixture *f, uint8_t vcs, uint8_t vppb, uint8_t port);
/* The same for LD @ld_id of an MLD */
void fm_bind_ld_start(Fixture *f, uint8_t vcs, uint8_t vppb, uint8_t port,
                      uint16_t ld_id);
void fm_bind_ld(Fixture *f, uint8_t vcs, uint8_t vppb, uint8_t port,
                uint16_t ld_id);
void fm_unbind_start(Fixture *f, uint8_t vcs, uint8_t vppb, uint8_t option);
/* One vPPB's 4-byte Get VCS Info entry */
void vppb_expect(Fixture *f, uint8_t vcs, uint8_t vppb, uint8_t status,
                 uint8_t port);
/* ... bound to LD @ld_id of an MLD */
void vppb_expect_ld(Fixture *f, uint8_t vcs, uint8_t vppb, uint8_t status,
                    uint8_t port, uint8_t ld_id);

/*
 * Tunnel @opcode with payload @pl to the device on physical port @port
 * through the switch; checks both headers, returns the inner return code
 * and the inner payload in @out.
 */
uint16_t fm_tunnel(Fixture *f, uint8_t port, uint16_t opcode,
                   const void *pl, size_t len, uint8_t *out,
                   size_t *out_len);
/* The same to LD @ld of the MLD on @port, through its FM-owned LD */
uint16_t fm_tunnel_ld(Fixture *f, uint8_t port, uint8_t ld, uint16_t opcode,
                      const void *pl, size_t len, uint8_t *out,
                      size_t *out_len);

/* Set LSA / Get LSA through the type-3 device's own mailbox */
void lsa_access(Fixture *f, int dev, bool write, uint8_t *data, size_t len);

/*
 * The host's side of dynamic capacity, through the DCD's own mailbox
 * @t3: read the one DC event (@event_type, an extent @dpa + @len), answer
 * it with @opcode and clear it
 */
void host_dc_respond(CXLFMMailbox *t3, uint8_t event_type, uint16_t opcode,
                     uint64_t dpa, uint64_t len);
/*
 * The FM offers (CXL_OP_DC_ADD) or takes back (CXL_OP_DC_RELEASE) the
 * extent @dpa + @len of region 0 of the DCD on @port, prescriptively,
 * through the tunnel: the inner return code
 */
uint16_t fm_dc_extent(Fixture *f, uint8_t port, uint16_t opcode,
                      uint64_t dpa, uint64_t len);

/* Whether a host has a function presenting the device: it is bound */
bool device_bound(Fixture *f, const char *id);
bool qts_device_bound(QTestState *qts, const char *id);
/* The OS powers the slot on after a hot-add, as pciehp does */
int os_hot_add(Fixture *f, const char *port_id);
int host_os_hot_add(CXLFMHost *h, const char *port_id);
bool os_sees_device(Fixture *f, const char *port_id);
bool host_os_sees_device(CXLFMHost *h, const char *port_id);

/*
 * A host process: a cxl-vcs-switch with local-fm=false whose VCS @vcs is
 * a cxl-upstream (serial HOST_USP_SN + @vcs) on root bus HOST_ROOT_BUS
 * with HOST_VPPBS cxl-downstream ports, hport0 to hport3, and the seed's
 * devices, on the seed's backing files
 */
#define HOST_ROOT_BUS 42
#define HOST_USP_SN 9000
#define HOST_VPPBS 4

typedef struct HostProcess {
    QTestState *qts;
    CXLFMHost h;
    unsigned vcs;
} HostProcess;

/*
 * The fabric manager's chardevs fab0 to fab@n-1, servers at $DIR/fab0
 * and on, for fabric=fab0:...
 */
char *fabric_fm_args(unsigned n);
/* A host process's arguments, connecting to @dir/@sock, and @extra */
GString *host_args(const char *dir, const char *sock, unsigned vcs,
                   const char *extra);
/* ... connecting through -chardev @chardev, whose id is fabric */
GString *host_args_chardev(const char *dir, const char *chardev,
                           unsigned vcs, const char *extra);
/* Start one, and enumerate its host bridge */
void host_start(HostProcess *hp, const char *dir, const char *sock,
                unsigned vcs, const char *extra);
void host_start_args(HostProcess *hp, const char *args, unsigned vcs);
void host_stop(HostProcess *hp);
/* Wait until query-cxl-vcs of @fm shows VCS @vcs enabled, or not */
void wait_vcs_present(QTestState *fm, unsigned vcs, bool present);
/*
 * Wait until the background command @opcode in progress ends with @rc,
 * as a host process's answers come in
 */
void bg_wait(Fixture *f, uint16_t opcode, uint16_t rc);

/* The host's memory map (HMP info mtree) and its HDM decoders */
gchar **hmp_lines(QTestState *qts, const char *cmd);
/* Start of the @nth memory region named @name in the memory tree */
uint64_t mtree_start(QTestState *qts, const char *name, int nth);
/*
 * What the machine's flattened memory view has at @addr: RAM, a window's
 * interleave map, a window's MMIO decode
 */
bool flat_ram_at(QTestState *qts, uint64_t addr);
bool flat_iommu_at(QTestState *qts, uint64_t addr);
bool flat_mmio_at(QTestState *qts, uint64_t addr);
/* The HDM Decoder Capability of the component registers at @regs */
uint64_t hdm_regs(QTestState *qts, uint64_t regs);
/* Interleave granules: 256 bytes, 4 KiB (encoded) */
#define IG_256 0
#define IG_4K 4
/*
 * Commit (or uncommit) decoder @n of the component registers at @regs:
 * @base + @size, 2^@iw ways of 256 << @ig byte granules to the ports in
 * @targets, a byte each
 */
void hdm_commit_ig(QTestState *qts, uint64_t regs, int n, uint64_t base,
                   uint64_t size, unsigned iw, unsigned ig, uint32_t targets,
                   bool commit);
/* ... of 256 byte granules */
void hdm_commit_ways(QTestState *qts, uint64_t regs, int n, uint64_t base,
                     uint64_t size, unsigned iw, uint32_t targets, bool commit);
/* ... 1-way, to @target */
void hdm_commit_n(QTestState *qts, uint64_t regs, int n, uint64_t base,
                  uint64_t size, uint8_t target, bool commit);
/* ... decoder 0 */
void hdm_commit(QTestState *qts, uint64_t regs, uint64_t base,
                uint64_t size, uint8_t target, bool commit);
/* Write register @reg of decoder @n of the component registers at @regs */
#define HDM_BASE_LO 0x0
#define HDM_BASE_HI 0x4
#define HDM_SIZE_LO 0x8
#define HDM_SIZE_HI 0xc
#define HDM_TARGETS_LO 0x14
void hdm_write(QTestState *qts, uint64_t regs, int n, unsigned reg,
               uint32_t value);
/* @len bytes of the backing file @name in the fixture's directory */
void file_read(Fixture *f, const char *name, uint64_t offset, uint8_t *buf,
               size_t len);
/* ... the 64-bit value there, little-endian */
uint64_t file_of(Fixture *f, const char *name, uint64_t offset);

/*
 * Write @pattern + k and its complement into granule k (of 256 bytes) at
 * @base, for k 0 to 7, through a window 2-way interleaved across the
 * devices backed by @even and @odd: each lands at 256 * (k / 2) of its
 * device's backing file, and reads back
 */
void interleave_expect(Fixture *f, uint64_t base, const char *even,
                       const char *odd, uint64_t pattern);

/* QEMU started with @args exits with status 1, printing @expected */
void assert_startup_fails(const char *args, const char *expected);
/* The seed topology with @switch_args and @extra fails so */
void assert_topology_fails(const char *switch_args, const char *extra,
                           const char *expected);
/* The seed topology with @from replaced by @to fails so */
void assert_seed_fails(const char *from, const char *to,
                       const char *expected);
/* ... with @switch_args and @extra */
void assert_topology_edit_fails(const char *switch_args, const char *extra,
                                const char *from, const char *to,
                                const char *expected);

#endif
