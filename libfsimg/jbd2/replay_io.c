/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * jbd2 recovery seen through the byte-range overlay of core/overlay.c: the
 * plan's blocks as the overlay's source (read from the journal on demand,
 * the escaped magic restored) and, unless FSIMG_OVERLAY_BLOCKS_ONLY, the
 * two patches `e2fsck -E journal_only` leaves behind:
 *  - the ext4 superblock with needs_recovery (INCOMPAT_RECOVER) cleared and
 *    its checksum redone (metadata_csum); ERROR_FS set when a commit failed
 *    or s_errno was set, VALID_FS cleared when recovery reported an error
 *    (e2fsck_clear_recover, e2fsck_check_ext3_journal);
 *  - the internal journal's superblock with s_start 0, the new s_sequence,
 *    s_errno 0 and its checksum redone.
 * What still differs from e2fsck's bytes: s_wtime (e2fsck stamps its clock),
 * s_kbytes_written (e2fsck adds what it wrote), and an external journal's
 * superblock (the overlay covers the filesystem device only).
 *
 * And jbd2's side of the recovery interface (fsimg_recovery): the plan,
 * its figures, its write list, the overlay as its application.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cursor.h"
#include "core/io.h"
#include "core/overlay.h"
#include "fs/front.h"
#include "ext4/format.h"
#include "jbd2/jbd2.h"

struct jsrc {
	struct overlay_src s;
	const struct fsimg_plan *plan;
	fsimg_io *jio;           /* where logged copies are read: the journal's io, or base for it */
};

static uint64_t jsrc_block(void *priv, size_t i)
{
	const struct jsrc *js = priv;

	return js->plan->e[i].fs_block;
}

/*
 * Where entry i's copy is in the journal's io, and how many entries from i
 * on (at most max) are consecutive fs blocks whose copies are consecutive
 * there too: one read serves them all.
 */
static int planned_run(const struct fsimg_plan *p, size_t i, size_t max, uint64_t *pblk, size_t *count)
{
	size_t k = 1;

	if (jbd2_run_start(p->j, p->e[i].journal_block, pblk) < 0)
		return FSIMG_EIO;
	while (k < max && i + k < p->n && p->e[i + k].fs_block == p->e[i].fs_block + k &&
	       p->e[i + k].journal_block != JBD2_PLAN_MADE &&
	       jbd2_run_next(p->j, p->e[i + k].journal_block, *pblk, k))
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

static int jsrc_read(void *priv, size_t i, size_t max, void *vbuf, size_t len, uint32_t in,
		     size_t *count)
{
	const struct jsrc *js = priv;
	const struct fsimg_plan *p = js->plan;
	uint32_t bs = js->s.bs;
	uint8_t *buf = vbuf;
	uint64_t pblk;
	size_t k;
	int err;

	if (p->e[i].journal_block == JBD2_PLAN_MADE) {
		/* a block the fast-commit replay made: in memory */
		if (len > bs - in)
			len = bs - in;
		memcpy(buf, p->made[p->e[i].tag] + in, len);
		*count = 1;
		return 0;
	}
	err = planned_run(p, i, max ? max : 1, &pblk, &k);
	if (err < 0)
		return err;
	if (in || len < (size_t)k * bs) {
		/* a piece of one block */
		k = 1;
		if (len > bs - in)
			len = bs - in;
	} else {
		len = (size_t)k * bs;
	}
	if (fsimg_io_read(js->jio, buf, len, pblk * bs + in) < 0)
		return FSIMG_EIO;
	for (size_t m = 0; m < k; m++)
		if (p->j->tags[p->e[i + m].tag].escaped)
			unescape(buf + m * bs, k == 1 ? len : bs, k == 1 ? in : 0);
	*count = k;
	return 0;
}

/* The ext4 superblock as e2fsck leaves it after replaying the journal. */
static int patch_ext4_super(fsimg_io *ov, const struct fsimg_plan *plan)
{
	const struct fsimg_plan_stats *st = &plan->stats;
	uint8_t raw[EXT4_SUPER_SIZE];
	struct cur c = cur_init(raw, sizeof(raw));
	size_t incompat_off = offsetof(struct ext4_dsuper, s_feature_incompat);
	size_t state_off = offsetof(struct ext4_dsuper, s_state);
	uint32_t incompat;
	uint16_t state;

	if (fsimg_io_read(ov, raw, sizeof(raw), EXT4_SUPER_OFFSET) < 0)
		return FSIMG_EIO;
	if (CUR_LE16(&c, 0, struct ext4_dsuper, s_magic) != EXT4_SUPER_MAGIC)
		return 0;
	incompat = cur_le32(&c, incompat_off) & ~EXT4_FEATURE_INCOMPAT_RECOVER;
	put_le32(raw + incompat_off, incompat);
	state = cur_le16(&c, state_off);
	if (st->recovery_error)
		state &= (uint16_t)~EXT4_VALID_FS;
	if (st->new_errno || plan->j->info.has_failed_commit)
		state |= EXT4_ERROR_FS;
	put_le16(raw + state_off, state);
	if (CUR_LE32(&c, 0, struct ext4_dsuper, s_feature_ro_compat) & EXT4_FEATURE_RO_COMPAT_METADATA_CSUM)
		put_le32(raw + offsetof(struct ext4_dsuper, s_checksum),
			 fsimg_crc32c(~0u, raw, offsetof(struct ext4_dsuper, s_checksum)));
	return overlay_add_patch(ov, EXT4_SUPER_OFFSET, raw, sizeof(raw));
}

/* The internal journal's superblock as e2fsck_journal_release writes it. */
static int patch_journal_super(fsimg_io *ov, const struct fsimg_plan *plan, fsimg_io *fs_io)
{
	const struct fsimg_plan_stats *st = &plan->stats;
	const struct fsimg_journal *j = plan->j;
	uint8_t raw[JBD2_SUPER_SIZE];

	if (j->sb.external || j->io != fs_io)
		return 0;
	if (fsimg_io_read(ov, raw, sizeof(raw), j->sb_off) < 0)
		return FSIMG_EIO;
	put_be32(raw + offsetof(struct jbd2_dsuper, s_start), st->new_start);
	put_be32(raw + offsetof(struct jbd2_dsuper, s_sequence), st->new_sequence);
	/* e2fsck_check_ext3_journal moves s_errno to the fs state and zeroes it. */
	put_be32(raw + offsetof(struct jbd2_dsuper, s_errno), 0);
	if (j->sb.version == 2 && j->sb.csum_version >= 2)
		put_be32(raw + offsetof(struct jbd2_dsuper, s_checksum), jbd2_super_csum(raw));
	return overlay_add_patch(ov, j->sb_off, raw, sizeof(raw));
}

static void jsrc_release(void *priv)
{
	free(priv);
}

/* fs_io: the source the filesystem (and an internal journal) was read from. */
static int jbd2_overlay_open(fsimg_io **out, fsimg_io *base, fsimg_io *fs_io,
			     const fsimg_plan *plan, unsigned flags)
{
	struct jsrc *js;
	uint64_t size;
	int err;

	if (!out || !base || !plan)
		return FSIMG_EINVAL;
	*out = NULL;
	js = calloc(1, sizeof(*js));
	if (!js)
		return FSIMG_ENOMEM;
	js->plan = plan;
	/*
	 * An internal journal is read through the filesystem's io, which may be
	 * a cache over base: read its copies from base itself, the same bytes,
	 * rather than through a second cache (a copy more and its memory).
	 */
	js->jio = plan->j->io == fs_io ? base : plan->j->io;
	js->s.bs = plan->j->bs;
	js->s.n = plan->n;
	js->s.priv = js;
	js->s.block = jsrc_block;
	js->s.read = jsrc_read;
	js->s.release = jsrc_release;
	err = overlay_open(out, base, &js->s);
	if (err < 0) {
		free(js);
		return err;
	}
	size = fsimg_io_size(base);
	if (!(flags & FSIMG_OVERLAY_BLOCKS_ONLY) && size >= EXT4_SUPER_OFFSET + EXT4_SUPER_SIZE) {
		err = patch_ext4_super(*out, plan);
		if (err == 0 && plan->j->sb_off + JBD2_SUPER_SIZE <= size)
			err = patch_journal_super(*out, plan, fs_io);
		if (err < 0) {
			fsimg_io_close(*out);
			*out = NULL;
		}
	}
	return err;
}

int fsimg_io_open_overlay(fsimg_io **out, fsimg_io *base, const fsimg_plan *plan, unsigned flags)
{
	return jbd2_overlay_open(out, base, base, plan, flags);
}

/* ------------------------------------------------- the recovery interface */

struct jbd2_recovery {
	struct fsimg_recovery head;  /* first: the front's */
	fsimg_journal *j;
	fsimg_plan *plan;
};

static const struct jbd2_recovery *jrec(const fsimg_recovery *r)
{
	return (const struct jbd2_recovery *)(const void *)r;
}

static int jrec_stats(struct fsimg_recovery_stats *out, const fsimg_recovery *r)
{
	const struct fsimg_plan_stats *st = &jrec(r)->plan->stats;

	out->log = "journal";
	out->transactions = st->transactions;
	out->blocks = st->blocks;
	out->revoked = st->revoked;
	out->revoke_records = st->revoke_records;
	out->csum_skipped = st->csum_skipped;
	out->extra = st->fc_blocks ? "fast commits" : NULL;
	out->extra_blocks = st->fc_blocks;
	out->extra_replayed = st->fc_replayed;
	out->extra_made = st->fc_made;
	/* What a valid fast commit holds is lost unless replayed; stale blocks hold nothing. */
	out->unreplayed = st->fc_replayed || !st->fc_commits ? 0 : st->fc_blocks;
	out->unreplayed_where = out->unreplayed ? "fast-commit area" : NULL;
	out->unreplayed_why = out->unreplayed && jrec(r)->plan->fc_why[0] ? jrec(r)->plan->fc_why : NULL;
	out->log_error = st->kernel_error;
	return 0;
}

static size_t jrec_write_count(const fsimg_recovery *r)
{
	return fsimg_plan_write_count(jrec(r)->plan);
}

static int jrec_write(struct fsimg_recovery_write *out, const fsimg_recovery *r, size_t i)
{
	const struct fsimg_plan *plan = jrec(r)->plan;
	struct fsimg_plan_write w;
	int err = fsimg_plan_write(&w, plan, i);

	if (err < 0)
		return err;
	if (w.block > UINT64_MAX / plan->j->bs)
		return FSIMG_ERANGE;
	out->off = w.block * plan->j->bs;
	out->len = plan->j->bs;
	out->kind = w.kind == FSIMG_PLAN_WRITE_SUPER ? FSIMG_RECOVERY_SUPER :
		    w.kind == FSIMG_PLAN_WRITE_JOURNAL_SUPER ? FSIMG_RECOVERY_LOG_SUPER :
		    FSIMG_RECOVERY_LOGGED;
	return 0;
}

static int jrec_apply(fsimg_io **out, fsimg_io *base, fsimg_io *fs_io, const fsimg_recovery *r,
		      unsigned flags)
{
	if (flags & FSIMG_RECOVERY_LOG_DEVICE)
		return FSIMG_ENOTSUP_OP; /* e2fsck's external journal superblock is not planned */
	return jbd2_overlay_open(out, base, fs_io, jrec(r)->plan,
				 (flags & FSIMG_RECOVERY_BLOCKS_ONLY) ? FSIMG_OVERLAY_BLOCKS_ONLY : 0);
}

static void jrec_free(fsimg_recovery *r)
{
	struct jbd2_recovery *jr = (struct jbd2_recovery *)(void *)r;

	fsimg_plan_free(jr->plan);
	fsimg_journal_close(jr->j);
	free(jr);
}

static const struct fsimg_recovery_ops jrec_ops = {
	jrec_stats, jrec_write_count, jrec_write, jrec_apply, jrec_free, NULL, NULL, NULL,
};

int jbd2_recovery_plan(fsimg_recovery **out, fsimg_fs *fs, fsimg_io *external, unsigned flags,
		       char *errbuf, size_t errlen)
{
	struct jbd2_recovery *jr;
	int err;

	*out = NULL;
	jr = calloc(1, sizeof(*jr));
	if (!jr)
		return FSIMG_ENOMEM;
	jr->head.ops = &jrec_ops;
	err = fsimg_journal_open(&jr->j, fs, external);
	if (err < 0) {
		if (errbuf && errlen)
			snprintf(errbuf, errlen, "journal: %s",
				 fsimg_fs_errmsg(fs)[0] ? fsimg_fs_errmsg(fs) : fsimg_strerror(err));
		free(jr);
		return err;
	}
	err = fsimg_plan_create(&jr->plan, jr->j, (flags & FSIMG_RECOVERY_IGNORE_CSUM) ?
				FSIMG_PLAN_IGNORE_CSUM : 0);
	if (err < 0) {
		if (errbuf && errlen)
			snprintf(errbuf, errlen, "journal recovery: %s",
				 fsimg_journal_errmsg(jr->j)[0] ? fsimg_journal_errmsg(jr->j) :
				 fsimg_strerror(err));
		jrec_free(&jr->head);
		return err;
	}
	*out = &jr->head;
	return 0;
}

fsimg_journal *fsimg_recovery_journal(const fsimg_recovery *r)
{
	return r && r->ops == &jrec_ops ? jrec(r)->j : NULL;
}

const fsimg_plan *fsimg_recovery_jbd2_plan(const fsimg_recovery *r)
{
	return r && r->ops == &jrec_ops ? jrec(r)->plan : NULL;
}
