/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * XFS inodes: the v2/v3 core (dinode crc checked on v5), where the data and
 * attribute forks sit in the literal area, and the checks of libxfs
 * xfs_dinode_verify that keep the fork readers inside their bytes.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "xfs/xfs.h"

/* chunk reads before a tree walk starts reading ahead (iahead.c): a listing of a
 * directory or two never starts the thread */
#define IAHEAD_AFTER_MISSES 8

static struct xfs_timestamp ts_from_disk(uint64_t raw, bool bigtime)
{
	struct xfs_timestamp t;

	if (bigtime) {
		/* nanoseconds since the old 32-bit epoch's start, 1901-12-13 */
		t.sec = (int64_t)(raw / 1000000000u) - XFS_BIGTIME_EPOCH_OFFSET;
		t.nsec = (uint32_t)(raw % 1000000000u);
	} else {
		t.sec = (int32_t)(uint32_t)(raw >> 32);
		t.nsec = (uint32_t)raw;
	}
	return t;
}

int xfs_mode_to_ftype(uint16_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG: return XFS_DIR3_FT_REG_FILE;
	case S_IFDIR: return XFS_DIR3_FT_DIR;
	case S_IFCHR: return XFS_DIR3_FT_CHRDEV;
	case S_IFBLK: return XFS_DIR3_FT_BLKDEV;
	case S_IFIFO: return XFS_DIR3_FT_FIFO;
	case S_IFSOCK: return XFS_DIR3_FT_SOCK;
	case S_IFLNK: return XFS_DIR3_FT_SYMLINK;
	default: return XFS_DIR3_FT_UNKNOWN;
	}
}

int xfs_inode_fork(size_t *off, size_t *size, const xfs_fs *fs, const struct xfs_inode *ip,
		   enum xfs_fork fork)
{
	size_t lit = fs->inode_size - fs->lit_off, aoff = (size_t)ip->forkoff << 3;

	*off = *size = 0;
	if (fork == XFS_DATA_FORK) {
		*off = fs->lit_off;
		*size = ip->forkoff ? aoff : lit;
		return 0;
	}
	if (fork != XFS_ATTR_FORK || !ip->forkoff)
		return FSIMG_ENOENT;
	*off = fs->lit_off + aoff;
	*size = lit - aoff;
	return 0;
}

/*
 * The fork layout by file type, one rule at a time (libxfs
 * xfs_dinode_verify_fork, xfs_repair process_dinode_int): the reader
 * enforces them so its fork readers stay inside their bytes, the checker
 * reports them with its own ids. strict adds what xfs_repair wants of an
 * inode in use beyond the kernel's verifier: a btree fork only for extents
 * that do not fit in the inode, extents format (not 0) without an
 * attribute fork. *attr says which fork broke the rule.
 */
enum xfs_fork_rule xfs_inode_fork_rule(bool *attr, const xfs_fs *fs, const struct xfs_inode *ip,
				       bool strict)
{
	size_t off, room, lit = fs->inode_size - fs->lit_off;
	uint16_t type = ip->mode & S_IFMT;
	uint64_t n;
	uint8_t format;

	*attr = false;
	if (ip->forkoff && ((size_t)ip->forkoff << 3) >= lit)
		return XFS_FORK_FORKOFF_PAST;
	switch (type) {
	case S_IFCHR:
	case S_IFBLK:
	case S_IFIFO:
	case S_IFSOCK:
		if (ip->format != XFS_DINODE_FMT_DEV)
			return XFS_FORK_SPECIAL_NOT_DEV;
		break;
	case S_IFREG:
	case S_IFDIR:
	case S_IFLNK:
		if (ip->format == XFS_DINODE_FMT_LOCAL && type == S_IFREG)
			return XFS_FORK_REG_LOCAL;
		break;
	case 0:
		if (!strict)
			break; /* a free inode */
		/* fall through */
	default:
		return XFS_FORK_BAD_TYPE;
	}
	for (int f = XFS_DATA_FORK; f <= XFS_ATTR_FORK; f++) {
		*attr = f == XFS_ATTR_FORK;
		if (*attr && !ip->forkoff) {
			if (ip->aformat != XFS_DINODE_FMT_EXTENTS && (strict || ip->aformat))
				return XFS_FORK_NO_ATTR_FORK_FORMAT;
			if (ip->anextents)
				return XFS_FORK_NO_ATTR_FORK_EXTENTS;
			break;
		}
		/* a special file's device number, a free inode's nothing */
		if (!*attr && type != S_IFREG && type != S_IFDIR && type != S_IFLNK)
			continue;
		xfs_inode_fork(&off, &room, fs, ip, (enum xfs_fork)f);
		format = *attr ? ip->aformat : ip->format;
		n = *attr ? ip->anextents : ip->nextents;
		switch (format) {
		case XFS_DINODE_FMT_LOCAL:
			if (n)
				return XFS_FORK_LOCAL_EXTENTS;
			break;
		case XFS_DINODE_FMT_EXTENTS:
			if (n > room / XFS_BMBT_REC_SIZE)
				return XFS_FORK_TOO_MANY_EXTENTS;
			break;
		case XFS_DINODE_FMT_BTREE:
			if (strict && n <= room / XFS_BMBT_REC_SIZE)
				return XFS_FORK_BTREE_FITS;
			break;
		default:
			return XFS_FORK_UNKNOWN_FORMAT;
		}
	}
	*attr = false;
	return XFS_FORK_OK;
}

/*
 * Sizes the fork layout bounds: a symlink's target length, a local data
 * fork's bytes within its room, 63 bits; strict adds xfs_repair's: no size
 * on a special file, a directory's data below the leaf offset.
 */
enum xfs_size_rule xfs_inode_size_rule(size_t *room, const xfs_fs *fs, const struct xfs_inode *ip,
				       bool strict)
{
	size_t off;

	xfs_inode_fork(&off, room, fs, ip, XFS_DATA_FORK);
	if (S_ISLNK(ip->mode) && (ip->size == 0 || ip->size > XFS_SYMLINK_MAXLEN))
		return XFS_SIZE_SYMLINK;
	if (ip->format == XFS_DINODE_FMT_LOCAL && ip->size > *room)
		return XFS_SIZE_LOCAL_ROOM;
	if (strict && ip->format == XFS_DINODE_FMT_DEV && ip->size)
		return XFS_SIZE_SPECIAL;
	if (ip->size > (uint64_t)INT64_MAX)
		return XFS_SIZE_63BIT;
	if (strict && S_ISDIR(ip->mode) && ip->size > XFS_DIR2_LEAF_OFFSET)
		return XFS_SIZE_DIR;
	return XFS_SIZE_OK;
}

/* The reader's words for a broken fork or size rule. */
static const char *read_why(const xfs_fs *fs, const struct xfs_inode *ip)
{
	bool attr;
	size_t room;

	switch (xfs_inode_fork_rule(&attr, fs, ip, false)) {
	case XFS_FORK_OK: break;
	case XFS_FORK_FORKOFF_PAST: return "attribute fork offset past the inode";
	case XFS_FORK_BAD_TYPE: return "unknown file type";
	case XFS_FORK_SPECIAL_NOT_DEV: return "special file whose data fork is not a device";
	case XFS_FORK_REG_LOCAL: return "regular file with a local data fork";
	case XFS_FORK_LOCAL_EXTENTS:
		return attr ? "local attribute fork with extents" : "local data fork with extents";
	case XFS_FORK_TOO_MANY_EXTENTS:
		return attr ? "more extents than the attribute fork holds"
			    : "more extents than the data fork holds";
	case XFS_FORK_BTREE_FITS: return "btree fork for extents that fit in the inode";
	case XFS_FORK_UNKNOWN_FORMAT:
		return attr ? "unknown attribute fork format" : "unknown data fork format";
	case XFS_FORK_NO_ATTR_FORK_FORMAT:
	case XFS_FORK_NO_ATTR_FORK_EXTENTS: return "attribute fork format without an attribute fork";
	}
	switch (xfs_inode_size_rule(&room, fs, ip, false)) {
	case XFS_SIZE_OK: break;
	case XFS_SIZE_SYMLINK: return "symlink length out of range";
	case XFS_SIZE_LOCAL_ROOM: return "local data fork larger than its room";
	case XFS_SIZE_63BIT: return "size above 2^63";
	case XFS_SIZE_SPECIAL: return "special file with a size";
	case XFS_SIZE_DIR: return "directory data past the leaf offset";
	}
	return NULL;
}

/*
 * The bytes of the inode block at linear block linear, through a small
 * cache of inode runs. A walk reads inodes chunk by chunk: one read per
 * inode chunk's worth of blocks (64 inodes), aligned as chunks are, not per
 * block or per inode. A tree walk goes back and forth between a directory's
 * chunk and its children's, so a few runs are kept (least recently used
 * goes). A run stops at the AG's end; one that cannot be read falls back to
 * the block. 0 and *out, or FSIMG_EIO / FSIMG_ENOMEM with fs->errmsg set.
 */
size_t xfs_ichunk_bytes(const xfs_fs *fs)
{
	uint32_t run = XFS_INODES_PER_CHUNK / fs->sb.inopblock;

	return (size_t)(run ? run : 1) << fs->sb.blocklog;
}

void xfs_ichunk_span(const xfs_fs *fs, uint64_t linear, uint64_t *first, uint32_t *run)
{
	uint32_t n = XFS_INODES_PER_CHUNK / fs->sb.inopblock, agbno, start;

	if (n == 0)
		n = 1;
	/* chunks start at multiples of their size in the AG (inode alignment) */
	agbno = (uint32_t)(linear % fs->sb.agblocks);
	start = agbno & ~(n - 1);
	if ((n & (n - 1)) || agbno - start >= n)
		start = agbno;
	if (n > fs->sb.agblocks - start)
		n = fs->sb.agblocks - start;
	*first = linear - (agbno - start);
	*run = n;
}

/* What the read-ahead thread found of inode ino's CRC: 1 good, 0 bad, -1 not checked. */
static int iblock_crc(const struct xfs_iblock_run *r, const xfs_fs *fs, uint64_t linear,
		      uint64_t ino)
{
	uint64_t i;

	if (!r->crc_known)
		return -1;
	i = ((linear + 1 - r->linear) << fs->sb.inopblog) | (ino & (fs->sb.inopblock - 1u));
	return i < 64 ? (int)(r->crc_ok >> i & 1) : -1;
}

static int iblock_get(const uint8_t **out, int *crc, xfs_fs *fs, uint64_t linear, uint64_t ino)
{
	struct xfs_iblock_run *slot = &fs->iblock[fs->iblock_last];
	uint32_t run;
	uint64_t first;

	/* the run of the last inode first: the next one is most often in it */
	for (unsigned i = 0; i <= XFS_IBLOCK_RUNS; i++) {
		struct xfs_iblock_run *r = i ? &fs->iblock[i - 1] : slot;

		if (r->linear && linear + 1 >= r->linear && linear + 1 < r->linear + r->count) {
			r->used = ++fs->iblock_tick;
			fs->iblock_last = (unsigned)(r - fs->iblock);
			*out = r->buf + ((size_t)(linear + 1 - r->linear) << fs->sb.blocklog);
			*crc = iblock_crc(r, fs, linear, ino);
			return 0;
		}
		if (r->used < slot->used)
			slot = r;
	}
	xfs_ichunk_span(fs, linear, &first, &run);
	slot->linear = 0;
	slot->crc_known = false;
	fs->iblock_gen++; /* a run is replaced: views into the cache end */
	if (fs->iahead_ok && !fs->iahead && ++fs->iblock_misses == IAHEAD_AFTER_MISSES)
		xfs_iahead_start(fs);
	if (fs->iahead && ((first + run) << fs->sb.blocklog) <= fs->io_size) {
		bool got = xfs_iahead_take(fs, first, run, &slot->buf, &slot->crc_ok);

		xfs_iahead_after(fs, first);
		if (got) {
			slot->crc_known = fs->v5;
			goto have;
		}
	}
	if (!slot->buf && !(slot->buf = malloc(xfs_ichunk_bytes(fs))))
		return xfs_error(fs, FSIMG_ENOMEM, "out of memory");
	if (((first + run) << fs->sb.blocklog) > fs->io_size ||
	    fsimg_io_read(fs->io, slot->buf, (size_t)run << fs->sb.blocklog,
			  first << fs->sb.blocklog)) {
		first = linear;
		run = 1;
		if (fsimg_io_read(fs->io, slot->buf, fs->blocksize, linear << fs->sb.blocklog))
			return xfs_error(fs, FSIMG_EIO,
					 "inode %llu: cannot read its block (linear %llu): image truncated?",
					 (unsigned long long)ino, (unsigned long long)linear);
	}
have:
	slot->linear = first + 1; /* 0: nothing cached */
	slot->count = run;
	slot->used = ++fs->iblock_tick;
	fs->iblock_last = (unsigned)(slot - fs->iblock);
	*out = slot->buf + ((size_t)(linear - first) << fs->sb.blocklog);
	*crc = iblock_crc(slot, fs, linear, ino);
	return 0;
}

void xfs_inode_cache_forget(xfs_fs *fs)
{
	xfs_iahead_stop(fs); /* what it read ahead is of the old bytes */
	for (unsigned i = 0; i < XFS_IBLOCK_RUNS; i++)
		fs->iblock[i].linear = 0;
	fs->iblock_gen++;
}

int xfs_inode_read(struct xfs_inode *out, xfs_fs *fs, uint64_t ino)
{
	uint8_t *b;
	int err;

	if (!xfs_ino_ok(fs, ino)) {
		memset(out, 0, sizeof(*out));
		out->ino = ino;
		return xfs_error(fs, FSIMG_ERANGE, "inode %llu: not a valid inode number",
				 (unsigned long long)ino);
	}
	b = malloc(fs->inode_size);
	if (!b) {
		memset(out, 0, sizeof(*out));
		out->ino = ino;
		return xfs_error(fs, FSIMG_ENOMEM, "out of memory");
	}
	err = xfs_inode_read_into(out, fs, ino, b);
	out->raw = b; /* owned: a failed read holds the bytes too, for xfs_inode_release */
	return err;
}

/* Reads and checks inode ino into b, or (b NULL) where the chunk cache holds it. */
static int inode_load(struct xfs_inode *out, xfs_fs *fs, uint64_t ino, uint8_t *b)
{
	unsigned shift = fs->sb.agblklog + fs->sb.inopblog;
	uint64_t agino, linear;
	size_t off;
	struct cur c;
	const char *why;
	int crc = -1;

	memset(out, 0, sizeof(*out));
	out->ino = ino;
	if (!xfs_ino_ok(fs, ino))
		return xfs_error(fs, FSIMG_ERANGE, "inode %llu: not a valid inode number",
				 (unsigned long long)ino);
	agino = ino & ((1ULL << shift) - 1);
	linear = xfs_ino_to_linear(fs, ino);
	off = (agino & (fs->sb.inopblock - 1u)) * (size_t)fs->inode_size;
	out->raw = b;
	{
		const uint8_t *blk = NULL;
		int err = iblock_get(&blk, &crc, fs, linear, ino);

		if (err)
			return err;
		if (b)
			memcpy(b, blk + off, fs->inode_size);
		else
			b = out->raw = (uint8_t *)blk + off; /* read only, as every reader treats raw */
	}
	c = cur_init(b, fs->inode_size);
#define D16(f) CUR_BE16(&c, 0, struct xfs_dinode, di_##f)
#define D32(f) CUR_BE32(&c, 0, struct xfs_dinode, di_##f)
#define D64(f) CUR_BE64(&c, 0, struct xfs_dinode, di_##f)
#define D8(f) CUR_U8(&c, 0, struct xfs_dinode, di_##f)
	if (D16(magic) != XFS_DINODE_MAGIC) {
		why = "bad magic";
		goto corrupt;
	}
	out->version = D8(version);
	if (fs->v5 ? out->version != 3 : (out->version != 1 && out->version != 2)) {
		why = "inode version does not match the filesystem's";
		goto corrupt;
	}
	out->mode = D16(mode);
	out->format = D8(format);
	out->aformat = D8(aformat);
	out->uid = D32(uid);
	out->gid = D32(gid);
	out->nlink = out->version == 1 ? D16(onlink) : D32(nlink);
	out->projid = (uint32_t)D16(projid_hi) << 16 | D16(projid_lo);
	out->size = D64(size);
	out->nblocks = D64(nblocks);
	out->extsize = D32(extsize);
	out->forkoff = D8(forkoff);
	out->flags = D16(flags);
	out->gen = D32(gen);
	out->next_unlinked = D32(next_unlinked);
	if (out->version == 3) {
		out->flags2 = D64(flags2);
		out->cowextsize = D32(cowextsize);
		out->crc_ok = crc >= 0 ? crc == 1
			: xfs_verify_cksum(b, fs->inode_size, offsetof(struct xfs_dinode, di_crc));
	} else {
		out->crc_ok = true;
	}
	if (out->flags2 & XFS_DIFLAG2_NREXT64) {
		out->nextents = D64(big_nextents);
		out->anextents = D32(nextents); /* di_big_anextents */
	} else {
		out->nextents = D32(nextents);
		out->anextents = D16(anextents);
	}
	{
		bool big = (out->flags2 & XFS_DIFLAG2_BIGTIME) != 0;

		out->atime = ts_from_disk(D64(atime), big);
		out->mtime = ts_from_disk(D64(mtime), big);
		out->ctime = ts_from_disk(D64(ctime), big);
		if (out->version == 3)
			out->crtime = ts_from_disk(D64(crtime), big);
	}
	if (out->version == 3 && D64(ino) != ino)
		xfs_finding(fs, FSIMG_ECORRUPT, "inode %llu: di_ino says %llu",
			    (unsigned long long)ino, (unsigned long long)D64(ino));
#undef D8
#undef D16
#undef D32
#undef D64
	if (!out->crc_ok)
		xfs_finding(fs, FSIMG_ECSUM, "inode %llu: bad CRC", (unsigned long long)ino);
	why = read_why(fs, out);
	if (why)
		goto corrupt;
	return 0;
corrupt:
	return xfs_error(fs, FSIMG_ECORRUPT, "inode %llu: %s", (unsigned long long)ino, why);
}

int xfs_inode_read_into(struct xfs_inode *out, xfs_fs *fs, uint64_t ino, uint8_t *raw)
{
	return inode_load(out, fs, ino, raw);
}

int xfs_inode_read_view(struct xfs_inode *out, xfs_fs *fs, uint64_t ino)
{
	return inode_load(out, fs, ino, NULL);
}

void xfs_inode_release(struct xfs_inode *ip)
{
	free(ip->raw);
	ip->raw = NULL;
}

void xfs_inode_rdev(uint32_t *major, uint32_t *minor, const xfs_fs *fs, const struct xfs_inode *ip)
{
	struct cur c = cur_init(ip->raw, fs->inode_size);
	uint32_t dev = cur_be32(&c, fs->lit_off);

	/* xfs_dinode_get_rdev: sysv-style 14-bit major, 18-bit minor */
	*major = (dev >> 18) & 0x3fff;
	*minor = dev & 0x3ffff;
}

size_t xfs_inode_flag_names(const char **names, size_t cap, const struct xfs_inode *ip)
{
	static const char *const f1[] = { "realtime",  "prealloc",    "newrtbm",      "immutable",
					  "append",    "sync",        "noatime",      "nodump",
					  "rtinherit", "projinherit", "nosymlinks",   "extsize",
					  "extszinherit", "nodefrag", "filestream" };
	static const char *const f2[] = { "dax", "reflink", "cowextsize", "bigtime", "nrext64" };
	/* every stat of a walk asks: visit the bits that are set, not the tables */
	uint64_t b1 = ip->flags & ((1u << (sizeof(f1) / sizeof(f1[0]))) - 1);
	uint64_t b2 = ip->flags2 & ((1u << (sizeof(f2) / sizeof(f2[0]))) - 1);
	size_t n = 0;

	for (; b1 && n < cap; b1 &= b1 - 1)
		names[n++] = f1[__builtin_ctzll(b1)];
	for (; b2 && n < cap; b2 &= b2 - 1)
		names[n++] = f2[__builtin_ctzll(b2)];
	return n;
}
