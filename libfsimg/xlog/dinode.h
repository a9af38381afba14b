/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The dinode fields the finish reads and writes, as byte offsets into an
 * on-disk inode (struct xfs_dinode in xfs/format.h, which is packed), and the
 * extent-count readers that depend on the inode's version and flags.
 */
#ifndef FSIMG_XLOG_DINODE_H
#define FSIMG_XLOG_DINODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/cursor.h"
#include "xfs/format.h"

#define DI_OFF(f) ((uint32_t)offsetof(struct xfs_dinode, f))
#define DI_MODE DI_OFF(di_mode)
#define DI_VERSION DI_OFF(di_version)
#define DI_FORMAT DI_OFF(di_format)
#define DI_UID DI_OFF(di_uid)
#define DI_GID DI_OFF(di_gid)
#define DI_NLINK DI_OFF(di_nlink)
#define DI_PROJID_LO DI_OFF(di_projid_lo)
#define DI_PROJID_HI DI_OFF(di_projid_hi)
#define DI_BIG_NEXTENTS DI_OFF(di_big_nextents)
#define DI_FLUSHITER (DI_BIG_NEXTENTS + 6u) /* v1/v2: di_flushiter ends di_big_nextents' place */
#define DI_SIZE DI_OFF(di_size)
#define DI_NBLOCKS DI_OFF(di_nblocks)
#define DI_NEXTENTS DI_OFF(di_nextents) /* NREXT64: di_big_anextents */
#define DI_ANEXTENTS DI_OFF(di_anextents)
#define DI_FORKOFF DI_OFF(di_forkoff)
#define DI_AFORMAT DI_OFF(di_aformat)
#define DI_DMEVMASK DI_OFF(di_dmevmask)
#define DI_DMSTATE DI_OFF(di_dmstate)
#define DI_FLAGS DI_OFF(di_flags)
#define DI_GEN DI_OFF(di_gen)
#define DI_NEXT_UNLINKED DI_OFF(di_next_unlinked)
#define DI_CRC DI_OFF(di_crc)
#define DI_CHANGECOUNT DI_OFF(di_changecount)
#define DI_LSN DI_OFF(di_lsn)
#define DI_FLAGS2 DI_OFF(di_flags2)
#define DI_PAD2 DI_OFF(di_pad2)
#define DI_INO DI_OFF(di_ino)
#define DI_MAX_FLUSH 0xffffu

/* xfs_dinode_has_large_extent_counts: a v3 inode with NREXT64 in di_flags2 (a v1/v2
 * inode has its literal area there). */
static inline bool xlog_di_nrext64(const uint8_t *d)
{
	return d[DI_VERSION] >= 3 && (get_be64(d + DI_FLAGS2) & XFS_DIFLAG2_NREXT64);
}

/* An inode's data fork extent count: di_big_nextents on an NREXT64 inode, where
 * di_nextents' place holds the attribute fork's count; else di_nextents. */
static inline uint64_t xlog_di_nextents(const uint8_t *d)
{
	return xlog_di_nrext64(d) ? get_be64(d + DI_BIG_NEXTENTS) : get_be32(d + DI_NEXTENTS);
}

static inline void xlog_di_set_nextents(uint8_t *d, uint32_t n)
{
	if (xlog_di_nrext64(d))
		put_be64(d + DI_BIG_NEXTENTS, n);
	else
		put_be32(d + DI_NEXTENTS, n);
}

#endif
