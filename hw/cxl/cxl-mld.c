/*
 * CXL multi-logical devices (MLDs)
 *
 * A cxl-type3 with num-lds=N (2 to 16) is an MLD.  It is never realized
 * itself: a cxl-vcs-switch binds its LDs to hosts.  Its memory (one of
 * volatile-memdev and persistent-memdev) is split into LDs in multiples
 * of 256 MiB, LD 0 at the lowest address and each LD right after the one
 * before; by default each gets an equal share.  Each LD is a cxl-type3
 * child "ld[k]" of the MLD whose memory backend is a window onto its part
 * of the MLD's (a cxl-ld-memory: RAM on the MLD backend's host memory);
 * the label storage area, if any, is split evenly.  An LD is prepared
 * when it gets memory and realized by the switch when first needed, so it
 * keeps its state across unbind and rebind; a Set LD Allocations that
 * moves or resizes it replaces it with a new one.
 *
 * The FM-owned LD's CCI answers the MLD Component command set (CXL r3.2
 * section 7.6.7.4) and tunnels to LD k's own CCI.  The QoS settings are
 * stored and reported but have no effect on emulated timing.
 *
 * Copyright (c) 2026 The QEMU CXL fabric project
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "qemu/units.h"
#include "qapi/error.h"
#include "system/hostmem.h"
#include "hw/qdev-properties.h"
#include "hw/cxl/cxl.h"
#include "hw/cxl/cxl_mailbox.h"
#include "hw/cxl/cxl_mld.h"
#include "cxl-ld-memory.h"
#include "trace.h"

/* LD allocations are multiples of this: Memory Granularity 0 */
#define CXL_MLD_GRANULE (256 * MiB)
#define CXL_MLD_GRANULARITY_256M 0
/* The sn property when not set */
#define CXL_MLD_NO_SERIAL UINT64_MAX
/* Each LD's part of the label storage area is a multiple of this */
#define CXL_MLD_LSA_ALIGN (4 * KiB)

/* Get LD Info: both kinds of QoS telemetry are reported on */
#define CXL_MLD_QOS_EGRESS_PORT_CONGESTION BIT(0)
#define CXL_MLD_QOS_TEMP_THROUGHPUT_REDUCTION BIT(1)
#define CXL_MLD_QOS_CAPS (CXL_MLD_QOS_EGRESS_PORT_CONGESTION | \
                          CXL_MLD_QOS_TEMP_THROUGHPUT_REDUCTION)

/* CXL r3.2 Table 7-84: the QoS settings of Get and Set QoS Control */
typedef struct CXLMLDQoSControl {
    uint8_t telemetry_control;      /* bits 1:0, as the capabilities */
    uint8_t egress_moderate_pct;
    uint8_t egress_severe_pct;
    uint8_t backpressure_sample_interval;
    uint16_t req_cmp_basis;
    uint8_t completion_collection_interval;
} QEMU_PACKED CXLMLDQoSControl;
QEMU_BUILD_BUG_ON(sizeof(CXLMLDQoSControl) != 7);

typedef struct CXLMLDLogicalDevice {
    uint64_t granules;              /* its allocation, in CXL_MLD_GRANULE */
    uint8_t qos_alloc_bw;           /* QoS Allocated BW, a fraction of 256 */
    uint8_t qos_bw_limit;           /* QoS BW Limit, a fraction of 256 */
    bool bound;
    CXLCCI *elsewhere;              /* its CCI while another process has it */
    CXLType3Dev *dev;               /* NULL while it has no memory */
    HostMemoryBackend *mem;
    HostMemoryBackend *lsa;
} CXLMLDLogicalDevice;

struct CXLMLD {
    CXLType3Dev *ct3d;
    unsigned num_lds;
    MemoryRegion *mem;              /* all of the MLD's memory */
    bool persistent;
    uint64_t granules;              /* what of it LDs can be given */
    MemoryRegion *lsa;
    uint64_t lsa_size;              /* each LD's part of it */
    CXLMLDQoSControl qos;
    CXLMLDLogicalDevice ld[CXL_MLD_MAX_LDS];
};

static CXLMLD *cxl_mld_from_cci(CXLCCI *cci)
{
    return CXL_TYPE3(cci->d)->mld;
}

/* Where LD @ld's memory starts in the MLD's */
static uint64_t cxl_mld_ld_offset(CXLMLD *mld, unsigned ld)
{
    uint64_t granules = 0;

    for (unsigned i = 0; i < ld; i++) {
        granules += mld->ld[i].granules;
    }
    return granules * CXL_MLD_GRANULE;
}

static void cxl_mld_destroy_ld(CXLMLD *mld, unsigned k)
{
    CXLMLDLogicalDevice *ld = &mld->ld[k];

    if (ld->dev) {
        object_unparent(OBJECT(ld->dev));
        object_unref(OBJECT(ld->dev));
        ld->dev = NULL;
    }
    if (ld->mem) {
        object_unref(OBJECT(ld->mem));
        ld->mem = NULL;
    }
    if (ld->lsa) {
        object_unref(OBJECT(ld->lsa));
        ld->lsa = NULL;
    }
}

/* LD @k as its allocation and place have it, if it has memory */
static bool cxl_mld_create_ld(CXLMLD *mld, unsigned k, Error **errp)
{
    CXLMLDLogicalDevice *ld = &mld->ld[k];
    CXLType3Dev *ct3d = mld->ct3d;
    g_autofree char *name = g_strdup_printf("ld[%u]", k);
    DeviceState *dev;

    if (!ld->granules) {
        return true;
    }
    ld->mem = cxl_ld_memory_new(mld->mem, cxl_mld_ld_offset(mld, k),
                                ld->granules * CXL_MLD_GRANULE);
    if (mld->lsa) {
        ld->lsa = cxl_ld_memory_new(mld->lsa, k * mld->lsa_size,
                                    mld->lsa_size);
    }
    dev = qdev_new(TYPE_CXL_TYPE3);
    /*
     * The links by value, as their properties would set them: the
     * backends are in no QOM path to name them by
     */
    object_ref(OBJECT(ld->mem));
    if (mld->persistent) {
        CXL_TYPE3(dev)->hostpmem = ld->mem;
    } else {
        CXL_TYPE3(dev)->hostvmem = ld->mem;
    }
    if (ld->lsa) {
        CXL_TYPE3(dev)->lsa = MEMORY_BACKEND(object_ref(OBJECT(ld->lsa)));
    }
    /* Each LD is a device of its own to its host: a serial of its own */
    if (ct3d->sn != CXL_MLD_NO_SERIAL) {
        qdev_prop_set_uint64(dev, "sn", ct3d->sn + k);
    }
    CXL_TYPE3(dev)->speed = ct3d->speed;
    CXL_TYPE3(dev)->width = ct3d->width;
    /* Its reference is the MLD's: it outlives the child property */
    object_property_add_child(OBJECT(ct3d), name, OBJECT(dev));
    ld->dev = CXL_TYPE3(dev);
    if (!cxl_type3_prepare(ld->dev, errp)) {
        error_prepend(errp, "LD %u: ", k);
        cxl_mld_destroy_ld(mld, k);
        return false;
    }
    trace_cxl_mld_ld(mld, k, cxl_mld_ld_offset(mld, k),
                     ld->granules * CXL_MLD_GRANULE);
    return true;
}

CXLType3Dev *cxl_mld_ld(CXLType3Dev *ct3d, unsigned ld)
{
    return ct3d->mld && ld < ct3d->mld->num_lds ? ct3d->mld->ld[ld].dev : NULL;
}

void cxl_mld_set_bound(CXLType3Dev *ct3d, unsigned ld, bool bound)
{
    ct3d->mld->ld[ld].bound = bound;
    if (!bound) {
        ct3d->mld->ld[ld].elsewhere = NULL;
    }
}

void cxl_mld_set_elsewhere(CXLType3Dev *ct3d, unsigned ld, CXLCCI *cci)
{
    ct3d->mld->ld[ld].elsewhere = cci;
}

/* Tunnel Management Command (5300h) to LD @ld: its CCI */
static CXLCCI *cxl_mld_tunnel_target(CXLCCI *cci, uint8_t ld,
                                     uint8_t target_type)
{
    CXLType3Dev *dev = cxl_mld_ld(CXL_TYPE3(cci->d), ld);

    /* No LD pool CCI: that is a multi-headed device's */
    if (target_type != 0 || !dev) {
        return NULL;
    }
    return cxl_mld_from_cci(cci)->ld[ld].elsewhere ?: &dev->ld0_cci;
}

static const CXLCCIOps cxl_mld_cci_ops = {
    .tunnel_target = cxl_mld_tunnel_target,
};

enum {
    MLD_COMPONENT = 0x54,
        #define GET_LD_INFO 0x00
        #define GET_LD_ALLOCATIONS 0x01
        #define SET_LD_ALLOCATIONS 0x02
        #define GET_QOS_CONTROL 0x03
        #define SET_QOS_CONTROL 0x04
        #define GET_QOS_STATUS 0x05
        #define GET_QOS_ALLOCATED_BW 0x06
        #define SET_QOS_ALLOCATED_BW 0x07
        #define GET_QOS_BW_LIMIT 0x08
        #define SET_QOS_BW_LIMIT 0x09
};

/* CXL r3.2 Table 7-78: Get LD Info Response Payload */
typedef struct CXLGetLDInfoOut {
    uint64_t memory_size;
    uint16_t ld_count;
    uint8_t qos_telemetry_caps;
} QEMU_PACKED CXLGetLDInfoOut;
QEMU_BUILD_BUG_ON(sizeof(CXLGetLDInfoOut) != 11);

/* Get LD Info (5400h) */
static CXLRetCode cmd_mld_get_ld_info(const struct cxl_cmd *cmd,
                                      uint8_t *payload_in, size_t len_in,
                                      uint8_t *payload_out, size_t *len_out,
                                      CXLCCI *cci)
{
    CXLMLD *mld = cxl_mld_from_cci(cci);
    CXLGetLDInfoOut *out = (void *)payload_out;

    stq_le_p(&out->memory_size, memory_region_size(mld->mem));
    stw_le_p(&out->ld_count, mld->num_lds);
    out->qos_telemetry_caps = CXL_MLD_QOS_CAPS;
    *len_out = sizeof(*out);
    return CXL_MBOX_SUCCESS;
}

/* CXL r3.2 Table 7-80: an LD Allocation List entry */
typedef struct CXLLDAllocation {
    uint64_t range1;                /* multiples of the granularity */
    uint64_t range2;
} QEMU_PACKED CXLLDAllocation;
QEMU_BUILD_BUG_ON(sizeof(CXLLDAllocation) != 16);

/* CXL r3.2 Tables 7-79 and 7-80: Get LD Allocations */
typedef struct CXLGetLDAllocationsIn {
    uint8_t start_ld_id;
    uint8_t list_limit;
} QEMU_PACKED CXLGetLDAllocationsIn;
QEMU_BUILD_BUG_ON(sizeof(CXLGetLDAllocationsIn) != 2);

typedef struct CXLGetLDAllocationsOut {
    uint8_t num_lds;
    uint8_t memory_granularity;
    uint8_t start_ld_id;
    uint8_t list_len;
    CXLLDAllocation list[];
} QEMU_PACKED CXLGetLDAllocationsOut;
QEMU_BUILD_BUG_ON(sizeof(CXLGetLDAllocationsOut) != 4);

/* The allocations of LDs @start to @start + @n - 1, as the list has them */
static void cxl_mld_put_allocations(CXLMLD *mld, unsigned start, unsigned n,
                                    CXLLDAllocation *list)
{
    for (unsigned i = 0; i < n; i++) {
        stq_le_p(&list[i].range1, mld->ld[start + i].granules);
        stq_le_p(&list[i].range2, 0);
    }
}

/* Get LD Allocations (5401h): the entries from the start LD on */
static CXLRetCode cmd_mld_get_ld_allocations(const struct cxl_cmd *cmd,
                                             uint8_t *payload_in,
                                             size_t len_in,
                                             uint8_t *payload_out,
                                             size_t *len_out, CXLCCI *cci)
{
    CXLMLD *mld = cxl_mld_from_cci(cci);
    CXLGetLDAllocationsIn *in = (void *)payload_in;
    CXLGetLDAllocationsOut *out = (void *)payload_out;
    unsigned start = in->start_ld_id, n;

    if (start >= mld->num_lds) {
        return CXL_MBOX_INVALID_INPUT;
    }
    n = MIN(in->list_limit, mld->num_lds - start);
    out->num_lds = mld->num_lds;
    out->memory_granularity = CXL_MLD_GRANULARITY_256M;
    out->start_ld_id = start;
    out->list_len = n;
    cxl_mld_put_allocations(mld, start, n, out->list);
    *len_out = sizeof(*out) + n * sizeof(out->list[0]);
    return CXL_MBOX_SUCCESS;
}

/* CXL r3.2 Tables 7-81 and 7-82: Set LD Allocations, request and reply */
typedef struct CXLSetLDAllocations {
    uint8_t num_lds;
    uint8_t start_ld_id;
    uint8_t rsvd[2];
    CXLLDAllocation list[];
} QEMU_PACKED CXLSetLDAllocations;
QEMU_BUILD_BUG_ON(sizeof(CXLSetLDAllocations) != 4);

/*
 * Give the LDs @granules of memory each, in CXL_MLD_GRANULE: Invalid
 * Input for more than the MLD has, Busy if it would move or resize an
 * LD that is bound.  The LDs that move or change size are replaced by
 * new ones with their new memory.
 */
static CXLRetCode cxl_mld_apply(CXLMLD *mld, const uint64_t *granules)
{
    uint64_t old_offset = 0, new_offset = 0, total = 0;
    bool changed[CXL_MLD_MAX_LDS];

    for (unsigned i = 0; i < mld->num_lds; i++) {
        total += granules[i];
    }
    if (total > mld->granules) {
        return CXL_MBOX_INVALID_INPUT;
    }
    /* An LD changes if its size or its place does */
    for (unsigned i = 0; i < mld->num_lds; i++) {
        changed[i] = granules[i] != mld->ld[i].granules ||
                     new_offset != old_offset;
        if (changed[i] && mld->ld[i].bound) {
            return CXL_MBOX_BUSY;
        }
        old_offset += mld->ld[i].granules;
        new_offset += granules[i];
    }
    for (unsigned i = 0; i < mld->num_lds; i++) {
        if (changed[i]) {
            cxl_mld_destroy_ld(mld, i);
            mld->ld[i].granules = granules[i];
        }
    }
    /* The memory was checked when the MLD was prepared: this cannot fail */
    for (unsigned i = 0; i < mld->num_lds; i++) {
        if (changed[i]) {
            cxl_mld_create_ld(mld, i, &error_abort);
        }
    }

    return CXL_MBOX_SUCCESS;
}

bool cxl_mld_set_ld_sizes(CXLType3Dev *ct3d, const sizeList *sizes,
                          Error **errp)
{
    CXLMLD *mld = ct3d->mld;
    uint64_t granules[CXL_MLD_MAX_LDS];
    unsigned n = 0;

    for (const sizeList *e = sizes; e; e = e->next) {
        if (n == mld->num_lds || e->value % CXL_MLD_GRANULE) {
            n = UINT_MAX;
            break;
        }
        granules[n++] = e->value / CXL_MLD_GRANULE;
    }
    if (n != mld->num_lds || cxl_mld_apply(mld, granules)) {
        error_setg(errp, "the LD allocations of the fabric manager's MLD "
                   "do not fit this one (%u LDs, %" PRIu64 " bytes), or "
                   "would change an LD bound here", mld->num_lds,
                   mld->granules * CXL_MLD_GRANULE);
        return false;
    }
    return true;
}

/*
 * Set LD Allocations (5402h).  All of it is applied or none: Invalid
 * Input for LDs that do not exist, a Range 2 allocation (each LD has one
 * range) or more memory than the MLD has; Busy if it would move or
 * resize an LD that is bound.  The LDs that move or change size are
 * replaced by new ones with their new memory.
 */
static CXLRetCode cmd_mld_set_ld_allocations(const struct cxl_cmd *cmd,
                                             uint8_t *payload_in,
                                             size_t len_in,
                                             uint8_t *payload_out,
                                             size_t *len_out, CXLCCI *cci)
{
    CXLMLD *mld = cxl_mld_from_cci(cci);
    CXLSetLDAllocations *in = (void *)payload_in;
    CXLSetLDAllocations *out = (void *)payload_out;
    uint64_t granules[CXL_MLD_MAX_LDS];
    unsigned start, n;
    CXLRetCode rc;

    if (len_in < sizeof(*in) ||
        len_in != sizeof(*in) + in->num_lds * sizeof(in->list[0])) {
        return CXL_MBOX_INVALID_PAYLOAD_LENGTH;
    }
    start = in->start_ld_id;
    n = in->num_lds;
    if (n == 0 || start >= mld->num_lds || n > mld->num_lds - start) {
        return CXL_MBOX_INVALID_INPUT;
    }
    for (unsigned i = 0; i < mld->num_lds; i++) {
        granules[i] = mld->ld[i].granules;
    }
    for (unsigned i = 0; i < n; i++) {
        if (ldq_le_p(&in->list[i].range2)) {
            return CXL_MBOX_INVALID_INPUT;
        }
        granules[start + i] = ldq_le_p(&in->list[i].range1);
        if (granules[start + i] > mld->granules) {
            return CXL_MBOX_INVALID_INPUT;
        }
    }
    rc = cxl_mld_apply(mld, granules);
    if (rc != CXL_MBOX_SUCCESS) {
        return rc;
    }
    trace_cxl_mld_set_allocations(mld, start, start + n - 1);

    out->num_lds = n;
    out->start_ld_id = start;
    out->rsvd[0] = out->rsvd[1] = 0;
    cxl_mld_put_allocations(mld, start, n, out->list);
    *len_out = sizeof(*out) + n * sizeof(out->list[0]);
    return CXL_MBOX_SUCCESS;
}

/* Get QoS Control (5403h) */
static CXLRetCode cmd_mld_get_qos_control(const struct cxl_cmd *cmd,
                                          uint8_t *payload_in, size_t len_in,
                                          uint8_t *payload_out,
                                          size_t *len_out, CXLCCI *cci)
{
    memcpy(payload_out, &cxl_mld_from_cci(cci)->qos, sizeof(CXLMLDQoSControl));
    *len_out = sizeof(CXLMLDQoSControl);
    return CXL_MBOX_SUCCESS;
}

/*
 * Set QoS Control (5404h): telemetry control bits beyond the two kinds
 * the capabilities list, or a percentage above 100, are Invalid Input.
 * The reply is the settings now in effect.
 */
static CXLRetCode cmd_mld_set_qos_control(const struct cxl_cmd *cmd,
                                          uint8_t *payload_in, size_t len_in,
                                          uint8_t *payload_out,
                                          size_t *len_out, CXLCCI *cci)
{
    CXLMLD *mld = cxl_mld_from_cci(cci);
    CXLMLDQoSControl *in = (void *)payload_in;

    if (in->telemetry_control & ~CXL_MLD_QOS_CAPS ||
        in->egress_moderate_pct > 100 || in->egress_severe_pct > 100) {
        return CXL_MBOX_INVALID_INPUT;
    }
    mld->qos = *in;
    memcpy(payload_out, &mld->qos, sizeof(mld->qos));
    *len_out = sizeof(mld->qos);
    return CXL_MBOX_SUCCESS;
}

/* Get QoS Status (5405h): no emulated congestion, so no backpressure */
static CXLRetCode cmd_mld_get_qos_status(const struct cxl_cmd *cmd,
                                         uint8_t *payload_in, size_t len_in,
                                         uint8_t *payload_out,
                                         size_t *len_out, CXLCCI *cci)
{
    payload_out[0] = 0;
    *len_out = 1;
    return CXL_MBOX_SUCCESS;
}

/*
 * CXL r3.2 Tables 7-87 to 7-92: Get/Set QoS Allocated BW and BW Limit,
 * one fraction byte per LD from the start LD on
 */
typedef struct CXLQoSFractions {
    uint8_t num_lds;
    uint8_t start_ld_id;
    uint8_t fraction[];
} QEMU_PACKED CXLQoSFractions;
QEMU_BUILD_BUG_ON(sizeof(CXLQoSFractions) != 2);

/* Byte @field of each LD's state, for LDs @start to @start + @n - 1 */
static uint8_t *cxl_mld_fraction(CXLMLD *mld, size_t field, unsigned ld)
{
    return (uint8_t *)&mld->ld[ld] + field;
}

static bool cxl_mld_fraction_range(CXLMLD *mld, const CXLQoSFractions *in)
{
    return in->num_lds && in->start_ld_id < mld->num_lds &&
           in->num_lds <= mld->num_lds - in->start_ld_id;
}

static CXLRetCode cxl_mld_get_fractions(CXLCCI *cci, size_t field,
                                        uint8_t *payload_in,
                                        uint8_t *payload_out,
                                        size_t *len_out)
{
    CXLMLD *mld = cxl_mld_from_cci(cci);
    CXLQoSFractions *in = (void *)payload_in;
    CXLQoSFractions *out = (void *)payload_out;
    unsigned start = in->start_ld_id, n = in->num_lds;

    if (!cxl_mld_fraction_range(mld, in)) {
        return CXL_MBOX_INVALID_INPUT;
    }
    out->num_lds = n;
    out->start_ld_id = start;
    for (unsigned i = 0; i < n; i++) {
        out->fraction[i] = *cxl_mld_fraction(mld, field, start + i);
    }
    *len_out = sizeof(*out) + n;
    return CXL_MBOX_SUCCESS;
}

static CXLRetCode cxl_mld_set_fractions(CXLCCI *cci, size_t field,
                                        uint8_t *payload_in, size_t len_in,
                                        uint8_t *payload_out,
                                        size_t *len_out)
{
    CXLMLD *mld = cxl_mld_from_cci(cci);
    CXLQoSFractions *in = (void *)payload_in;

    if (len_in < sizeof(*in) || len_in != sizeof(*in) + in->num_lds) {
        return CXL_MBOX_INVALID_PAYLOAD_LENGTH;
    }
    if (!cxl_mld_fraction_range(mld, in)) {
        return CXL_MBOX_INVALID_INPUT;
    }
    for (unsigned i = 0; i < in->num_lds; i++) {
        *cxl_mld_fraction(mld, field, in->start_ld_id + i) = in->fraction[i];
    }
    /* The reply is the request: the fractions now in effect */
    memmove(payload_out, payload_in, len_in);
    *len_out = len_in;
    return CXL_MBOX_SUCCESS;
}

#define CXL_MLD_ALLOC_BW offsetof(CXLMLDLogicalDevice, qos_alloc_bw)
#define CXL_MLD_BW_LIMIT offsetof(CXLMLDLogicalDevice, qos_bw_limit)

/* Get QoS Allocated BW (5406h) */
static CXLRetCode cmd_mld_get_qos_alloc_bw(const struct cxl_cmd *cmd,
                                           uint8_t *payload_in,
                                           size_t len_in,
                                           uint8_t *payload_out,
                                           size_t *len_out, CXLCCI *cci)
{
    return cxl_mld_get_fractions(cci, CXL_MLD_ALLOC_BW, payload_in,
                                 payload_out, len_out);
}

/* Set QoS Allocated BW (5407h) */
static CXLRetCode cmd_mld_set_qos_alloc_bw(const struct cxl_cmd *cmd,
                                           uint8_t *payload_in,
                                           size_t len_in,
                                           uint8_t *payload_out,
                                           size_t *len_out, CXLCCI *cci)
{
    return cxl_mld_set_fractions(cci, CXL_MLD_ALLOC_BW, payload_in, len_in,
                                 payload_out, len_out);
}

/* Get QoS BW Limit (5408h) */
static CXLRetCode cmd_mld_get_qos_bw_limit(const struct cxl_cmd *cmd,
                                           uint8_t *payload_in,
                                           size_t len_in,
                                           uint8_t *payload_out,
                                           size_t *len_out, CXLCCI *cci)
{
    return cxl_mld_get_fractions(cci, CXL_MLD_BW_LIMIT, payload_in,
                                 payload_out, len_out);
}

/* Set QoS BW Limit (5409h) */
static CXLRetCode cmd_mld_set_qos_bw_limit(const struct cxl_cmd *cmd,
                                           uint8_t *payload_in,
                                           size_t len_in,
                                           uint8_t *payload_out,
                                           size_t *len_out, CXLCCI *cci)
{
    return cxl_mld_set_fractions(cci, CXL_MLD_BW_LIMIT, payload_in, len_in,
                                 payload_out, len_out);
}

static const struct cxl_cmd cxl_cmd_set_mld[256][256] = {
    [MLD_COMPONENT][GET_LD_INFO] = { "GET_LD_INFO",
        cmd_mld_get_ld_info, 0, 0 },
    [MLD_COMPONENT][GET_LD_ALLOCATIONS] = { "GET_LD_ALLOCATIONS",
        cmd_mld_get_ld_allocations, sizeof(CXLGetLDAllocationsIn), 0 },
    [MLD_COMPONENT][SET_LD_ALLOCATIONS] = { "SET_LD_ALLOCATIONS",
        cmd_mld_set_ld_allocations, ~0, CXL_MBOX_IMMEDIATE_CONFIG_CHANGE |
        CXL_MBOX_IMMEDIATE_DATA_CHANGE },
    [MLD_COMPONENT][GET_QOS_CONTROL] = { "GET_QOS_CONTROL",
        cmd_mld_get_qos_control, 0, 0 },
    [MLD_COMPONENT][SET_QOS_CONTROL] = { "SET_QOS_CONTROL",
        cmd_mld_set_qos_control, sizeof(CXLMLDQoSControl),
        CXL_MBOX_IMMEDIATE_CONFIG_CHANGE },
    [MLD_COMPONENT][GET_QOS_STATUS] = { "GET_QOS_STATUS",
        cmd_mld_get_qos_status, 0, 0 },
    [MLD_COMPONENT][GET_QOS_ALLOCATED_BW] = { "GET_QOS_ALLOCATED_BW",
        cmd_mld_get_qos_alloc_bw, sizeof(CXLQoSFractions), 0 },
    [MLD_COMPONENT][SET_QOS_ALLOCATED_BW] = { "SET_QOS_ALLOCATED_BW",
        cmd_mld_set_qos_alloc_bw, ~0, CXL_MBOX_IMMEDIATE_CONFIG_CHANGE },
    [MLD_COMPONENT][GET_QOS_BW_LIMIT] = { "GET_QOS_BW_LIMIT",
        cmd_mld_get_qos_bw_limit, sizeof(CXLQoSFractions), 0 },
    [MLD_COMPONENT][SET_QOS_BW_LIMIT] = { "SET_QOS_BW_LIMIT",
        cmd_mld_set_qos_bw_limit, ~0, CXL_MBOX_IMMEDIATE_CONFIG_CHANGE },
};

/* The checks of cxl_mld_prepare(), for an MLD of @n LDs */
static bool cxl_mld_check(CXLType3Dev *ct3d, unsigned n, Error **errp)
{
    HostMemoryBackend *mem = ct3d->hostvmem ?: ct3d->hostpmem;

    if (!ct3d->vcs) {
        error_setg(errp, "num-lds=%u needs vcs= and dsppb=: the LDs of a "
                   "multi-logical device are bound to hosts by a "
                   "cxl-vcs-switch", n);
        return false;
    }
    if (ct3d->dc.num_regions) {
        error_setg(errp, "num-lds=%u: a multi-logical device cannot have "
                   "dynamic capacity (num-dc-regions)", n);
        return false;
    }
    if (!mem || (ct3d->hostvmem && ct3d->hostpmem)) {
        error_setg(errp, "num-lds=%u: a multi-logical device takes one of "
                   "volatile-memdev and persistent-memdev", n);
        return false;
    }
    if (ct3d->cxl_cstate.cdat.filename) {
        error_setg(errp, "num-lds=%u: cdat cannot be given to a "
                   "multi-logical device: each LD's CDAT describes its "
                   "allocation", n);
        return false;
    }
    if (memory_region_size(host_memory_backend_get_memory(mem)) <
        n * CXL_MLD_GRANULE) {
        error_setg(errp, "num-lds=%u: memory backend '%s' holds less than "
                   "256 MiB for each LD", n,
                   object_get_canonical_path_component(OBJECT(mem)));
        return false;
    }
    if (ct3d->lsa &&
        memory_region_size(host_memory_backend_get_memory(ct3d->lsa)) <
        n * CXL_MLD_LSA_ALIGN) {
        error_setg(errp, "num-lds=%u: lsa '%s' holds less than 4 KiB for "
                   "each LD", n,
                   object_get_canonical_path_component(OBJECT(ct3d->lsa)));
        return false;
    }
    return true;
}

bool cxl_mld_prepare(CXLType3Dev *ct3d, CXLCCI *fm_cci, Error **errp)
{
    unsigned n = ct3d->num_lds;
    CXLMLD *mld;

    if (n < 1 || n > CXL_MLD_MAX_LDS) {
        error_setg(errp, "num-lds %u out of range (1-%u)", n,
                   CXL_MLD_MAX_LDS);
        return false;
    }
    if (n == 1) {
        return true;
    }
    if (!cxl_mld_check(ct3d, n, errp)) {
        return false;
    }

    mld = g_new0(CXLMLD, 1);
    mld->ct3d = ct3d;
    mld->num_lds = n;
    mld->persistent = ct3d->hostpmem;
    mld->mem = host_memory_backend_get_memory(ct3d->hostvmem ?:
                                              ct3d->hostpmem);
    mld->granules = memory_region_size(mld->mem) / CXL_MLD_GRANULE;
    if (ct3d->lsa) {
        mld->lsa = host_memory_backend_get_memory(ct3d->lsa);
        mld->lsa_size = QEMU_ALIGN_DOWN(memory_region_size(mld->lsa) / n,
                                        CXL_MLD_LSA_ALIGN);
    }
    /* CXL r3.2 Table 7-84 has no defaults: moderate and severe congestion */
    mld->qos.egress_moderate_pct = 10;
    mld->qos.egress_severe_pct = 25;
    mld->qos.backpressure_sample_interval = 8;
    for (unsigned i = 0; i < n; i++) {
        mld->ld[i].granules = mld->granules / n;
        mld->ld[i].qos_bw_limit = UINT8_MAX;
    }
    ct3d->mld = mld;
    for (unsigned i = 0; i < n; i++) {
        if (!cxl_mld_create_ld(mld, i, errp)) {
            cxl_mld_finalize(ct3d);
            return false;
        }
    }
    cxl_add_cci_commands(fm_cci, cxl_cmd_set_mld, fm_cci->payload_max);
    fm_cci->ops = &cxl_mld_cci_ops;
    return true;
}

void cxl_mld_finalize(CXLType3Dev *ct3d)
{
    CXLMLD *mld = ct3d->mld;

    if (!mld) {
        return;
    }
    for (unsigned i = 0; i < mld->num_lds; i++) {
        cxl_mld_destroy_ld(mld, i);
    }
    g_free(mld);
    ct3d->mld = NULL;
}
