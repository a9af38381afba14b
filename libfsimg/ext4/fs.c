/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The ext4 filesystem handle: open (probe, superblock, group descriptors),
 * close, bounded block reads, and the error/notice helpers every other file
 * uses. Nothing here prints; messages stay in the handle.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/io.h"
#include "ext4/ext4.h"

int fs_read_blocks(struct fsimg_fs *fs, fsimg_pblk_t blk, uint64_t count, void *buf)
{
	uint64_t bytes;

	/* Block 0 is readable even when first_data_block is 1 (1 KiB blocks). */
	if (count == 0 || blk + count < blk || blk + count > fs->sb.blocks_count)
		return fs_error(fs, FSIMG_ERANGE, "block %llu (+%llu) outside the filesystem (%llu blocks)",
				(unsigned long long)blk, (unsigned long long)count,
				(unsigned long long)fs->sb.blocks_count);
	if (count > SIZE_MAX >> fs->log_block_size)
		return fs_error(fs, FSIMG_ERANGE, "read of %llu blocks too large", (unsigned long long)count);
	bytes = count << fs->log_block_size;
	if (fsimg_io_read(fs->io, buf, (size_t)bytes, blk << fs->log_block_size) < 0)
		return fs_error(fs, FSIMG_EIO, "cannot read block %llu: image truncated or unreadable",
				(unsigned long long)blk);
	return 0;
}

void *fs_block_alloc(const struct fsimg_fs *fs)
{
	return malloc(fs->block_size);
}

uint32_t ext4_csum(const struct fsimg_fs *fs, uint32_t seed, const void *buf, size_t len)
{
	(void)fs;
	return fsimg_crc32c(seed, buf, len);
}

/*
 * Opens the filesystem whose superblock starts at byte off. With sb_block
 * (a copy named by block number, of block size bs), the copy must describe
 * blocks of that size, and its group descriptors are the copy that follows
 * it (ext2fs_open2 with a superblock given).
 */
static int open_at(fsimg_fs **out, fsimg_io *io, unsigned flags, uint64_t sb_block, uint32_t bs,
		   char *errbuf, size_t errlen)
{
	uint8_t raw[EXT4_SUPER_SIZE];
	struct fsimg_fs *fs;
	struct cur c;
	char why[200] = "";
	char name[64];
	uint64_t off = sb_block ? sb_block * bs : EXT4_SUPER_OFFSET;
	uint32_t incompat;
	int err;

	*out = NULL;
	if ((sb_block && sb_block > (UINT64_MAX - EXT4_SUPER_SIZE) / bs) ||
	    fsimg_io_size(io) < off + EXT4_SUPER_SIZE || off + EXT4_SUPER_SIZE < off ||
	    fsimg_io_read(io, raw, sizeof(raw), off) < 0 ||
	    (c = cur_init(raw, sizeof(raw)), CUR_LE16(&c, 0, struct ext4_dsuper, s_magic)) != EXT4_SUPER_MAGIC) {
		if (sb_block)
			return errbuf_fail(errbuf, errlen, FSIMG_ENOFS,
					 "no superblock at block %llu (block size %u)",
					 (unsigned long long)sb_block, bs);
		if (fsimg_probe(name, sizeof(name), io) == 0)
			return errbuf_fail(errbuf, errlen, FSIMG_EUNSUPP, "unsupported filesystem: %s", name);
		return errbuf_fail(errbuf, errlen, FSIMG_ENOFS, "no filesystem found");
	}

	incompat = CUR_LE32(&c, 0, struct ext4_dsuper, s_feature_incompat);
	if (incompat & EXT4_FEATURE_INCOMPAT_JOURNAL_DEV)
		return errbuf_fail(errbuf, errlen, FSIMG_EUNSUPP,
				 "an external journal device, not a filesystem (use it with -j)");
	if (incompat & ~EXT4_FEATURE_INCOMPAT_SUPP) {
		uint32_t unknown = incompat & ~EXT4_FEATURE_INCOMPAT_SUPP;
		unsigned bit = 0;
		const char *fname;
		while (!(unknown & (1u << bit)))
			bit++;
		fname = fsimg_ext4_feature_name(FSIMG_FEATURE_INCOMPAT, bit);
		if (fname)
			return errbuf_fail(errbuf, errlen, FSIMG_EUNSUPP,
					 "unsupported incompat feature: %s (bit %u)", fname, bit);
		return errbuf_fail(errbuf, errlen, FSIMG_EUNSUPP,
				 "unsupported incompat feature: unknown bit %u (0x%x)", bit, 1u << bit);
	}

	fs = calloc(1, sizeof(*fs));
	if (!fs)
		return errbuf_fail(errbuf, errlen, FSIMG_ENOMEM, "out of memory");
	fs->be = &fsimg_backend_ext4;
	fs->io = io;
	fs->flags = flags;
	memcpy(fs->raw_sb, raw, sizeof(raw));
	err = ext4_super_from_disk(&fs->sb, raw, sizeof(raw), why, sizeof(why));
	if (err == 0 && sb_block && fs->sb.block_size != bs) {
		snprintf(why, sizeof(why), "the copy at block %llu describes %u-byte blocks, not %u",
			 (unsigned long long)sb_block, fs->sb.block_size, bs);
		err = FSIMG_ECORRUPT;
	}
	if (err < 0) {
		free(fs);
		return errbuf_fail(errbuf, errlen, err, "bad superblock: %s", why);
	}
	/* -b naming the primary's own place (block 1 of 1 KiB) reads it as the primary */
	fs->sb_block = off == EXT4_SUPER_OFFSET ? 0 : sb_block;
	fs->block_size = fs->sb.block_size;
	fs->log_block_size = 10 + fs->sb.log_block_size;
	fs->io_blocks = fsimg_io_size(io) >> fs->log_block_size;
	fs->metadata_csum = (fs->sb.feature_ro_compat & EXT4_FEATURE_RO_COMPAT_METADATA_CSUM) != 0;
	fs->gdt_csum = !fs->metadata_csum &&
		       (fs->sb.feature_ro_compat & EXT4_FEATURE_RO_COMPAT_GDT_CSUM) != 0;
	if (fs->sb.feature_incompat & EXT4_FEATURE_INCOMPAT_CSUM_SEED)
		fs->csum_seed = fs->sb.checksum_seed;
	else
		fs->csum_seed = fsimg_crc32c(~0u, fs->sb.uuid, sizeof(fs->sb.uuid));

	if (fs->sb.csum_state == FSIMG_CSUM_BAD && !(flags & FSIMG_OPEN_NO_CSUM_VERIFY))
		fs_notice(fs, FSIMG_ECSUM, "superblock checksum does not match (0x%08x stored)",
			  fs->sb.checksum);

	err = ext4_gdt_load(fs);
	if (err < 0) {
		errbuf_fail(errbuf, errlen, err, "%s", fs->errmsg[0] ? fs->errmsg : fsimg_strerror(err));
		ext4_fs_close(fs);
		return err;
	}
	*out = fs;
	return 0;
}

/*
 * e2fsck's get_backup_sb: for each block size (only bs when given), the
 * groups that keep a backup under sparse_super (1, then powers of 3, 5, 7),
 * assuming the default 8 x block size blocks per group; the first copy with
 * the magic and that block size. sparse_super2 keeps its first backup in
 * group 1 as well.
 */
static int find_backup(fsimg_io *io, uint32_t want_bs, uint64_t *sb_block, uint32_t *bs_out)
{
	uint64_t size = fsimg_io_size(io);

	for (uint32_t bs = want_bs ? want_bs : (1u << EXT4_MIN_BLOCK_LOG); bs <= (1u << EXT4_MAX_BLOCK_LOG); bs *= 2) {
		uint64_t bpg = (uint64_t)bs * 8, limit = size / bs / bpg;
		uint64_t p3 = 3, p5 = 5, p7 = 7, grp = 1;

		while (grp <= limit) {
			uint8_t raw[EXT4_SUPER_SIZE];
			uint64_t blk = grp * bpg + (bs == 1024);
			struct cur c = cur_init(raw, sizeof(raw));

			if (fsimg_io_read(io, raw, sizeof(raw), blk * bs) == 0 &&
			    CUR_LE16(&c, 0, struct ext4_dsuper, s_magic) == EXT4_SUPER_MAGIC &&
			    CUR_LE32(&c, 0, struct ext4_dsuper, s_log_block_size) <= 6 &&
			    (1024u << CUR_LE32(&c, 0, struct ext4_dsuper, s_log_block_size)) == bs) {
				*sb_block = blk;
				*bs_out = bs;
				return 0;
			}
			/* the next of 3^a, 5^b, 7^c, in order */
			grp = p3 < p5 ? (p3 < p7 ? p3 : p7) : (p5 < p7 ? p5 : p7);
			if (grp == p3)
				p3 *= 3;
			else if (grp == p5)
				p5 *= 5;
			else
				p7 *= 7;
		}
		if (want_bs)
			break;
	}
	return FSIMG_ENOFS;
}

int fsimg_fs_open_sb(fsimg_fs **out, fsimg_io *io, unsigned flags, uint64_t superblock,
		     uint32_t block_size, char *errbuf, size_t errlen)
{
	char primary[200] = "";
	uint64_t sb_block;
	uint32_t bs;
	int err;

	if (!out || !io)
		return errbuf_fail(errbuf, errlen, FSIMG_EINVAL, "invalid argument");
	*out = NULL;
	if (block_size && (block_size < (1u << EXT4_MIN_BLOCK_LOG) || block_size > (1u << EXT4_MAX_BLOCK_LOG) ||
			   (block_size & (block_size - 1))))
		return errbuf_fail(errbuf, errlen, FSIMG_EINVAL, "block size %u is not a power of two in %u..%u",
				 block_size, (1u << EXT4_MIN_BLOCK_LOG), (1u << EXT4_MAX_BLOCK_LOG));
	if (superblock) {
		/* Without a block size, each one in turn (as e2fsck -b does). */
		err = FSIMG_ENOFS;
		for (bs = block_size ? block_size : (1u << EXT4_MIN_BLOCK_LOG); bs <= (1u << EXT4_MAX_BLOCK_LOG); bs *= 2) {
			int e = open_at(out, io, flags, superblock, bs,
					err == FSIMG_ENOFS ? errbuf : NULL, errlen);

			if (e == 0)
				return 0;
			if (err == FSIMG_ENOFS)
				err = e;
			if (block_size)
				break;
		}
		if (!block_size && err == FSIMG_ENOFS)
			errbuf_fail(errbuf, errlen, err, "no superblock at block %llu for any block size",
				  (unsigned long long)superblock);
		return err;
	}
	err = open_at(out, io, flags, 0, 0, primary, sizeof(primary));
	if (err == 0 || (err != FSIMG_ECORRUPT && err != FSIMG_ENOFS)) {
		if (err < 0)
			errbuf_fail(errbuf, errlen, err, "%s", primary);
		return err;
	}
	/* An unusable primary: e2fsck goes on with the first backup it finds. */
	if (find_backup(io, block_size, &sb_block, &bs) == 0 &&
	    open_at(out, io, flags, sb_block, bs, NULL, 0) == 0) {
		snprintf((*out)->primary_error, sizeof((*out)->primary_error), "%s",
			 err == FSIMG_ENOFS ? "no ext2/3/4 magic" : primary);
		return 0;
	}
	return errbuf_fail(errbuf, errlen, err, "%s", primary);
}

/* ext2/3/4 or "jbd" (an external journal), named as libblkid does; NULL: not ours. */
const char *ext4_probe_name(fsimg_io *io)
{
	uint8_t raw[EXT4_SUPER_SIZE];
	struct cur c;
	uint32_t compat, incompat, ro_compat;

	if (fsimg_io_size(io) < EXT4_SUPER_OFFSET + EXT4_SUPER_SIZE ||
	    fsimg_io_read(io, raw, sizeof(raw), EXT4_SUPER_OFFSET) < 0)
		return NULL;
	c = cur_init(raw, sizeof(raw));
	if (CUR_LE16(&c, 0, struct ext4_dsuper, s_magic) != EXT4_SUPER_MAGIC)
		return NULL;
	compat = CUR_LE32(&c, 0, struct ext4_dsuper, s_feature_compat);
	incompat = CUR_LE32(&c, 0, struct ext4_dsuper, s_feature_incompat);
	ro_compat = CUR_LE32(&c, 0, struct ext4_dsuper, s_feature_ro_compat);
	if (c.err)
		return NULL;
	/* An external jbd2 journal carries an ext superblock with JOURNAL_DEV. */
	if (incompat & EXT4_FEATURE_INCOMPAT_JOURNAL_DEV)
		return "jbd";
	return ext4_type_name(compat, incompat, ro_compat);
}

int ext4_fs_match(fsimg_io *io)
{
	uint8_t magic[2];

	if (fsimg_io_size(io) < EXT4_SUPER_OFFSET + EXT4_SUPER_SIZE ||
	    fsimg_io_read(io, magic, sizeof(magic),
			  EXT4_SUPER_OFFSET + offsetof(struct ext4_dsuper, s_magic)) < 0)
		return 0;
	return (magic[0] | magic[1] << 8) == EXT4_SUPER_MAGIC;
}

/* The primary's magic is gone: the first backup e2fsck would take, if any. */
int ext4_fs_rescue(fsimg_fs **out, fsimg_io *io, unsigned flags)
{
	return fsimg_fs_open_sb(out, io, flags, 0, 0, NULL, 0);
}

/* The backend's open: the primary, or the first backup when it is unusable. */
int ext4_fs_open(fsimg_fs **out, fsimg_io *io, unsigned flags, char *errbuf, size_t errlen)
{
	return fsimg_fs_open_sb(out, io, flags, 0, 0, errbuf, errlen);
}

uint64_t fsimg_fs_sb_block(const fsimg_fs *fs)
{
	return fs ? fs->sb_block : 0;
}

const char *fsimg_fs_primary_error(const fsimg_fs *fs)
{
	return fs && fs->primary_error[0] ? fs->primary_error : NULL;
}

void ext4_fs_close(fsimg_fs *fs)
{
	free(fs->gdt);
	free(fs->gd_csum_state);
	free(fs->map_spare);
	ext4_ext_walk_free(fs->ext_spare);
	free(fs);
}

const struct fsimg_super *fsimg_ext4_super(const fsimg_fs *fs)
{
	return fs_is_ext4(fs) ? &fs->sb : NULL;
}
