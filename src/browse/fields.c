/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Names of the on-disk fields under the hex view's cursor: the layouts of
 * the ext4 superblock, group descriptor, inode, extent header and entries,
 * directory entries and jbd2 block headers, as offset tables (the kernel's
 * field names). Only names: nothing here parses the filesystem.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "browse.h"
#include "core/cursor.h"
#include "fields.h"

struct field {
	uint16_t off, len;
	const char *name;
};

static const struct field super_fields[] = {
	{ 0, 4, "s_inodes_count" }, { 4, 4, "s_blocks_count_lo" }, { 8, 4, "s_r_blocks_count_lo" },
	{ 12, 4, "s_free_blocks_count_lo" }, { 16, 4, "s_free_inodes_count" },
	{ 20, 4, "s_first_data_block" }, { 24, 4, "s_log_block_size" }, { 28, 4, "s_log_cluster_size" },
	{ 32, 4, "s_blocks_per_group" }, { 36, 4, "s_clusters_per_group" },
	{ 40, 4, "s_inodes_per_group" }, { 44, 4, "s_mtime" }, { 48, 4, "s_wtime" },
	{ 52, 2, "s_mnt_count" }, { 54, 2, "s_max_mnt_count" }, { 56, 2, "s_magic" },
	{ 58, 2, "s_state" }, { 60, 2, "s_errors" }, { 62, 2, "s_minor_rev_level" },
	{ 64, 4, "s_lastcheck" }, { 68, 4, "s_checkinterval" }, { 72, 4, "s_creator_os" },
	{ 76, 4, "s_rev_level" }, { 80, 2, "s_def_resuid" }, { 82, 2, "s_def_resgid" },
	{ 84, 4, "s_first_ino" }, { 88, 2, "s_inode_size" }, { 90, 2, "s_block_group_nr" },
	{ 92, 4, "s_feature_compat" }, { 96, 4, "s_feature_incompat" },
	{ 100, 4, "s_feature_ro_compat" }, { 104, 16, "s_uuid" }, { 120, 16, "s_volume_name" },
	{ 136, 64, "s_last_mounted" }, { 200, 4, "s_algorithm_usage_bitmap" },
	{ 204, 1, "s_prealloc_blocks" }, { 205, 1, "s_prealloc_dir_blocks" },
	{ 206, 2, "s_reserved_gdt_blocks" }, { 208, 16, "s_journal_uuid" },
	{ 224, 4, "s_journal_inum" }, { 228, 4, "s_journal_dev" }, { 232, 4, "s_last_orphan" },
	{ 236, 16, "s_hash_seed" }, { 252, 1, "s_def_hash_version" }, { 253, 1, "s_jnl_backup_type" },
	{ 254, 2, "s_desc_size" }, { 256, 4, "s_default_mount_opts" }, { 260, 4, "s_first_meta_bg" },
	{ 264, 4, "s_mkfs_time" }, { 268, 68, "s_jnl_blocks" }, { 336, 4, "s_blocks_count_hi" },
	{ 340, 4, "s_r_blocks_count_hi" }, { 344, 4, "s_free_blocks_count_hi" },
	{ 348, 2, "s_min_extra_isize" }, { 350, 2, "s_want_extra_isize" }, { 352, 4, "s_flags" },
	{ 356, 2, "s_raid_stride" }, { 358, 2, "s_mmp_update_interval" }, { 360, 8, "s_mmp_block" },
	{ 368, 4, "s_raid_stripe_width" }, { 372, 1, "s_log_groups_per_flex" },
	{ 373, 1, "s_checksum_type" }, { 374, 1, "s_encryption_level" },
	{ 376, 8, "s_kbytes_written" }, { 384, 4, "s_snapshot_inum" }, { 388, 4, "s_snapshot_id" },
	{ 392, 8, "s_snapshot_r_blocks_count" }, { 400, 4, "s_snapshot_list" },
	{ 404, 4, "s_error_count" }, { 408, 4, "s_first_error_time" }, { 412, 4, "s_first_error_ino" },
	{ 416, 8, "s_first_error_block" }, { 424, 32, "s_first_error_func" },
	{ 456, 4, "s_first_error_line" }, { 460, 4, "s_last_error_time" }, { 464, 4, "s_last_error_ino" },
	{ 468, 4, "s_last_error_line" }, { 472, 8, "s_last_error_block" },
	{ 480, 32, "s_last_error_func" }, { 512, 64, "s_mount_opts" }, { 576, 4, "s_usr_quota_inum" },
	{ 580, 4, "s_grp_quota_inum" }, { 584, 4, "s_overhead_clusters" }, { 588, 8, "s_backup_bgs" },
	{ 596, 4, "s_encrypt_algos" }, { 600, 16, "s_encrypt_pw_salt" }, { 616, 4, "s_lpf_ino" },
	{ 620, 4, "s_prj_quota_inum" }, { 624, 4, "s_checksum_seed" }, { 628, 12, "s_*_time_hi" },
	{ 640, 2, "s_encoding" }, { 642, 2, "s_encoding_flags" }, { 644, 4, "s_orphan_file_inum" },
	{ 648, 376, "s_reserved" }, { 1020, 4, "s_checksum" },
};

static const struct field gd_fields[] = {
	{ 0, 4, "bg_block_bitmap_lo" }, { 4, 4, "bg_inode_bitmap_lo" }, { 8, 4, "bg_inode_table_lo" },
	{ 12, 2, "bg_free_blocks_count_lo" }, { 14, 2, "bg_free_inodes_count_lo" },
	{ 16, 2, "bg_used_dirs_count_lo" }, { 18, 2, "bg_flags" }, { 20, 4, "bg_exclude_bitmap_lo" },
	{ 24, 2, "bg_block_bitmap_csum_lo" }, { 26, 2, "bg_inode_bitmap_csum_lo" },
	{ 28, 2, "bg_itable_unused_lo" }, { 30, 2, "bg_checksum" }, { 32, 4, "bg_block_bitmap_hi" },
	{ 36, 4, "bg_inode_bitmap_hi" }, { 40, 4, "bg_inode_table_hi" },
	{ 44, 2, "bg_free_blocks_count_hi" }, { 46, 2, "bg_free_inodes_count_hi" },
	{ 48, 2, "bg_used_dirs_count_hi" }, { 50, 2, "bg_itable_unused_hi" },
	{ 52, 4, "bg_exclude_bitmap_hi" }, { 56, 2, "bg_block_bitmap_csum_hi" },
	{ 58, 2, "bg_inode_bitmap_csum_hi" }, { 60, 4, "bg_reserved" },
};

static const struct field inode_fields[] = {
	{ 0, 2, "i_mode" }, { 2, 2, "i_uid" }, { 4, 4, "i_size_lo" }, { 8, 4, "i_atime" },
	{ 12, 4, "i_ctime" }, { 16, 4, "i_mtime" }, { 20, 4, "i_dtime" }, { 24, 2, "i_gid" },
	{ 26, 2, "i_links_count" }, { 28, 4, "i_blocks_lo" }, { 32, 4, "i_flags" },
	{ 36, 4, "l_i_version" }, { 40, 60, "i_block" }, { 100, 4, "i_generation" },
	{ 104, 4, "i_file_acl_lo" }, { 108, 4, "i_size_high" }, { 112, 4, "i_obso_faddr" },
	{ 116, 2, "l_i_blocks_high" }, { 118, 2, "l_i_file_acl_high" }, { 120, 2, "l_i_uid_high" },
	{ 122, 2, "l_i_gid_high" }, { 124, 2, "l_i_checksum_lo" }, { 126, 2, "l_i_reserved" },
	{ 128, 2, "i_extra_isize" }, { 130, 2, "i_checksum_hi" }, { 132, 4, "i_ctime_extra" },
	{ 136, 4, "i_mtime_extra" }, { 140, 4, "i_atime_extra" }, { 144, 4, "i_crtime" },
	{ 148, 4, "i_crtime_extra" }, { 152, 4, "i_version_hi" }, { 156, 4, "i_projid" },
};

static const struct field eh_fields[] = {
	{ 0, 2, "eh_magic" }, { 2, 2, "eh_entries" }, { 4, 2, "eh_max" }, { 6, 2, "eh_depth" },
	{ 8, 4, "eh_generation" },
};
static const struct field ee_fields[] = {
	{ 0, 4, "ee_block" }, { 4, 2, "ee_len" }, { 6, 2, "ee_start_hi" }, { 8, 4, "ee_start_lo" },
};
static const struct field ei_fields[] = {
	{ 0, 4, "ei_block" }, { 4, 4, "ei_leaf_lo" }, { 8, 2, "ei_leaf_hi" }, { 10, 2, "ei_unused" },
};
static const struct field de_fields[] = {
	{ 0, 4, "inode" }, { 4, 2, "rec_len" }, { 6, 1, "name_len" }, { 7, 1, "file_type" },
};
static const struct field jh_fields[] = {
	{ 0, 4, "h_magic" }, { 4, 4, "h_blocktype" }, { 8, 4, "h_sequence" },
};
static const struct field jsb_fields[] = {
	{ 12, 4, "s_blocksize" }, { 16, 4, "s_maxlen" }, { 20, 4, "s_first" }, { 24, 4, "s_sequence" },
	{ 28, 4, "s_start" }, { 32, 4, "s_errno" }, { 36, 4, "s_feature_compat" },
	{ 40, 4, "s_feature_incompat" }, { 44, 4, "s_feature_ro_compat" }, { 48, 16, "s_uuid" },
	{ 64, 4, "s_nr_users" }, { 68, 4, "s_dynsuper" }, { 72, 4, "s_max_transaction" },
	{ 76, 4, "s_max_trans_data" }, { 80, 1, "s_checksum_type" }, { 84, 4, "s_num_fc_blks" },
	{ 88, 4, "s_head" }, { 252, 4, "s_checksum" }, { 256, 768, "s_users" },
};
static const struct field jcommit_fields[] = {
	{ 12, 1, "h_chksum_type" }, { 13, 1, "h_chksum_size" }, { 16, 32, "h_chksum" },
	{ 48, 8, "h_commit_sec" }, { 56, 4, "h_commit_nsec" },
};

static const char *lookup(const struct field *f, size_t n, uint32_t off)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (off >= f[i].off && off < (uint32_t)f[i].off + f[i].len)
			return f[i].name;
	return NULL;
}
#define LOOKUP(t, off) lookup(t, sizeof(t) / sizeof(t[0]), off)


/* An extent node (header, then index or leaf entries, then the tail) of len bytes at p. */
static void name_extent_node(char *out, size_t outlen, const uint8_t *p, uint32_t len, uint32_t off,
			     const char *where)
{
	uint16_t max = get_le16(p + 4), depth = get_le16(p + 6);
	uint32_t k;

	if (off < 12) {
		snprintf(out, outlen, "%sextent header: %s", where, LOOKUP(eh_fields, off) ?
			 LOOKUP(eh_fields, off) : "eh_generation");
		return;
	}
	k = (off - 12) / 12;
	if (k < max && 12 + (k + 1) * 12 <= len) {
		snprintf(out, outlen, "%sextent %s %u: %s", where, depth ? "index" : "entry", k,
			 depth ? LOOKUP(ei_fields, (off - 12) % 12) : LOOKUP(ee_fields, (off - 12) % 12));
		return;
	}
	if (off >= 12 + (uint32_t)max * 12 && off < 16 + (uint32_t)max * 12 && len > 60)
		snprintf(out, outlen, "%sextent tail: et_checksum", where);
	else
		snprintf(out, outlen, "%sextent node: unused", where);
}

static void name_dirent(char *out, size_t outlen, const uint8_t *b, uint32_t bs, uint32_t off)
{
	uint32_t pos = 0, n = 0;

	while (pos + 8 <= bs && n < 65536) {
		uint32_t ino = get_le32(b + pos);
		uint16_t rec = get_le16(b + pos + 4);
		uint8_t nl = b[pos + 6], ft = b[pos + 7];

		if (rec < 8 || pos + rec > bs || rec % 4)
			break;
		if (off < pos + rec) {
			uint32_t o = off - pos;
			if (ino == 0 && rec == 12 && nl == 0 && ft == 0xde && pos + 12 == bs)
				snprintf(out, outlen, "dir block tail: %s", o < 8 ? "det_reserved/rec_len" :
					 "det_checksum");
			else if (o < 8)
				snprintf(out, outlen, "dir entry %u: %s", n, LOOKUP(de_fields, o));
			else if (o < 8u + nl)
				snprintf(out, outlen, "dir entry %u: name[%u] (inode %u)", n, o - 8, ino);
			else
				snprintf(out, outlen, "dir entry %u: padding after the name", n);
			return;
		}
		pos += rec;
		n++;
	}
	snprintf(out, outlen, "directory block (no valid entry here)");
}

static void name_journal(char *out, size_t outlen, const uint8_t *b, uint32_t bs, uint32_t off)
{
	uint32_t type;
	const char *f;

	if (bs < 12 || get_be32(b) != 0xc03b3998u) {
		snprintf(out, outlen, "journal data block (a logged copy, or free log space)");
		return;
	}
	type = get_be32(b + 4);
	if (off < 12) {
		snprintf(out, outlen, "jbd2 header: %s", LOOKUP(jh_fields, off));
		return;
	}
	switch (type) {
	case 1:
		snprintf(out, outlen, "jbd2 descriptor: block tags");
		return;
	case 2:
		f = LOOKUP(jcommit_fields, off);
		snprintf(out, outlen, "jbd2 commit block: %s", f ? f : "unused");
		return;
	case 3:
	case 4:
		f = LOOKUP(jsb_fields, off);
		snprintf(out, outlen, "jbd2 superblock v%u: %s", type == 3 ? 1 : 2, f ? f : "s_padding");
		return;
	case 5:
		snprintf(out, outlen, "jbd2 revoke block: %s", off < 16 ? "r_count" : "revoked block numbers");
		return;
	}
	snprintf(out, outlen, "jbd2 block of unknown type %u", type);
}

void field_name(char *out, size_t outlen, struct app *a, const struct owner *o, fsimg_pblk_t blk,
		const uint8_t *b, uint32_t bs, uint32_t off, uint16_t owner_mode)
{
	const struct fsimg_super *sb = a->sb;
	const char *f;

	out[0] = '\0';
	switch (o->kind) {
	case OWN_BOOT:
		snprintf(out, outlen, "boot block");
		return;
	case OWN_SUPER: {
		/* the primary is 1024 bytes into the filesystem; a backup starts its block */
		uint32_t start = (o->group == 0 && bs > 1024 && blk == 0) ? 1024 : 0;
		if (off < start) {
			snprintf(out, outlen, "boot sector (before the superblock)");
			return;
		}
		if (off - start >= 1024) {
			snprintf(out, outlen, "after the superblock (unused)");
			return;
		}
		f = LOOKUP(super_fields, off - start);
		snprintf(out, outlen, "superblock: %s", f ? f : "(reserved)");
		return;
	}
	case OWN_GDT: {
		struct fsimg_group g;
		uint32_t ds = sb->desc_size ? sb->desc_size : 32;
		uint64_t idx;

		if (fsimg_ext4_group_get(&g, a->fs, o->group) < 0 || blk < g.gdt_block)
			return;
		idx = ((blk - g.gdt_block) * bs + off) / ds;
		f = LOOKUP(gd_fields, (off % ds));
		snprintf(out, outlen, "group descriptor %llu: %s", (unsigned long long)idx, f ? f : "?");
		return;
	}
	case OWN_RESERVED_GDT:
		snprintf(out, outlen, "reserved GDT block (for online resize)");
		return;
	case OWN_BLOCK_BITMAP:
		snprintf(out, outlen, "block bitmap of group %u: blocks %llu-%llu", o->group,
			 (unsigned long long)(sb->first_data_block + (uint64_t)o->group * sb->blocks_per_group + off * 8ull),
			 (unsigned long long)(sb->first_data_block + (uint64_t)o->group * sb->blocks_per_group + off * 8ull + 7));
		return;
	case OWN_INODE_BITMAP:
		snprintf(out, outlen, "inode bitmap of group %u: inodes %llu-%llu", o->group,
			 (unsigned long long)((uint64_t)o->group * sb->inodes_per_group + off * 8ull + 1),
			 (unsigned long long)((uint64_t)o->group * sb->inodes_per_group + off * 8ull + 8));
		return;
	case OWN_INODE_TABLE: {
		uint32_t isz = sb->inode_size ? sb->inode_size : 128;
		uint32_t in = off % isz, base = off - in;
		fsimg_ino_t ino = o->ino + off / isz;

		f = LOOKUP(inode_fields, in);
		if (in >= 40 && in < 100 && base + 100 <= bs &&
		    (get_le32(b + base + 32) & FSIMG_INODE_EXTENTS_FL) && get_le16(b + base + 40) == 0xf30a) {
			char where[48];
			snprintf(where, sizeof(where), "inode %u i_block: ", ino);
			name_extent_node(out, outlen, b + base + 40, 60, in - 40, where);
			return;
		}
		if (!f && in >= 128)
			f = "in-inode extended attributes";
		snprintf(out, outlen, "inode %u: %s", ino, f ? f : "?");
		return;
	}
	case OWN_TREE:
		if (bs >= 12 && get_le16(b) == 0xf30a)
			name_extent_node(out, outlen, b, bs, off, "");
		else
			snprintf(out, outlen, "indirect block (level %d): block pointer %u", o->level, off / 4);
		return;
	case OWN_DATA:
		if (o->ino == sb->journal_inum) {
			name_journal(out, outlen, b, bs, off);
			return;
		}
		if ((owner_mode & 0170000) == 0040000) {
			name_dirent(out, outlen, b, bs, off);
			return;
		}
		snprintf(out, outlen, "file data of inode %u, byte %llu", o->ino,
			 (unsigned long long)(o->lblk * bs + off));
		return;
	default:
		return;
	}
}
