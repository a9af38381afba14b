/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The jbd2 journal: open (internal through the journal inode's mapping, or
 * an external journal device), the journal superblock, and the scan pass of
 * recovery (kernel fs/jbd2/recovery.c do_one_pass(PASS_SCAN)), which here
 * also records every transaction, tag and revoke record so that listing
 * and planning work from one walk. Nothing is replayed here: see
 * recovery.c for the revoke and replay passes.
 */
#include "config.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/cursor.h"
#include "core/io.h"
#include "ext4/ext4.h"
#include "jbd2/jbd2.h"

int jbd2_error(struct fsimg_journal *j, int err, const char *fmt, ...)
{
	va_list ap;

	if (j) {
		va_start(ap, fmt);
		vsnprintf(j->errmsg, sizeof(j->errmsg), fmt, ap);
		va_end(ap);
	}
	return err;
}

/* ---------------------------------------------------------------- names */

static const char *const jcompat_names[32] = {
	[0] = "journal_checksum",
};
static const char *const jincompat_names[32] = {
	[0] = "journal_incompat_revoke",
	[1] = "journal_64bit",
	[2] = "journal_async_commit",
	[3] = "journal_checksum_v2",
	[4] = "journal_checksum_v3",
	[5] = "journal_fast_commit",
};

const char *fsimg_journal_feature_name(int kind, unsigned bit)
{
	if (bit >= 32)
		return NULL;
	switch (kind) {
	case FSIMG_FEATURE_COMPAT:
		return jcompat_names[bit];
	case FSIMG_FEATURE_INCOMPAT:
		return jincompat_names[bit];
	default:
		return NULL;
	}
}

static const char *fc_tag_name(uint16_t tag)
{
	static const char *const names[] = {
		[EXT4_FC_TAG_ADD_RANGE] = "add_range", [EXT4_FC_TAG_DEL_RANGE] = "del_range",
		[EXT4_FC_TAG_CREAT] = "create",        [EXT4_FC_TAG_LINK] = "link",
		[EXT4_FC_TAG_UNLINK] = "unlink",       [EXT4_FC_TAG_INODE] = "inode",
		[EXT4_FC_TAG_PAD] = "pad",             [EXT4_FC_TAG_TAIL] = "tail",
		[EXT4_FC_TAG_HEAD] = "head",
	};
	if (tag < sizeof(names) / sizeof(names[0]) && names[tag])
		return names[tag];
	return "unknown";
}

/* ------------------------------------------------------------- checksums */

/*
 * The v1 transaction checksum (COMPAT_CHECKSUM) is the kernel's crc32_be:
 * MSB first, polynomial 0x04c11db7, no reflection, no final xor. Only old
 * journals and the journal_checksum mount option without metadata_csum use
 * it, so a bitwise loop is enough.
 */
static uint32_t crc32_be(uint32_t crc, const uint8_t *p, size_t len)
{
	while (len--) {
		crc ^= (uint32_t)*p++ << 24;
		for (int i = 0; i < 8; i++)
			crc = (crc << 1) ^ ((crc & 0x80000000u) ? 0x04c11db7u : 0);
	}
	return crc;
}

uint32_t jbd2_super_csum(const uint8_t *raw)
{
	static const uint8_t zero[4];
	uint32_t crc;
	size_t off = offsetof(struct jbd2_dsuper, s_checksum);

	crc = fsimg_crc32c(~0u, raw, off);
	crc = fsimg_crc32c(crc, zero, sizeof(zero));
	return fsimg_crc32c(crc, raw + off + 4, JBD2_SUPER_SIZE - off - 4);
}

/* crc32c(seed, block) with the 4 bytes at zero_off taken as zeros. */
static uint32_t csum_block_zeroed(uint32_t seed, const uint8_t *buf, size_t len, size_t zero_off)
{
	static const uint8_t zero[4];
	uint32_t crc = fsimg_crc32c(seed, buf, zero_off);
	crc = fsimg_crc32c(crc, zero, sizeof(zero));
	return fsimg_crc32c(crc, buf + zero_off + 4, len - zero_off - 4);
}

static bool has_csum_v2or3(const struct fsimg_journal *j)
{
	return j->sb.csum_version >= 2;
}

/* The tail of descriptor and revoke blocks (csum v2/v3). */
static bool desc_csum_ok(const struct fsimg_journal *j, const uint8_t *buf)
{
	struct cur c = cur_init(buf, j->bs);

	if (!has_csum_v2or3(j))
		return true;
	return cur_be32(&c, j->bs - 4) == csum_block_zeroed(j->csum_seed, buf, j->bs, j->bs - 4);
}

/* ----------------------------------------------------------------- reads */

int jbd2_bmap(const struct fsimg_journal *j, uint32_t jblk, uint64_t *pblk)
{
	size_t lo = 0, hi = j->nruns;

	if (jblk >= j->sb.total_len)
		return FSIMG_ERANGE;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct jbd2_run *r = &j->runs[mid];
		if (jblk < r->jblk)
			hi = mid;
		else if (jblk - r->jblk >= r->len)
			lo = mid + 1;
		else {
			*pblk = r->pblk + (jblk - r->jblk);
			return 0;
		}
	}
	return FSIMG_ECORRUPT; /* a hole in the journal inode */
}

static int cmp_run_pblk(const void *a, const void *b)
{
	const struct jbd2_run *x = a, *y = b;
	return x->pblk < y->pblk ? -1 : x->pblk > y->pblk;
}

bool jbd2_in_journal(const struct fsimg_journal *j, uint64_t blk)
{
	size_t lo = 0, hi = j->nruns;

	if (!j->pruns)
		return false;
	/* the last run starting at or before blk */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (j->pruns[mid].pblk <= blk)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo > 0 && blk - j->pruns[lo - 1].pblk < j->pruns[lo - 1].len;
}

int jbd2_read(struct fsimg_journal *j, uint32_t jblk, void *buf)
{
	uint64_t pblk;
	int err = jbd2_bmap(j, jblk, &pblk);

	if (err == FSIMG_ERANGE)
		return jbd2_error(j, err, "journal block %u past the journal's end (%llu blocks)",
				  jblk, (unsigned long long)j->sb.total_len);
	if (err < 0)
		return jbd2_error(j, err, "journal block %u is not mapped", jblk);
	if (pblk > UINT64_MAX / j->bs ||
	    fsimg_io_read(j->io, buf, j->bs, pblk * j->bs) < 0)
		return jbd2_error(j, FSIMG_EIO, "cannot read journal block %u (block %llu)", jblk,
				  (unsigned long long)pblk);
	return 0;
}

/*
 * A log block for the scan, which reads each once, front to back: through
 * the io's uncached pread when it has one (the same bytes), so that the
 * read cache is not filled with blocks never read again (a 16 KiB chunk,
 * fresh memory, for each descriptor). Anything else goes through the io.
 */
static int read_log_block(struct fsimg_journal *j, uint32_t jblk, void *buf)
{
	uint64_t pblk, size = fsimg_io_size(j->io);

	if (jbd2_bmap(j, jblk, &pblk) == 0 && pblk < UINT64_MAX / j->bs && size >= j->bs &&
	    pblk * j->bs <= size - j->bs && fsimg_io_pread(j->io, buf, j->bs, pblk * j->bs) == 0)
		return 0;
	return jbd2_read(j, jblk, buf);
}

int fsimg_journal_read_block(fsimg_journal *j, void *buf, uint32_t jblk)
{
	if (!j || !buf)
		return FSIMG_EINVAL;
	return jbd2_read(j, jblk, buf);
}

/* ------------------------------------------------------------ superblock */

static int super_from_disk(struct fsimg_journal *j)
{
	struct fsimg_journal_super *sb = &j->sb;
	struct cur c = cur_init(j->raw_sb, sizeof(j->raw_sb));
	uint32_t magic, nfc, n;
	const char *why;

#define JSB(field) cur_be32(&c, offsetof(struct jbd2_dsuper, field))
	magic = JSB(s_header.h_magic);
	sb->blocktype = JSB(s_header.h_blocktype);
	sb->blocksize = JSB(s_blocksize);
	sb->maxlen = JSB(s_maxlen);
	sb->first = JSB(s_first);
	sb->sequence = JSB(s_sequence);
	sb->start = JSB(s_start);
	sb->errno_ = (int32_t)JSB(s_errno);
	if (magic != JBD2_MAGIC_NUMBER) {
		why = "bad magic";
		goto corrupt;
	}
	if (sb->blocktype == JBD2_SUPERBLOCK_V1) {
		sb->version = 1;
	} else if (sb->blocktype == JBD2_SUPERBLOCK_V2) {
		/* v1 superblocks carry no features: the kernel ignores these fields there. */
		sb->version = 2;
		sb->feature_compat = JSB(s_feature_compat);
		sb->feature_incompat = JSB(s_feature_incompat);
		sb->feature_ro_compat = JSB(s_feature_ro_compat);
		cur_bytes(&c, offsetof(struct jbd2_dsuper, s_uuid), sb->uuid, 16);
		sb->nr_users = JSB(s_nr_users);
		sb->dynsuper = JSB(s_dynsuper);
		sb->max_transaction = JSB(s_max_transaction);
		sb->max_trans_data = JSB(s_max_trans_data);
		sb->checksum_type = cur_u8(&c, offsetof(struct jbd2_dsuper, s_checksum_type));
		sb->num_fc_blks = JSB(s_num_fc_blks);
		sb->head = JSB(s_head);
		sb->checksum = JSB(s_checksum);
		n = sb->nr_users < JBD2_USERS_MAX ? sb->nr_users : JBD2_USERS_MAX;
		for (uint32_t i = 0; i < n; i++)
			cur_bytes(&c, offsetof(struct jbd2_dsuper, s_users) + 16 * i, sb->users[i], 16);
	} else {
		why = "unknown superblock type";
		goto corrupt;
	}
#undef JSB
	if (c.err) {
		why = "truncated";
		goto corrupt;
	}
	if (sb->blocksize != j->bs) {
		why = "block size differs from the filesystem's";
		goto corrupt;
	}
	/* Kernel journal_load_superblock: s_maxlen may not exceed the journal, and caps it. */
	if (sb->maxlen > sb->total_len) {
		why = "s_maxlen larger than the journal";
		goto corrupt;
	}
	sb->total_len = sb->maxlen;
	if (sb->first == 0 || sb->first >= sb->total_len) {
		why = "s_first outside the journal";
		goto corrupt;
	}
	if (sb->feature_incompat & ~JBD2_KNOWN_INCOMPAT_FEATURES)
		return jbd2_error(j, FSIMG_EUNSUPP, "journal superblock: unknown incompat features 0x%x",
				  sb->feature_incompat & ~JBD2_KNOWN_INCOMPAT_FEATURES);
	if (sb->feature_ro_compat & ~JBD2_KNOWN_ROCOMPAT_FEATURES)
		return jbd2_error(j, FSIMG_EUNSUPP, "journal superblock: unknown ro_compat features 0x%x",
				  sb->feature_ro_compat & ~JBD2_KNOWN_ROCOMPAT_FEATURES);
	if ((sb->feature_incompat & JBD2_FEATURE_INCOMPAT_CSUM_V2) &&
	    (sb->feature_incompat & JBD2_FEATURE_INCOMPAT_CSUM_V3)) {
		why = "both checksum v2 and v3";
		goto corrupt;
	}
	if ((sb->feature_compat & JBD2_FEATURE_COMPAT_CHECKSUM) &&
	    (sb->feature_incompat & (JBD2_FEATURE_INCOMPAT_CSUM_V2 | JBD2_FEATURE_INCOMPAT_CSUM_V3))) {
		why = "both checksum v1 and v2/v3";
		goto corrupt;
	}

	if (sb->feature_incompat & JBD2_FEATURE_INCOMPAT_CSUM_V3)
		sb->csum_version = 3;
	else if (sb->feature_incompat & JBD2_FEATURE_INCOMPAT_CSUM_V2)
		sb->csum_version = 2;
	else if (sb->feature_compat & JBD2_FEATURE_COMPAT_CHECKSUM)
		sb->csum_version = 1;
	if (sb->csum_version >= 2) {
		if (sb->checksum_type != JBD2_CRC32C_CHKSUM) {
			why = "checksum type is not crc32c";
			goto corrupt;
		}
		sb->csum_state = sb->checksum == jbd2_super_csum(j->raw_sb) ? FSIMG_CSUM_OK
									: FSIMG_CSUM_BAD;
	}
	j->csum_seed = fsimg_crc32c(~0u, sb->uuid, sizeof(sb->uuid));

	/* Kernel journal_tag_bytes(). */
	if (sb->csum_version == 3) {
		sb->tag_bytes = 16;
	} else {
		sb->tag_bytes = 12;
		if (sb->csum_version == 2)
			sb->tag_bytes += 2;
		if (!(sb->feature_incompat & JBD2_FEATURE_INCOMPAT_64BIT))
			sb->tag_bytes -= 4;
	}

	/* The fast-commit area sits at the end: [last + 1, maxlen) as the kernel lays it. */
	sb->last = sb->maxlen;
	if (sb->feature_incompat & JBD2_FEATURE_INCOMPAT_FAST_COMMIT) {
		nfc = sb->num_fc_blks ? sb->num_fc_blks : JBD2_DEFAULT_FAST_COMMIT_BLOCKS;
		if (nfc >= sb->maxlen || sb->maxlen - nfc < JBD2_MIN_JOURNAL_BLOCKS ||
		    sb->maxlen - nfc <= sb->first) {
			why = "fast-commit area leaves too short a journal";
			goto corrupt;
		}
		sb->last = sb->maxlen - nfc;
		sb->fc_first = sb->last + 1;
		sb->fc_last = sb->maxlen;
	}
	sb->needs_recovery = sb->start != 0;
	return 0;
corrupt:
	return jbd2_error(j, FSIMG_ECORRUPT, "journal superblock: %s", why);
}

int jbd2_journal_open_runs(struct fsimg_journal **out, fsimg_io *io, uint32_t bs,
			   const struct jbd2_run *runs, size_t nruns, uint64_t total_len,
			   uint64_t fs_blocks, bool external, char *errbuf, size_t errlen)
{
	struct fsimg_journal *j;
	uint64_t sb_jblk = 0;
	int err;

	if (!out || !io || bs < 1024 || bs > 65536 || (bs & (bs - 1)) || (!runs && nruns))
		return FSIMG_EINVAL;
	*out = NULL;
	j = calloc(1, sizeof(*j));
	if (!j)
		return FSIMG_ENOMEM;
	j->io = io;
	j->bs = bs;
	j->fs_blocks = fs_blocks;
	j->sb.external = external;
	j->sb.total_len = total_len > UINT32_MAX ? UINT32_MAX : total_len;
	j->buf = malloc(bs);
	j->buf2 = malloc(bs);
	j->runs = calloc(nruns ? nruns : 1, sizeof(*runs));
	if (!j->buf || !j->buf2 || !j->runs) {
		fsimg_journal_close(j);
		return FSIMG_ENOMEM;
	}
	/*
	 * Keep only sane runs, which bmap binary-searches: ordered and not
	 * overlapping, else the journal's mapping is corrupt (said as such,
	 * rather than as some journal block found unmapped later).
	 */
	for (size_t i = 0; i < nruns; i++) {
		const struct jbd2_run *r = &runs[i], *prev = j->nruns ? &j->runs[j->nruns - 1] : NULL;
		if (r->len == 0 || (uint64_t)r->jblk + r->len > UINT32_MAX + 1ull ||
		    r->pblk + r->len < r->pblk)
			continue;
		if (prev && r->jblk < prev->jblk + prev->len) {
			err = jbd2_error(j, FSIMG_ECORRUPT,
					 "journal blocks %u-%u are mapped twice or out of order "
					 "(its extents overlap or are unsorted)",
					 r->jblk, r->jblk + r->len - 1);
			goto fail;
		}
		j->runs[j->nruns++] = *r;
	}
	/* Logged blocks inside an internal journal are found by physical block. */
	if (!external && j->nruns) {
		j->pruns = malloc(j->nruns * sizeof(*j->pruns));
		if (!j->pruns) {
			fsimg_journal_close(j);
			return FSIMG_ENOMEM;
		}
		memcpy(j->pruns, j->runs, j->nruns * sizeof(*j->pruns));
		qsort(j->pruns, j->nruns, sizeof(*j->pruns), cmp_run_pblk);
	}
	/* An external journal's superblock is in the block after the device's ext4 one. */
	if (external)
		sb_jblk = bs == 1024 ? 2 : 1;
	if (sb_jblk >= j->sb.total_len || jbd2_bmap(j, (uint32_t)sb_jblk, &j->sb_pblk) < 0) {
		err = jbd2_error(j, FSIMG_ECORRUPT, "journal too short for its superblock");
		goto fail;
	}
	j->sb_off = j->sb_pblk * bs;
	if (fsimg_io_read(io, j->raw_sb, sizeof(j->raw_sb), j->sb_off) < 0) {
		err = FSIMG_EIO;
		goto fail;
	}
	err = super_from_disk(j);
	if (err < 0)
		goto fail;
	*out = j;
	return 0;
fail:
	if (errbuf && errlen)
		snprintf(errbuf, errlen, "%s", j->errmsg[0] ? j->errmsg : fsimg_strerror(err));
	fsimg_journal_close(j);
	return err;
}

/*
 * Does the inode's mapping put every journal block, [0, i_size / block
 * size), in a block of the filesystem? e2fsck_get_journal walks the block
 * map (holes and blocks outside the filesystem stop the walk) and takes the
 * backup when the walk falls short of i_size; an extent tree that cannot be
 * read falls short at once.
 */
static bool journal_map_covers(fsimg_fs *fs, const struct fsimg_inode *in)
{
	uint64_t total = in->size / fsimg_ext4_super(fs)->block_size, next = 0;
	struct fsimg_run run;
	fsimg_map *map;
	int err;

	if (fsimg_map_open(&map, fs, in, 0) < 0)
		return false;
	while (next < total && (err = fsimg_map_next(map, &run)) > 0) {
		if (run.type != FSIMG_RUN_MAPPED && run.type != FSIMG_RUN_UNWRITTEN)
			continue;
		if (run.lblk > next || !fs_pblk_range_ok(fs, run.pblk, run.len))
			break;
		if (run.lblk + run.len > next)
			next = run.lblk + run.len;
	}
	fsimg_map_close(map);
	return next >= total;
}

/*
 * The journal inode, or e2fsck's fallback when it cannot be used (not in
 * use, not a regular file, smaller than JBD2_MIN_JOURNAL_BLOCKS, a block
 * map or extent tree that does not map all of it inside the filesystem):
 * the copy of its i_block and size that mke2fs and tune2fs keep in the
 * superblock (s_jnl_blocks, when s_jnl_backup_type is
 * EXT3_JNL_BACKUP_BLOCKS). The kernel reads only the inode and refuses to
 * mount; fsimg follows e2fsck (e2fsck_get_journal) so that fsck and replay
 * show what recovery yields, and says so (*why: the reason the inode was
 * not used, else NULL).
 */
int jbd2_journal_inode(struct fsimg_inode *out, fsimg_fs *fs, const char **why)
{
	const struct fsimg_super *fsb = fsimg_ext4_super(fs);
	int err;

	*why = NULL;
	err = fsimg_inode_read(out, fs, fsb->journal_inum);
	if (err < 0)
		return err;
	if (out->links_count == 0)
		*why = "not in use";
	else if ((out->mode & 0xF000u) != 0x8000u)
		*why = "not a regular file";
	else if (out->size / fsb->block_size < JBD2_MIN_JOURNAL_BLOCKS)
		*why = "smaller than a journal can be";
	else if (fsb->jnl_backup_type == EXT3_JNL_BACKUP_BLOCKS && !journal_map_covers(fs, out))
		*why = "its blocks are not all mapped inside the filesystem";
	if (!*why)
		return 0;
	if (fsb->jnl_backup_type != EXT3_JNL_BACKUP_BLOCKS) {
		*why = NULL;
		return 0; /* no backup: the inode's own faults are the caller's findings */
	}
	memset(out->i_block, 0, sizeof(out->i_block));
	for (unsigned i = 0; i < 15; i++)
		for (unsigned b = 0; b < 4; b++)
			out->i_block[4 * i + b] = (uint8_t)(fsb->jnl_blocks[i] >> (8 * b));
	out->size = (uint64_t)fsb->jnl_blocks[15] << 32 | fsb->jnl_blocks[16];
	out->links_count = 1;
	out->mode = 0x8000u | 0600u;
	out->flags = 0;
	out->file_acl = 0;
	/* mke2fs copies an extent-mapped journal's root as it is */
	if ((out->i_block[0] | out->i_block[1] << 8) == EXT4_EXT_MAGIC)
		out->flags = EXT4_EXTENTS_FL;
	return 0;
}

static int open_internal(struct fsimg_journal **out, fsimg_fs *fs)
{
	const struct fsimg_super *fsb = fsimg_ext4_super(fs);
	struct fsimg_inode inode;
	struct fsimg_run run;
	struct jbd2_run *runs = NULL, *tmp;
	size_t n = 0, cap = 0;
	fsimg_map *map;
	uint64_t total_len;
	const char *backup_why;
	int err;

	if (!fsb->journal_inum)
		return fs_error(fs, FSIMG_ENOENT, "filesystem has no internal journal");
	err = jbd2_journal_inode(&inode, fs, &backup_why);
	if (err < 0)
		return err;
	total_len = inode.size / fsb->block_size;
	err = fsimg_map_open(&map, fs, &inode, 0);
	if (err < 0)
		return err;
	/* The journal's blocks come through the one mapping iterator; runs are bounded by i_size. */
	while ((err = fsimg_map_next(map, &run)) > 0) {
		if (run.type != FSIMG_RUN_MAPPED && run.type != FSIMG_RUN_UNWRITTEN)
			continue;
		if (run.lblk >= total_len)
			break;
		if (run.len > total_len - run.lblk)
			run.len = total_len - run.lblk;
		if (!fs_pblk_range_ok(fs, run.pblk, run.len)) {
			err = fs_error(fs, FSIMG_ECORRUPT, "journal inode %u: block %llu+%llu outside the filesystem",
				       fsb->journal_inum, (unsigned long long)run.pblk,
				       (unsigned long long)run.len);
			break;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			tmp = realloc(runs, cap * sizeof(*runs));
			if (!tmp) {
				err = FSIMG_ENOMEM;
				break;
			}
			runs = tmp;
		}
		runs[n].jblk = (uint32_t)run.lblk;
		runs[n].len = (uint32_t)run.len;
		runs[n].pblk = run.pblk;
		n++;
	}
	fsimg_map_close(map);
	if (err >= 0) {
		char why[256] = "";
		err = jbd2_journal_open_runs(out, fsimg_fs_io(fs), fsb->block_size, runs, n, total_len,
					     fsb->blocks_count, false, why, sizeof(why));
		if (err < 0)
			fs_error(fs, err, "%s", why);
	}
	free(runs);
	return err;
}

static int open_external(struct fsimg_journal **out, fsimg_fs *fs, fsimg_io *ext)
{
	const struct fsimg_super *fsb = fsimg_ext4_super(fs);
	uint8_t raw[EXT4_SUPER_SIZE];
	struct cur c = cur_init(raw, sizeof(raw));
	struct jbd2_run run;
	uint64_t blocks, io_blocks;
	uint32_t log_bs;
	uint8_t uuid[16];
	char why[256] = "";
	int err;

	if (fsimg_io_read(ext, raw, sizeof(raw), EXT4_SUPER_OFFSET) < 0)
		return fs_error(fs, FSIMG_EIO, "external journal: cannot read its superblock");
	if (CUR_LE16(&c, 0, struct ext4_dsuper, s_magic) != EXT4_SUPER_MAGIC ||
	    !(CUR_LE32(&c, 0, struct ext4_dsuper, s_feature_incompat) & EXT4_FEATURE_INCOMPAT_JOURNAL_DEV))
		return fs_error(fs, FSIMG_ENOFS, "external journal: not a journal device");
	cur_bytes(&c, offsetof(struct ext4_dsuper, s_uuid), uuid, sizeof(uuid));
	if (memcmp(uuid, fsb->journal_uuid, sizeof(uuid)) != 0)
		return fs_error(fs, FSIMG_EINVAL, "external journal: its UUID is not the filesystem's s_journal_uuid");
	log_bs = CUR_LE32(&c, 0, struct ext4_dsuper, s_log_block_size);
	if (log_bs > 6 || (1024u << log_bs) != fsb->block_size)
		return fs_error(fs, FSIMG_ECORRUPT, "external journal: block size differs from the filesystem's");
	blocks = CUR_LE32(&c, 0, struct ext4_dsuper, s_blocks_count_lo);
	if (CUR_LE32(&c, 0, struct ext4_dsuper, s_feature_incompat) & EXT4_FEATURE_INCOMPAT_64BIT)
		blocks |= (uint64_t)CUR_LE32(&c, 0, struct ext4_dsuper, s_blocks_count_hi) << 32;
	io_blocks = fsimg_io_size(ext) / fsb->block_size;
	if (blocks > io_blocks)
		blocks = io_blocks;
	if (blocks > UINT32_MAX)
		blocks = UINT32_MAX;
	/* Journal block numbers on a device are its own block numbers. */
	run.jblk = 0;
	run.len = (uint32_t)blocks;
	run.pblk = 0;
	err = jbd2_journal_open_runs(out, ext, fsb->block_size, &run, blocks ? 1 : 0, blocks,
				     fsb->blocks_count, true, why, sizeof(why));
	if (err < 0)
		return fs_error(fs, err, "external %s", why);
	if (err == 0 && (*out)->sb.nr_users != 1) {
		/*
		 * The kernel refuses an external journal unless it has exactly one
		 * user (ext4_get_dev_journal: s_nr_users != 1; e2fsck only refuses
		 * more than one). A v1 superblock reads as no users here.
		 */
		uint32_t users = (*out)->sb.nr_users;

		fsimg_journal_close(*out);
		*out = NULL;
		if (users == 0)
			return fs_error(fs, FSIMG_ECORRUPT, "external journal has no users (s_nr_users 0); "
					"the kernel refuses it");
		return fs_error(fs, FSIMG_EUNSUPP, "external journal has more than one user");
	}
	return err;
}

int fsimg_journal_open(fsimg_journal **out, fsimg_fs *fs, fsimg_io *external)
{
	int err;

	if (!out || !fs)
		return FSIMG_EINVAL;
	*out = NULL;
	if (!external && !fsimg_ext4_super(fs)->has_journal)
		return fs_error(fs, FSIMG_ENOENT, "filesystem has no journal");
	if (external)
		err = open_external(out, fs, external);
	else
		err = open_internal(out, fs);
	if (err < 0 && !*out && fsimg_fs_errmsg(fs)[0] == '\0')
		fs_error(fs, err, "journal: %s", fsimg_strerror(err));
	if (*out)
		(*out)->fs = fs;
	return err;
}

void fsimg_journal_close(fsimg_journal *j)
{
	if (!j)
		return;
	free(j->runs);
	free(j->pruns);
	free(j->trans);
	free(j->tags);
	free(j->revokes);
	free(j->fc);
	free(j->buf);
	free(j->buf2);
	free(j->dbuf);
	free(j->pending);
	free(j);
}

const struct fsimg_journal_super *fsimg_journal_super(const fsimg_journal *j)
{
	return j ? &j->sb : NULL;
}

const char *fsimg_journal_errmsg(const fsimg_journal *j)
{
	return j && j->errmsg[0] ? j->errmsg : "";
}

/* ------------------------------------------------------------------ scan */

/*
 * Makes room for want elements of size sz in *arr up front, so that an array
 * filled one by one is not copied as it grows. Large blocks are mapped
 * lazily: only what is filled is ever touched. Failure leaves *arr as it was.
 */
static void reserve(void **arr, size_t *cap, size_t want, size_t sz)
{
	void *p;

	if (want <= *cap || want > SIZE_MAX / sz)
		return;
	p = realloc(*arr, want * sz);
	if (!p)
		return;
	*arr = p;
	*cap = want;
}

/* Tags reserved before a walk: one per log block, at most this many (2 MiB). */
#define TAGS_RESERVE_MAX 65536

/* Grows *arr (of *cap elements of size sz) to hold one more; false when out of memory. */
static bool grow(void **arr, size_t *cap, size_t n, size_t sz)
{
	void *p;
	size_t ncap;

	if (n < *cap)
		return true;
	ncap = *cap ? *cap * 2 : 64;
	if (ncap > SIZE_MAX / sz)
		return false;
	p = realloc(*arr, ncap * sz);
	if (!p)
		return false;
	*arr = p;
	*cap = ncap;
	return true;
}

static struct jbd2_trans *trans_begin(struct fsimg_journal *j, uint32_t seq, uint32_t jblk)
{
	struct jbd2_trans *t;

	if (j->ntrans && j->trans[j->ntrans - 1].t.sequence == seq)
		return &j->trans[j->ntrans - 1];
	if (!grow((void **)&j->trans, &j->trans_cap, j->ntrans, sizeof(*j->trans)))
		return NULL;
	t = &j->trans[j->ntrans++];
	memset(t, 0, sizeof(*t));
	t->t.sequence = seq;
	t->t.state = FSIMG_JTRANS_UNCOMMITTED;
	t->t.first_block = jblk;
	t->t.commit_csum = FSIMG_CSUM_NONE;
	t->t.desc_csum = has_csum_v2or3(j) ? FSIMG_CSUM_OK : FSIMG_CSUM_NONE;
	t->first_tag = j->ntags;
	t->first_revoke = j->nrevokes;
	return t;
}

/* Kernel wrap(): past the main log's end, continue from s_first. */
static uint32_t wrap(const struct fsimg_journal *j, uint32_t blk)
{
	if (blk >= j->sb.last)
		blk -= j->sb.last - j->sb.first;
	return blk;
}

/* The checksum a tag stores for its data block (csum v2/v3): v3 32 bits, v2 16. */
static uint32_t tag_stored_csum(const struct fsimg_journal *j, struct cur *dc, size_t tagoff)
{
	if (j->sb.csum_version == 3)
		return cur_be32(dc, tagoff + offsetof(struct jbd2_dtag3, t_checksum));
	return cur_be16(dc, tagoff + offsetof(struct jbd2_dtag, t_checksum));
}

/*
 * The data block checksum (csum v2/v3) of tag i, over the copy as logged,
 * before unescaping, against what the scan recorded for it.
 */
static enum fsimg_csum_state tag_csum(const struct fsimg_journal *j, size_t i, const uint8_t *data)
{
	const struct jbd2_pending *want;
	uint8_t seqbe[4];
	uint32_t crc;

	if (!has_csum_v2or3(j))
		return FSIMG_CSUM_NONE;
	want = &j->pending[i];
	put_be32(seqbe, want->seq);
	crc = fsimg_crc32c(j->csum_seed, seqbe, sizeof(seqbe));
	crc = fsimg_crc32c(crc, data, j->bs);
	if (j->sb.csum_version == 3)
		return want->want == crc ? FSIMG_CSUM_OK : FSIMG_CSUM_BAD;
	return want->want == (uint16_t)crc ? FSIMG_CSUM_OK : FSIMG_CSUM_BAD;
}

struct scan_state {
	uint32_t blk;         /* next log block */
	uint64_t visited;     /* log blocks consumed: bounded by the log's length */
	uint64_t limit;
	uint32_t crc32_sum;   /* v1 transaction checksum */
	bool have_end;        /* info.end_sequence is set (async_commit failure) */
	bool need_check_commit_time;
	uint64_t last_commit_time;
};

/* Consumes the next log block; false when the walk's bound is reached. */
static bool next_block(struct fsimg_journal *j, struct scan_state *s, uint32_t *blk)
{
	if (s->visited >= s->limit)
		return false;
	s->visited++;
	*blk = s->blk;
	s->blk = wrap(j, s->blk + 1);
	return true;
}

/* Data blocks read at once when their checksums are verified. */
#define SCAN_BATCH_BYTES (1u << 20)

static size_t scan_batch(const struct fsimg_journal *j)
{
	return SCAN_BATCH_BYTES / j->bs ? SCAN_BATCH_BYTES / j->bs : 1;
}

/*
 * A buffer for one batch, page-aligned: the kernel copies into an unaligned
 * one at a third of the speed (AMD EPYC: 48 MiB in 35 ms against 11 ms).
 */
static uint8_t *batch_alloc(const struct fsimg_journal *j)
{
	void *p;

	return posix_memalign(&p, 4096, scan_batch(j) * j->bs) == 0 ? p : NULL;
}

/*
 * How many tags from i on (before end, at most scan_batch) have their
 * copies in consecutive journal blocks that are consecutive in the io too,
 * so one read serves them; *pblk is where the first is. 0 when tag i's
 * block is not mapped or too far for a batch.
 */
static size_t tag_run(const struct fsimg_journal *j, size_t i, size_t end, uint64_t *pblk)
{
	size_t batch = scan_batch(j), k = 1;
	uint64_t next;

	if (jbd2_bmap(j, j->tags[i].journal_block, pblk) < 0 || *pblk > UINT64_MAX / j->bs - batch)
		return 0;
	while (k < batch && i + k < end &&
	       j->tags[i + k].journal_block == j->tags[i].journal_block + k &&
	       jbd2_bmap(j, j->tags[i + k].journal_block, &next) == 0 && next == *pblk + k)
		k++;
	return k;
}

/*
 * Reads the data blocks of tags [first, j->ntags) of transaction t in log
 * order and checks them (the v1 transaction checksum, the v2/v3 tag
 * checksums), as the kernel's calc_chksums and PASS_SCAN do block by block.
 * Runs of blocks consecutive in the journal's io are read in one call; a
 * failed read is retried block by block to find the block the kernel would
 * fail on. Then, as there, the scan ends with an I/O error and the tags
 * after that block are dropped (the kernel never parsed them). Returns 1,
 * or 0 when the scan ends.
 */
static int check_data_blocks(struct fsimg_journal *j, struct scan_state *s, struct jbd2_trans *t,
			     size_t first, bool v1)
{
	size_t i = first;

	if (!j->dbuf)
		j->dbuf = batch_alloc(j);
	while (i < j->ntags) {
		uint64_t pblk;
		size_t k = j->dbuf ? tag_run(j, i, j->ntags, &pblk) : 0;
		const uint8_t *data;
		bool whole = k > 0 && fsimg_io_read(j->io, j->dbuf, k * j->bs, pblk * j->bs) == 0;

		if (k == 0)
			k = 1;
		for (size_t m = 0; m < k; m++) {
			struct fsimg_jblock *b = &j->tags[i + m];

			if (whole) {
				data = j->dbuf + m * j->bs;
			} else if (jbd2_read(j, b->journal_block, j->buf2) == 0) {
				data = j->buf2;
			} else {
				/* Kernel calc_chksums: an unreadable block ends the scan. */
				t->t.nblocks -= (uint32_t)(j->ntags - (i + m + 1));
				j->ntags = i + m + 1;
				j->info.end = FSIMG_JEND_ERROR;
				j->info.kernel_error = FSIMG_EIO;
				return 0;
			}
			if (v1)
				s->crc32_sum = crc32_be(s->crc32_sum, data, j->bs);
			b->csum = tag_csum(j, i + m, data);
			if (b->csum == FSIMG_CSUM_BAD)
				t->t.bad_data_csums++;
		}
		i += k;
	}
	return 1;
}

/* Returns 1 to go on, 0 at the end of the log, <0 on memory errors. */
static int scan_descriptor(struct fsimg_journal *j, struct scan_state *s, struct jbd2_trans *t,
			   uint32_t dblk, uint32_t seq)
{
	const uint8_t *desc = j->buf;
	struct cur dc = cur_init(desc, j->bs);
	size_t tb = (size_t)j->sb.tag_bytes;
	size_t limit = j->bs - (has_csum_v2or3(j) ? sizeof(struct jbd2_dtail) : 0);
	bool v1 = j->sb.csum_version == 1 && !s->have_end;
	bool defer = has_csum_v2or3(j) && !j->eager; /* verify_deferred, after the scan */
	bool csum = has_csum_v2or3(j);
	bool is64 = (j->sb.feature_incompat & JBD2_FEATURE_INCOMPAT_64BIT) != 0;
	size_t off = sizeof(struct jbd2_dheader), first = j->ntags;
	bool wrapped = false;
	int ret;

	if (!desc_csum_ok(j, desc)) {
		/* PASS_SCAN may meet stale blocks of a lazily initialised journal: judge at commit. */
		s->need_check_commit_time = true;
		t->t.desc_csum = FSIMG_CSUM_BAD;
	}
	if (v1)
		s->crc32_sum = crc32_be(s->crc32_sum, desc, j->bs);
	/* Kernel count_tags(): the tag loop stops before the tail, at LAST_TAG at the latest. */
	while (off + tb <= limit) {
		struct fsimg_jblock *b;
		uint16_t flags = cur_be16(&dc, off + JBD2_TAG_FLAGS_OFFSET);
		uint64_t fsblk = cur_be32(&dc, off);
		uint32_t jblk;

		if (is64)
			fsblk |= (uint64_t)cur_be32(&dc, off + offsetof(struct jbd2_dtag, t_blocknr_high)) << 32;
		if (!next_block(j, s, &jblk)) {
			wrapped = true;
			break;
		}
		if (!grow((void **)&j->tags, &j->tags_cap, j->ntags, sizeof(*j->tags)))
			return FSIMG_ENOMEM;
		if (csum) {
			if (!grow((void **)&j->pending, &j->pending_cap, j->ntags, sizeof(*j->pending)))
				return FSIMG_ENOMEM;
			j->pending[j->ntags].want = tag_stored_csum(j, &dc, off);
			j->pending[j->ntags].seq = seq;
		}
		b = &j->tags[j->ntags++];
		b->fs_block = fsblk;
		b->journal_block = jblk;
		b->desc_block = dblk;
		b->flags = flags;
		b->escaped = (flags & JBD2_FLAG_ESCAPE) != 0;
		b->in_journal = jbd2_in_journal(j, fsblk);
		if (b->in_journal && !j->info.blocks_in_journal++)
			j->info.first_in_journal = fsblk;
		b->csum = FSIMG_CSUM_NONE;
		t->t.nblocks++;
		off += tb;
		if (!(flags & JBD2_FLAG_SAME_UUID))
			off += JBD2_TAG_UUID_SIZE;
		if (flags & JBD2_FLAG_LAST_TAG)
			break;
	}
	if (v1 || (csum && !defer)) {
		ret = check_data_blocks(j, s, t, first, v1);
		if (ret <= 0)
			return ret;
	}
	if (wrapped) {
		j->info.end = FSIMG_JEND_WRAPPED;
		return 0;
	}
	return 1;
}

static int scan_revoke(struct fsimg_journal *j, struct scan_state *s, struct jbd2_trans *t,
		       uint32_t rblk)
{
	struct cur c = cur_init(j->buf, j->bs);
	size_t csum_size = has_csum_v2or3(j) ? sizeof(struct jbd2_dtail) : 0;
	size_t rec = (j->sb.feature_incompat & JBD2_FEATURE_INCOMPAT_64BIT) ? 8 : 4;
	uint32_t rcount = cur_be32(&c, offsetof(struct jbd2_drevoke_header, r_count));

	if (!desc_csum_ok(j, j->buf)) {
		s->need_check_commit_time = true;
		t->t.desc_csum = FSIMG_CSUM_BAD;
	}
	/*
	 * r_count counts bytes, header included. The kernel checks it only in
	 * PASS_REVOKE (scan_revoke_records), which stops before end_transaction:
	 * an overflow fails recovery only when this transaction is replayed,
	 * i.e. committed within the log (judged after the scan); in an
	 * uncommitted tail it is ignored, as by e2fsck.
	 */
	if (rcount > j->bs - csum_size) {
		if (!t->bad_rcount_block) {
			t->bad_rcount_block = rblk;
			t->bad_rcount = rcount;
		}
		return 1;
	}
	for (size_t off = sizeof(struct jbd2_drevoke_header); off + rec <= rcount; off += rec) {
		struct fsimg_jrevoke *r;

		if (!grow((void **)&j->revokes, &j->revokes_cap, j->nrevokes, sizeof(*j->revokes)))
			return FSIMG_ENOMEM;
		r = &j->revokes[j->nrevokes++];
		r->fs_block = rec == 8 ? cur_be64(&c, off) : cur_be32(&c, off);
		r->journal_block = rblk;
		t->t.nrevokes++;
	}
	return 1;
}

/*
 * A commit block (kernel do_one_pass, JBD2_COMMIT_BLOCK in PASS_SCAN).
 * Returns 1 when the transaction is committed and the walk goes on, 0 at
 * the end of the log.
 */
static int scan_commit(struct fsimg_journal *j, struct scan_state *s, struct jbd2_trans *t,
		       uint32_t cblk, uint32_t seq)
{
	struct cur c = cur_init(j->buf, j->bs);
	uint64_t commit_time = cur_be64(&c, offsetof(struct jbd2_dcommit, h_commit_sec));
	bool async = (j->sb.feature_incompat & JBD2_FEATURE_INCOMPAT_ASYNC_COMMIT) != 0;

	t->t.has_commit = 1;
	t->t.commit_block = cblk;
	t->t.commit_sec = commit_time;
	t->t.commit_nsec = cur_be32(&c, offsetof(struct jbd2_dcommit, h_commit_nsec));

	/*
	 * A descriptor or revoke block of this transaction failed its checksum:
	 * a commit time going backwards says the block is stale (an old log's),
	 * and recovery ends there cleanly; otherwise the kernel fails recovery.
	 * Commit times are compared, never trusted otherwise (debugfs jw writes
	 * garbage in their high half).
	 */
	if (s->need_check_commit_time) {
		if (commit_time >= s->last_commit_time) {
			j->info.end = FSIMG_JEND_ERROR;
			j->info.kernel_error = FSIMG_ECSUM;
			t->t.state = FSIMG_JTRANS_BAD_COMMIT;
			jbd2_error(j, FSIMG_ECSUM, "transaction %u: bad descriptor or revoke checksum", seq);
			return 0;
		}
		j->info.end = FSIMG_JEND_STALE;
		return 0;
	}

	if (j->sb.csum_version == 1) {
		uint32_t found = cur_be32(&c, offsetof(struct jbd2_dcommit, h_chksum));
		uint8_t type = cur_u8(&c, offsetof(struct jbd2_dcommit, h_chksum_type));
		uint8_t size = cur_u8(&c, offsetof(struct jbd2_dcommit, h_chksum_size));

		if (s->have_end) {
			j->info.failed_commit = j->info.end_sequence;
			j->info.has_failed_commit = 1;
			j->info.end = FSIMG_JEND_COMMIT_CSUM;
			return 0;
		}
		if ((s->crc32_sum == found && type == JBD2_CRC32_CHKSUM &&
		     size == JBD2_CRC32_CHKSUM_SIZE) ||
		    (type == 0 && size == 0 && found == 0)) {
			s->crc32_sum = ~0u;
			t->t.commit_csum = FSIMG_CSUM_OK;
			goto chksum_ok;
		}
		s->crc32_sum = ~0u;
		goto chksum_error;
	}
	if (has_csum_v2or3(j)) {
		uint32_t found = cur_be32(&c, offsetof(struct jbd2_dcommit, h_chksum));
		size_t zoff = offsetof(struct jbd2_dcommit, h_chksum);

		if (csum_block_zeroed(j->csum_seed, j->buf, j->bs, zoff) == found) {
			t->t.commit_csum = FSIMG_CSUM_OK;
			goto chksum_ok;
		}
		/*
		 * Kernels after 6.1 accept a commit block whose tail never reached
		 * the disk: the checksum of the header alone, the rest taken as
		 * zeros (jbd2_commit_block_csum_verify_partial). 6.1 and e2fsprogs
		 * 1.47 do not; fsimg follows the newer kernels (fsimg-replay(1)).
		 */
		memcpy(j->buf2, j->buf, JBD2_COMMIT_HEADER_SIZE);
		memset(j->buf2 + JBD2_COMMIT_HEADER_SIZE, 0, j->bs - JBD2_COMMIT_HEADER_SIZE);
		if (csum_block_zeroed(j->csum_seed, j->buf2, j->bs, zoff) == found) {
			t->t.commit_csum = FSIMG_CSUM_OK;
			goto chksum_ok;
		}
		goto chksum_error;
	}
	goto chksum_ok;

chksum_error:
	t->t.commit_csum = FSIMG_CSUM_BAD;
	if (commit_time < s->last_commit_time) {
		j->info.end = FSIMG_JEND_STALE;
		return 0;
	}
	t->t.state = FSIMG_JTRANS_BAD_COMMIT;
	if (!s->have_end) {
		s->have_end = true;
		j->info.end_sequence = seq;
	}
	if (!async) {
		j->info.failed_commit = seq;
		j->info.has_failed_commit = 1;
		j->info.end = FSIMG_JEND_COMMIT_CSUM;
		return 0;
	}
	/* async_commit: the walk goes on (only to find where it ends); nothing after is replayed. */
	s->last_commit_time = commit_time;
	return 1;

chksum_ok:
	s->last_commit_time = commit_time;
	t->t.state = s->have_end ? FSIMG_JTRANS_BEYOND_END : FSIMG_JTRANS_COMMITTED;
	return 1;
}

/* Lists the fast-commit area's tags; they are not replayed. */
static int scan_fast_commit(struct fsimg_journal *j)
{
	const struct fsimg_journal_super *sb = &j->sb;

	if (!sb->fc_first)
		return 0;
	for (uint32_t blk = sb->fc_first; blk < sb->fc_last && blk < sb->total_len; blk++) {
		struct cur c = cur_init(j->buf, j->bs);
		size_t off = 0;
		uint64_t before = j->nfc;

		if (jbd2_read(j, blk, j->buf) < 0)
			break;
		while (off + sizeof(struct ext4_dfc_tl) <= j->bs) {
			uint16_t tag = cur_le16(&c, off);
			uint16_t len = cur_le16(&c, off + 2);
			struct fsimg_fc_tag *f;

			/* The area ends at the first thing that is not a tag. */
			if (tag < EXT4_FC_TAG_ADD_RANGE || tag > EXT4_FC_TAG_HEAD ||
			    off + sizeof(struct ext4_dfc_tl) + len > j->bs)
				goto out;
			if (!grow((void **)&j->fc, &j->fc_cap, j->nfc, sizeof(*j->fc)))
				return FSIMG_ENOMEM;
			f = &j->fc[j->nfc++];
			f->tag = tag;
			f->len = len;
			f->journal_block = blk;
			f->offset = (uint32_t)off;
			f->name = fc_tag_name(tag);
			off += sizeof(struct ext4_dfc_tl) + len;
		}
		if (j->nfc == before)
			break;
		j->info.fc_blocks++;
	}
out:
	j->info.fc_tags = j->nfc;
	return 0;
}

/*
 * Deferred data-block checksums (csum v2/v3). The scan only records what
 * each tag's block must match; the blocks are read and checked afterwards,
 * split over threads when the journal's io has a pread op (safe from
 * several threads; the read cache is not). The result is the eager scan's: the
 * checksums decide nothing in PASS_SCAN, and a data block that cannot be
 * read (which ends the scan there) sends the whole scan round again, eager,
 * so that it ends where the kernel's would.
 */
#define VERIFY_THREADS_MAX 4
#define VERIFY_BYTES_PER_THREAD (8u << 20) /* below this a thread costs more than it saves */

struct verify_job {
	struct fsimg_journal *j;
	size_t lo, hi;               /* tags [lo, hi) */
	bool direct;                 /* through fsimg_io_pread; else fsimg_io_read, one job only */
	uint8_t *buf;
	bool failed;                 /* a block unmapped or unreadable */
	pthread_t th;
	bool started;
};

static void *verify_run(void *arg)
{
	struct verify_job *v = arg;
	struct fsimg_journal *j = v->j;
	for (size_t i = v->lo; i < v->hi;) {
		uint64_t pblk;
		size_t k = tag_run(j, i, v->hi, &pblk);
		int err;

		if (k == 0) {
			v->failed = true;
			return NULL;
		}
		if (v->direct)
			err = fsimg_io_pread(j->io, v->buf, k * j->bs, pblk * j->bs);
		else
			err = fsimg_io_read(j->io, v->buf, k * j->bs, pblk * j->bs);
		if (err < 0) {
			v->failed = true;
			return NULL;
		}
		for (size_t m = 0; m < k; m++)
			j->tags[i + m].csum = tag_csum(j, i + m, v->buf + m * j->bs);
		i += k;
	}
	return NULL;
}

static unsigned verify_threads(const struct fsimg_journal *j, bool direct)
{
	uint64_t bytes = (uint64_t)j->ntags * j->bs;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	uint64_t n = bytes / VERIFY_BYTES_PER_THREAD;

	if (!direct || cpus <= 1 || n <= 1)
		return 1;
	if (n > (uint64_t)cpus)
		n = (uint64_t)cpus;
	return n > VERIFY_THREADS_MAX ? VERIFY_THREADS_MAX : (unsigned)n;
}

/* 0, FSIMG_EIO when some block could not be read (rescan eagerly), <0 on memory errors. */
static int verify_deferred(struct fsimg_journal *j)
{
	struct verify_job jobs[VERIFY_THREADS_MAX];
	bool direct = fsimg_io_pread(j->io, NULL, 0, 0) == 0;
	unsigned n = verify_threads(j, direct), i;
	int err = 0;

	if (!j->ntags)
		return 0;
	if (!j->dbuf)
		j->dbuf = batch_alloc(j);
	if (!j->dbuf)
		return FSIMG_ENOMEM;
	memset(jobs, 0, sizeof(jobs));
	for (i = 0; i < n; i++) {
		jobs[i].j = j;
		jobs[i].direct = direct;
		jobs[i].lo = j->ntags * i / n;
		jobs[i].hi = j->ntags * (i + 1) / n;
		jobs[i].buf = i ? batch_alloc(j) : j->dbuf;
		if (!jobs[i].buf) {
			err = FSIMG_ENOMEM;
			break;
		}
	}
	if (err == 0) {
		/* The caller's thread takes the first share, and any a thread could not start for. */
		for (i = 1; i < n; i++)
			jobs[i].started = pthread_create(&jobs[i].th, NULL, verify_run, &jobs[i]) == 0;
		verify_run(&jobs[0]);
		for (i = 1; i < n; i++) {
			if (jobs[i].started)
				pthread_join(jobs[i].th, NULL);
			else
				verify_run(&jobs[i]);
		}
		for (i = 0; i < n; i++)
			if (jobs[i].failed)
				err = FSIMG_EIO;
	}
	for (i = 1; i < n; i++)
		free(jobs[i].buf);
	if (err < 0)
		return err;
	for (size_t t = 0; t < j->ntrans; t++) {
		struct jbd2_trans *tr = &j->trans[t];
		size_t end = t + 1 < j->ntrans ? j->trans[t + 1].first_tag : j->ntags;

		for (size_t k = tr->first_tag; k < end; k++)
			if (j->tags[k].csum == FSIMG_CSUM_BAD)
				tr->t.bad_data_csums++;
	}
	return 0;
}

/* Forgets what a scan found; returns the first sequence expected. */
static uint32_t scan_start(struct fsimg_journal *j)
{
	j->ntrans = j->ntags = j->nrevokes = 0;
	memset(&j->info, 0, sizeof(j->info));
	j->info.start_sequence = j->sb.sequence;
	j->info.end_sequence = j->sb.sequence;
	return j->sb.sequence;
}

/* Walks the log from s_start (PASS_SCAN); 0 at its end, <0 on memory errors. */
static int walk_log(struct fsimg_journal *j, uint32_t *next_id, bool *have_end)
{
	struct scan_state s = { 0 };
	int err = 0;

	s.blk = j->sb.start;
	s.limit = j->sb.last - j->sb.first;
	s.crc32_sum = ~0u;
	reserve((void **)&j->tags, &j->tags_cap, s.limit < TAGS_RESERVE_MAX ? s.limit : TAGS_RESERVE_MAX,
		sizeof(*j->tags));
	if (has_csum_v2or3(j))
		reserve((void **)&j->pending, &j->pending_cap, j->tags_cap, sizeof(*j->pending));

	for (;;) {
		struct jbd2_trans *t;
		struct cur c = cur_init(j->buf, j->bs);
		uint32_t blk, type, seq;

		if (!next_block(j, &s, &blk)) {
			j->info.end = FSIMG_JEND_WRAPPED;
			break;
		}
		j->info.end_block = blk;
		if (read_log_block(j, blk, j->buf) < 0) {
			j->info.end = FSIMG_JEND_ERROR;
			j->info.kernel_error = FSIMG_EIO;
			break;
		}
		if (cur_be32(&c, 0) != JBD2_MAGIC_NUMBER) {
			j->info.end = FSIMG_JEND_BAD_MAGIC;
			break;
		}
		type = cur_be32(&c, 4);
		seq = cur_be32(&c, 8);
		if (seq != *next_id) {
			j->info.end = FSIMG_JEND_SEQUENCE;
			break;
		}
		if (type != JBD2_DESCRIPTOR_BLOCK && type != JBD2_COMMIT_BLOCK &&
		    type != JBD2_REVOKE_BLOCK) {
			j->info.end = FSIMG_JEND_BLOCKTYPE;
			break;
		}
		t = trans_begin(j, seq, blk);
		if (!t)
			return FSIMG_ENOMEM;
		if (type == JBD2_DESCRIPTOR_BLOCK)
			err = scan_descriptor(j, &s, t, blk, seq);
		else if (type == JBD2_REVOKE_BLOCK)
			err = scan_revoke(j, &s, t, blk);
		else {
			err = scan_commit(j, &s, t, blk, seq);
			if (err > 0)
				(*next_id)++;
		}
		if (err <= 0)
			break;
	}
	*have_end = s.have_end;
	return err < 0 ? err : 0;
}

int fsimg_journal_scan(fsimg_journal *j)
{
	uint32_t next_id;
	bool have_end = false;
	int err = 0;

	if (!j)
		return FSIMG_EINVAL;
	if (j->scanned)
		return 0;
	next_id = scan_start(j);

	if (j->sb.version == 2 && j->sb.csum_state == FSIMG_CSUM_BAD) {
		/* The kernel refuses to load a journal whose superblock checksum fails. */
		j->info.end = FSIMG_JEND_ERROR;
		j->info.kernel_error = FSIMG_ECSUM;
		goto done;
	}
	if (!j->sb.start) {
		j->info.end = FSIMG_JEND_CLEAN;
		goto done;
	}
	if (j->sb.start < j->sb.first || j->sb.start >= j->sb.last) {
		j->info.end = FSIMG_JEND_ERROR;
		j->info.kernel_error = FSIMG_ECORRUPT;
		jbd2_error(j, FSIMG_ECORRUPT, "s_start %u outside the log [%u, %u)", j->sb.start,
			   j->sb.first, j->sb.last);
		goto done;
	}
	err = walk_log(j, &next_id, &have_end);
	if (err == 0 && has_csum_v2or3(j) && !j->eager) {
		err = verify_deferred(j);
		if (err == FSIMG_EIO) {
			/* A data block is unreadable: walk again, checking as the scan goes. */
			j->eager = true;
			next_id = scan_start(j);
			err = walk_log(j, &next_id, &have_end);
		}
	}
	if (err < 0)
		return err;
	if (!have_end)
		j->info.end_sequence = next_id;
done:
	/* Transactions the replay would not reach (kernel: tid_geq(next, end_transaction)). */
	for (size_t i = 0; i < j->ntrans; i++) {
		struct fsimg_jtrans *t = &j->trans[i].t;
		if (t->state == FSIMG_JTRANS_COMMITTED && jbd2_tid_geq(t->sequence, j->info.end_sequence))
			t->state = FSIMG_JTRANS_BEYOND_END;
	}
	/* PASS_SCAN ends with the fast-commit area: it may fail recovery too. */
	jbd2_fc_scan(j);
	/* PASS_REVOKE of a replayed transaction meets an overflowing r_count: -EINVAL, nothing replayed. */
	for (size_t i = 0; i < j->ntrans && !j->info.kernel_error; i++) {
		struct jbd2_trans *t = &j->trans[i];
		if (t->bad_rcount_block && t->t.state == FSIMG_JTRANS_COMMITTED) {
			j->info.end = FSIMG_JEND_ERROR;
			j->info.kernel_error = FSIMG_ECORRUPT;
			jbd2_error(j, FSIMG_ECORRUPT, "revoke block %u: r_count %u larger than the block",
				   t->bad_rcount_block, t->bad_rcount);
		}
	}
	if (j->info.kernel_error)
		j->info.end_sequence = j->info.start_sequence;
	j->info.transactions = j->ntrans;
	j->info.blocks = j->ntags;
	j->info.revokes = j->nrevokes;
	if (j->sb.fc_first)
		err = scan_fast_commit(j);
	if (err < 0)
		return err;
	j->scanned = true;
	return 0;
}

int fsimg_journal_scan_info(struct fsimg_journal_scan_info *out, fsimg_journal *j)
{
	int err;

	if (!out || !j)
		return FSIMG_EINVAL;
	err = fsimg_journal_scan(j);
	if (err < 0)
		return err;
	*out = j->info;
	return 0;
}

size_t fsimg_journal_trans_count(const fsimg_journal *j)
{
	return j && j->scanned ? j->ntrans : 0;
}

int fsimg_journal_trans(struct fsimg_jtrans *out, const fsimg_journal *j, size_t i)
{
	if (!out || !j || !j->scanned || i >= j->ntrans)
		return FSIMG_EINVAL;
	*out = j->trans[i].t;
	return 0;
}

int fsimg_journal_trans_block(struct fsimg_jblock *out, const fsimg_journal *j, size_t trans, size_t i)
{
	if (!out || !j || !j->scanned || trans >= j->ntrans || i >= j->trans[trans].t.nblocks)
		return FSIMG_EINVAL;
	*out = j->tags[j->trans[trans].first_tag + i];
	return 0;
}

int fsimg_journal_trans_revoke(struct fsimg_jrevoke *out, const fsimg_journal *j, size_t trans, size_t i)
{
	if (!out || !j || !j->scanned || trans >= j->ntrans || i >= j->trans[trans].t.nrevokes)
		return FSIMG_EINVAL;
	*out = j->revokes[j->trans[trans].first_revoke + i];
	return 0;
}

int fsimg_journal_fc_tag(struct fsimg_fc_tag *out, fsimg_journal *j, size_t i)
{
	if (!out || !j)
		return FSIMG_EINVAL;
	if (!j->scanned && fsimg_journal_scan(j) < 0)
		return FSIMG_EIO;
	if (i >= j->nfc)
		return 0;
	*out = j->fc[i];
	return 1;
}
