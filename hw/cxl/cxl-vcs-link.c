/*
 * CXL multi-VCS switch: one connection between the fabric manager's
 * process and a host process
 *
 * A socket chardev carries one JSON object per message, parsed as QMP's
 * are (QEMU's JSON parser), each a CxlFabricMessage (qapi/cxl-vcs.json)
 * visited into its QAPI type.  What is not one, is longer than
 * CXL_VCS_LINK_MAX_MESSAGE bytes, or is refused by the side that
 * receives it, is logged and answered with an error message; the
 * connection is closed CXL_VCS_LINK_CLOSE_MS later, taking nothing more
 * from it meanwhile.  The other side may connect again.  The fabric
 * manager's side may also send a request and wait a limited time for its
 * reply (cxl_vcs_link_request()); messages that arrive meanwhile are
 * handled right after.
 *
 * Copyright (c) 2026 The QEMU CXL fabric project
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/error-report.h"
#include "qemu/main-loop.h"
#include "qemu/timer.h"
#include "qapi/error.h"
#include "qapi/clone-visitor.h"
#include "qapi/qobject-input-visitor.h"
#include "qapi/qobject-output-visitor.h"
#include "qapi/qapi-visit-cxl-vcs.h"
#include "qobject/json-parser.h"
#include "qobject/qdict.h"
#include "qobject/qjson.h"
#include "chardev/char-fe.h"
#include "chardev/char-socket.h"
#include "io/channel-socket.h"
#include "cxl-vcs.h"
#include "trace.h"

/* The longest message either side accepts */
#define CXL_VCS_LINK_MAX_MESSAGE (256 * 1024)
/* How long a refused peer has to read why before the connection closes */
#define CXL_VCS_LINK_CLOSE_MS 100

struct CXLVCSLink {
    CXLVCSSwitch *s;
    CharFrontend chr;
    const CXLVCSLinkOps *ops;
    void *opaque;
    bool connected;

    JSONMessageParser parser;
    size_t received;        /* bytes of the message being received */
    char *refused;          /* why the connection is to be closed */
    char *logged;           /* what was logged last, said once only */
    bool closing;           /* the peer was told why: closed soon */
    bool peer_refused;      /* the peer sent an error: no answer to it */
    QEMUTimer *close_timer;

    uint32_t last_id;       /* of the requests sent */
    uint32_t wait_id;       /* the reply waited for, or 0 */
    CxlFabricReply *reply;
    GQueue deferred;        /* messages that came while waiting */
    QEMUBH *bh;
};

const char *cxl_vcs_link_name(CXLVCSLink *l)
{
    return qemu_chr_fe_get_driver(&l->chr)->label;
}

void *cxl_vcs_link_opaque(CXLVCSLink *l)
{
    return l->opaque;
}

bool cxl_vcs_link_connected(CXLVCSLink *l)
{
    return l->connected;
}

void cxl_vcs_link_refuse(CXLVCSLink *l, const char *fmt, ...)
{
    va_list ap;

    if (l->refused) {
        return;
    }
    va_start(ap, fmt);
    l->refused = g_strdup_vprintf(fmt, ap);
    va_end(ap);
}

/* Close the connection if a message was refused, saying why */
void cxl_vcs_link_close_refused(CXLVCSLink *l)
{
    g_autofree char *why = g_steal_pointer(&l->refused);
    CxlFabricMessage msg = { .type = CXL_FABRIC_MESSAGE_TYPE_ERROR };

    if (!why || !l->connected || l->closing) {
        return;
    }
    /* A peer that connects again to be refused again is told once */
    if (g_strcmp0(why, l->logged)) {
        warn_report("cxl-vcs-switch '%s': fabric link '%s': %s; closing it",
                    cxl_vcs_id(l->s), cxl_vcs_link_name(l), why);
        g_free(l->logged);
        l->logged = g_strdup(why);
    }
    trace_cxl_vcs_link_refused(cxl_vcs_id(l->s), cxl_vcs_link_name(l), why);
    /* The peer is told why, and given the time to read it */
    if (!l->peer_refused) {
        msg.u.error.message = why;
        cxl_vcs_link_send(l, &msg);
    }
    l->closing = true;
    timer_mod(l->close_timer, qemu_clock_get_ms(QEMU_CLOCK_REALTIME) +
              CXL_VCS_LINK_CLOSE_MS);
}

static void cxl_vcs_link_close_timer(void *opaque)
{
    CXLVCSLink *l = opaque;

    qemu_chr_fe_disconnect(&l->chr);
}

void cxl_vcs_link_send(CXLVCSLink *l, CxlFabricMessage *msg)
{
    Visitor *v;
    QObject *obj = NULL;
    g_autoptr(GString) json = NULL;

    if (!l->connected || l->closing) {
        return;
    }
    v = qobject_output_visitor_new(&obj);
    visit_type_CxlFabricMessage(v, NULL, &msg, &error_abort);
    visit_complete(v, &obj);
    visit_free(v);
    json = qobject_to_json(obj);
    qobject_unref(obj);
    trace_cxl_vcs_link_send(cxl_vcs_id(l->s), cxl_vcs_link_name(l),
                            CxlFabricMessageType_str(msg->type));
    g_string_append_c(json, '\n');
    qemu_chr_fe_write_all(&l->chr, (const uint8_t *)json->str, json->len);
}

static void cxl_vcs_link_dispatch(CXLVCSLink *l, CxlFabricMessage *msg)
{
    trace_cxl_vcs_link_receive(cxl_vcs_id(l->s), cxl_vcs_link_name(l),
                               CxlFabricMessageType_str(msg->type));
    if (msg->type == CXL_FABRIC_MESSAGE_TYPE_ERROR) {
        l->peer_refused = true;
    }
    if (msg->type == CXL_FABRIC_MESSAGE_TYPE_REPLY) {
        if (!l->wait_id || msg->u.reply.id != l->wait_id || l->reply) {
            cxl_vcs_link_refuse(l, "reply %u to no request",
                                msg->u.reply.id);
        } else {
            l->reply = QAPI_CLONE(CxlFabricReply, &msg->u.reply);
        }
        qapi_free_CxlFabricMessage(msg);
        return;
    }
    if (l->wait_id || !g_queue_is_empty(&l->deferred)) {
        /* Handled once the request in progress is over, in order */
        g_queue_push_tail(&l->deferred, msg);
        qemu_bh_schedule(l->bh);
        return;
    }
    l->ops->message(l, msg);
    qapi_free_CxlFabricMessage(msg);
}

/* What the JSON parser found: a message, or why it is none */
static void cxl_vcs_link_parsed(void *opaque, QObject *obj, Error *err)
{
    CXLVCSLink *l = opaque;
    CxlFabricMessage *msg = NULL;
    Visitor *v;

    l->received = 0;
    if (l->refused) {
        /* Nothing more is taken from this connection */
        error_free(err);
        qobject_unref(obj);
        return;
    }
    if (err) {
        cxl_vcs_link_refuse(l, "malformed message: %s", error_get_pretty(err));
        error_free(err);
        return;
    }
    if (!qobject_to(QDict, obj)) {
        cxl_vcs_link_refuse(l, "a message is a JSON object");
        qobject_unref(obj);
        return;
    }
    v = qobject_input_visitor_new(obj);
    visit_type_CxlFabricMessage(v, NULL, &msg, &err);
    visit_free(v);
    qobject_unref(obj);
    if (err) {
        cxl_vcs_link_refuse(l, "not a message of protocol version %u: %s",
                            CXL_VCS_LINK_VERSION, error_get_pretty(err));
        error_free(err);
        return;
    }
    cxl_vcs_link_dispatch(l, msg);
}

static void cxl_vcs_link_feed(CXLVCSLink *l, const uint8_t *buf, int size)
{
    for (int i = 0; i < size && !l->refused && !l->closing; i++) {
        json_message_parser_feed(&l->parser, (const char *)buf + i, 1);
        if (++l->received > CXL_VCS_LINK_MAX_MESSAGE) {
            cxl_vcs_link_refuse(l, "message longer than %d bytes",
                                CXL_VCS_LINK_MAX_MESSAGE);
        }
    }
}

static int cxl_vcs_link_can_read(void *opaque)
{
    return 4096;
}

static void cxl_vcs_link_read(void *opaque, const uint8_t *buf, int size)
{
    CXLVCSLink *l = opaque;

    cxl_vcs_link_feed(l, buf, size);
    cxl_vcs_link_close_refused(l);
}

/* The messages that came while a request waited for its reply */
static void cxl_vcs_link_bh(void *opaque)
{
    CXLVCSLink *l = opaque;
    CxlFabricMessage *msg;

    while (!l->wait_id && (msg = g_queue_pop_head(&l->deferred))) {
        if (l->connected && !l->refused) {
            l->ops->message(l, msg);
        }
        qapi_free_CxlFabricMessage(msg);
        cxl_vcs_link_close_refused(l);
    }
}

static void cxl_vcs_link_event(void *opaque, QEMUChrEvent event)
{
    CXLVCSLink *l = opaque;
    CxlFabricMessage *msg;

    switch (event) {
    case CHR_EVENT_OPENED:
        if (l->connected) {
            return;
        }
        trace_cxl_vcs_link_opened(cxl_vcs_id(l->s), cxl_vcs_link_name(l));
        json_message_parser_destroy(&l->parser);
        json_message_parser_init(&l->parser, cxl_vcs_link_parsed, l, NULL);
        l->received = 0;
        l->connected = true;
        l->closing = l->peer_refused = false;
        l->ops->opened(l);
        break;
    case CHR_EVENT_CLOSED:
        if (!l->connected) {
            return;
        }
        trace_cxl_vcs_link_closed(cxl_vcs_id(l->s), cxl_vcs_link_name(l));
        l->connected = false;
        l->closing = false;
        timer_del(l->close_timer);
        g_clear_pointer(&l->refused, g_free);
        while ((msg = g_queue_pop_head(&l->deferred))) {
            qapi_free_CxlFabricMessage(msg);
        }
        l->ops->closed(l);
        break;
    default:
        break;
    }
}

uint32_t cxl_vcs_link_next_id(CXLVCSLink *l)
{
    return ++l->last_id ?: ++l->last_id;
}

/*
 * Read what the host sends until the reply comes, the connection goes
 * or @timeout_ms pass.  The BQL is held: the main loop's handler of the
 * chardev cannot run meanwhile, and finds nothing left to read.
 */
static void cxl_vcs_link_wait(CXLVCSLink *l, int64_t timeout_ms)
{
    SocketChardev *sc = SOCKET_CHARDEV(qemu_chr_fe_get_driver(&l->chr));
    int64_t deadline = qemu_clock_get_ms(QEMU_CLOCK_REALTIME) + timeout_ms;

    while (!l->reply && l->connected && !l->refused && !l->closing &&
           sc->ioc) {
        int64_t left = deadline - qemu_clock_get_ms(QEMU_CLOCK_REALTIME);
        GPollFD pfd = {
            .fd = sc->sioc->fd,
            .events = G_IO_IN | G_IO_HUP | G_IO_ERR,
        };
        uint8_t buf[4096];
        ssize_t n;

        if (left <= 0) {
            cxl_vcs_link_refuse(l, "no reply to request %u in %" PRId64
                                " ms", l->wait_id, timeout_ms);
            break;
        }
        if (g_poll(&pfd, 1, left) <= 0) {
            continue;
        }
        n = qio_channel_read(sc->ioc, (char *)buf, sizeof(buf), NULL);
        if (n == QIO_CHANNEL_ERR_BLOCK) {
            continue;
        }
        if (n <= 0) {
            cxl_vcs_link_refuse(l, "the host process went away while "
                                "request %u waited", l->wait_id);
            break;
        }
        cxl_vcs_link_feed(l, buf, n);
    }
}

CxlFabricReply *cxl_vcs_link_request(CXLVCSLink *l, CxlFabricMessage *msg,
                                     uint32_t id, int64_t timeout_ms)
{
    CxlFabricReply *reply;

    if (!l->connected || l->closing) {
        return NULL;
    }
    assert(!l->wait_id);
    l->wait_id = id;
    cxl_vcs_link_send(l, msg);
    cxl_vcs_link_wait(l, timeout_ms);
    l->wait_id = 0;
    reply = g_steal_pointer(&l->reply);
    cxl_vcs_link_close_refused(l);
    if (!g_queue_is_empty(&l->deferred)) {
        qemu_bh_schedule(l->bh);
    }
    return reply;
}

CXLVCSLink *cxl_vcs_link_new(CXLVCSSwitch *s, const char *chardev,
                             const CXLVCSLinkOps *ops, void *opaque,
                             Error **errp)
{
    Chardev *chr = qemu_chr_find(chardev);
    CXLVCSLink *l;

    if (!chr) {
        error_setg(errp, "cxl-vcs-switch '%s': fabric: no chardev '%s'",
                   cxl_vcs_id(s), chardev);
        return NULL;
    }
    if (!object_dynamic_cast(OBJECT(chr), TYPE_CHARDEV_SOCKET)) {
        error_setg(errp, "cxl-vcs-switch '%s': fabric: chardev '%s' is "
                   "not a socket chardev (unix or tcp)", cxl_vcs_id(s),
                   chardev);
        return NULL;
    }
    l = g_new0(CXLVCSLink, 1);
    l->s = s;
    l->ops = ops;
    l->opaque = opaque;
    g_queue_init(&l->deferred);
    json_message_parser_init(&l->parser, cxl_vcs_link_parsed, l, NULL);
    if (!qemu_chr_fe_init(&l->chr, chr, errp)) {
        error_prepend(errp, "cxl-vcs-switch '%s': fabric: ", cxl_vcs_id(s));
        json_message_parser_destroy(&l->parser);
        g_free(l);
        return NULL;
    }
    l->bh = qemu_bh_new(cxl_vcs_link_bh, l);
    l->close_timer = timer_new_ms(QEMU_CLOCK_REALTIME,
                                  cxl_vcs_link_close_timer, l);
    return l;
}

void cxl_vcs_link_start(CXLVCSLink *l)
{
    qemu_chr_fe_set_handlers(&l->chr, cxl_vcs_link_can_read,
                             cxl_vcs_link_read, cxl_vcs_link_event, NULL, l,
                             NULL, true);
}

void cxl_vcs_link_free(CXLVCSLink *l)
{
    CxlFabricMessage *msg;

    qemu_chr_fe_deinit(&l->chr, false);
    qemu_bh_delete(l->bh);
    timer_free(l->close_timer);
    while ((msg = g_queue_pop_head(&l->deferred))) {
        qapi_free_CxlFabricMessage(msg);
    }
    json_message_parser_destroy(&l->parser);
    g_free(l->refused);
    g_free(l->logged);
    qapi_free_CxlFabricReply(l->reply);
    g_free(l);
}
