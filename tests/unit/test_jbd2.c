/*
 * jbd2 scan, recovery plan and overlay on in-memory journals built here:
 * journal block i lives at byte i * bs of one buffer (an identity table),
 * opened through the internal jbd2_journal_open_runs() entry point.
 */
#include "fixture.h"

#include "config.h"
#include "core/cursor.h"
#include "jbd2/jbd2.h"

#define BS 1024u

struct jb {
	uint8_t *img;
	uint32_t nblocks, first, pos;
	uint32_t compat, incompat;
	int csum;           /* 0, 2 or 3 */
	uint32_t seed;
	uint8_t uuid[16];
};

static uint32_t jb_tag_bytes(const struct jb *b)
{
	uint32_t sz;
	if (b->csum == 3)
		return 16;
	sz = 12 + (b->csum == 2 ? 2 : 0);
	return (b->incompat & JBD2_FEATURE_INCOMPAT_64BIT) ? sz : sz - 4;
}

static uint8_t *blk(struct jb *b, uint32_t n)
{
	return b->img + (size_t)n * BS;
}

static uint32_t jb_next(struct jb *b)
{
	uint32_t n = b->pos++;
	if (b->pos >= b->nblocks)
		b->pos = b->first;
	return n;
}

static void jb_init(struct jb *b, uint32_t nblocks, int csum, int is64, uint32_t seq, uint32_t start)
{
	uint8_t *sb;

	memset(b, 0, sizeof(*b));
	b->img = calloc(nblocks, BS);
	b->nblocks = nblocks;
	b->first = 1;
	b->pos = start;
	b->csum = csum;
	b->incompat = JBD2_FEATURE_INCOMPAT_REVOKE | (is64 ? JBD2_FEATURE_INCOMPAT_64BIT : 0) |
		      (csum == 3 ? JBD2_FEATURE_INCOMPAT_CSUM_V3 : 0) |
		      (csum == 2 ? JBD2_FEATURE_INCOMPAT_CSUM_V2 : 0);
	for (int i = 0; i < 16; i++)
		b->uuid[i] = (uint8_t)(0xA0 + i);
	b->seed = fsimg_crc32c(~0u, b->uuid, 16);
	sb = blk(b, 0);
	put_be32(sb + 0, JBD2_MAGIC_NUMBER);
	put_be32(sb + 4, JBD2_SUPERBLOCK_V2);
	put_be32(sb + 0x0C, BS);
	put_be32(sb + 0x10, nblocks);
	put_be32(sb + 0x14, 1);
	put_be32(sb + 0x18, seq);
	put_be32(sb + 0x1C, start);
	put_be32(sb + 0x28, b->incompat);
	memcpy(sb + 0x30, b->uuid, 16);
	put_be32(sb + 0x40, 1);
	if (csum >= 2)
		sb[0x50] = JBD2_CRC32C_CHKSUM;
	put_be32(sb + 0xFC, jbd2_super_csum(sb));
}

static void jb_tail(struct jb *b, uint8_t *p)
{
	if (b->csum >= 2) {
		put_be32(p + BS - 4, 0);
		put_be32(p + BS - 4, fsimg_crc32c(b->seed, p, BS));
	}
}

static void header(uint8_t *p, uint32_t type, uint32_t seq)
{
	put_be32(p, JBD2_MAGIC_NUMBER);
	put_be32(p + 4, type);
	put_be32(p + 8, seq);
}

/* The content a test expects for fs block fsblk logged in transaction seq. */
static void fill(uint8_t *p, uint64_t fsblk, uint32_t seq)
{
	memset(p, (int)((fsblk * 7 + seq) & 0xff), BS);
}

/*
 * A descriptor with n tags and its data blocks. uuid_mask: tags (bit i)
 * written without SAME_UUID (a 16-byte UUID follows). data: the real
 * contents, or NULL for fill(); the logged copy is escaped when it starts
 * with the magic. Returns the descriptor's journal block.
 */
static uint32_t jb_desc(struct jb *b, uint32_t seq, unsigned n, const uint64_t *fsblk,
			unsigned uuid_mask, uint8_t (*data)[BS], bool last_tag)
{
	uint32_t d = jb_next(b);
	uint8_t *p = blk(b, d);
	size_t off = 12, tb = jb_tag_bytes(b);

	memset(p, 0, BS);
	header(p, JBD2_DESCRIPTOR_BLOCK, seq);
	for (unsigned i = 0; i < n; i++) {
		uint32_t dblk = jb_next(b);
		uint8_t *q = blk(b, dblk);
		uint16_t flags = 0;
		uint8_t seqbe[4];
		uint32_t crc;

		if (data)
			memcpy(q, data[i], BS);
		else
			fill(q, fsblk[i], seq);
		if (q[0] == 0xC0 && q[1] == 0x3B && q[2] == 0x39 && q[3] == 0x98) {
			memset(q, 0, 4);
			flags |= JBD2_FLAG_ESCAPE;
		}
		if (i >= 32 || !(uuid_mask & (1u << i)))
			flags |= JBD2_FLAG_SAME_UUID;
		if (last_tag && i == n - 1)
			flags |= JBD2_FLAG_LAST_TAG;
		put_be32(seqbe, seq);
		crc = fsimg_crc32c(fsimg_crc32c(b->seed, seqbe, 4), q, BS);
		put_be32(p + off, (uint32_t)fsblk[i]);
		if (b->csum == 3) {
			put_be32(p + off + 4, flags);
			put_be32(p + off + 8, (uint32_t)(fsblk[i] >> 32));
			put_be32(p + off + 12, crc);
		} else {
			p[off + 4] = (uint8_t)(crc >> 8);
			p[off + 5] = (uint8_t)crc;
			p[off + 6] = (uint8_t)(flags >> 8);
			p[off + 7] = (uint8_t)flags;
			if (b->incompat & JBD2_FEATURE_INCOMPAT_64BIT)
				put_be32(p + off + 8, (uint32_t)(fsblk[i] >> 32));
		}
		off += tb;
		if (!(flags & JBD2_FLAG_SAME_UUID)) {
			memcpy(p + off, b->uuid, 16);
			off += 16;
		}
	}
	jb_tail(b, p);
	return d;
}

static void jb_revoke(struct jb *b, uint32_t seq, unsigned n, const uint64_t *fsblk, int32_t rcount)
{
	uint8_t *p = blk(b, jb_next(b));
	size_t rec = (b->incompat & JBD2_FEATURE_INCOMPAT_64BIT) ? 8 : 4, off = 16;

	memset(p, 0, BS);
	header(p, JBD2_REVOKE_BLOCK, seq);
	for (unsigned i = 0; i < n; i++, off += rec) {
		if (rec == 8) {
			put_be32(p + off, (uint32_t)(fsblk[i] >> 32));
			put_be32(p + off + 4, (uint32_t)fsblk[i]);
		} else {
			put_be32(p + off, (uint32_t)fsblk[i]);
		}
	}
	put_be32(p + 12, rcount >= 0 ? (uint32_t)rcount : (uint32_t)off);
	jb_tail(b, p);
}

static void jb_commit(struct jb *b, uint32_t seq, uint64_t sec)
{
	uint8_t *p = blk(b, jb_next(b));

	memset(p, 0, BS);
	header(p, JBD2_COMMIT_BLOCK, seq);
	put_be32(p + 48, (uint32_t)(sec >> 32));
	put_be32(p + 52, (uint32_t)sec);
	if (b->csum >= 2) {
		p[12] = JBD2_CRC32C_CHKSUM;
		p[13] = 4;
		put_be32(p + 16, fsimg_crc32c(b->seed, p, BS));
	}
}

struct ctx {
	fsimg_io *io;
	struct fsimg_journal *j;
	fsimg_plan *plan;
};

static void open_plan(struct ctx *c, struct jb *b)
{
	struct jbd2_run run = { 0, b->nblocks, 0 };
	char why[256];

	assert_int_equal(fsimg_io_open_mem(&c->io, b->img, (size_t)b->nblocks * BS), 0);
	assert_int_equal(jbd2_journal_open_runs(&c->j, c->io, BS, &run, 1, b->nblocks, 0, false,
						why, sizeof(why)), 0);
	assert_int_equal(fsimg_plan_create(&c->plan, c->j, 0), 0);
}

static void close_plan(struct ctx *c, struct jb *b)
{
	fsimg_plan_free(c->plan);
	fsimg_journal_close(c->j);
	fsimg_io_close(c->io);
	free(b->img);
}

/* The plan maps fsblk to the copy logged in seq, with these contents. */
static void expect_block(struct ctx *c, uint64_t fsblk, uint32_t seq)
{
	struct fsimg_plan_entry e;
	uint8_t got[BS], want[BS];
	size_t i;

	assert_int_equal(fsimg_plan_lookup(&e, c->plan, fsblk), 1);
	assert_int_equal(e.sequence, seq);
	for (i = 0; i < fsimg_plan_count(c->plan); i++) {
		struct fsimg_plan_entry x;
		fsimg_plan_entry(&x, c->plan, i);
		if (x.fs_block == fsblk)
			break;
	}
	assert_int_equal(fsimg_plan_read_entry(got, sizeof(got), c->plan, i), 0);
	fill(want, fsblk, seq);
	assert_memory_equal(got, want, BS);
}

static void expect_absent(struct ctx *c, uint64_t fsblk)
{
	assert_int_equal(fsimg_plan_lookup(NULL, c->plan, fsblk), 0);
}

static void one_tag_size(int csum, int is64, int want_bytes)
{
	struct jb b;
	struct ctx c;
	struct fsimg_jblock jb;
	uint64_t blocks[3] = { 10, 20, is64 ? 0x100000005ull : 30 };

	jb_init(&b, 64, csum, is64, 5, 1);
	jb_desc(&b, 5, 3, blocks, 1u, NULL, true);
	jb_commit(&b, 5, 100);
	open_plan(&c, &b);
	assert_int_equal(fsimg_journal_super(c.j)->tag_bytes, want_bytes);
	assert_int_equal(fsimg_journal_trans_count(c.j), 1);
	assert_int_equal(fsimg_journal_trans_block(&jb, c.j, 0, 2), 0);
	assert_true(jb.fs_block == blocks[2]);
	assert_int_equal(jb.csum, csum >= 2 ? FSIMG_CSUM_OK : FSIMG_CSUM_NONE);
	for (int i = 0; i < 3; i++)
		expect_block(&c, blocks[i], 5);
	assert_int_equal(fsimg_plan_count(c.plan), 3);
	close_plan(&c, &b);
}

static void test_tag_sizes(void **state)
{
	(void)state;
	one_tag_size(0, 0, 8);
	one_tag_size(2, 0, 10);
	one_tag_size(0, 1, 12);
	one_tag_size(2, 1, 14);
	one_tag_size(3, 1, 16);
	one_tag_size(3, 0, 16);
}

static void test_uuid_follows(void **state)
{
	struct jb b;
	struct ctx c;
	uint64_t blocks[5] = { 1, 2, 3, 4, 5 };

	(void)state;
	for (int csum = 0; csum <= 3; csum += (csum ? 1 : 2)) {
		/* UUIDs after tags 0, 2 and 3; SAME_UUID on the others. */
		jb_init(&b, 64, csum, 1, 1, 1);
		jb_desc(&b, 1, 5, blocks, 0x0Du, NULL, true);
		jb_commit(&b, 1, 100);
		open_plan(&c, &b);
		assert_int_equal(fsimg_plan_count(c.plan), 5);
		for (int i = 0; i < 5; i++)
			expect_block(&c, blocks[i], 1);
		close_plan(&c, &b);
	}
}

static void test_last_tag(void **state)
{
	struct jb b;
	struct ctx c;
	uint64_t blocks[2] = { 7, 8 };
	uint32_t d;

	(void)state;
	jb_init(&b, 64, 0, 0, 1, 1);
	d = jb_desc(&b, 1, 2, blocks, 0, NULL, true);
	/* Garbage after the last tag must not be read as more tags. */
	memset(blk(&b, d) + 12 + 2 * 8, 0x55, 64);
	jb_commit(&b, 1, 100);
	open_plan(&c, &b);
	assert_int_equal(fsimg_plan_count(c.plan), 2);
	assert_int_equal(fsimg_journal_trans_count(c.j), 1);
	close_plan(&c, &b);
}

static void test_escape(void **state)
{
	struct jb b;
	struct ctx c;
	uint64_t blocks[1] = { 9 };
	uint8_t data[1][BS], got[BS];
	struct fsimg_plan_entry e;
	fsimg_io *ov;

	(void)state;
	memset(data[0], 0x11, BS);
	put_be32(data[0], JBD2_MAGIC_NUMBER);
	jb_init(&b, 64, 3, 1, 1, 1);
	jb_desc(&b, 1, 1, blocks, 1, data, true);
	jb_commit(&b, 1, 100);
	open_plan(&c, &b);
	assert_int_equal(fsimg_plan_lookup(&e, c.plan, 9), 1);
	assert_true(e.escaped);
	assert_int_equal(fsimg_plan_read_entry(got, BS, c.plan, 0), 0);
	assert_memory_equal(got, data[0], BS);
	/* Through the overlay, over a zeroed "filesystem", at an odd offset and length. */
	{
		uint8_t *fsimg = calloc(32, BS);
		fsimg_io *base;
		uint8_t buf[BS + 10];
		assert_int_equal(fsimg_io_open_mem(&base, fsimg, 32 * BS), 0);
		assert_int_equal(fsimg_io_open_overlay(&ov, base, c.plan, 0), 0);
		assert_int_equal(fsimg_io_read(ov, buf, sizeof(buf), 9 * BS - 5), 0);
		for (int i = 0; i < 5; i++)
			assert_int_equal(buf[i], 0);
		assert_memory_equal(buf + 5, data[0], BS);
		for (int i = 0; i < 5; i++)
			assert_int_equal(buf[5 + BS + i], 0);
		fsimg_io_close(ov);
		fsimg_io_close(base);
		free(fsimg);
	}
	close_plan(&c, &b);
}

static void test_revoke(void **state)
{
	struct jb b;
	struct ctx c;
	uint64_t t1[2] = { 100, 101 }, t2[1] = { 100 }, r2[3] = { 100, 101, 102 }, t3[2] = { 100, 102 };
	struct fsimg_plan_stats st;

	(void)state;
	jb_init(&b, 64, 3, 1, 1, 1);
	jb_desc(&b, 1, 2, t1, 1, NULL, true);
	jb_commit(&b, 1, 100);
	jb_desc(&b, 2, 1, t2, 1, NULL, true);
	jb_revoke(&b, 2, 3, r2, -1);
	jb_commit(&b, 2, 101);
	jb_desc(&b, 3, 2, t3, 1, NULL, true);
	jb_commit(&b, 3, 102);
	open_plan(&c, &b);
	/* Revoked in 2: copies in 1 and 2 suppressed, the one in 3 replayed. */
	expect_block(&c, 100, 3);
	expect_block(&c, 102, 3);
	expect_absent(&c, 101);
	fsimg_plan_stats(&st, c.plan);
	assert_int_equal(st.revoked, 3);
	assert_int_equal(st.transactions, 3);
	assert_int_equal(st.new_sequence, 5);
	close_plan(&c, &b);
}

static void test_tid_wrap(void **state)
{
	struct jb b;
	struct ctx c;
	uint64_t a[1] = { 50 }, r[2] = { 50, 51 }, z[1] = { 51 };
	struct fsimg_plan_stats st;

	(void)state;
	jb_init(&b, 64, 2, 0, 0xFFFFFFFEu, 1);
	jb_desc(&b, 0xFFFFFFFEu, 1, a, 1, NULL, true);
	jb_commit(&b, 0xFFFFFFFEu, 100);
	jb_revoke(&b, 0xFFFFFFFFu, 2, r, -1);
	jb_commit(&b, 0xFFFFFFFFu, 101);
	jb_desc(&b, 0, 1, z, 1, NULL, true);
	jb_commit(&b, 0, 102);
	open_plan(&c, &b);
	expect_absent(&c, 50);  /* logged in ...FE, revoked in ...FF */
	expect_block(&c, 51, 0); /* logged in 0, after the revoke in ...FF */
	fsimg_plan_stats(&st, c.plan);
	assert_int_equal(st.transactions, 3);
	assert_int_equal(st.new_sequence, 2);
	close_plan(&c, &b);
}

static void test_uncommitted_tail(void **state)
{
	struct jb b;
	struct ctx c;
	uint64_t a[1] = { 60 }, t[2] = { 61, 60 };
	struct fsimg_jtrans tr;
	struct fsimg_journal_scan_info info;

	(void)state;
	jb_init(&b, 64, 0, 1, 7, 1);
	jb_desc(&b, 7, 1, a, 1, NULL, true);
	jb_commit(&b, 7, 100);
	jb_desc(&b, 8, 2, t, 1, NULL, true);
	open_plan(&c, &b);
	expect_block(&c, 60, 7);
	expect_absent(&c, 61);
	assert_int_equal(fsimg_journal_trans_count(c.j), 2);
	fsimg_journal_trans(&tr, c.j, 1);
	assert_int_equal(tr.state, FSIMG_JTRANS_UNCOMMITTED);
	fsimg_journal_scan_info(&info, c.j);
	assert_int_equal(info.end_sequence, 8);
	assert_int_equal(info.end, FSIMG_JEND_BAD_MAGIC);
	close_plan(&c, &b);
}

static void test_bad_data_csum(void **state)
{
	struct jb b;
	struct ctx c;
	uint64_t a[3] = { 70, 71, 72 }, a2[1] = { 71 };
	uint32_t d;
	struct fsimg_plan_stats st;

	(void)state;
	jb_init(&b, 64, 3, 1, 1, 1);
	jb_desc(&b, 1, 1, a2, 1, NULL, true);
	jb_commit(&b, 1, 100);
	d = jb_desc(&b, 2, 3, a, 1, NULL, true);
	jb_commit(&b, 2, 101);
	blk(&b, d + 2)[100] ^= 1; /* the copy of 71 in transaction 2 */
	open_plan(&c, &b);
	expect_block(&c, 70, 2);
	expect_block(&c, 71, 1); /* the older good copy stays */
	expect_block(&c, 72, 2);
	fsimg_plan_stats(&st, c.plan);
	assert_int_equal(st.csum_skipped, 1);
	assert_true(st.recovery_error);
	close_plan(&c, &b);
}

/*
 * A data block that cannot be read (here past the end of a short source)
 * ends the scan at that block, the tags before it and itself kept. With
 * csum v2/v3 the scan checks data blocks after the walk and, when one
 * cannot be read, walks again checking as it goes: the result must be that
 * of the eager walk.
 */
static void test_unreadable_data_block(void **state)
{
	uint64_t a[2] = { 40, 41 }, a2[3] = { 50, 51, 52 };

	(void)state;
	for (int csum = 2; csum <= 3; csum++) {
		struct jb b;
		struct ctx c;
		struct jbd2_run run;
		struct fsimg_journal_scan_info si;
		struct fsimg_jtrans t;
		char why[256];
		uint32_t d;

		jb_init(&b, 64, csum, 1, 1, 1);
		jb_desc(&b, 1, 2, a, 1, NULL, true);
		jb_commit(&b, 1, 100);
		d = jb_desc(&b, 2, 3, a2, 1, NULL, true);
		jb_commit(&b, 2, 101);
		run = (struct jbd2_run){ 0, b.nblocks, 0 };
		/* The source ends before the copy of 51 (journal block d + 2). */
		assert_int_equal(fsimg_io_open_mem(&c.io, b.img, (size_t)(d + 2) * BS), 0);
		assert_int_equal(jbd2_journal_open_runs(&c.j, c.io, BS, &run, 1, b.nblocks, 0, false,
							why, sizeof(why)), 0);
		assert_int_equal(fsimg_plan_create(&c.plan, c.j, 0), 0);
		assert_int_equal(fsimg_journal_scan_info(&si, c.j), 0);
		assert_int_equal(si.end, FSIMG_JEND_ERROR);
		assert_int_equal(si.kernel_error, FSIMG_EIO);
		assert_int_equal(si.transactions, 2);
		assert_int_equal(si.blocks, 4); /* 40, 41, then 50 and the unreadable 51 */
		assert_int_equal(fsimg_journal_trans(&t, c.j, 1), 0);
		assert_int_equal(t.nblocks, 2);
		assert_int_equal(t.state, FSIMG_JTRANS_UNCOMMITTED);
		close_plan(&c, &b);
	}
}

static void test_rcount_bounded(void **state)
{
	struct jb b;
	struct ctx c;
	uint64_t a[1] = { 80 }, r[1] = { 80 };
	struct fsimg_plan_stats st;

	(void)state;
	jb_init(&b, 64, 0, 0, 1, 1);
	jb_desc(&b, 1, 1, a, 1, NULL, true);
	jb_revoke(&b, 1, 1, r, 0x7FFFFFF0);
	jb_commit(&b, 1, 100);
	open_plan(&c, &b);
	fsimg_plan_stats(&st, c.plan);
	assert_int_equal(st.kernel_error, FSIMG_ECORRUPT);
	assert_int_equal(fsimg_plan_count(c.plan), 0);
	close_plan(&c, &b);
}

static void test_descriptor_overfull(void **state)
{
	struct jb b;
	struct ctx c;
	uint64_t blocks[200];
	struct fsimg_jtrans tr;

	(void)state;
	for (int i = 0; i < 200; i++)
		blocks[i] = 1000 + (uint64_t)i;
	/* 8-byte tags, none LAST: the loop must stop at the block's end, (1024 - 12) / 8 tags. */
	jb_init(&b, 512, 0, 0, 1, 1);
	jb_desc(&b, 1, 126, blocks, 0, NULL, false);
	jb_commit(&b, 1, 100);
	open_plan(&c, &b);
	fsimg_journal_trans(&tr, c.j, 0);
	assert_int_equal(tr.nblocks, 126);
	assert_int_equal(fsimg_plan_count(c.plan), 126);
	close_plan(&c, &b);

	/* csum v3: the tail is not a tag: (1024 - 12 - 4) / 16 = 63. */
	jb_init(&b, 512, 3, 1, 1, 1);
	jb_desc(&b, 1, 63, blocks, 0, NULL, false);
	jb_commit(&b, 1, 100);
	open_plan(&c, &b);
	fsimg_journal_trans(&tr, c.j, 0);
	assert_int_equal(tr.nblocks, 63);
	assert_int_equal(fsimg_plan_count(c.plan), 63);
	close_plan(&c, &b);

	/* More tags than the whole log holds: the walk ends at its bound. */
	jb_init(&b, 64, 0, 0, 1, 1);
	jb_desc(&b, 1, 126 > 63 ? 62 : 62, blocks, 0, NULL, false);
	{
		/* make the descriptor claim 126 tags: fill the rest of it */
		uint8_t *p = blk(&b, 1);
		for (size_t off = 12 + 62 * 8; off + 8 <= BS; off += 8) {
			put_be32(p + off, 2000);
			p[off + 7] = JBD2_FLAG_SAME_UUID;
		}
	}
	open_plan(&c, &b);
	{
		struct fsimg_journal_scan_info info;
		fsimg_journal_scan_info(&info, c.j);
		assert_int_equal(info.end, FSIMG_JEND_WRAPPED);
		assert_int_equal(fsimg_plan_count(c.plan), 0);
	}
	close_plan(&c, &b);
}

static void test_log_wraps(void **state)
{
	struct jb b;
	struct ctx c;
	uint64_t a[4] = { 90, 91, 92, 93 }, z[1] = { 94 };
	struct fsimg_jblock jb;

	(void)state;
	jb_init(&b, 64, 3, 1, 40, 60);
	jb_desc(&b, 40, 4, a, 1, NULL, true); /* 60, data 61..63, 1 */
	jb_commit(&b, 40, 100);               /* 2 */
	jb_desc(&b, 41, 1, z, 1, NULL, true);
	jb_commit(&b, 41, 101);
	open_plan(&c, &b);
	for (int i = 0; i < 4; i++)
		expect_block(&c, a[i], 40);
	expect_block(&c, 94, 41);
	fsimg_journal_trans_block(&jb, c.j, 0, 3);
	assert_int_equal(jb.journal_block, 1);
	close_plan(&c, &b);
}

static void test_stale_sequence(void **state)
{
	struct jb b;
	struct ctx c;
	uint64_t a[1] = { 5 };
	struct fsimg_journal_scan_info info;

	(void)state;
	/* An old transaction left after the live one ends the log. */
	jb_init(&b, 64, 0, 0, 10, 1);
	jb_desc(&b, 10, 1, a, 1, NULL, true);
	jb_commit(&b, 10, 100);
	jb_desc(&b, 3, 1, a, 1, NULL, true);
	jb_commit(&b, 3, 50);
	open_plan(&c, &b);
	fsimg_journal_scan_info(&info, c.j);
	assert_int_equal(info.end, FSIMG_JEND_SEQUENCE);
	assert_int_equal(fsimg_journal_trans_count(c.j), 1);
	expect_block(&c, 5, 10);
	close_plan(&c, &b);
}

/* Copies of one block: the last in log order wins, however the log orders blocks. */
static void test_last_copy_wins(void **state)
{
	struct jb b;
	struct ctx c;
	uint64_t t1[4] = { 0x100000005ull, 300, 7, 300 }, t2[3] = { 7, 0x100000005ull, 2 };
	uint64_t t3[2] = { 0x200000001ull, 1 };
	struct fsimg_plan_entry e, prev;
	uint32_t d1;

	(void)state;
	jb_init(&b, 64, 3, 1, 1, 1);
	d1 = jb_desc(&b, 1, 4, t1, 1, NULL, true);
	jb_commit(&b, 1, 100);
	jb_desc(&b, 2, 3, t2, 1, NULL, true);
	jb_commit(&b, 2, 101);
	jb_desc(&b, 3, 2, t3, 1, NULL, true);
	jb_commit(&b, 3, 102);
	open_plan(&c, &b);
	expect_block(&c, 0x100000005ull, 2);
	expect_block(&c, 7, 2);
	expect_block(&c, 2, 2);
	expect_block(&c, 1, 3);
	expect_block(&c, 0x200000001ull, 3);
	/* Logged twice in one transaction: the second copy. */
	assert_int_equal(fsimg_plan_lookup(&e, c.plan, 300), 1);
	assert_int_equal(e.journal_block, d1 + 4);
	assert_int_equal(fsimg_plan_count(c.plan), 6);
	for (size_t i = 0; i < fsimg_plan_count(c.plan); i++) {
		assert_int_equal(fsimg_plan_entry(&e, c.plan, i), 0);
		if (i)
			assert_true(prev.fs_block < e.fs_block);
		prev = e;
	}
	close_plan(&c, &b);
}

/*
 * Overlay reads of any offset and length equal the plan's blocks one by one:
 * runs of planned blocks read at once, pieces of blocks, an escaped block
 * cut inside its magic, a run broken by a copy from a later transaction.
 */
static void test_overlay_reads(void **state)
{
	struct jb b;
	struct ctx c;
	uint64_t t1[5] = { 4, 5, 6, 7, 8 }, t2[1] = { 5 };
	uint8_t data[5][BS], *img, *want, *got;
	size_t size = 16 * BS;
	static const size_t cuts[][2] = {
		{ 0, 16 * BS }, { 4 * BS, 5 * BS }, { 6 * BS, 3 * BS }, { 6 * BS + 1, 2 },
		{ 6 * BS + 2, BS }, { 6 * BS + 3, 1 }, { 5 * BS + 1000, 2 * BS }, { 3 * BS + 7, 3 * BS },
		{ 8 * BS - 1, 2 },
	};
	fsimg_io *base, *ov;

	(void)state;
	for (int i = 0; i < 5; i++)
		memset(data[i], 0x30 + i, BS);
	put_be32(data[2], JBD2_MAGIC_NUMBER); /* block 6: escaped */
	jb_init(&b, 64, 3, 1, 1, 1);
	jb_desc(&b, 1, 5, t1, 1, data, true);
	jb_commit(&b, 1, 100);
	jb_desc(&b, 2, 1, t2, 1, NULL, true);
	jb_commit(&b, 2, 101);
	open_plan(&c, &b);
	img = malloc(size);
	want = malloc(size);
	got = malloc(size);
	for (size_t i = 0; i < size; i++)
		img[i] = (uint8_t)(i * 13);
	memcpy(want, img, size);
	assert_int_equal(fsimg_io_open_mem(&base, img, size), 0);
	assert_int_equal(fsimg_io_open_overlay(&ov, base, c.plan, FSIMG_OVERLAY_BLOCKS_ONLY), 0);
	for (size_t i = 0; i < fsimg_plan_count(c.plan); i++) {
		struct fsimg_plan_entry e;
		assert_int_equal(fsimg_plan_entry(&e, c.plan, i), 0);
		assert_int_equal(fsimg_plan_read_entry(want + e.fs_block * BS, BS, c.plan, i), 0);
	}
	assert_memory_equal(want + 6 * BS, data[2], BS);
	for (size_t k = 0; k < sizeof(cuts) / sizeof(cuts[0]); k++) {
		memset(got, 0xEE, size);
		assert_int_equal(fsimg_io_read(ov, got, cuts[k][1], cuts[k][0]), 0);
		assert_memory_equal(got, want + cuts[k][0], cuts[k][1]);
	}
	fsimg_io_close(ov);
	fsimg_io_close(base);
	free(img);
	free(want);
	free(got);
	close_plan(&c, &b);
}

/*
 * A tag naming a block whose byte offset wraps 64 bits (block * block size):
 * the overlay reads the image around it as the image, and does not loop.
 */
static void test_overlay_huge_block(void **state)
{
	struct jb b;
	struct ctx c;
	uint64_t t1[2] = { 3, (1ull << 54) + 6 }; /* (2^54 + 6) * 1024 wraps to 6 * 1024 */
	size_t size = 8 * BS;
	uint8_t *img = malloc(size), *got = malloc(size), want[BS];
	fsimg_io *base, *ov;

	(void)state;
	for (size_t i = 0; i < size; i++)
		img[i] = (uint8_t)(i * 5);
	jb_init(&b, 64, 3, 1, 1, 1);
	jb_desc(&b, 1, 2, t1, 1, NULL, true);
	jb_commit(&b, 1, 100);
	open_plan(&c, &b);
	assert_int_equal(fsimg_plan_count(c.plan), 2);
	assert_int_equal(fsimg_io_open_mem(&base, img, size), 0);
	assert_int_equal(fsimg_io_open_overlay(&ov, base, c.plan, FSIMG_OVERLAY_BLOCKS_ONLY), 0);
	assert_int_equal(fsimg_io_read(ov, got, size, 0), 0);
	fill(want, 3, 1);
	assert_memory_equal(got, img, 3 * BS);
	assert_memory_equal(got + 3 * BS, want, BS);
	assert_memory_equal(got + 4 * BS, img + 4 * BS, size - 4 * BS);
	fsimg_io_close(ov);
	fsimg_io_close(base);
	free(img);
	free(got);
	close_plan(&c, &b);
}

/* Runs that overlap or come out of order are a corrupt mapping, said as such. */
static void test_runs_overlap(void **state)
{
	struct jb b;
	struct jbd2_run over[2] = { { 0, 40, 0 }, { 30, 34, 30 } };
	struct jbd2_run unsorted[2] = { { 32, 32, 32 }, { 0, 32, 0 } };
	struct fsimg_journal *j;
	fsimg_io *io;
	char why[256];

	(void)state;
	jb_init(&b, 64, 0, 0, 1, 0);
	assert_int_equal(fsimg_io_open_mem(&io, b.img, (size_t)b.nblocks * BS), 0);
	assert_int_equal(jbd2_journal_open_runs(&j, io, BS, over, 2, 64, 0, false, why, sizeof(why)),
			 FSIMG_ECORRUPT);
	assert_non_null(strstr(why, "overlap or are unsorted"));
	assert_int_equal(jbd2_journal_open_runs(&j, io, BS, unsorted, 2, 64, 0, false, why, sizeof(why)),
			 FSIMG_ECORRUPT);
	assert_non_null(strstr(why, "journal blocks 0-31"));
	fsimg_io_close(io);
	free(b.img);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tag_sizes),
		cmocka_unit_test(test_uuid_follows),
		cmocka_unit_test(test_last_tag),
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_revoke),
		cmocka_unit_test(test_tid_wrap),
		cmocka_unit_test(test_uncommitted_tail),
		cmocka_unit_test(test_bad_data_csum),
		cmocka_unit_test(test_unreadable_data_block),
		cmocka_unit_test(test_rcount_bounded),
		cmocka_unit_test(test_descriptor_overfull),
		cmocka_unit_test(test_log_wraps),
		cmocka_unit_test(test_stale_sequence),
		cmocka_unit_test(test_last_copy_wins),
		cmocka_unit_test(test_overlay_reads),
		cmocka_unit_test(test_overlay_huge_block),
		cmocka_unit_test(test_runs_overlap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
