/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The jbd2 journal: open (internal through the journal inode's mapping, or
 * an external journal device), the journal superblock, and reading journal
 * blocks through the journal-block -> io-block table. The scan pass of
 * recovery is scan.c (the walk), log.c (each log block) and verify.c
 * (deferred data-block checksums); the revoke and replay passes are
 * recovery.c.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cursor.h"
#include "core/io.h"
#include "ext4/ext4.h"
#include "jbd2/jbd2.h"

int jbd2_error(struct fsimg_journal *j, int err, const char *fmt, ...)
{
	va_list ap;

	if (j) {
		va_start(ap, fmt);
		errbuf_vfail(j->errmsg, sizeof(j->errmsg), err, fmt, ap);
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

/* ------------------------------------------------------------- checksums */

uint32_t jbd2_super_csum(const uint8_t *raw)
{
	static const uint8_t zero[4];
	uint32_t crc;
	size_t off = offsetof(struct jbd2_dsuper, s_checksum);

	crc = fsimg_crc32c(~0u, raw, off);
	crc = fsimg_crc32c(crc, zero, sizeof(zero));
	return fsimg_crc32c(crc, raw + off + 4, JBD2_SUPER_SIZE - off - 4);
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

int jbd2_run_start(const struct fsimg_journal *j, uint32_t jblk, uint64_t *pblk)
{
	if (jbd2_bmap(j, jblk, pblk) < 0 || *pblk > UINT64_MAX / j->bs - 1)
		return FSIMG_EIO;
	return 0;
}

bool jbd2_run_next(const struct fsimg_journal *j, uint32_t jblk, uint64_t pblk, size_t k)
{
	uint64_t next;

	return jbd2_bmap(j, jblk, &next) == 0 && next == pblk + k && next <= UINT64_MAX / j->bs - 1;
}

static int cmp_run_pblk(const void *a, const void *b)
{
	const struct jbd2_run *x = a, *y = b;
	return x->pblk < y->pblk ? -1 : x->pblk > y->pblk;
}

int64_t jbd2_jblk_at(const struct fsimg_journal *j, uint64_t blk)
{
	size_t lo = 0, hi = j->nruns;

	if (!j->pruns)
		return -1;
	/* the last run starting at or before blk */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (j->pruns[mid].pblk <= blk)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0 || blk - j->pruns[lo - 1].pblk >= j->pruns[lo - 1].len)
		return -1;
	return (int64_t)j->pruns[lo - 1].jblk + (int64_t)(blk - j->pruns[lo - 1].pblk);
}

bool jbd2_in_journal(const struct fsimg_journal *j, uint64_t blk)
{
	return jbd2_jblk_at(j, blk) >= 0;
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
int jbd2_read_log_block(struct fsimg_journal *j, uint32_t jblk, void *buf)
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
	/*
	 * Checked after the features and the checksum, which e2fsck judges
	 * (it never reads s_first): a superblock failing its checksum is
	 * refused for that.
	 */
	if (sb->first == 0 || sb->first >= sb->total_len) {
		why = sb->csum_state == FSIMG_CSUM_BAD ? "checksum does not match" : JBD2_WHY_FIRST;
		goto corrupt;
	}

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
 * Does the inode's mapping put every journal block in a block of the
 * filesystem? e2fsck_get_journal walks the block map (holes and blocks
 * outside the filesystem stop the walk) and takes the backup when the walk
 * falls short of i_size; an extent tree that cannot be read falls short at
 * once. It compares the bytes walked with i_size cast to int: a size of 2
 * GiB or more counts by its low 32 bits, negative ones never fall short
 * (the kernel's jbd2 bounds the journal by s_maxlen then and mounts it).
 */
static bool journal_map_covers(fsimg_fs *fs, const struct fsimg_inode *in)
{
	uint32_t bs = fsimg_ext4_super(fs)->block_size;
	int32_t isize = (int32_t)(uint32_t)in->size;
	uint64_t total = isize <= 0 ? 0 : ((uint64_t)isize + bs - 1) / bs, next = 0;
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
	/* e2fsck verifies the device's ext4 superblock too (PR_0_EXT_JOURNAL_SUPER_CSUM_INVALID) */
	if (CUR_LE32(&c, 0, struct ext4_dsuper, s_feature_ro_compat) & EXT4_FEATURE_RO_COMPAT_METADATA_CSUM)
		(*out)->sb.dev_csum_state = ext4_super_csum(raw) == CUR_LE32(&c, 0, struct ext4_dsuper, s_checksum)
						    ? FSIMG_CSUM_OK : FSIMG_CSUM_BAD;
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

