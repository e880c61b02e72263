/*
 * CXL CCI and FM-API opcodes and return codes the project's tests and
 * guest tools use (CXL r3.2 Table 8-37, section 7.6.7).  Plain C: no
 * QEMU headers.
 *
 * Copyright (c) 2026 The QEMU CXL fabric project
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef CXL_FM_OPCODES_H
#define CXL_FM_OPCODES_H

/* Generic component commands */
#define CXL_OP_IDENTIFY 0x0001
#define CXL_OP_BG_OP_STATUS 0x0002
#define CXL_OP_GET_RSP_MSG_LIMIT 0x0003
#define CXL_OP_SET_RSP_MSG_LIMIT 0x0004
#define CXL_OP_GET_EVENT_RECORDS 0x0100
#define CXL_OP_CLEAR_EVENT_RECORDS 0x0101
#define CXL_OP_GET_INT_POLICY 0x0102
#define CXL_OP_SET_INT_POLICY 0x0103
#define CXL_OP_GET_TIMESTAMP 0x0300
#define CXL_OP_SET_TIMESTAMP 0x0301

/* Memory device commands */
#define CXL_OP_GET_LSA 0x4102
#define CXL_OP_SET_LSA 0x4103
#define CXL_OP_GET_DC_EXTENT_LIST 0x4801
#define CXL_OP_ADD_DC_RESPONSE 0x4802
#define CXL_OP_RELEASE_DC 0x4803

/* FM-API: physical switch, virtual switch, tunnel, DCD management */
#define CXL_OP_IDENTIFY_SWITCH 0x5100
#define CXL_OP_PHYS_PORT_STATE 0x5101
#define CXL_OP_PORT_CONTROL 0x5102
#define CXL_OP_PPB_CONFIG 0x5103
#define CXL_OP_VCS_INFO 0x5200
#define CXL_OP_BIND 0x5201
#define CXL_OP_UNBIND 0x5202
#define CXL_OP_GENERATE_AER 0x5203
#define CXL_OP_TUNNEL 0x5300
#define CXL_OP_LD_CONFIG 0x5301
#define CXL_OP_LD_MEM 0x5302
#define CXL_OP_GET_LD_INFO 0x5400
#define CXL_OP_GET_LD_ALLOCATIONS 0x5401
#define CXL_OP_SET_LD_ALLOCATIONS 0x5402
#define CXL_OP_GET_QOS_CONTROL 0x5403
#define CXL_OP_SET_QOS_CONTROL 0x5404
#define CXL_OP_GET_QOS_STATUS 0x5405
#define CXL_OP_GET_QOS_ALLOCATED_BW 0x5406
#define CXL_OP_SET_QOS_ALLOCATED_BW 0x5407
#define CXL_OP_GET_QOS_BW_LIMIT 0x5408
#define CXL_OP_SET_QOS_BW_LIMIT 0x5409
#define CXL_OP_DCD_INFO 0x5600
#define CXL_OP_GET_DC_REGION_CONFIG 0x5601
#define CXL_OP_SET_DC_REGION_CONFIG 0x5602
#define CXL_OP_DC_EXTENT_LISTS 0x5603
#define CXL_OP_DC_ADD 0x5604
#define CXL_OP_DC_RELEASE 0x5605

/* Bind vPPB's LD ID for a single logical device */
#define CXL_LD_ID_NONE 0xffff

/* Unbind vPPB options */
#define CXL_UNBIND_WAIT_LINK_DOWN 0
#define CXL_UNBIND_MANAGED 1
#define CXL_UNBIND_SURPRISE 2

/* CCI return codes, CXL r3.2 Table 8-34 */
#define CXL_RC_SUCCESS 0x00
#define CXL_RC_BG_STARTED 0x01
#define CXL_RC_INVALID_INPUT 0x02
#define CXL_RC_UNSUPPORTED 0x03
#define CXL_RC_INTERNAL_ERROR 0x04
#define CXL_RC_RETRY_REQUIRED 0x05
#define CXL_RC_BUSY 0x06
#define CXL_RC_INVALID_PAYLOAD_LENGTH 0x16

/* MCTP message types of CXL, DSP0234 and DSP0281 */
#define MCTP_TYPE_CXL_FMAPI 0x07
#define MCTP_TYPE_CXL_CCI 0x08

#endif
