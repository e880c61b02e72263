/*
 * CXL FM-API over MCTP over USB (DMTF DSP0283 1.0): usb-cxl-mctp
 *
 * A USB device with one MCTP interface (class 14h, subclass 00h,
 * protocol 01h) and a bulk endpoint pair.  Every MCTP packet on the bus
 * carries a 4-byte header: DMTF ID 1AB4h (big-endian), a reserved byte
 * and the packet length including the header.  One OUT transfer may hold
 * several packets; IN transfers return whole packets, as many as fit, and
 * NAK while there is nothing to send.
 *
 * The MCTP endpoint behind it serves the CCI of its target: a
 * cxl-vcs-switch, a cxl-upstream port or a cxl-type3 device.
 *
 * Copyright (c) 2026 The QEMU CXL fabric project
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "qapi/error.h"
#include "hw/qdev-properties.h"
#include "hw/qdev-properties-system.h"
#include "hw/usb.h"
#include "desc.h"
#include "hw/cxl/cxl_mctp.h"
#include "trace.h"

#define TYPE_USB_CXL_MCTP "usb-cxl-mctp"
OBJECT_DECLARE_SIMPLE_TYPE(USBCXLMCTPState, USB_CXL_MCTP)

/* DSP0283 */
#define USB_CLASS_MCTP 0x14
#define USB_SUBCLASS_MCTP_ENDPOINT 0x00
#define USB_PROTOCOL_MCTP_1 0x01
#define DSP0283_DMTF_ID 0x1ab4
#define DSP0283_HDR_LEN 4
#define DSP0283_MAX_LEN 255

#define EP_MCTP 1

struct USBCXLMCTPState {
    USBDevice dev;

    /* Properties */
    char *target;
    QemuUUID uuid;

    CXLMCTPEndpoint ep;
    GByteArray *tx;             /* DSP0283 packets of responses */
    GByteArray *tx_req;         /* and of the device's own requests */
};

enum {
    STR_MANUFACTURER = 1,
    STR_PRODUCT,
    STR_SERIALNUMBER,
    STR_CONFIG,
    STR_INTERFACE,
};

static const USBDescStrings desc_strings = {
    [STR_MANUFACTURER] = "QEMU",
    [STR_PRODUCT] = "QEMU CXL FM-API over MCTP",
    [STR_SERIALNUMBER] = "1",
    [STR_CONFIG] = "MCTP",
    [STR_INTERFACE] = "MCTP endpoint",
};

#define DESC_IFACE(speed, mps)                                              \
static const USBDescIface desc_iface_##speed = {                            \
    .bInterfaceNumber = 0,                                                  \
    .bNumEndpoints = 2,                                                     \
    .bInterfaceClass = USB_CLASS_MCTP,                                      \
    .bInterfaceSubClass = USB_SUBCLASS_MCTP_ENDPOINT,                       \
    .bInterfaceProtocol = USB_PROTOCOL_MCTP_1,                              \
    .iInterface = STR_INTERFACE,                                            \
    .eps = (USBDescEndpoint[]) {                                            \
        {                                                                   \
            .bEndpointAddress = USB_DIR_OUT | EP_MCTP,                      \
            .bmAttributes = USB_ENDPOINT_XFER_BULK,                         \
            .wMaxPacketSize = mps,                                          \
        }, {                                                                \
            .bEndpointAddress = USB_DIR_IN | EP_MCTP,                       \
            .bmAttributes = USB_ENDPOINT_XFER_BULK,                         \
            .wMaxPacketSize = mps,                                          \
        },                                                                  \
    },                                                                      \
};                                                                          \
                                                                            \
static const USBDescDevice desc_device_##speed = {                          \
    .bcdUSB = 0x0200,                                                       \
    .bMaxPacketSize0 = 64,                                                  \
    .bNumConfigurations = 1,                                                \
    .confs = (USBDescConfig[]) {                                            \
        {                                                                   \
            .bNumInterfaces = 1,                                            \
            .bConfigurationValue = 1,                                       \
            .iConfiguration = STR_CONFIG,                                   \
            .bmAttributes = USB_CFG_ATT_ONE,                                \
            .bMaxPower = 50,                                                \
            .nif = 1,                                                       \
            .ifs = &desc_iface_##speed,                                     \
        },                                                                  \
    },                                                                      \
};

/* Bulk endpoints: 64 bytes at full speed, 512 at high speed */
DESC_IFACE(full, 64)
DESC_IFACE(high, 512)

static const USBDesc desc_cxl_mctp = {
    .id = {
        .idVendor = 0x46f4,     /* CRC16() of "QEMU" */
        .idProduct = 0x0006,
        .bcdDevice = 0,
        .iManufacturer = STR_MANUFACTURER,
        .iProduct = STR_PRODUCT,
        .iSerialNumber = STR_SERIALNUMBER,
    },
    .full = &desc_device_full,
    .high = &desc_device_high,
    .str = desc_strings,
};

/*
 * Packets wait for the host in two queues: responses, and the device's
 * own requests (Event Notifications), which do not hold up the next
 * request the way an unread response does.  The host gets responses
 * first; a request is one packet, which may come between a response's.
 */
static void usb_cxl_mctp_send(void *opaque, const uint8_t *pkt, size_t len,
                              bool request)
{
    USBCXLMCTPState *s = opaque;
    uint8_t hdr[DSP0283_HDR_LEN] = { 0, 0, 0, DSP0283_HDR_LEN + len };
    GByteArray *q = request ? s->tx_req : s->tx;

    stw_be_p(hdr, DSP0283_DMTF_ID);
    g_byte_array_append(q, hdr, sizeof(hdr));
    g_byte_array_append(q, pkt, len);
    usb_wakeup(usb_ep_get(&s->dev, USB_TOKEN_IN, EP_MCTP), 0);
}

static bool usb_cxl_mctp_busy(void *opaque)
{
    USBCXLMCTPState *s = opaque;

    return s->tx->len != 0;
}

/* An OUT transfer: one or more DSP0283 packets */
static void usb_cxl_mctp_out(USBCXLMCTPState *s, const uint8_t *buf,
                             size_t len)
{
    while (len) {
        size_t plen;

        if (len < DSP0283_HDR_LEN || lduw_be_p(buf) != DSP0283_DMTF_ID) {
            trace_usb_cxl_mctp_drop(s->dev.addr, "no DSP0283 header");
            return;
        }
        plen = buf[3];
        if (plen <= DSP0283_HDR_LEN + CXL_MCTP_HDR_LEN || plen > len) {
            trace_usb_cxl_mctp_drop(s->dev.addr, "bad DSP0283 length");
            return;
        }
        cxl_mctp_receive(&s->ep, buf + DSP0283_HDR_LEN,
                         plen - DSP0283_HDR_LEN);
        buf += plen;
        len -= plen;
    }
}

/* An IN transfer: the whole packets of @q that fit */
static void usb_cxl_mctp_in(USBCXLMCTPState *s, GByteArray *q, USBPacket *p)
{
    size_t len = 0;

    while (len < q->len && len + q->data[len + 3] <= p->iov.size) {
        len += q->data[len + 3];
    }
    if (!len) {
        /* The host's buffer cannot take a whole packet: drop it */
        trace_usb_cxl_mctp_drop(s->dev.addr, "IN buffer smaller than packet");
        len = q->data[3];
    } else {
        usb_packet_copy(p, q->data, len);
    }
    trace_usb_cxl_mctp_in(s->dev.addr, len);
    g_byte_array_remove_range(q, 0, len);
}

static void usb_cxl_mctp_handle_data(USBDevice *dev, USBPacket *p)
{
    USBCXLMCTPState *s = USB_CXL_MCTP(dev);
    g_autofree uint8_t *buf = NULL;

    if (p->ep->nr != EP_MCTP) {
        p->status = USB_RET_STALL;
        return;
    }
    switch (p->pid) {
    case USB_TOKEN_OUT:
        buf = g_malloc(p->iov.size);
        usb_packet_copy(p, buf, p->iov.size);
        trace_usb_cxl_mctp_out(dev->addr, p->iov.size);
        usb_cxl_mctp_out(s, buf, p->iov.size);
        break;
    case USB_TOKEN_IN:
        if (s->tx->len) {
            usb_cxl_mctp_in(s, s->tx, p);
        } else if (s->tx_req->len) {
            usb_cxl_mctp_in(s, s->tx_req, p);
        } else {
            p->status = USB_RET_NAK;
        }
        break;
    default:
        p->status = USB_RET_STALL;
        break;
    }
}

static void usb_cxl_mctp_handle_control(USBDevice *dev, USBPacket *p,
                                        int request, int value, int index,
                                        int length, uint8_t *data)
{
    if (usb_desc_handle_control(dev, p, request, value, index, length,
                                data) < 0) {
        /* No class-specific requests in DSP0283 */
        p->status = USB_RET_STALL;
    }
}

static void usb_cxl_mctp_handle_reset(USBDevice *dev)
{
    USBCXLMCTPState *s = USB_CXL_MCTP(dev);

    g_byte_array_set_size(s->tx, 0);
    g_byte_array_set_size(s->tx_req, 0);
    cxl_mctp_reset(&s->ep);
}

static void usb_cxl_mctp_realize(USBDevice *dev, Error **errp)
{
    USBCXLMCTPState *s = USB_CXL_MCTP(dev);

    if (!cxl_mctp_init(&s->ep,
                       object_get_canonical_path_component(OBJECT(dev)),
                       s->target, DEVICE(dev), usb_cxl_mctp_send,
                       usb_cxl_mctp_busy, s, errp)) {
        return;
    }
    s->ep.uuid = s->uuid;
    usb_desc_create_serial(dev);
    usb_desc_init(dev);
    s->tx = g_byte_array_new();
    s->tx_req = g_byte_array_new();
}

static void usb_cxl_mctp_unrealize(USBDevice *dev)
{
    USBCXLMCTPState *s = USB_CXL_MCTP(dev);

    cxl_mctp_cleanup(&s->ep);
    g_byte_array_free(s->tx, true);
    g_byte_array_free(s->tx_req, true);
}

static const Property usb_cxl_mctp_props[] = {
    DEFINE_PROP_STRING("target", USBCXLMCTPState, target),
    DEFINE_PROP_UUID("uuid", USBCXLMCTPState, uuid),
};

static void usb_cxl_mctp_class_init(ObjectClass *klass, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    USBDeviceClass *uc = USB_DEVICE_CLASS(klass);

    uc->product_desc = "QEMU CXL FM-API over MCTP";
    uc->usb_desc = &desc_cxl_mctp;
    uc->realize = usb_cxl_mctp_realize;
    uc->unrealize = usb_cxl_mctp_unrealize;
    uc->handle_attach = usb_desc_attach;
    uc->handle_reset = usb_cxl_mctp_handle_reset;
    uc->handle_control = usb_cxl_mctp_handle_control;
    uc->handle_data = usb_cxl_mctp_handle_data;
    dc->desc = "CXL FM-API and CCI over MCTP over USB (DSP0283)";
    set_bit(DEVICE_CATEGORY_MISC, dc->categories);
    device_class_set_props(dc, usb_cxl_mctp_props);
}

static const TypeInfo usb_cxl_mctp_info = {
    .name = TYPE_USB_CXL_MCTP,
    .parent = TYPE_USB_DEVICE,
    .instance_size = sizeof(USBCXLMCTPState),
    .class_init = usb_cxl_mctp_class_init,
};

static void usb_cxl_mctp_register_types(void)
{
    type_register_static(&usb_cxl_mctp_info);
}

type_init(usb_cxl_mctp_register_types)
