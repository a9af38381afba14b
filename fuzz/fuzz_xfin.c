/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fuzz target for the XFS finish (issue 13): what fsimg does after log
 * replay as the kernel's mount does (libfsimg/xlog/intent*.c, ifree*.c,
 * afree.c, agbt*.c, rmap*.c, refc.c, cow.c): pending intents finished,
 * unlinked inodes freed, the AG btrees, the AGFL, the inode chunks and the
 * bmbts edited. The input is fuzz_xplan's (fuzz_xvdev.h: the superblock
 * sector, the log, the data device's extents), but its seeds carry every
 * metadata block of the image (fuzz/mkseeds_xfin.py: AG headers, every
 * btree block, the inode clusters, bmbt blocks), so mutations land in the
 * blocks the finish reads and edits.
 *
 * Option bits (fuzz.h) as fuzz_xplan's, and FUZZ_OPT_XCSUM (bit 3): the v5 CRCs of
 * the extents' metadata (AG headers, btree blocks, inodes) recomputed first,
 * so mutated blocks pass the verifiers and reach the editors.
 *
 * The invariant, beyond no crash, hang or unbounded memory: the plan is well
 * formed (check_plan), and every btree block the finish wrote (v5: the ones
 * stamped with the finish's LSNs) is well formed: level and record count in
 * bounds, siblings and child pointers inside the AG (or the filesystem),
 * its own address in its header, keys ordered (unless a block of its tree
 * came in unordered, within itself or against a sibling: the finish edits
 * what it finds, as the kernel's, whose non-DEBUG btree code checks no order).
 * With FUZZ_XFIN_PRINT set, one line per input says whether the finish wrote,
 * how many btree blocks it wrote, how many entries it left pending and which
 * trees came in unordered.
 */
#include "fuzz_xvdev.h"

#define FUZZ_OPT_XCSUM 0x8u /* bit 3: unused by the log harnesses otherwise */
/* a broken invariant: which one, then the crash the fuzzer keeps */
#define FAIL(what, daddr) (fprintf(stderr, "fuzz_xfin: btree block at daddr %llu: %s\n", \
				   (unsigned long long)(daddr), what), abort())
#define NULLAGBLOCK 0xffffffffu
#define BT_MAXLEVELS 9u

struct geo {
	uint32_t bs, bpb, sect, isize, agblocks, agcount, agblklog;
	bool v5;
};

enum order { O_BNO, O_CNT, O_INO, O_RMAP, O_REFC, O_BMAP };

struct bt {
	uint32_t magic;
	bool lng, v5;
	uint16_t reclen, keylen;
	enum order ord;
};

static const struct bt bts[] = {
	{ 0x41423342, false, true, 8, 8, O_BNO },   /* AB3B */
	{ 0x41423343, false, true, 8, 8, O_CNT },   /* AB3C */
	{ 0x49414233, false, true, 16, 4, O_INO },  /* IAB3 */
	{ 0x46494233, false, true, 16, 4, O_INO },  /* FIB3 */
	{ 0x524d4233, false, true, 24, 40, O_RMAP }, /* RMB3 */
	{ 0x52334643, false, true, 12, 4, O_REFC }, /* R3FC */
	{ 0x424d4133, true, true, 16, 8, O_BMAP },  /* BMA3 */
	{ 0x41425442, false, false, 8, 8, O_BNO },  /* ABTB */
	{ 0x41425443, false, false, 8, 8, O_CNT },  /* ABTC */
	{ 0x49414254, false, false, 16, 4, O_INO }, /* IABT */
	{ 0x46494254, false, false, 16, 4, O_INO }, /* FIBT */
	{ 0x424d4150, true, false, 16, 8, O_BMAP }, /* BMAP */
};
#define NBT (sizeof bts / sizeof bts[0])

static void geo_of(struct geo *g, const uint8_t *sb)
{
	g->bs = be32(sb + 4);
	g->bpb = g->bs / 512;
	g->agblocks = be32(sb + 84);
	g->agcount = be32(sb + 88);
	g->sect = (uint32_t)sb[102] << 8 | sb[103];
	g->isize = (uint32_t)sb[104] << 8 | sb[105];
	g->agblklog = sb[124];
	g->v5 = (sb[101] & 0x0f) == 5; /* sb_versionnum (be16) */
}

static const struct bt *bt_of(const uint8_t *b, const struct geo *g)
{
	uint32_t m = be32(b);

	for (size_t i = 0; i < NBT; i++)
		if (bts[i].magic == m && bts[i].v5 == g->v5)
			return &bts[i];
	return NULL;
}

static size_t hdr_len(const struct bt *t)
{
	return t->lng ? (t->v5 ? 72 : 24) : (t->v5 ? 56 : 16);
}

/* A v5 block's LSN (bb_lsn). */
static uint64_t lsn_of(const struct bt *t, const uint8_t *b)
{
	return be64(b + (t->lng ? 32 : 24));
}

/* A long-form (fsblock) pointer inside the filesystem. */
static bool fsb_ok(uint64_t v, const struct geo *g)
{
	uint64_t ag = g->agblklog < 64 ? v >> g->agblklog : 0;
	uint64_t agbno = g->agblklog < 64 ? v & ((1ull << g->agblklog) - 1) : v;

	return ag < g->agcount && agbno < g->agblocks;
}

static int cmp64(uint64_t a, uint64_t b)
{
	return a < b ? -1 : a > b;
}

/* Record or key i's order against i - 1 (<0 ordered, 0 equal, >0 not), and whether the
 * records overlap (free space: the previous one runs into this one). */
static int order_of(const struct bt *t, const uint8_t *p, size_t len, bool leaf)
{
	const uint8_t *q = p - len;

	switch (t->ord) {
	case O_BNO:
		if (leaf && (uint64_t)be32(q) + be32(q + 4) > be32(p))
			return 1;
		return cmp64(be32(q), be32(p));
	case O_CNT: /* by length, then start */
		return cmp64(be32(q + 4), be32(p + 4)) ? cmp64(be32(q + 4), be32(p + 4)) : cmp64(be32(q), be32(p));
	case O_INO:
	case O_REFC:
		return cmp64(be32(q), be32(p));
	case O_RMAP: /* overlapping records: the start blocks only never go down */
		return be32(q) > be32(p);
	case O_BMAP:
		if (leaf)
			return cmp64(be64(q) >> 9 & ((1ull << 54) - 1), be64(p) >> 9 & ((1ull << 54) - 1));
		return cmp64(be64(q), be64(p));
	}
	return 0;
}

static bool block_ordered(const struct bt *t, const uint8_t *b, const struct geo *g)
{
	uint32_t level = (uint32_t)b[4] << 8 | b[5], n = (uint32_t)b[6] << 8 | b[7];
	size_t len = level ? t->keylen : t->reclen;

	if ((uint64_t)n * len > g->bs - hdr_len(t))
		return false;
	for (uint32_t i = 1; i < n; i++)
		if (order_of(t, b + hdr_len(t) + (size_t)i * len, len, !level) >= (t->ord == O_RMAP))
			return false;
	return true;
}

/* The block the finish wrote at daddr: aborts on what no verifier would pass. */
static void check_block(const struct bt *t, const uint8_t *b, uint64_t daddr, const struct geo *g, bool order)
{
	uint32_t level = (uint32_t)b[4] << 8 | b[5], n = (uint32_t)b[6] << 8 | b[7];
	size_t hl = hdr_len(t), maxrecs = (g->bs - hl) / (level ? t->keylen + (t->lng ? 8u : 4u) : t->reclen);
	uint64_t agbno = daddr / g->bpb % g->agblocks;

	if (level >= BT_MAXLEVELS || n > maxrecs || (level && !n))
		FAIL("level or record count out of bounds", daddr);
	if (t->v5 && be64(b + (t->lng ? 24 : 8 + 8)) != daddr)
		FAIL("not its own address in its header", daddr);
	for (int s = 0; s < 2; s++) {
		if (t->lng) {
			uint64_t v = be64(b + 8 + 8 * s);
			if (v != UINT64_MAX && !fsb_ok(v, g))
				FAIL("a sibling outside the filesystem", daddr);
		} else {
			uint32_t v = be32(b + 8 + 4 * s);
			if (v != NULLAGBLOCK && (v >= g->agblocks || v == agbno))
				FAIL("a sibling outside the AG (or itself)", daddr);
		}
	}
	for (uint32_t i = 0; level && i < n; i++) {
		const uint8_t *p = b + hl + maxrecs * t->keylen;
		if (t->lng ? !fsb_ok(be64(p + 8 * i), g) : (!be32(p + 4 * i) || be32(p + 4 * i) >= g->agblocks))
			FAIL("a child pointer outside the AG", daddr);
	}
	if (order && !block_ordered(t, b, g)) {
		if (getenv("FUZZ_XFIN_PRINT")) /* the block, to see which of its keys */
			for (uint32_t i = 0; i < g->bs; i += 16)
				fprintf(stderr, "%04x: %02x%02x%02x%02x %02x%02x%02x%02x %02x%02x%02x%02x %02x%02x%02x%02x\n", i,
					b[i], b[i + 1], b[i + 2], b[i + 3], b[i + 4], b[i + 5], b[i + 6], b[i + 7], b[i + 8],
					b[i + 9], b[i + 10], b[i + 11], b[i + 12], b[i + 13], b[i + 14], b[i + 15]);
		FAIL("keys out of order", daddr);
	}
	fuzz_use(b, g->bs);
}

/* Sane enough to walk the device's blocks with. */
static bool geo_sane(const struct geo *g)
{
	return g->bs >= 512 && g->bs <= 65536 && !(g->bs & (g->bs - 1)) && g->agblocks && g->agcount &&
	       g->sect >= 512 && g->sect <= g->bs && g->isize >= 256 && g->isize <= 2048;
}

static void set_crc(uint8_t *b, size_t len, size_t off)
{
	put_le32(b + off, 0);
	put_le32(b + off, ~fsimg_crc32c(~0u, b, len));
}

static bool disorder[NBT]; /* a tree's block came in unordered (this input) */

/* FUZZ_OPT_XCSUM: every v5 metadata CRC in the extents recomputed; and the trees whose
 * blocks came in unordered noted. */
static void fix(struct xrun *r)
{
	struct geo g;

	memset(disorder, 0, sizeof disorder);
	geo_of(&g, r->in.img);
	if (!geo_sane(&g))
		return;
	for (size_t e = 0; e < r->dev.n; e++) {
		uint8_t *x = (uint8_t *)r->dev.ext[e].p; /* points into r->in.img */
		uint32_t len = r->dev.ext[e].len;
		for (uint32_t o = 0; o + 256 <= len; o += 256) {
			uint8_t *b = x + o;
			uint64_t daddr = r->dev.ext[e].off / 512 + o / 512;
			const struct bt *t = bt_of(b, &g);
			bool fixit = g.v5 && (r->in.opts & FUZZ_OPT_XCSUM);
			if (t && !(o % 512) && !(daddr % g.bpb) && len - o >= g.bs) {
				if (fixit)
					set_crc(b, g.bs, t->lng ? 64 : 52);
				if (!block_ordered(t, b, &g))
					disorder[t - bts] = true;
			} else if (fixit && be32(b) == 0x58414746 && !(o % 512) && len - o >= g.sect) {
				set_crc(b, g.sect, 216); /* XAGF */
			} else if (fixit && be32(b) == 0x58414749 && !(o % 512) && len - o >= g.sect) {
				set_crc(b, g.sect, 312); /* XAGI */
			} else if (fixit && be32(b) == 0x5841464c && !(o % 512) && len - o >= g.sect) {
				set_crc(b, g.sect, 32); /* XAFL */
			} else if (fixit && b[0] == 'I' && b[1] == 'N' && b[4] == 3 && !(o % g.isize) &&
				   len - o >= g.isize) {
				set_crc(b, g.isize, 100); /* a v3 inode */
			}
		}
	}
}

/* The btree blocks the log brings: its buffer items replayed in commit order over the
 * device's copy of each block (xlog_recover_do_reg_buffer: region k fills the k-th run of
 * dirty 128-byte chunks), cancelled ones aside; on v5 an item is skipped where the block
 * is as new as its transaction, and a replayed block stamped with the transaction's LSN
 * (xlog_recover_get_buf_lsn, then the write verifier), so a log whose record header LSN
 * was raised leaves blocks of different ages, as the kernel's replay does. A tree one of
 * them leaves unordered, within a block or against a sibling, came in unordered as much
 * as one the device holds unordered. */
#define XFIN_MAX_LOGGED 4096u

struct logged {
	struct xrun *r;
	struct geo g;
	uint64_t daddr[XFIN_MAX_LOGGED];
	uint8_t *b[XFIN_MAX_LOGGED];
	size_t n;
};

static uint8_t *logged_block(struct logged *c, uint64_t daddr)
{
	uint8_t *b;

	for (size_t i = 0; i < c->n; i++)
		if (c->daddr[i] == daddr)
			return c->b[i];
	if (c->n == XFIN_MAX_LOGGED || !(b = malloc(c->g.bs)))
		return NULL;
	if (vread(&c->r->dev, b, c->g.bs, daddr * 512)) {
		free(b);
		return NULL;
	}
	c->daddr[c->n] = daddr;
	return c->b[c->n++] = b;
}

static bool chunk_dirty(const struct xlog_item_info *o, uint32_t bit)
{
	return bit < o->map_size * 32 && (o->map[bit / 32] >> bit % 32 & 1);
}

static int logged_trans(void *ctx, const struct xlog_trans *t)
{
	struct logged *c = ctx;

	for (size_t i = 0; i < t->nitems; i++) {
		const struct xlog_item *it = &t->items[i];
		uint32_t reg = 1, chunks = c->g.bs / XFS_BLF_CHUNK;
		struct xlog_item_info o;
		const struct bt *bt;
		uint8_t *b;
		if (xlog_item_decode(&o, c->r->log, it) || o.type != XFS_LI_BUF || o.blkno < 0 ||
		    o.bblen != c->g.bpb || (o.flags & XFS_BLF_CANCEL) || !(b = logged_block(c, (uint64_t)o.blkno)))
			continue;
		if (c->g.v5 && (bt = bt_of(b, &c->g)) && lsn_of(bt, b) && lsn_of(bt, b) != UINT64_MAX &&
		    lsn_of(bt, b) >= t->lsn)
			continue;
		for (uint32_t bit = 0; bit < chunks && reg < it->cnt;) {
			uint32_t n = 0;
			while (bit + n < chunks && chunk_dirty(&o, bit + n))
				n++;
			if (n) {
				memcpy(b + bit * XFS_BLF_CHUNK, it->reg[reg].p,
				       it->reg[reg].len < n * XFS_BLF_CHUNK ? it->reg[reg].len : n * XFS_BLF_CHUNK);
				reg++;
			}
			bit += n ? n : 1;
		}
		if ((bt = bt_of(b, &c->g)) && c->g.v5)
			put_be64(b + (bt->lng ? 32 : 24), t->lsn);
	}
	return 0;
}

/* A sibling's daddr: long-form pointers are filesystem blocks, short-form ones blocks
 * of the AG the block lies in. */
static bool sib_daddr(const struct bt *t, const uint8_t *b, uint64_t daddr, bool right, const struct geo *g,
		      uint64_t *out)
{
	uint64_t ag, agbno;

	if (t->lng) {
		uint64_t v = be64(b + 8 + 8 * right);
		if (v == UINT64_MAX || !fsb_ok(v, g) || g->agblklog >= 64)
			return false;
		ag = v >> g->agblklog;
		agbno = v & ((1ull << g->agblklog) - 1);
	} else {
		uint32_t v = be32(b + 8 + 4 * right);
		if (v == NULLAGBLOCK || v >= g->agblocks)
			return false;
		ag = daddr / g->bpb / g->agblocks;
		agbno = v;
	}
	*out = (ag * g->agblocks + agbno) * g->bpb;
	return true;
}

/* The last entry of left against the first of right, its right sibling of the same
 * tree and level: the order across blocks that no one block shows. */
static bool siblings_ordered(const struct bt *t, const uint8_t *left, const uint8_t *right, const struct geo *g)
{
	uint32_t level = (uint32_t)left[4] << 8 | left[5], n = (uint32_t)left[6] << 8 | left[7];
	uint32_t m = (uint32_t)right[6] << 8 | right[7];
	size_t len = level ? t->keylen : t->reclen, hl = hdr_len(t);
	uint8_t pair[2 * 40];

	if (be32(right) != t->magic || ((uint32_t)right[4] << 8 | right[5]) != level || !n || !m ||
	    (uint64_t)n * len > g->bs - hl || len > 40)
		return true;
	memcpy(pair, left + hl + (size_t)(n - 1) * len, len);
	memcpy(pair + len, right + hl, len);
	return order_of(t, pair + len, len, !level) < (t->ord == O_RMAP);
}

/* Each logged btree block against both its siblings (as the log left them, else as the
 * device holds them) where the two point at each other: a block the tree freed keeps its
 * old siblings, and the log's copy of it is no part of the tree the finish reads. */
static void logged_siblings(struct logged *c)
{
	size_t n = c->n; /* the siblings read below are not checked themselves */

	for (size_t i = 0; i < n; i++) {
		const struct bt *t = bt_of(c->b[i], &c->g);
		uint64_t d, back;
		uint8_t *sb;
		if (!t)
			continue;
		if (!block_ordered(t, c->b[i], &c->g))
			disorder[t - bts] = true;
		for (int right = 0; right < 2; right++)
			if (sib_daddr(t, c->b[i], c->daddr[i], right, &c->g, &d) && (sb = logged_block(c, d)) &&
			    sib_daddr(t, sb, d, !right, &c->g, &back) && back == c->daddr[i] &&
			    !siblings_ordered(t, right ? c->b[i] : sb, right ? sb : c->b[i], &c->g))
				disorder[t - bts] = true;
	}
}

static void logged_disorder(struct xrun *r)
{
	struct logged *c = calloc(1, sizeof *c);

	if (!c)
		return;
	c->r = r;
	geo_of(&c->g, r->in.img);
	if (geo_sane(&c->g)) {
		(void)xlog_walk(r->log, logged_trans, c, NULL);
		logged_siblings(c);
	}
	for (size_t i = 0; i < c->n; i++)
		free(c->b[i]);
	free(c);
}

/* Every btree block among the plan's writes that the finish stamped (v5). */
static unsigned check_fin_blocks(const struct xrun *r, const struct xlog_plan *plan)
{
	unsigned checked = 0;
	struct geo g;
	uint64_t lo = XLOG_LSN(r->log->ends.head_cycle, r->log->ends.head_blk), hi = r->log->fin_max_lsn;
	uint8_t *b;

	geo_of(&g, r->in.img);
	if (!g.v5 || !hi || !geo_sane(&g) || !(b = malloc(g.bs)))
		return 0;
	for (size_t i = 0; i < plan->nwrites; i++) {
		const struct xlog_write *w = &plan->writes[i];
		for (uint64_t s = w->off / 512; s + g.bpb <= (w->off + w->len) / 512; s++) {
			const struct bt *t;
			uint64_t lsn;
			if (s % g.bpb)
				continue;
			for (uint32_t k = 0; k < g.bpb; k++)
				memcpy(b + k * 512, xlog_ovl_sector(&plan->ovl, s + k), 512);
			if (!(t = bt_of(b, &g)))
				continue;
			lsn = lsn_of(t, b);
			if (lsn >= lo && lsn <= hi) {
				check_block(t, b, s, &g, !disorder[t - bts]);
				checked++;
			}
		}
	}
	free(b);
	return checked;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xrun r;
	struct xlog_plan *plan = NULL;

	if (!xrun_open(&r, data, size, fix) && (logged_disorder(&r), !xlog_plan_build(&plan, r.log))) {
		check_plan(plan, r.dev.size);
		unsigned n = check_fin_blocks(&r, plan);
		if (getenv("FUZZ_XFIN_PRINT")) {
			printf("finished %s, %u btree blocks written, %zu left pending",
			       r.log->fin_max_lsn ? "yes" : "no", n, plan->npending);
			const char *sep = ", came in unordered:"; /* the trees whose order goes unchecked */
			for (size_t i = 0; i < NBT; i++)
				if (disorder[i]) {
					printf("%s %c%c%c%c", sep, bts[i].magic >> 24, bts[i].magic >> 16 & 0xff,
					       bts[i].magic >> 8 & 0xff, bts[i].magic & 0xff);
					sep = "";
				}
			printf("\n");
		}
		xlog_plan_free(plan);
	}
	xrun_close(&r);
	return 0;
}
