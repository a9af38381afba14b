/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Passes 2 and 3's shared state (pass_inodes.c walks the inode tables and
 * each inode's mapping; pass_inodes_fields.c judges an inode's own fields
 * against what its walk found).
 */
#ifndef FSIMG_CHECK_PASS_INODES_H
#define FSIMG_CHECK_PASS_INODES_H

#include "check/ext4/e4check.h"

#define S_IFMT_ 0xF000u
#define S_IFSOCK_ 0xC000u
#define S_IFLNK_ 0xA000u
#define S_IFREG_ 0x8000u
#define S_IFBLK_ 0x6000u
#define S_IFDIR_ 0x4000u
#define S_IFCHR_ 0x2000u
#define S_IFIFO_ 0x1000u

#define EXT2_BAD_INO 1u
#define EXT2_RESIZE_INO 7u

/* Inode table bytes read at once per thread (whole blocks); bounded whatever the image says. */
#define ITABLE_CHUNK (64u * 1024u)
/* Data read at once under unwritten extents (--scan-data). */
#define SCAN_CHUNK (1024u * 1024u)
/* The orphan chain is followed at most this far (and never past inodes_count). */
#define ORPHAN_MAX 65536u

/* Every flag some ext4 (or e2fsprogs) version defines; anything else is unknown. */
#define KNOWN_FLAGS                                                                   \
	(0x00000001u | 0x00000002u | 0x00000004u | 0x00000008u | 0x00000010u |       \
	 0x00000020u | 0x00000040u | 0x00000080u | 0x00000100u | 0x00000200u |       \
	 0x00000400u | 0x00000800u | 0x00001000u | 0x00002000u | 0x00004000u |       \
	 0x00008000u | 0x00010000u | 0x00020000u | 0x00040000u | 0x00080000u |       \
	 0x00100000u | 0x00200000u | 0x00400000u /* EOFBLOCKS, obsolete */ |          \
	 0x01000000u /* SNAPFILE */ | 0x02000000u | 0x04000000u | 0x08000000u |       \
	 0x10000000u | 0x20000000u | 0x40000000u)

/* What one inode's mapping walk found. */
struct walk {
	uint64_t units;          /* blocks counted for i_blocks (clusters with bigalloc) */
	uint64_t last_cluster;   /* last data cluster counted (bigalloc) */
	bool have_cluster;
	int64_t last_written;    /* last written logical block, -1 none */
	int64_t last_any;        /* last mapped logical block (written or not), -1 none */
	uint64_t prealloc;       /* unwritten blocks wholly past EOF */
	uint64_t eof_lblk;       /* blocks that hold i_size */
	struct fsimg_run eof_run; /* the unwritten run holding the last byte of i_size */
	bool eof_in_unwritten;
	uint64_t unwritten_in_tail; /* unwritten blocks inside i_size after the last written one */
	/* --scan-data */
	uint64_t nonzero;
	fsimg_lblk_t nz_lblk;
	fsimg_pblk_t nz_pblk;
	bool reported_nonreg;
	bool misaligned;         /* EXTENT_CLUSTER_MISALIGNED reported */
	bool toobig;             /* INODE_DIR_TOOBIG or INODE_REG_TOOBIG reported */
	uint64_t mapped;         /* block pointers met (block maps: data and indirect) */
	bool failed;
	fsimg_pblk_t block0;     /* physical block of logical block 0, 0 when unmapped */
};

/* What every thread of the pass shares. */
struct pass2_shared {
	uint32_t first_ino;
	uint32_t cluster_bits;   /* log2(blocks per cluster) */
	uint8_t *ea_seen;        /* xattr blocks claimed already (shared ones are legal) */
	uint8_t *orphans;        /* orphans: the s_last_orphan chain, the orphan file (NULL: none) */
	uint32_t low_dtime;      /* dtimes below it are orphan links (e2fsck's low_dtime_check); 0: off */
	size_t buflen;
};

/* One thread's. */
struct pass2 {
	struct check_ctx *c;
	fsimg_fs *fs;
	uint32_t first_ino;
	uint32_t cluster_bits;
	uint8_t *ea_seen;
	const uint8_t *orphans;
	uint32_t low_dtime;
	uint8_t *scan_buf;       /* --scan-data */
	uint8_t *buf;            /* inode table chunk */
	size_t buflen;
};

/* Orphans are pending: not findings for dtime, links, blocks past EOF. */
CHECK_HIDDEN bool p2_is_orphan(const struct pass2 *p2, fsimg_ino_t ino);

/* "fifo", "socket", ...: a mode's file type in words. */
CHECK_HIDDEN const char *p2_type_name(uint16_t mode);

/* The field checks (pass_inodes_fields.c). */
CHECK_HIDDEN void inode_check_really_dir(struct pass2 *p2, const struct fsimg_inode *in, const uint8_t *raw);
CHECK_HIDDEN void inode_check_flags(struct pass2 *p2, const struct fsimg_inode *in, bool reserved);
CHECK_HIDDEN void inode_check_extra_isize(struct pass2 *p2, const struct fsimg_inode *in, const uint8_t *raw,
					  bool reserved);
CHECK_HIDDEN bool inode_check_mode(struct pass2 *p2, const struct fsimg_inode *in);
CHECK_HIDDEN void inode_check_size(struct pass2 *p2, const struct fsimg_inode *in, const struct walk *w);
CHECK_HIDDEN bool inode_check_max_size(struct pass2 *p2, const struct fsimg_inode *in);
CHECK_HIDDEN void inode_check_iblocks(struct pass2 *p2, const struct fsimg_inode *in, const struct walk *w);
CHECK_HIDDEN void inode_check_data_state(struct pass2 *p2, const struct fsimg_inode *in, const struct walk *w);
CHECK_HIDDEN void inode_check_symlink(struct pass2 *p2, const struct fsimg_inode *in, const struct walk *w);

#endif
