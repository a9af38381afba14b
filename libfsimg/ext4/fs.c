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

int ext4_fs_open(fsimg_fs **out, fsimg_io *io, unsigned flags, char *errbuf, size_t errlen)
{
	uint8_t raw[EXT4_SUPER_SIZE];
	struct fsimg_fs *fs;
	struct cur c;
	char why[200] = "";
	uint32_t incompat;
	int err;

	*out = NULL;
	if (fsimg_io_read(io, raw, sizeof(raw), EXT4_SUPER_OFFSET) < 0)
		return front_open_fail(errbuf, errlen, FSIMG_EIO, "cannot read the superblock");
	c = cur_init(raw, sizeof(raw));
	incompat = CUR_LE32(&c, 0, struct ext4_dsuper, s_feature_incompat);
	if (incompat & EXT4_FEATURE_INCOMPAT_JOURNAL_DEV)
		return front_open_fail(errbuf, errlen, FSIMG_EUNSUPP,
				 "an external journal device, not a filesystem (use it with -j)");
	if (incompat & ~EXT4_FEATURE_INCOMPAT_SUPP) {
		uint32_t unknown = incompat & ~EXT4_FEATURE_INCOMPAT_SUPP;
		unsigned bit = 0;
		const char *fname;
		while (!(unknown & (1u << bit)))
			bit++;
		fname = fsimg_ext4_feature_name(FSIMG_FEATURE_INCOMPAT, bit);
		if (fname)
			return front_open_fail(errbuf, errlen, FSIMG_EUNSUPP,
					 "unsupported incompat feature: %s (bit %u)", fname, bit);
		return front_open_fail(errbuf, errlen, FSIMG_EUNSUPP,
				 "unsupported incompat feature: unknown bit %u (0x%x)", bit, 1u << bit);
	}

	fs = calloc(1, sizeof(*fs));
	if (!fs)
		return front_open_fail(errbuf, errlen, FSIMG_ENOMEM, "out of memory");
	fs->be = &fsimg_backend_ext4;
	fs->io = io;
	fs->flags = flags;
	memcpy(fs->raw_sb, raw, sizeof(raw));
	err = ext4_super_from_disk(&fs->sb, raw, sizeof(raw), why, sizeof(why));
	if (err < 0) {
		free(fs);
		return front_open_fail(errbuf, errlen, err, "bad superblock: %s", why);
	}
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
		front_open_fail(errbuf, errlen, err, "%s", fs->errmsg[0] ? fs->errmsg : fsimg_strerror(err));
		ext4_fs_close(fs);
		return err;
	}
	*out = fs;
	return 0;
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
