/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The journal overlay: a read-only fsimg_io stacked on another that returns,
 * for every block a recovery plan names, the logged copy (read from the
 * journal on demand, the escaped magic restored), and base bytes elsewhere.
 * Reads of any offset and length are split at planned blocks; unplanned
 * stretches go to the base in one read.
 *
 * By default the overlay shows what `e2fsck -E journal_only` leaves on disk:
 *  - the ext4 superblock with needs_recovery (INCOMPAT_RECOVER) cleared and
 *    its checksum redone (metadata_csum); ERROR_FS set when a commit failed
 *    or s_errno was set, VALID_FS cleared when recovery reported an error
 *    (e2fsck_clear_recover, e2fsck_check_ext3_journal);
 *  - the internal journal's superblock with s_start 0, the new s_sequence,
 *    s_errno 0 and its checksum redone.
 * What still differs from e2fsck's bytes: s_wtime (e2fsck stamps its clock),
 * s_kbytes_written (e2fsck adds what it wrote), and an external journal's
 * superblock (the overlay covers the filesystem device only).
 * FSIMG_OVERLAY_BLOCKS_ONLY presents the planned blocks alone.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cursor.h"
#include "core/io.h"
#include "ext4/format.h"
#include "jbd2/jbd2.h"

/* A byte range of the image replaced wholesale (a patched superblock). */
struct patch {
	uint64_t off;
	uint8_t bytes[1024];
	bool on;
};

struct overlay {
	fsimg_io *base;
	fsimg_io *fs_io;         /* what the filesystem was opened on: base, or a cache over it */
	fsimg_io *jio;           /* where logged copies are read: the journal's io, or base for it */
	const struct fsimg_plan *plan;
	uint32_t bs;
	uint64_t size;
	struct patch sb, jsb;
};

/* Index of the first plan entry with fs_block >= blk. */
static size_t lower_bound(const struct fsimg_plan *p, uint64_t blk)
{
	size_t lo = 0, hi = p->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (p->e[mid].fs_block < blk)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * Where entry i's copy is in the journal's io, and how many entries from i
 * on (at most max) are consecutive fs blocks whose copies are consecutive
 * there too: one read serves them all.
 */
static int planned_run(const struct fsimg_plan *p, size_t i, size_t max, uint64_t *pblk, size_t *count)
{
	const struct fsimg_journal *j = p->j;
	uint64_t next;
	size_t k = 1;

	if (jbd2_bmap(j, p->e[i].journal_block, pblk) < 0 || *pblk > UINT64_MAX / j->bs - 1)
		return FSIMG_EIO;
	while (k < max && i + k < p->n && p->e[i + k].fs_block == p->e[i].fs_block + k &&
	       jbd2_bmap(j, p->e[i + k].journal_block, &next) == 0 && next == *pblk + k &&
	       next <= UINT64_MAX / j->bs - 1)
		k++;
	*count = k;
	return 0;
}

/* ESCAPE: a copy whose block began with the jbd2 magic, which the log could not hold. */
static void unescape(uint8_t *buf, size_t len, uint32_t in)
{
	uint8_t magic[4];

	put_be32(magic, JBD2_MAGIC_NUMBER);
	if (in < sizeof(magic))
		memcpy(buf, magic + in, len < sizeof(magic) - in ? len : sizeof(magic) - in);
}

/*
 * Planned blocks and base bytes, without patches. Whole planned blocks go
 * straight into buf, a run of them (consecutive in the filesystem and in
 * the journal) in one read; a piece of a block reads only that piece of its
 * copy. Unplanned stretches go to the base in one read.
 */
static int read_planned(struct overlay *o, uint8_t *buf, size_t len, uint64_t off)
{
	const struct fsimg_plan *p = o->plan;
	fsimg_io *jio = o->jio;
	size_t i = lower_bound(p, off / o->bs);
	int err;

	while (len > 0) {
		uint64_t blk = off / o->bs, pblk;
		uint32_t in = (uint32_t)(off % o->bs);
		size_t n, k;

		if (i < p->n && p->e[i].fs_block == blk) {
			size_t whole = in ? 1 : len / o->bs;

			err = planned_run(p, i, whole ? whole : 1, &pblk, &k);
			if (err < 0)
				return err;
			if (in || len < o->bs) {
				n = o->bs - in < len ? o->bs - in : len;
				k = 1;
			} else {
				n = k * o->bs;
			}
			if (fsimg_io_read(jio, buf, n, pblk * o->bs + in) < 0)
				return FSIMG_EIO;
			for (size_t m = 0; m < k; m++)
				if (p->j->tags[p->e[i + m].tag].escaped)
					unescape(buf + m * o->bs, k == 1 ? n : o->bs, k == 1 ? in : 0);
			i += k;
		} else {
			/* Up to the next planned block, in one base read. */
			uint64_t stop = i < p->n ? p->e[i].fs_block * o->bs : UINT64_MAX;
			n = stop - off < len ? (size_t)(stop - off) : len;
			err = fsimg_io_read(o->base, buf, n, off);
			if (err < 0)
				return err;
		}
		buf += n;
		off += n;
		len -= n;
	}
	return 0;
}

static void apply_patch(const struct patch *pt, uint8_t *buf, size_t len, uint64_t off)
{
	uint64_t a, b;

	if (!pt->on)
		return;
	a = off > pt->off ? off : pt->off;
	b = off + len < pt->off + sizeof(pt->bytes) ? off + len : pt->off + sizeof(pt->bytes);
	if (a < b)
		memcpy(buf + (a - off), pt->bytes + (a - pt->off), (size_t)(b - a));
}

static int overlay_read(void *priv, void *buf, size_t len, uint64_t off)
{
	struct overlay *o = priv;
	int err;

	if (off > o->size || len > o->size - off)
		return FSIMG_EIO;
	err = read_planned(o, buf, len, off);
	if (err < 0)
		return err;
	apply_patch(&o->sb, buf, len, off);
	apply_patch(&o->jsb, buf, len, off);
	return 0;
}

static uint64_t overlay_size(void *priv)
{
	return ((struct overlay *)priv)->size;
}

static int overlay_fd(void *priv)
{
	(void)priv;
	return -1; /* probing must see the overlay's bytes, not the file's */
}

static void overlay_close(void *priv)
{
	free(priv);
}

static const struct fsimg_io_ops overlay_ops = { overlay_read, overlay_size, overlay_fd, overlay_close };

/* The ext4 superblock as e2fsck leaves it after replaying the journal. */
static int patch_ext4_super(struct overlay *o)
{
	const struct fsimg_plan_stats *st = &o->plan->stats;
	const struct fsimg_journal *j = o->plan->j;
	uint8_t *raw = o->sb.bytes;
	struct cur c = cur_init(raw, sizeof(o->sb.bytes));
	size_t incompat_off = offsetof(struct ext4_dsuper, s_feature_incompat);
	size_t state_off = offsetof(struct ext4_dsuper, s_state);
	uint32_t incompat;
	uint16_t state;
	int err;

	o->sb.off = EXT4_SUPER_OFFSET;
	err = read_planned(o, raw, sizeof(o->sb.bytes), o->sb.off);
	if (err < 0)
		return err;
	if (CUR_LE16(&c, 0, struct ext4_dsuper, s_magic) != EXT4_SUPER_MAGIC)
		return 0;
	incompat = cur_le32(&c, incompat_off) & ~EXT4_FEATURE_INCOMPAT_RECOVER;
	put_le32(raw + incompat_off, incompat);
	state = cur_le16(&c, state_off);
	if (st->recovery_error)
		state &= (uint16_t)~EXT4_VALID_FS;
	if (st->new_errno || j->info.has_failed_commit)
		state |= EXT4_ERROR_FS;
	put_le16(raw + state_off, state);
	if (CUR_LE32(&c, 0, struct ext4_dsuper, s_feature_ro_compat) & EXT4_FEATURE_RO_COMPAT_METADATA_CSUM)
		put_le32(raw + offsetof(struct ext4_dsuper, s_checksum),
			 fsimg_crc32c(~0u, raw, offsetof(struct ext4_dsuper, s_checksum)));
	o->sb.on = true;
	return 0;
}

/* The internal journal's superblock as e2fsck_journal_release writes it. */
static int patch_journal_super(struct overlay *o)
{
	const struct fsimg_plan_stats *st = &o->plan->stats;
	const struct fsimg_journal *j = o->plan->j;
	uint8_t *raw = o->jsb.bytes;
	int err;

	if (j->sb.external || j->io != o->fs_io)
		return 0;
	o->jsb.off = j->sb_off;
	err = read_planned(o, raw, sizeof(o->jsb.bytes), o->jsb.off);
	if (err < 0)
		return err;
	put_be32(raw + offsetof(struct jbd2_dsuper, s_start), st->new_start);
	put_be32(raw + offsetof(struct jbd2_dsuper, s_sequence), st->new_sequence);
	/* e2fsck_check_ext3_journal moves s_errno to the fs state and zeroes it. */
	put_be32(raw + offsetof(struct jbd2_dsuper, s_errno), 0);
	if (j->sb.version == 2 && j->sb.csum_version >= 2)
		put_be32(raw + offsetof(struct jbd2_dsuper, s_checksum), jbd2_super_csum(raw));
	o->jsb.on = true;
	return 0;
}

/* fs_io: the source the filesystem (and an internal journal) was read from. */
static int overlay_open(fsimg_io **out, fsimg_io *base, fsimg_io *fs_io, const fsimg_plan *plan,
			unsigned flags)
{
	struct overlay *o;
	int err;

	if (!out || !base || !plan)
		return FSIMG_EINVAL;
	*out = NULL;
	o = calloc(1, sizeof(*o));
	if (!o)
		return FSIMG_ENOMEM;
	o->base = base;
	o->fs_io = fs_io;
	/*
	 * An internal journal is read through the filesystem's io, which may be
	 * a cache over base: read its copies from base itself, the same bytes,
	 * rather than through a second cache (a copy more and its memory).
	 */
	o->jio = plan->j->io == fs_io ? base : plan->j->io;
	o->plan = plan;
	o->bs = plan->j->bs;
	o->size = fsimg_io_size(base);
	if (!(flags & FSIMG_OVERLAY_BLOCKS_ONLY) && o->size >= EXT4_SUPER_OFFSET + EXT4_SUPER_SIZE) {
		err = patch_ext4_super(o);
		if (err == 0 && o->plan->j->sb_off + JBD2_SUPER_SIZE <= o->size)
			err = patch_journal_super(o);
		if (err < 0) {
			overlay_close(o);
			return err;
		}
	}
	err = fsimg_io_open_ops(out, &overlay_ops, o);
	if (err < 0)
		overlay_close(o);
	return err;
}

int fsimg_io_open_overlay(fsimg_io **out, fsimg_io *base, const fsimg_plan *plan, unsigned flags)
{
	return overlay_open(out, base, base, plan, flags);
}

/*
 * The overlay for a filesystem opened on base. When base is a read cache the
 * overlay goes under a cache of the same geometry instead (over base's own
 * source), so that the many small reads of a whole-filesystem walk hit the
 * cache without a plan lookup each; planned copies still come through base.
 */
static int open_replayed_io(fsimg_io **out, fsimg_io *base, const fsimg_plan *plan)
{
	fsimg_io *inner, *ov;
	size_t chunk;
	unsigned nchunks;
	int err;

	if (!io_cache_geometry(base, &inner, &chunk, &nchunks))
		return overlay_open(out, base, base, plan, 0);
	err = overlay_open(&ov, inner, base, plan, 0);
	if (err < 0)
		return err;
	err = fsimg_io_open_cache(out, ov, chunk, nchunks);
	if (err < 0)
		fsimg_io_close(ov);
	return err;
}

/* --------------------------------------------------------- open replayed */

struct fsimg_replay {
	fsimg_fs *raw_fs;
	fsimg_journal *j;
	fsimg_plan *plan;
	fsimg_io *io;
};

void fsimg_replay_close(fsimg_replay *r)
{
	if (!r)
		return;
	fsimg_io_close(r->io);
	fsimg_plan_free(r->plan);
	fsimg_journal_close(r->j);
	fsimg_fs_close(r->raw_fs);
	free(r);
}

fsimg_journal *fsimg_replay_journal(const fsimg_replay *r)
{
	return r ? r->j : NULL;
}

const fsimg_plan *fsimg_replay_plan(const fsimg_replay *r)
{
	return r ? r->plan : NULL;
}

fsimg_io *fsimg_replay_io(const fsimg_replay *r)
{
	return r ? r->io : NULL;
}

int fsimg_fs_open_replayed(fsimg_fs **out, fsimg_replay **replay, fsimg_io *base, fsimg_io *external,
			   unsigned flags, char *errbuf, size_t errlen)
{
	fsimg_replay *r;
	fsimg_fs *fs;
	unsigned fsflags = flags & ~FSIMG_OPEN_NO_REPLAY;
	int err;

	if (!out || !replay || !base)
		return FSIMG_EINVAL;
	*out = NULL;
	*replay = NULL;
	err = fsimg_fs_open(&fs, base, fsflags, errbuf, errlen);
	if (err < 0)
		return err;
	if ((flags & FSIMG_OPEN_NO_REPLAY) || !fsimg_ext4_super(fs)->needs_recovery) {
		*out = fs;
		return 0;
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		fsimg_fs_close(fs);
		return FSIMG_ENOMEM;
	}
	r->raw_fs = fs;
	err = fsimg_journal_open(&r->j, fs, external);
	if (err < 0) {
		if (errbuf && errlen)
			snprintf(errbuf, errlen, "journal: %s",
				 fsimg_fs_errmsg(fs)[0] ? fsimg_fs_errmsg(fs) : fsimg_strerror(err));
		goto fail;
	}
	err = fsimg_plan_create(&r->plan, r->j, 0);
	if (err == 0)
		err = open_replayed_io(&r->io, base, r->plan);
	if (err < 0) {
		if (errbuf && errlen)
			snprintf(errbuf, errlen, "journal recovery: %s",
				 fsimg_journal_errmsg(r->j)[0] ? fsimg_journal_errmsg(r->j) : fsimg_strerror(err));
		goto fail;
	}
	err = fsimg_fs_open(out, r->io, fsflags, errbuf, errlen);
	if (err < 0)
		goto fail;
	*replay = r;
	return 0;
fail:
	fsimg_replay_close(r);
	return err;
}
