/*
 * Fuzz targets for the multi-VCS CXL switch: its switch mailbox CCI, the
 * FM-API tunnel, usb-cxl-mctp, and the socket that a host process
 * connects to
 *
 * An input is a sequence of records, each an action byte, a 16-bit
 * little-endian length and that many bytes of body (CXL_FUZZ_* in
 * cxl-fm-utils.h, which also writes the qtests' commands in this form as
 * seed corpora).  Each target takes its own actions and maps every other
 * action byte onto them, so any input is valid for any target.  The
 * switch keeps its state from one input to the next; after each input
 * the clock runs on for a minute, so every bind, unbind and time limit
 * it started completes.
 *
 * Copyright (c) 2026 The QEMU CXL fabric project
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "qemu/timer.h"
#include "qemu/units.h"
#include "qom/object.h"
#include "hw/pci/pci_device.h"
#include "hw/usb.h"
#include "standard-headers/linux/pci_regs.h"
#include <sys/socket.h>
#include <sys/un.h>
#include "fuzz.h"
#include "tests/qtest/cxl-fm-utils.h"

#define ROOT_BUS0 12
#define ROOT_BUS1 22
#define NUM_DSP 8
#define MBOX_BAR_SIZE 0x1000
#define USB_XFER 512
#define SETTLE_NS (61 * NANOSECONDS_PER_SECOND)

/* The seed topology with an MLD and DCDs, on RAM backends */
static const char *cxl_vcs_fuzz_args = TARGET_NAME
    " -machine q35,cxl=on,pit=off,hpet=off,"
    "cxl-fmw.0.targets.0=cxl.0,cxl-fmw.0.size=8G,"
    "cxl-fmw.1.targets.0=cxl.1,cxl-fmw.1.size=8G "
    "-accel qtest -m 64M -display none -nodefaults "
    "-device usb-ehci,id=ehci "
    "-object memory-backend-ram,id=mem1,size=256M "
    "-object memory-backend-ram,id=lsa1,size=1M "
    "-object memory-backend-ram,id=mem2,size=512M "
    "-object memory-backend-ram,id=lsa2,size=1M "
    "-object memory-backend-ram,id=mem3,size=1G "
    "-object memory-backend-ram,id=lsa3,size=1M "
    "-object memory-backend-ram,id=mem4,size=256M "
    "-chardev socket,id=fab0,path=%s,server=on,wait=off "
    "-object cxl-vcs-switch,id=vcs0,usp-ppbs=3,dsp-ppbs=4,local-fm=true,"
    "fabric=fab0 "
    "-device pxb-cxl,bus_nr=12,bus=pcie.0,id=cxl.0,hdm_for_passthrough=true "
    "-device cxl-rp,port=0,bus=cxl.0,id=rp1,chassis=0,slot=1 "
    "-device pxb-cxl,bus_nr=22,bus=pcie.0,id=cxl.1,hdm_for_passthrough=true "
    "-device cxl-rp,port=0,bus=cxl.1,id=rp2,chassis=1,slot=1 "
    "-device cxl-upstream,port=0,sn=1234,bus=rp1,id=us0,addr=0.0,"
    "multifunction=on,vcs=vcs0,usppb=0 "
    "-device cxl-upstream,port=0,sn=5678,bus=rp2,id=us1,addr=0.0,"
    "multifunction=on,vcs=vcs0,usppb=1 "
    "-device cxl-switch-mailbox-cci,bus=rp1,addr=0.3,id=mbox,target=vcs0 "
    "-device usb-cxl-mctp,bus=ehci.0,id=usb0,target=vcs0 "
    "-device cxl-downstream,port=0,bus=us0,id=swport0,slot=3 "
    "-device cxl-downstream,port=1,bus=us0,id=swport1,slot=4 "
    "-device cxl-downstream,port=2,bus=us0,id=swport2,slot=5 "
    "-device cxl-downstream,port=3,bus=us0,id=swport3,slot=6 "
    "-device cxl-downstream,port=0,bus=us1,id=swport4,slot=7 "
    "-device cxl-downstream,port=1,bus=us1,id=swport5,slot=8 "
    "-device cxl-downstream,port=2,bus=us1,id=swport6,slot=9 "
    "-device cxl-downstream,port=3,bus=us1,id=swport7,slot=10 "
    "-device cxl-type3,persistent-memdev=mem1,id=ep1,lsa=lsa1,sn=99,"
    "vcs=vcs0,dsppb=0 "
    "-device cxl-type3,volatile-dc-memdev=mem2,id=dcd1,lsa=lsa2,"
    "num-dc-regions=2,sn=101,vcs=vcs0,dsppb=1 "
    "-device cxl-type3,persistent-memdev=mem3,id=mld0,lsa=lsa3,num-lds=2,"
    "sn=300,vcs=vcs0,dsppb=2 "
    "-device cxl-type3,volatile-memdev=mem4,id=ep2,sn=100,vcs=vcs0,"
    "dsppb=3";

static CXLFMHost host;
static CXLFMMailbox mbox;
static uint64_t mbox_bar;
static int dsp[NUM_DSP];
static uint8_t dsp_exp[NUM_DSP];
static USBDevice *usb;
static uint64_t usb_packet_id;

/* The fabric manager's chardev that the fuzzer connects to as a host */
static char *fabric_path;
static int fabric_fd = -1;

static GString *cxl_vcs_fuzz_cmdline(FuzzTarget *t)
{
    g_autofree char *dir = g_dir_make_tmp("cxl-vcs-fuzz-XXXXXX", NULL);
    GString *s = g_string_new("");

    g_assert_nonnull(dir);
    fabric_path = g_build_filename(dir, "fabric", NULL);
    g_string_printf(s, cxl_vcs_fuzz_args, fabric_path);
    return s;
}

static void cxl_vcs_fuzz_pre_vm_init(void)
{
    /* cxl-fm-utils asks libqtest for the architecture */
    g_setenv("QTEST_QEMU_BINARY", "qemu-system-" TARGET_NAME, true);
}

/* Where the hosts' enumeration put a PCI function (no QMP in-process) */
static int fuzz_bdf(const char *path)
{
    PCIDevice *d = PCI_DEVICE(object_resolve_path(path, NULL));

    return CXL_FM_BDF(pci_dev_bus_num(d), PCI_SLOT(d->devfn),
                      PCI_FUNC(d->devfn));
}

/* Both hosts enumerated as the qtests do; the mailbox and the ports */
static void cxl_vcs_fuzz_pre_fuzz(QTestState *s)
{
    int cci;

    cxl_fm_host_init(&host, s);
    cxl_fm_enumerate(&host, ROOT_BUS0);
    cxl_fm_enumerate(&host, ROOT_BUS1);
    cci = fuzz_bdf("/machine/peripheral/mbox");
    cxl_fm_mbox_init(&mbox, &host, cci, 0);
    mbox_bar = cxl_fm_bar(&host, cci, 0);
    for (int i = 0; i < NUM_DSP; i++) {
        g_autofree char *path =
            g_strdup_printf("/machine/peripheral/swport%d", i);

        dsp[i] = fuzz_bdf(path);
        dsp_exp[i] = cxl_fm_find_cap(&host, dsp[i], PCI_CAP_ID_EXP);
    }
    usb = USB_DEVICE(object_resolve_path("/machine/peripheral/usb0", NULL));
    g_assert(usb);
    usb_device_reset(usb);
}

/* The switch mailbox: one command, its length field as given */
static void fuzz_mbox_cmd(QTestState *s, uint16_t opcode, const uint8_t *pl,
                          size_t len, size_t len_field)
{
    len = MIN(len, mbox.payload_max);
    if (qtest_readl(s, mbox.regs + CXL_MBOX_CTRL) & 1) {
        return;
    }
    if (len) {
        qtest_memwrite(s, mbox.regs + CXL_MBOX_PAYLOAD, pl, len);
    }
    qtest_writeq(s, mbox.regs + CXL_MBOX_CMD,
                 opcode | (uint64_t)(len_field & 0xfffff) << 16);
    qtest_writel(s, mbox.regs + CXL_MBOX_CTRL, 1);
    qtest_readq(s, mbox.regs + CXL_MBOX_STS);
    qtest_readq(s, mbox.regs + CXL_MBOX_BG_STS);
}

static void fuzz_mbox(QTestState *s, uint8_t act, const uint8_t *b,
                      size_t len)
{
    size_t len_field;

    if (len < 2) {
        return;
    }
    len_field = len - 2;
    if ((act & CXL_FUZZ_RAW_LENGTH) && len >= 5) {
        len_field = ldl_le_p(b + 1) >> 8;
    }
    fuzz_mbox_cmd(s, lduw_le_p(b), b + 2, len - 2, len_field);
}

/* Any access to the mailbox's BAR: capability array, status, doorbell */
static void fuzz_mbox_reg(QTestState *s, const uint8_t *b, size_t len)
{
    uint64_t addr, val;
    unsigned size;

    if (len < 11) {
        return;
    }
    size = 1 << (b[2] & 3);
    addr = mbox_bar + (lduw_le_p(b) & (MBOX_BAR_SIZE - size));
    val = ldq_le_p(b + 3);
    switch (size | (b[2] & 4)) {
    case 1:
        qtest_writeb(s, addr, val);
        break;
    case 2:
        qtest_writew(s, addr, val);
        break;
    case 4:
        qtest_writel(s, addr, val);
        break;
    case 8:
        qtest_writeq(s, addr, val);
        break;
    default:
        qtest_readq(s, addr & ~7ULL);
        break;
    }
}

/*
 * A host's OS on a downstream port's PCIe capability (slot control and
 * status, link control) or anywhere in its configuration space
 */
static void fuzz_slot(QTestState *s, const uint8_t *b, size_t len)
{
    static const uint8_t exp_regs[] = {
        PCI_EXP_SLTCTL, PCI_EXP_SLTSTA, PCI_EXP_LNKCTL, PCI_EXP_DEVCTL,
    };
    unsigned port;
    uint8_t off;

    if (len < 4) {
        return;
    }
    port = b[0] % NUM_DSP;
    if (b[1] & 0x80) {
        off = b[1] & 0x7e;
    } else {
        off = dsp_exp[port] + exp_regs[b[1] % ARRAY_SIZE(exp_regs)];
    }
    cxl_fm_cfg_write(&host, dsp[port], off, lduw_le_p(b + 2), 2);
}

static void fuzz_clock(QTestState *s, const uint8_t *b, size_t len)
{
    if (len >= 2) {
        qtest_clock_step(s, (lduw_le_p(b) + 1) * (int64_t)SCALE_MS);
    }
}

/*
 * Tunnel Management Command with the fields a client computes made
 * consistent: the command size and, in each nested tunnel, the inner
 * message's payload length.  The rest is the fuzzer's.
 */
static size_t tunnel_fixup(uint8_t *b, size_t len, int depth)
{
    size_t msg_len, pl_len;
    uint8_t *msg;

    if (len < 4) {
        return len;
    }
    msg = b + 4;
    msg_len = len - 4;
    stw_le_p(b + 2, msg_len);
    if (msg_len < 12) {
        return len;
    }
    pl_len = msg_len - 12;
    if (depth < 3 && msg[3] == 0x00 && msg[4] == 0x53) {
        pl_len = tunnel_fixup(msg + 12, pl_len, depth + 1);
    }
    st24_le_p(msg + 5, pl_len);
    return len;
}

static void fuzz_tunnel(QTestState *s, uint8_t act, const uint8_t *b,
                        size_t len)
{
    g_autofree uint8_t *pl = NULL;

    if (len < 2) {
        return;
    }
    /* A record's opcode is replaced: every command is a tunnel */
    pl = g_memdup2(b + 2, len - 2);
    if (!(act & CXL_FUZZ_RAW_LENGTH)) {
        tunnel_fixup(pl, len - 2, 0);
    }
    fuzz_mbox_cmd(s, 0x5300, pl, len - 2, len - 2);
}

/* One transfer on the device's bulk endpoint, or on its control pipe */
static int usb_xfer(int pid, int ep_nr, uint8_t *buf, size_t len)
{
    USBPacket p;
    int ret;

    if (usb->state != USB_STATE_DEFAULT) {
        return -1;
    }
    usb_packet_init(&p);
    usb_packet_setup(&p, pid, usb_ep_get(usb, pid, ep_nr), 0,
                     ++usb_packet_id, false, false);
    usb_packet_addbuf(&p, buf, len);
    usb_handle_packet(usb, &p);
    ret = p.status == USB_RET_SUCCESS ? p.actual_length : -1;
    usb_packet_cleanup(&p);
    return ret;
}

static void fuzz_usb_out(const uint8_t *b, size_t len)
{
    g_autofree uint8_t *buf = g_memdup2(b, len);

    usb_xfer(USB_TOKEN_OUT, 1, buf, len);
}

/*
 * One MCTP message framed as DSP0283 packets of an MTU the record
 * chooses, several to a transfer: header byte order, SOM/EOM and
 * sequence numbers as a host would send them, the tag and the rest the
 * fuzzer's
 */
static void fuzz_usb_mctp(const uint8_t *b, size_t len)
{
    g_autoptr(GByteArray) xfer = g_byte_array_new();
    size_t mtu, off;
    uint8_t seq = 0;

    if (len < 3) {
        return;
    }
    mtu = MAX(b[2], 1);
    for (off = 3; off < len || off == 3; off += mtu, seq++) {
        size_t n = MIN(mtu, len - off);
        uint8_t hdr[8] = {
            0x1a, 0xb4, 0, 8 + n, 0x01, b[0], 8,
            (off == 3 ? 0x80 : 0) | (off + n >= len ? 0x40 : 0) |
            (seq & 3) << 4 | (b[1] & 0x0f),
        };

        if (xfer->len + sizeof(hdr) + n > USB_XFER) {
            usb_xfer(USB_TOKEN_OUT, 1, xfer->data, xfer->len);
            g_byte_array_set_size(xfer, 0);
        }
        g_byte_array_append(xfer, hdr, sizeof(hdr));
        g_byte_array_append(xfer, b + off, n);
        if (n == 0) {
            break;
        }
    }
    usb_xfer(USB_TOKEN_OUT, 1, xfer->data, xfer->len);
}

static void fuzz_usb_in(const uint8_t *b, size_t len)
{
    uint8_t buf[USB_XFER];
    unsigned n = len ? b[0] % 16 + 1 : 1;

    while (n-- && usb_xfer(USB_TOKEN_IN, 1, buf, sizeof(buf)) > 0) {
        /* drain */
    }
}

/* A control transfer: setup stage, data stage, status stage */
static void fuzz_usb_ctrl(const uint8_t *b, size_t len)
{
    uint8_t setup[8], data[256];
    uint16_t length;

    if (len < 8) {
        return;
    }
    memcpy(setup, b, 8);
    length = MIN(lduw_le_p(setup + 6), sizeof(data));
    stw_le_p(setup + 6, length);
    if (usb_xfer(USB_TOKEN_SETUP, 0, setup, 8) < 0) {
        return;
    }
    if (setup[0] & USB_DIR_IN) {
        if (length) {
            usb_xfer(USB_TOKEN_IN, 0, data, length);
        }
        usb_xfer(USB_TOKEN_OUT, 0, data, 0);
    } else {
        memset(data, 0, length);
        memcpy(data, b + 8, MIN(len - 8, length));
        if (length) {
            usb_xfer(USB_TOKEN_OUT, 0, data, length);
        }
        usb_xfer(USB_TOKEN_IN, 0, data, 0);
    }
}

/* Read and drop what the fabric manager sent, so that it never blocks */
static void fabric_drain(void)
{
    char buf[4096];

    while (fabric_fd >= 0 && recv(fabric_fd, buf, sizeof(buf),
                                  MSG_DONTWAIT) > 0) {
        continue;
    }
}

/* Connect as a host process would: a connection of its own per input */
static void fabric_connect(QTestState *s)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };

    fabric_fd = socket(AF_UNIX, SOCK_STREAM, 0);
    g_assert(fabric_fd >= 0);
    g_strlcpy(addr.sun_path, fabric_path, sizeof(addr.sun_path));
    g_assert(connect(fabric_fd, (struct sockaddr *)&addr,
                     sizeof(addr)) == 0);
    flush_events(s);
}

static void fabric_close(QTestState *s)
{
    if (fabric_fd >= 0) {
        close(fabric_fd);
        fabric_fd = -1;
        flush_events(s);
    }
}

/* Bytes as a host process would send them, maybe not a message at all */
static void fuzz_fabric_send(QTestState *s, const uint8_t *b, size_t len)
{
    if (fabric_fd < 0 || send(fabric_fd, b, len, MSG_NOSIGNAL) < 0) {
        /* The fabric manager closed it: connect again */
        fabric_close(s);
        fabric_connect(s);
        return;
    }
    flush_events(s);
    fabric_drain();
}

/*
 * A registration of VCS 2 with the fuzz topology's devices, which the
 * fabric manager accepts, and bindings (VCS, vPPB, port, LD) from @b
 */
static void fuzz_fabric_register(QTestState *s, const uint8_t *b, size_t len)
{
    g_autoptr(GString) msg = g_string_new(
        "{\"type\": \"register\", \"version\": 1, \"switch\": \"fuzz\", "
        "\"vcss\": [{\"vcs\": 2, \"vppbs\": 4, \"sn\": 1, "
        "\"vendor-id\": 1, \"device-id\": 1, \"lnkcap\": 0, "
        "\"lnkcap2\": 0, \"lnksta\": 0}], \"devices\": ["
        "{\"port\": 0, \"id\": \"ep1\", \"sn\": 99, \"volatile\": 0, "
        "\"persistent\": 268435456, \"dynamic\": 0, \"lds\": 1}, "
        "{\"port\": 1, \"id\": \"dcd1\", \"sn\": 101, \"volatile\": 0, "
        "\"persistent\": 0, \"dynamic\": 536870912, \"lds\": 1}, "
        "{\"port\": 2, \"id\": \"mld0\", \"sn\": 300, \"volatile\": 0, "
        "\"persistent\": 1073741824, \"dynamic\": 0, \"lds\": 2}, "
        "{\"port\": 3, \"id\": \"ep2\", \"sn\": 100, "
        "\"volatile\": 268435456, \"persistent\": 0, \"dynamic\": 0, "
        "\"lds\": 1}], \"bindings\": [");

    for (size_t i = 0; i + 4 <= len && i < 64; i += 4) {
        g_string_append_printf(msg, "%s{\"vcs\": %u, \"vppb\": %u, "
                               "\"port\": %u, \"ld\": %u}", i ? ", " : "",
                               b[i], b[i + 1], b[i + 2], b[i + 3]);
    }
    g_string_append(msg, "]}\n");
    fuzz_fabric_send(s, (const uint8_t *)msg->str, msg->len);
}

/*
 * Bind vPPB or Unbind vPPB from the mailbox, so that the fabric manager
 * asks the host things: byte 0 chooses which, the rest is the payload
 */
static void fuzz_fabric_bind(QTestState *s, const uint8_t *b, size_t len)
{
    if (len < 1) {
        return;
    }
    fuzz_mbox_cmd(s, b[0] & 1 ? 0x5202 : 0x5201, b + 1, len - 1, len - 1);
    flush_events(s);
    fabric_drain();
}

typedef enum CXLFuzzTarget {
    FUZZ_MAILBOX,
    FUZZ_TUNNEL,
    FUZZ_MCTP,
    FUZZ_FABRIC,
} CXLFuzzTarget;

/* The actions each target takes; other action bytes map onto them */
static const uint8_t mailbox_actions[] = {
    CXL_FUZZ_MBOX, CXL_FUZZ_MBOX_REG, CXL_FUZZ_SLOT, CXL_FUZZ_CLOCK,
};
static const uint8_t tunnel_actions[] = { CXL_FUZZ_MBOX, CXL_FUZZ_CLOCK };
static const uint8_t mctp_actions[] = {
    CXL_FUZZ_USB_OUT, CXL_FUZZ_USB_MCTP, CXL_FUZZ_USB_IN, CXL_FUZZ_USB_CTRL,
    CXL_FUZZ_USB_RESET, CXL_FUZZ_CLOCK,
};
/* The fabric target's mailbox commands are binds and unbinds */
static const uint8_t fabric_actions[] = {
    CXL_FUZZ_FABRIC_SEND, CXL_FUZZ_FABRIC_REGISTER, CXL_FUZZ_MBOX,
    CXL_FUZZ_CLOCK,
};
static const struct {
    const uint8_t *actions;
    unsigned num;
} target_actions[] = {
    [FUZZ_MAILBOX] = { mailbox_actions, ARRAY_SIZE(mailbox_actions) },
    [FUZZ_TUNNEL] = { tunnel_actions, ARRAY_SIZE(tunnel_actions) },
    [FUZZ_MCTP] = { mctp_actions, ARRAY_SIZE(mctp_actions) },
    [FUZZ_FABRIC] = { fabric_actions, ARRAY_SIZE(fabric_actions) },
};

static void cxl_vcs_fuzz(QTestState *s, CXLFuzzTarget t,
                         const unsigned char *data, size_t size)
{
    if (t == FUZZ_FABRIC) {
        fabric_connect(s);
    }
    while (size >= 3) {
        uint8_t act = data[0];
        size_t len = MIN(lduw_le_p(data + 1), size - 3);
        const uint8_t *b = data + 3;
        unsigned kind = act & CXL_FUZZ_ACTION_MASK;
        bool ours = false;

        for (unsigned i = 0; i < target_actions[t].num; i++) {
            ours |= target_actions[t].actions[i] == kind;
        }
        if (!ours) {
            kind = target_actions[t].actions[kind % target_actions[t].num];
        }
        switch (kind) {
        case CXL_FUZZ_MBOX:
            if (t == FUZZ_TUNNEL) {
                fuzz_tunnel(s, act, b, len);
            } else if (t == FUZZ_FABRIC) {
                fuzz_fabric_bind(s, b, len);
            } else {
                fuzz_mbox(s, act, b, len);
            }
            break;
        case CXL_FUZZ_FABRIC_SEND:
            fuzz_fabric_send(s, b, len);
            break;
        case CXL_FUZZ_FABRIC_REGISTER:
            fuzz_fabric_register(s, b, len);
            break;
        case CXL_FUZZ_MBOX_REG:
            fuzz_mbox_reg(s, b, len);
            break;
        case CXL_FUZZ_SLOT:
            fuzz_slot(s, b, len);
            break;
        case CXL_FUZZ_CLOCK:
            fuzz_clock(s, b, len);
            break;
        case CXL_FUZZ_USB_OUT:
            fuzz_usb_out(b, len);
            break;
        case CXL_FUZZ_USB_MCTP:
            fuzz_usb_mctp(b, len);
            break;
        case CXL_FUZZ_USB_IN:
            fuzz_usb_in(b, len);
            break;
        case CXL_FUZZ_USB_CTRL:
            fuzz_usb_ctrl(b, len);
            break;
        case CXL_FUZZ_USB_RESET:
            usb_device_reset(usb);
            break;
        }
        data += 3 + len;
        size -= 3 + len;
    }
    if (t == FUZZ_FABRIC) {
        /* Its VCS goes, and what was bound to it */
        fabric_close(s);
    }
    qtest_clock_step(s, SETTLE_NS);
    if (t == FUZZ_MCTP) {
        fuzz_usb_in(NULL, 0);
    }
    flush_events(s);
}

static void cxl_vcs_fuzz_mailbox(QTestState *s, const unsigned char *data,
                                 size_t size)
{
    cxl_vcs_fuzz(s, FUZZ_MAILBOX, data, size);
}

static void cxl_vcs_fuzz_tunnel(QTestState *s, const unsigned char *data,
                                size_t size)
{
    cxl_vcs_fuzz(s, FUZZ_TUNNEL, data, size);
}

static void cxl_vcs_fuzz_mctp(QTestState *s, const unsigned char *data,
                              size_t size)
{
    cxl_vcs_fuzz(s, FUZZ_MCTP, data, size);
}

static void cxl_vcs_fuzz_fabric(QTestState *s, const unsigned char *data,
                                size_t size)
{
    cxl_vcs_fuzz(s, FUZZ_FABRIC, data, size);
}

static void register_cxl_vcs_fuzz_targets(void)
{
    static const FuzzTarget targets[] = {
        {
            .name = "cxl-vcs-mailbox",
            .description = "The CXL switch mailbox CCI: FM-API commands, "
                           "register accesses and the hosts' slot registers",
            .fuzz = cxl_vcs_fuzz_mailbox,
        }, {
            .name = "cxl-vcs-tunnel",
            .description = "FM-API Tunnel Management Command to the switch's "
                           "devices and LDs, nested",
            .fuzz = cxl_vcs_fuzz_tunnel,
        }, {
            .name = "cxl-vcs-mctp",
            .description = "usb-cxl-mctp: USB transfers carrying MCTP "
                           "packets to the switch",
            .fuzz = cxl_vcs_fuzz_mctp,
        }, {
            .name = "cxl-vcs-fabric",
            .description = "The fabric manager's socket to a host process: "
                           "what a host (or anything) sends, with binds "
                           "and unbinds to its VCS",
            .fuzz = cxl_vcs_fuzz_fabric,
        },
    };

    for (int i = 0; i < ARRAY_SIZE(targets); i++) {
        FuzzTarget t = targets[i];

        t.get_init_cmdline = cxl_vcs_fuzz_cmdline;
        t.pre_vm_init = cxl_vcs_fuzz_pre_vm_init;
        t.pre_fuzz = cxl_vcs_fuzz_pre_fuzz;
        fuzz_add_target(&t);
    }
}

fuzz_target_init(register_cxl_vcs_fuzz_targets);
