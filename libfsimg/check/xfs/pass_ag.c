/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * XFS AG headers and btrees, AG by AG (xfs_repair's phase 2, scan_ag):
 * the AGF, AGI and AGFL against their rules; the header blocks, the free
 * list and the internal log claimed; the free space btrees walked (each
 * record's bounds and order, and both trees describing the same extents),
 * the inode btrees (chunk alignment, holemasks, free counts, the finobt
 * holding exactly the chunks with a free inode), the refcount btree; then
 * the AG's counters against what the walk counted. An AG whose headers
 * xfs_repair would reset is not walked, as xfs_repair -n skips it.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/xfs/xbtree.h"
#include "core/array.h"
#include "core/cursor.h"
#include "core/io.h"

#define NULLAGINO 0xffffffffu
#define MAXREFCOUNT 0xffffffffu

struct ext {
	uint32_t start, len;
};

/* What one AG's walk counts and keeps for the cross-checks. */
struct ag {
	uint32_t agno, aglen;
	struct ext *bno;             /* bnobt extents, in order */
	size_t nbno, capbno;
	uint8_t *cnt_seen;           /* per bno extent: met in the cntbt */
	uint32_t bno_end;            /* end of the last bnobt extent */
	bool bno_any;
	uint32_t cnt_lastlen;
	uint64_t freeblks, longest, flcount;
	uint32_t ino_next;           /* the first agino the next inobt record may start at */
	uint64_t icount, ifree, fino_free;
	uint32_t refc_next;
	bool refc_any;
	bool refc_bad;               /* a refcount record was bad: xfs_repair's refcbt_suspect */
};

static void agreport(struct check_ctx *c, enum problem_id id, uint32_t agno, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void agreport(struct check_ctx *c, enum problem_id id, uint32_t agno, const char *fmt, ...)
{
	struct fsimg_problem_ctx p = pctx_group(agno);
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	PCTX_SET(p, detail, FSIMG_PF_DETAIL, msg);
	check_report(c, id, &p);
}

static void count_report(struct check_ctx *c, enum problem_id id, uint32_t agno, const char *field,
			 uint64_t found, uint64_t counted)
{
	struct fsimg_problem_ctx p = pctx_group(agno);

	PCTX_SET(p, detail, FSIMG_PF_DETAIL, field);
	PCTX_SET(p, found, FSIMG_PF_FOUND, found);
	PCTX_SET(p, expected, FSIMG_PF_EXPECTED, counted);
	check_report(c, id, &p);
}

/* ------------------------------------------------------------ free space */

static void key_first4(uint8_t *key, const uint8_t *rec)
{
	memcpy(key, rec, 4);
}
static void key_first8(uint8_t *key, const uint8_t *rec)
{
	memcpy(key, rec, 8);
}
static int cmp_be32(const uint8_t *a, const uint8_t *b)
{
	uint32_t x = get_be32(a), y = get_be32(b);

	return x < y ? -1 : x > y;
}
/* cntbt keys: blockcount, then startblock */
static int cmp_cnt(const uint8_t *a, const uint8_t *b)
{
	int d = cmp_be32(a + 4, b + 4);

	return d ? d : cmp_be32(a, b);
}

/* A free extent's bounds (scan_allocbt): false when the record is skipped. */
static bool ext_ok(struct xc_bt *bt, uint32_t bno, uint32_t b, uint32_t len)
{
	if (b == 0 || b >= bt->aglen) {
		xc_bt_rec_bad(bt, bno, "start block %u is not in the AG", b);
		return false;
	}
	if (len == 0 || b + len <= b || b + len - 1 >= bt->aglen) {
		xc_bt_rec_bad(bt, bno, "extent at %u: length %u is not in the AG", b, len);
		return false;
	}
	return true;
}

static void rec_bno(struct xc_bt *bt, const uint8_t *rec, uint32_t bno)
{
	struct ag *a = bt->arg;
	struct xcheck *x = bt->x;
	uint32_t b = get_be32(rec), len = get_be32(rec + 4), from;

	if (!ext_ok(bt, bno, b, len))
		return;
	if (a->bno_any && b < a->bno_end) {
		xc_bt_rec_bad(bt, bno, "extent %u+%u is out of order or overlaps the one before", b, len);
		if (b + len <= a->bno_end)
			return;
	}
	from = a->bno_any && b < a->bno_end ? a->bno_end : b;
	/* free blocks some owner claimed already (headers, free list, btree blocks) */
	uint64_t lin = xc_linear(x, a->agno, from);
	for (uint32_t i = 0; i < b + len - from; i++) {
		uint8_t o = x->owner[lin + i];

		if (o != XO_NONE) {
			uint32_t run = 1;
			struct fsimg_problem_ctx p = pctx_group(a->agno);

			while (i + run < b + len - from && x->owner[lin + i + run] == o)
				run++;
			PCTX_SET(p, block, FSIMG_PF_BLOCK, from + i);
			PCTX_SET(p, length, FSIMG_PF_LENGTH, run);
			PCTX_SET(p, detail, FSIMG_PF_DETAIL, xc_owner_name((enum xc_owner)o));
			check_report(bt->c, PR_XFS_BLOCK_FREE_USED, &p);
			i += run - 1;
		}
		bit_set(x->freesp, lin + i);
	}
	if (!array_grow((void **)&a->bno, &a->capbno, a->nbno + 1, sizeof(*a->bno)))
		return;
	a->bno[a->nbno].start = b;
	a->bno[a->nbno].len = len;
	a->nbno++;
	a->bno_end = b + len;
	a->bno_any = true;
}

static void rec_cnt(struct xc_bt *bt, const uint8_t *rec, uint32_t bno)
{
	struct ag *a = bt->arg;
	uint32_t b = get_be32(rec), len = get_be32(rec + 4);
	size_t lo;

	if (!ext_ok(bt, bno, b, len))
		return;
	a->freeblks += len;
	if (len > a->longest)
		a->longest = len;
	if (len < a->cnt_lastlen)
		xc_bt_rec_bad(bt, bno, "extent %u+%u is out of order (shorter than the one before)", b, len);
	else
		a->cnt_lastlen = len;
	lo = ARRAY_LOWER_BOUND(a->bno, a->nbno, start, b);
	if (lo < a->nbno && a->bno[lo].start == b && a->bno[lo].len == len && a->cnt_seen &&
	    !a->cnt_seen[lo]) {
		a->cnt_seen[lo] = 1;
		return;
	}
	struct fsimg_problem_ctx p = pctx_group(a->agno);

	PCTX_SET(p, block, FSIMG_PF_BLOCK, b);
	PCTX_SET(p, length, FSIMG_PF_LENGTH, len);
	PCTX_SET(p, detail, FSIMG_PF_DETAIL,
		 lo < a->nbno && a->bno[lo].start == b && a->bno[lo].len == len
			 ? "listed twice in the by-size btree"
			 : "in the by-size btree, not in the by-block btree");
	check_report(bt->c, PR_XFS_FREESP_MISMATCH, &p);
}

static const struct xc_bt_type bt_bno = { "bnobt", 0x41425442u, 0x41423342u, XO_BNOBT, 8, 8, false,
					  key_first8, cmp_be32, rec_bno, NULL, false };
static const struct xc_bt_type bt_cnt = { "cntbt", 0x41425443u, 0x41423343u, XO_CNTBT, 8, 8, false,
					  key_first8, cmp_cnt, rec_cnt, NULL, false };

/* ------------------------------------------------------------ inode btrees */

struct chunk {
	uint32_t startino;
	uint16_t holemask;
	uint8_t fino_seen;
	uint64_t free;
};

struct inoag {
	struct ag *a;
	struct chunk *ch;
	size_t nch, capch;
	bool sparse;
};

static uint64_t sparse_mask(uint16_t holemask)
{
	uint64_t m = 0;

	for (unsigned i = 0; i < 16; i++)
		if (holemask & (1u << i))
			m |= UINT64_C(0xf) << (i * 4);
	return m;
}

/* Alignment and bounds of a chunk record (verify_single_ino_chunk_align); false: skip it. */
static bool chunk_ok(struct xc_bt *bt, uint32_t bno, uint32_t ino)
{
	struct xcheck *x = bt->x;
	uint32_t inopb = x->sb->inopblock, off = ino & (inopb - 1), agbno = ino >> x->sb->inopblog;
	bool aligned = (x->sb->versionnum & XFS_SB_VERSION_ALIGNBIT) || x->x->v5;

	if (ino == 0 || (inopb <= XFS_INODES_PER_CHUNK && off != 0) ||
	    (inopb > XFS_INODES_PER_CHUNK && off % XFS_INODES_PER_CHUNK) ||
	    (aligned && x->sb->inoalignmt && agbno % x->sb->inoalignmt))
		xc_bt_rec_bad(bt, bno, "chunk at AG inode %u is not aligned", ino);
	if (!xc_agbno_ok(x, bt->agno, agbno) ||
	    !xc_agbno_ok(x, bt->agno, (ino + XFS_INODES_PER_CHUNK - 1) >> x->sb->inopblog)) {
		xc_bt_rec_bad(bt, bno, "chunk at AG inode %u is not inside the AG", ino);
		return false;
	}
	return true;
}

static void chunk_decode(const uint8_t *rec, bool sparse, uint16_t *holemask, unsigned *count,
			 unsigned *freecount, uint64_t *free)
{
	if (sparse) {
		*holemask = get_be16(rec + 4);
		*count = rec[6];
		*freecount = rec[7];
	} else {
		*holemask = 0;
		*count = XFS_INODES_PER_CHUNK;
		*freecount = get_be32(rec + 4);
	}
	*free = get_be64(rec + 8);
}

/* Free and in-chunk counts of a record, and its holes all free. */
static void chunk_counts(struct xc_bt *bt, uint32_t bno, uint32_t ino, uint16_t holemask, uint64_t free,
			 unsigned count, unsigned freecount, bool sparse)
{
	uint64_t sp = sparse_mask(holemask);
	unsigned nfree = (unsigned)__builtin_popcountll(free & ~sp);
	unsigned ninodes = XFS_INODES_PER_CHUNK - (unsigned)__builtin_popcountll(sp);

	if ((sp & free) != sp)
		xc_bt_rec_bad(bt, bno, "chunk at AG inode %u: holemask %#x holes are not free", ino,
			      holemask);
	if (nfree != freecount)
		xc_bt_rec_bad(bt, bno, "chunk at AG inode %u: freecount %u, %u free", ino, freecount,
			      nfree);
	if (sparse && ninodes != count)
		xc_bt_rec_bad(bt, bno, "chunk at AG inode %u: count %u, %u inodes", ino, count, ninodes);
}

static void rec_ino(struct xc_bt *bt, const uint8_t *rec, uint32_t bno)
{
	struct inoag *ia = bt->arg;
	struct ag *a = ia->a;
	struct xcheck *x = bt->x;
	uint32_t ino = get_be32(rec);
	uint16_t holemask;
	unsigned count, freecount;
	uint64_t free, sp;

	chunk_decode(rec, ia->sparse, &holemask, &count, &freecount, &free);
	a->icount += ia->sparse ? count : XFS_INODES_PER_CHUNK;
	a->ifree += freecount;
	if (!chunk_ok(bt, bno, ino))
		return;
	if (ino < a->ino_next) {
		xc_bt_rec_bad(bt, bno, "chunk at AG inode %u is out of order or overlaps the one before",
			      ino);
		return;
	}
	a->ino_next = ino + XFS_INODES_PER_CHUNK;
	sp = sparse_mask(holemask);
	if (holemask && !ia->sparse)
		xc_bt_rec_bad(bt, bno, "chunk at AG inode %u has holes without sparse inodes", ino);
	chunk_counts(bt, bno, ino, holemask, free, count, freecount, ia->sparse);
	/* the chunk's blocks: claimed by the record that starts a block */
	if ((ino & (x->sb->inopblock - 1)) == 0) {
		for (unsigned j = 0; j < XFS_INODES_PER_CHUNK; j += x->sb->inopblock)
			if (!(sp >> j & 1))
				xc_claim(bt->c, a->agno, (ino + j) >> x->sb->inopblog, 1, XO_INODES, 0, false);
	}
	/* the inodes the chunk holds, for the inode passes */
	for (unsigned j = 0; j < XFS_INODES_PER_CHUNK; j++) {
		uint64_t inum;

		if (sp >> j & 1)
			continue;
		inum = ((uint64_t)a->agno << (x->sb->agblklog + x->sb->inopblog)) | (ino + j);
		if (inum < bt->c->max_ino) {
			bit_set(x->ino_chunk, inum);
			if (free >> j & 1)
				bit_set(x->ino_free, inum);
		}
	}
	if (array_grow((void **)&ia->ch, &ia->capch, ia->nch + 1, sizeof(*ia->ch))) {
		ia->ch[ia->nch].startino = ino;
		ia->ch[ia->nch].holemask = holemask;
		ia->ch[ia->nch].free = free;
		ia->ch[ia->nch].fino_seen = 0;
		ia->nch++;
	}
}

static void rec_fino(struct xc_bt *bt, const uint8_t *rec, uint32_t bno)
{
	struct inoag *ia = bt->arg;
	uint32_t ino = get_be32(rec);
	uint16_t holemask;
	unsigned count, freecount;
	uint64_t free;
	size_t lo;

	chunk_decode(rec, ia->sparse, &holemask, &count, &freecount, &free);
	ia->a->fino_free += freecount;
	if (!chunk_ok(bt, bno, ino))
		return;
	chunk_counts(bt, bno, ino, holemask, free, count, freecount, ia->sparse);
	if ((free & ~sparse_mask(holemask)) == 0)
		xc_bt_rec_bad(bt, bno, "chunk at AG inode %u has no free inode", ino);
	lo = ARRAY_LOWER_BOUND(ia->ch, ia->nch, startino, ino);
	struct fsimg_problem_ctx p = pctx_group(bt->agno);

	PCTX_SET(p, found, FSIMG_PF_FOUND, ino);
	if (lo >= ia->nch || ia->ch[lo].startino != ino) {
		PCTX_SET(p, detail, FSIMG_PF_DETAIL, "not in the inode btree");
		check_report(bt->c, PR_XFS_FINOBT_MISMATCH, &p);
		return;
	}
	if (ia->ch[lo].fino_seen) {
		PCTX_SET(p, detail, FSIMG_PF_DETAIL, "listed twice");
		check_report(bt->c, PR_XFS_FINOBT_MISMATCH, &p);
		return;
	}
	ia->ch[lo].fino_seen = 1;
	if (ia->ch[lo].free != free || ia->ch[lo].holemask != holemask) {
		PCTX_SET(p, detail, FSIMG_PF_DETAIL, "free or hole masks differ from the inode btree's");
		check_report(bt->c, PR_XFS_FINOBT_MISMATCH, &p);
	}
}

static const struct xc_bt_type bt_ino = { "inobt", 0x49414254u, 0x49414233u, XO_INOBT, 16, 4, false,
					  key_first4, cmp_be32, rec_ino, NULL, false };
static const struct xc_bt_type bt_fino = { "finobt", 0x46494254u, 0x46494233u, XO_FINOBT, 16, 4,
					   false, key_first4, cmp_be32, rec_fino, NULL, false };

/* ------------------------------------------------------------ refcount */

static void rec_refc(struct xc_bt *bt, const uint8_t *rec, uint32_t bno)
{
	struct ag *a = bt->arg;
	uint32_t b = get_be32(rec), len = get_be32(rec + 4), nr = get_be32(rec + 8);
	uint32_t agb = b & ~XFS_REFC_COWFLAG;

	if (((b & XFS_REFC_COWFLAG) && nr != 1) || (nr == 1 && !(b & XFS_REFC_COWFLAG)))
		a->refc_bad = true;
	if ((b & XFS_REFC_COWFLAG) && nr != 1)
		xc_bt_rec_bad(bt, bno, "CoW staging extent at %u has refcount %u", agb, nr);
	if (nr == 1 && !(b & XFS_REFC_COWFLAG))
		xc_bt_rec_bad(bt, bno, "extent at %u has refcount 1 outside the CoW domain", agb);
	if (!ext_ok(bt, bno, agb, len)) {
		a->refc_bad = true;
		return;
	}
	if (nr == 1 && (b & XFS_REFC_COWFLAG)) {
		struct fsimg_problem_ctx p = pctx_group(a->agno);

		PCTX_SET(p, block, FSIMG_PF_BLOCK, agb);
		PCTX_SET(p, length, FSIMG_PF_LENGTH, len);
		/* a crash's leftover, freed by the next mount, not damage */
		check_report(bt->c, PR_XFS_COW_LEFTOVER, &p);
		xc_claim(bt->c, a->agno, agb, len, XO_COW, 0, false);
	} else if (nr < 2) {
		a->refc_bad = true;
		xc_bt_rec_bad(bt, bno, "extent at %u has refcount %u", agb, nr);
		return;
	} else if (bt->x->shared) {
		uint64_t lin = xc_linear(bt->x, a->agno, agb);

		for (uint32_t i = 0; i < len; i++)
			bit_set(bt->x->shared, lin + i);
		if (!xc_refc_add(bt->x, a->agno, agb, len, nr))
			a->refc_bad = true;
	}
	if (a->refc_any && b < a->refc_next) {
		a->refc_bad = true;
		xc_bt_rec_bad(bt, bno, "extent %u+%u is out of order or overlaps the one before", agb,
			      len);
	}
	a->refc_next = b + len;
	a->refc_any = true;
}

static const struct xc_bt_type bt_refc = { "refcountbt", 0, 0x52334643u, XO_REFCBT, 12, 4, false,
					   key_first4, cmp_be32, rec_refc, NULL, true };

/* ------------------------------------------------------------ headers */

static uint32_t agfl_size(const struct xcheck *x)
{
	return x->x->v5 ? (x->sb->sectsize - XFS_AGFL_HDR_SIZE) / 4 : x->sb->sectsize / 4;
}

/* The AGF's and AGI's common fields (verify_set_agf/agi): false when xfs_repair would reset it. */
static bool hdr_common(struct check_ctx *c, enum problem_id id, const char *name, const uint8_t *h,
		       uint32_t magic, uint32_t agno, size_t uuid_off)
{
	struct xcheck *x = xc(c);
	bool ok = true;

	if (get_be32(h) != magic) {
		agreport(c, id, agno, "bad magic %#x", get_be32(h));
		ok = false;
	}
	if (get_be32(h + 4) != 1) {
		agreport(c, id, agno, "bad version %u", get_be32(h + 4));
		ok = false;
	}
	if (get_be32(h + 8) != agno) {
		agreport(c, id, agno, "sequence number %u is not the AG's", get_be32(h + 8));
		ok = false;
	}
	if (get_be32(h + 12) != xc_ag_blocks(x, agno)) {
		agreport(c, id, agno, "length %u, the AG has %u blocks", get_be32(h + 12),
			 xc_ag_blocks(x, agno));
		ok = false;
	}
	if (x->x->v5 && memcmp(h + uuid_off, xc_meta_uuid(x), 16)) {
		agreport(c, id, agno, "%s uuid is not the filesystem's", name);
		ok = false;
	}
	return ok;
}

/* The free list: its header, every live entry a block of the AG, claimed; returns the count. */
static uint32_t walk_agfl(struct check_ctx *c, uint32_t agno, const uint8_t *agf, const uint8_t *agfl)
{
	struct xcheck *x = xc(c);
	uint32_t first = get_be32(agf + offsetof(struct xfs_agf, agf_flfirst));
	uint32_t last = get_be32(agf + offsetof(struct xfs_agf, agf_fllast));
	uint32_t flcount = get_be32(agf + offsetof(struct xfs_agf, agf_flcount));
	uint32_t size = agfl_size(x), n = 0;
	const uint8_t *bnos = agfl + (x->x->v5 ? XFS_AGFL_HDR_SIZE : 0);

	if (flcount == 0)
		return 0;
	if (x->x->v5) {
		if (!xfs_verify_cksum(agfl, x->sb->sectsize, XFS_AGFL_CRC_OFF))
			check_report(c, PR_XFS_AGFL_CRC, &(struct fsimg_problem_ctx){
						 .has = FSIMG_PF_GROUP, .group = agno });
		if (get_be32(agfl) != XFS_AGFL_MAGIC || get_be32(agfl + 4) != agno ||
		    memcmp(agfl + 8, xc_meta_uuid(x), 16))
			agreport(c, PR_XFS_AGFL_HEADER, agno, "bad magic, sequence number or uuid");
	}
	if (first >= size || last >= size) {
		agreport(c, PR_XFS_AGF_BAD, agno, "free list indexes %u..%u past its %u entries", first,
			 last, size);
		return 0;
	}
	for (uint32_t i = first;; i = (i + 1) % size) {
		uint32_t bno = get_be32(bnos + (size_t)i * 4);

		if (xc_agbno_ok(x, agno, bno))
			xc_claim(c, agno, bno, 1, XO_AGFL, 0, false);
		else
			agreport(c, PR_XFS_AGFL_BAD, agno, "entry %u names block %u, not a block of the AG",
				 i, bno);
		n++;
		if (i == last || n > size)
			break;
	}
	if (n != flcount)
		count_report(c, PR_XFS_AGF_COUNT, agno, "flcount", flcount, n);
	return n;
}

static int walk_tree(struct check_ctx *c, struct xc_bt *bt, uint32_t agno, const struct xc_bt_type *t,
		     uint32_t root, uint32_t levels, void *arg)
{
	int err = xc_bt_walk(bt, c, agno, t, root, levels, arg);

	xc_bt_free(bt);
	return err;
}

/*
 * The AGI's allocation hints, null or an AG inode number the kernel's
 * xfs_verify_agino accepts: from the first inode-aligned block past the AGFL
 * to the last aligned block before the AG's end (xfs_agino_range).
 */
static void check_agi_hints(struct check_ctx *c, uint32_t agno, uint32_t aglen, uint32_t newino,
			    uint32_t dirino)
{
	const struct xfs_sb *sb = xc(c)->sb;
	uint32_t align = (sb->versionnum & XFS_SB_VERSION_ALIGNBIT) && sb->inoalignmt ? sb->inoalignmt : 1;
	uint64_t agfl = ((uint64_t)3 * sb->sectsize) >> sb->blocklog;
	uint64_t first = (agfl + 1 + align - 1) / align * align, end = (uint64_t)aglen / align * align;
	const char *const names[] = { "newino", "dirino" };
	uint32_t v[] = { newino, dirino };

	for (unsigned i = 0; i < 2; i++) {
		uint64_t agbno = v[i] >> sb->inopblog;

		if (v[i] == NULLAGINO || (agbno >= first && agbno < end))
			continue;
		struct fsimg_problem_ctx p = pctx_group(agno);

		PCTX_SET(p, found, FSIMG_PF_FOUND, v[i]);
		PCTX_SET(p, detail, FSIMG_PF_DETAIL, names[i]);
		check_report(c, PR_XFS_AGI_HINT, &p);
	}
}

static int check_ag(struct check_ctx *c, uint32_t agno, uint8_t *hdr)
{
	struct xcheck *x = xc(c);
	const struct xfs_sb *sb = x->sb;
	uint32_t ss = sb->sectsize;
	const uint8_t *agf = hdr + ss, *agi = hdr + 2 * ss, *agfl = hdr + 3 * ss;
	struct ag a;
	struct inoag ia;
	struct xc_bt bt;
	uint64_t log_lin;
	uint32_t log_len, btreeblks = 0;
	bool agf_ok, agi_ok;
	int err = 0;

	memset(&a, 0, sizeof(a));
	memset(&ia, 0, sizeof(ia));
	a.agno = agno;
	a.aglen = xc_ag_blocks(x, agno);
	xc_claim(c, agno, 0, xc_ag_first_free(x), XO_AGHDR, 0, false);
	if (xfs_log_internal(x->x, &log_lin, &log_len) && log_lin / sb->agblocks == agno)
		xc_claim(c, agno, (uint32_t)(log_lin % sb->agblocks), log_len, XO_LOG, 0, false);
	if (x->x->v5) {
		if (!xfs_verify_cksum(agf, ss, offsetof(struct xfs_agf, agf_crc)))
			check_report(c, PR_XFS_AGF_CRC, &(struct fsimg_problem_ctx){
						 .has = FSIMG_PF_GROUP, .group = agno });
		if (!xfs_verify_cksum(agi, ss, offsetof(struct xfs_agi, agi_crc)))
			check_report(c, PR_XFS_AGI_CRC, &(struct fsimg_problem_ctx){
						 .has = FSIMG_PF_GROUP, .group = agno });
	}
	if (x->x->v5) {
		xc_note_lsn(x, agno, "AGF", get_be64(agf + offsetof(struct xfs_agf, agf_lsn)));
		xc_note_lsn(x, agno, "AGI", get_be64(agi + offsetof(struct xfs_agi, agi_lsn)));
		/* the AGFL is read (and its LSN seen) only when the free list holds blocks */
		if (get_be32(agf + offsetof(struct xfs_agf, agf_flcount)))
			xc_note_lsn(x, agno, "AGFL", get_be64(agfl + offsetof(struct xfs_agfl, agfl_lsn)));
	}
	agf_ok = hdr_common(c, PR_XFS_AGF_BAD, "AGF", agf, XFS_AGF_MAGIC, agno,
			    offsetof(struct xfs_agf, agf_uuid));
	agi_ok = hdr_common(c, PR_XFS_AGI_BAD, "AGI", agi, XFS_AGI_MAGIC, agno,
			    offsetof(struct xfs_agi, agi_uuid));
	if (!agf_ok || !agi_ok || bit_test(x->ag_skip, agno)) {
		x->ag_bad = true; /* xfs_repair -n skips the AG: its counts are not known */
		return 0;
	}
#define AGF(f) get_be32(agf + offsetof(struct xfs_agf, agf_##f))
#define AGI(f) get_be32(agi + offsetof(struct xfs_agi, agi_##f))
	a.flcount = walk_agfl(c, agno, agf, agfl);

	err = walk_tree(c, &bt, agno, &bt_bno, AGF(roots[0]), AGF(levels[0]), &a);
	btreeblks += (uint32_t)bt.nonroot_blocks;
	a.cnt_seen = calloc(a.nbno + 1, 1);
	if (!err)
		err = walk_tree(c, &bt, agno, &bt_cnt, AGF(roots[1]), AGF(levels[1]), &a);
	btreeblks += (uint32_t)bt.nonroot_blocks;
	for (size_t i = 0; a.cnt_seen && i < a.nbno && !bt.bad; i++)
		if (!a.cnt_seen[i]) {
			struct fsimg_problem_ctx p = pctx_group(agno);

			PCTX_SET(p, block, FSIMG_PF_BLOCK, a.bno[i].start);
			PCTX_SET(p, length, FSIMG_PF_LENGTH, a.bno[i].len);
			PCTX_SET(p, detail, FSIMG_PF_DETAIL, "in the by-block btree, not in the by-size btree");
			check_report(c, PR_XFS_FREESP_MISMATCH, &p);
		}
	if (!err && (sb->features_ro_compat & XFS_SB_FEAT_RO_COMPAT_REFLINK) && x->x->v5) {
		err = walk_tree(c, &bt, agno, &bt_refc, AGF(refcount_root), AGF(refcount_level), &a);
		if (err || bt.bad || a.refc_bad)
			__atomic_store_n(&x->refc_suspect, true, __ATOMIC_RELAXED);
		if (!bt.bad && AGF(refcount_blocks) != bt.blocks)
			count_report(c, PR_XFS_AGF_COUNT, agno, "refcount_blocks", AGF(refcount_blocks),
				     bt.blocks);
	}
	ia.a = &a;
	ia.sparse = x->x->sparse_inodes;
	if (!err)
		err = walk_tree(c, &bt, agno, &bt_ino, AGI(root), AGI(level), &ia);
	uint64_t iblocks = bt.blocks, fblocks = 0;
	bool fino = (sb->features_ro_compat & XFS_SB_FEAT_RO_COMPAT_FINOBT) && x->x->v5;

	if (!err && fino) {
		err = walk_tree(c, &bt, agno, &bt_fino, AGI(free_root), AGI(free_level), &ia);
		fblocks = bt.blocks;
		for (size_t i = 0; i < ia.nch && !bt.bad; i++)
			if (!ia.ch[i].fino_seen && (ia.ch[i].free & ~sparse_mask(ia.ch[i].holemask))) {
				struct fsimg_problem_ctx p = pctx_group(agno);

				PCTX_SET(p, found, FSIMG_PF_FOUND, ia.ch[i].startino);
				PCTX_SET(p, detail, FSIMG_PF_DETAIL, "has free inodes but is missing");
				check_report(c, PR_XFS_FINOBT_MISMATCH, &p);
			}
	}
	if (!err && (sb->features_ro_compat & XFS_SB_FEAT_RO_COMPAT_RMAPBT) && x->x->v5) {
		struct xc_rmap_count rc = { 0 };

		err = xc_rmap_walk(c, agno, AGF(roots[2]), AGF(levels[2]), &rc);
		btreeblks += (uint32_t)rc.nonroot_blocks;
		if (!rc.bad && AGF(rmap_blocks) != rc.blocks)
			count_report(c, PR_XFS_AGF_COUNT, agno, "rmap_blocks", AGF(rmap_blocks), rc.blocks);
	}

	/* the AG's counters against the walk (validate_agf, validate_agi) */
	if (AGF(freeblks) != a.freeblks)
		count_report(c, PR_XFS_AGF_COUNT, agno, "freeblks", AGF(freeblks), a.freeblks);
	if (AGF(longest) != a.longest)
		count_report(c, PR_XFS_AGF_COUNT, agno, "longest", AGF(longest), a.longest);
	if ((x->x->v5 || (sb->features2 & XFS_SB_VERSION2_LAZYSBCOUNTBIT)) && AGF(btreeblks) != btreeblks)
		count_report(c, PR_XFS_AGF_COUNT, agno, "btreeblks", AGF(btreeblks), btreeblks);
	if ((sb->features_ro_compat & XFS_SB_FEAT_RO_COMPAT_INOBTCNT) && x->x->v5) {
		if (AGI(iblocks) != iblocks)
			count_report(c, PR_XFS_AGI_COUNT, agno, "iblocks", AGI(iblocks), iblocks);
		if (fino && AGI(fblocks) != fblocks)
			count_report(c, PR_XFS_AGI_COUNT, agno, "fblocks", AGI(fblocks), fblocks);
	}
	if (AGI(count) != a.icount)
		count_report(c, PR_XFS_AGI_COUNT, agno, "count", AGI(count), a.icount);
	if (AGI(freecount) != a.ifree)
		count_report(c, PR_XFS_AGI_COUNT, agno, "freecount", AGI(freecount), a.ifree);
	if (fino && AGI(freecount) != a.fino_free)
		count_report(c, PR_XFS_AGI_COUNT, agno, "freecount (against the finobt)", AGI(freecount),
			     a.fino_free);
	/*
	 * With a dirty log, the kernel's recovery frees what the unlinked lists
	 * hold (xlog_recover_process_iunlinks): each inode is a pending crash
	 * item (the links pass's XFS_UNLINKED_PENDING), not damage.
	 */
	for (unsigned i = 0; !c->info.needs_recovery && i < XFS_AGI_UNLINKED_BUCKETS; i++) {
		uint32_t agino = get_be32(agi + offsetof(struct xfs_agi, agi_unlinked) + 4 * i);

		if (agino != NULLAGINO) {
			struct fsimg_problem_ctx p = pctx_group(agno);

			PCTX_SET(p, found, FSIMG_PF_FOUND, i);
			PCTX_SET(p, expected, FSIMG_PF_EXPECTED, agino);
			check_report(c, PR_XFS_AGI_UNLINKED, &p);
		}
	}
	check_agi_hints(c, agno, a.aglen, AGI(newino), AGI(dirino));
#undef AGF
#undef AGI
	x->cnt_icount += a.icount;
	x->cnt_ifree += a.ifree;
	x->cnt_fdblocks += a.freeblks + btreeblks + a.flcount;
	free(a.bno);
	free(a.cnt_seen);
	free(ia.ch);
	return err;
}

int xc_pass_ag(struct check_ctx *c)
{
	struct xcheck *x = xc(c);
	uint32_t ss = x->sb->sectsize;
	uint8_t *hdr = malloc(4 * (size_t)ss);
	int err = 0;

	if (!hdr)
		return FSIMG_ENOMEM;
	for (uint32_t agno = 0; agno < x->sb->agcount && err == 0; agno++) {
		uint64_t off = ((uint64_t)agno * x->sb->agblocks) << x->sb->blocklog;

		check_progress(c, 2, "AG headers and btrees", agno, x->sb->agcount);
		if (fsimg_io_read(x->x->io, hdr, 4 * (size_t)ss, off) < 0) {
			agreport(c, PR_XFS_AGF_BAD, agno, "cannot read the AG headers");
			x->ag_bad = true;
			continue;
		}
		err = check_ag(c, agno, hdr);
	}
	check_progress(c, 2, "AG headers and btrees", x->sb->agcount, x->sb->agcount);
	free(hdr);
	return err;
}
