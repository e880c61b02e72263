/*
 * CXL multi-VCS switch: a device's state, as it moves between the
 * fabric manager's process and a host process
 *
 * Each process that may host a device has one of its own, on the same
 * memory and label storage backends (share=on files).  What else the
 * fabric manager and a host do to it moves with it: the fabric
 * manager's process gives it to the host process it binds the device
 * to, and takes it back when the host reports the device removed.  That
 * is its event logs and its dynamic capacity: the regions' block sizes
 * and which blocks are backed, the extents accepted and the groups
 * offered.  What stays with each process's instance: HDM decoders and
 * the rest of its registers (its host programs them), poison lists,
 * scan media results, features and timestamps.
 *
 * Copyright (c) 2026 The QEMU CXL fabric project
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/bitmap.h"
#include "qapi/error.h"
#include "hw/cxl/cxl.h"
#include "hw/cxl/cxl_direct_map.h"
#include "cxl-vcs.h"

/* The bytes of an extent's tag */
#define CXL_VCS_STATE_TAG 16
/* An event log holds this many records: cxl-events.c's overflow limit */
#define CXL_VCS_STATE_MAX_EVENTS 8

static void cxl_vcs_state_free_extents(CXLDCExtentList *list)
{
    CXLDCExtent *e, *next;

    QTAILQ_FOREACH_SAFE(e, list, node, next) {
        cxl_remove_extent_from_extent_list(list, e);
    }
}

static CxlFabricExtent *cxl_vcs_state_extent(CXLDCExtent *e)
{
    CxlFabricExtent *x = g_new0(CxlFabricExtent, 1);

    x->dpa = e->start_dpa;
    x->len = e->len;
    x->tag = g_base64_encode(e->tag, sizeof(e->tag));
    x->shared_seq = e->shared_seq;
    return x;
}

static CxlFabricExtentList *cxl_vcs_state_extents(CXLDCExtentList *list)
{
    CxlFabricExtentList *head = NULL, **tail = &head;
    CXLDCExtent *e;

    QTAILQ_FOREACH(e, list, node) {
        QAPI_LIST_APPEND(tail, cxl_vcs_state_extent(e));
    }
    return head;
}

CxlFabricDeviceState *cxl_vcs_state_save(CXLType3Dev *ct3d)
{
    CxlFabricDeviceState *st = g_new0(CxlFabricDeviceState, 1);
    CxlFabricEventLogList **logs = &st->event_logs;
    CxlFabricDcRegionList **regions = &st->dc_regions;
    CxlFabricExtentGroupList **groups = &st->pending;
    CXLDCExtentGroup *group;

    for (int i = 0; i < CXL_EVENT_TYPE_MAX; i++) {
        CXLEventLog *log = &ct3d->cxl_dstate.event_logs[i];
        CxlFabricEventLog *l = g_new0(CxlFabricEventLog, 1);
        strList **records = &l->records;
        CXLEvent *ev;

        QEMU_LOCK_GUARD(&log->lock);
        l->next_handle = log->next_handle;
        l->overflow_count = log->overflow_err_count;
        l->first_overflow = log->first_overflow_timestamp;
        l->last_overflow = log->last_overflow_timestamp;
        QSIMPLEQ_FOREACH(ev, &log->events, node) {
            QAPI_LIST_APPEND(records,
                             g_base64_encode((uint8_t *)&ev->data,
                                             sizeof(ev->data)));
        }
        QAPI_LIST_APPEND(logs, l);
    }
    for (int i = 0; i < ct3d->dc.num_regions; i++) {
        CxlFabricDcRegion *x = g_new0(CxlFabricDcRegion, 1);

        x->block_size = ct3d->dc.regions[i].block_size;
        QAPI_LIST_APPEND(regions, x);
    }
    st->extents = cxl_vcs_state_extents(&ct3d->dc.extents);
    QTAILQ_FOREACH(group, &ct3d->dc.extents_pending, node) {
        CxlFabricExtentGroup *g = g_new0(CxlFabricExtentGroup, 1);

        g->extents = cxl_vcs_state_extents(&group->list);
        QAPI_LIST_APPEND(groups, g);
    }
    st->extent_generation = ct3d->dc.ext_list_gen_seq;
    return st;
}

/* What cxl_vcs_state_load() takes, checked before anything changes */
typedef struct CXLVCSLoad {
    QSIMPLEQ_HEAD(, CXLEvent) events[CXL_EVENT_TYPE_MAX];
    uint64_t block_size[DCD_MAX_NUM_REGION];
    CXLDCExtentList extents;
    CXLDCExtentGroupList pending;
    uint32_t count;             /* extents, accepted and pending */
} CXLVCSLoad;

static void cxl_vcs_load_free(CXLVCSLoad *ld)
{
    CXLDCExtent *e, *next;
    CXLEvent *ev;

    for (int i = 0; i < CXL_EVENT_TYPE_MAX; i++) {
        while ((ev = QSIMPLEQ_FIRST(&ld->events[i]))) {
            QSIMPLEQ_REMOVE_HEAD(&ld->events[i], node);
            g_free(ev);
        }
    }
    QTAILQ_FOREACH_SAFE(e, &ld->extents, node, next) {
        cxl_remove_extent_from_extent_list(&ld->extents, e);
    }
    while (!QTAILQ_EMPTY(&ld->pending)) {
        cxl_extent_group_list_delete_front(&ld->pending);
    }
}

static bool cxl_vcs_load_logs(CXLVCSLoad *ld, CxlFabricEventLogList *logs,
                              Error **errp)
{
    int i;

    for (i = 0; logs; logs = logs->next, i++) {
        unsigned n = 0;

        if (i == CXL_EVENT_TYPE_MAX) {
            break;
        }
        for (strList *rec = logs->value->records; rec; rec = rec->next) {
            gsize len = 0;
            g_autofree uint8_t *raw = g_base64_decode(rec->value, &len);
            CXLEvent *ev;

            if (len != sizeof(CXLEventRecordRaw) ||
                ++n > CXL_VCS_STATE_MAX_EVENTS) {
                error_setg(errp, "event log %d: a record of %zu bytes, or "
                           "more than %d records", i, (size_t)len,
                           CXL_VCS_STATE_MAX_EVENTS);
                return false;
            }
            ev = g_new0(CXLEvent, 1);
            memcpy(&ev->data, raw, len);
            QSIMPLEQ_INSERT_TAIL(&ld->events[i], ev, node);
        }
    }
    if (i != CXL_EVENT_TYPE_MAX || logs) {
        error_setg(errp, "event logs: %d given, %d expected", i,
                   CXL_EVENT_TYPE_MAX);
        return false;
    }
    return true;
}

/*
 * @x, an extent in a DC region of @ct3d, on blocks of its size as @ld
 * has it, and not overlapping @list or @ld's accepted extents
 */
static bool cxl_vcs_load_extent(CXLType3Dev *ct3d, CXLVCSLoad *ld,
                                CxlFabricExtent *x, CXLDCExtentList *list,
                                uint8_t *tag, Error **errp)
{
    CXLDCRegion *r = cxl_find_dc_region(ct3d, x->dpa, x->len);
    gsize len = 0;
    g_autofree uint8_t *raw = g_base64_decode(x->tag, &len);
    uint64_t block;

    if (!r || len != CXL_VCS_STATE_TAG ||
        ++ld->count > CXL_NUM_EXTENTS_SUPPORTED) {
        goto bad;
    }
    block = ld->block_size[r - ct3d->dc.regions];
    if ((x->dpa - r->base) % block || x->len % block ||
        cxl_extents_overlaps_dpa_range(&ld->extents, x->dpa, x->len) ||
        (list != &ld->extents &&
         cxl_extents_overlaps_dpa_range(list, x->dpa, x->len))) {
        goto bad;
    }
    memcpy(tag, raw, len);
    return true;

bad:
    error_setg(errp, "extent of 0x%" PRIx64 " bytes at DPA 0x%" PRIx64
               ": not blocks of a DC region, overlapping another, or one "
               "too many (%d)", x->len, x->dpa, CXL_NUM_EXTENTS_SUPPORTED);
    return false;
}

static bool cxl_vcs_load_check(CXLType3Dev *ct3d, CXLVCSLoad *ld,
                               CxlFabricDeviceState *st, Error **errp)
{
    CxlFabricDcRegionList *r = st->dc_regions;
    uint8_t tag[CXL_VCS_STATE_TAG];
    int i;

    if (!cxl_vcs_load_logs(ld, st->event_logs, errp)) {
        return false;
    }
    for (i = 0; r && i < ct3d->dc.num_regions; r = r->next, i++) {
        CXLDCRegion *reg = &ct3d->dc.regions[i];
        uint64_t block = r->value->block_size;

        if (!is_power_of_2(block) ||
            !(block & reg->supported_blk_size_bitmask) || reg->len % block) {
            error_setg(errp, "DC region %d: block size %" PRIu64 " does not "
                       "fit", i, block);
            return false;
        }
        ld->block_size[i] = block;
    }
    if (r || i != ct3d->dc.num_regions) {
        error_setg(errp, "DC regions: more or fewer than %u",
                   ct3d->dc.num_regions);
        return false;
    }
    for (CxlFabricExtentList *e = st->extents; e; e = e->next) {
        if (!cxl_vcs_load_extent(ct3d, ld, e->value, &ld->extents, tag,
                                 errp)) {
            return false;
        }
        cxl_insert_extent_to_extent_list(&ld->extents, e->value->dpa,
                                         e->value->len, tag,
                                         e->value->shared_seq);
    }
    for (CxlFabricExtentGroupList *g = st->pending; g; g = g->next) {
        CXLDCExtentGroup *group;

        if (!g->value->extents) {
            error_setg(errp, "an empty group of pending extents");
            return false;
        }
        group = g_new0(CXLDCExtentGroup, 1);

        QTAILQ_INIT(&group->list);
        cxl_extent_group_list_insert_tail(&ld->pending, group);
        for (CxlFabricExtentList *e = g->value->extents; e; e = e->next) {
            if (!cxl_vcs_load_extent(ct3d, ld, e->value, &group->list, tag,
                                     errp)) {
                return false;
            }
            cxl_insert_extent_to_extent_group(group, e->value->dpa,
                                              e->value->len, tag,
                                              e->value->shared_seq);
        }
    }
    return true;
}

bool cxl_vcs_state_load(CXLType3Dev *ct3d, CxlFabricDeviceState *st,
                        Error **errp)
{
    CXLDeviceState *cxlds = &ct3d->cxl_dstate;
    CxlFabricEventLogList *logs = st->event_logs;
    CXLVCSLoad ld = { .extents = QTAILQ_HEAD_INITIALIZER(ld.extents),
                      .pending = QTAILQ_HEAD_INITIALIZER(ld.pending) };
    CXLDCExtentGroup *group;
    CXLDCExtent *e;
    CXLEvent *ev;

    for (int i = 0; i < CXL_EVENT_TYPE_MAX; i++) {
        QSIMPLEQ_INIT(&ld.events[i]);
    }
    if (!cxl_vcs_load_check(ct3d, &ld, st, errp)) {
        cxl_vcs_load_free(&ld);
        return false;
    }

    cxl_discard_all_event_records(cxlds);
    for (int i = 0; i < CXL_EVENT_TYPE_MAX; i++, logs = logs->next) {
        CXLEventLog *log = &cxlds->event_logs[i];

        QEMU_LOCK_GUARD(&log->lock);
        while ((ev = QSIMPLEQ_FIRST(&ld.events[i]))) {
            QSIMPLEQ_REMOVE_HEAD(&ld.events[i], node);
            QSIMPLEQ_INSERT_TAIL(&log->events, ev, node);
        }
        log->next_handle = logs->value->next_handle ?: 1;
        log->overflow_err_count = logs->value->overflow_count;
        log->first_overflow_timestamp = logs->value->first_overflow;
        log->last_overflow_timestamp = logs->value->last_overflow;
        cxl_event_set_status(cxlds, i, !QSIMPLEQ_EMPTY(&log->events));
    }

    /* Dynamic capacity: the blocks backed are those of accepted extents */
    for (int i = 0; i < ct3d->dc.num_regions; i++) {
        CXLDCRegion *reg = &ct3d->dc.regions[i];

        QEMU_LOCK_GUARD(&reg->bitmap_lock);
        g_free(reg->blk_bitmap);
        reg->block_size = ld.block_size[i];
        reg->blk_bitmap = bitmap_new(reg->len / reg->block_size);
    }
    cxl_vcs_state_free_extents(&ct3d->dc.extents);
    while (!QTAILQ_EMPTY(&ct3d->dc.extents_pending)) {
        cxl_extent_group_list_delete_front(&ct3d->dc.extents_pending);
    }
    while ((e = QTAILQ_FIRST(&ld.extents))) {
        QTAILQ_REMOVE(&ld.extents, e, node);
        QTAILQ_INSERT_TAIL(&ct3d->dc.extents, e, node);
    }
    while ((group = QTAILQ_FIRST(&ld.pending))) {
        QTAILQ_REMOVE(&ld.pending, group, node);
        QTAILQ_INSERT_TAIL(&ct3d->dc.extents_pending, group, node);
    }
    ct3d->dc.nr_extents_accepted = 0;
    QTAILQ_FOREACH(e, &ct3d->dc.extents, node) {
        ct3_set_region_block_backed(ct3d, e->start_dpa, e->len);
        ct3d->dc.nr_extents_accepted++;
    }
    ct3d->dc.total_extent_count = ld.count;
    ct3d->dc.ext_list_gen_seq = st->extent_generation;
    /* Accepted capacity is what is mapped as RAM */
    cxl_direct_map_update();
    return true;
}
