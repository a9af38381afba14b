/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The ext4 superblock: the one reader of struct ext4_dsuper, its geometry
 * checks (the union of what the kernel's ext4_fill_super and e2fsprogs'
 * ext2fs_open2 refuse), the feature names as e2fsprogs spells them, the
 * blkid rule for calling a filesystem ext2, ext3 or ext4, and where the
 * superblock backups live.
 */
#include "config.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/io.h"
#include "ext4/ext4.h"

#define SB(field) offsetof(struct ext4_dsuper, field)

struct feature {
	int kind;
	uint32_t mask;
	const char *name;
};

/*
 * e2fsprogs 1.47 lib/e2p/feature.c, same order: where two names share a bit
 * (uninit_bg/uninit_groups, extent/extents, casefold/fname_encoding) the
 * first is the one e2fsprogs prints, the others are accepted by name.
 */
static const struct feature feature_list[] = {
	{ FSIMG_FEATURE_COMPAT, EXT4_FEATURE_COMPAT_DIR_PREALLOC, "dir_prealloc" },
	{ FSIMG_FEATURE_COMPAT, EXT4_FEATURE_COMPAT_HAS_JOURNAL, "has_journal" },
	{ FSIMG_FEATURE_COMPAT, EXT4_FEATURE_COMPAT_IMAGIC_INODES, "imagic_inodes" },
	{ FSIMG_FEATURE_COMPAT, EXT4_FEATURE_COMPAT_EXT_ATTR, "ext_attr" },
	{ FSIMG_FEATURE_COMPAT, EXT4_FEATURE_COMPAT_DIR_INDEX, "dir_index" },
	{ FSIMG_FEATURE_COMPAT, EXT4_FEATURE_COMPAT_RESIZE_INODE, "resize_inode" },
	{ FSIMG_FEATURE_COMPAT, EXT4_FEATURE_COMPAT_LAZY_BG, "lazy_bg" },
	{ FSIMG_FEATURE_COMPAT, EXT4_FEATURE_COMPAT_EXCLUDE_BITMAP, "snapshot_bitmap" },
	{ FSIMG_FEATURE_COMPAT, EXT4_FEATURE_COMPAT_SPARSE_SUPER2, "sparse_super2" },
	{ FSIMG_FEATURE_COMPAT, EXT4_FEATURE_COMPAT_FAST_COMMIT, "fast_commit" },
	{ FSIMG_FEATURE_COMPAT, EXT4_FEATURE_COMPAT_STABLE_INODES, "stable_inodes" },
	{ FSIMG_FEATURE_COMPAT, EXT4_FEATURE_COMPAT_ORPHAN_FILE, "orphan_file" },

	{ FSIMG_FEATURE_RO_COMPAT, EXT4_FEATURE_RO_COMPAT_SPARSE_SUPER, "sparse_super" },
	{ FSIMG_FEATURE_RO_COMPAT, EXT4_FEATURE_RO_COMPAT_LARGE_FILE, "large_file" },
	{ FSIMG_FEATURE_RO_COMPAT, EXT4_FEATURE_RO_COMPAT_HUGE_FILE, "huge_file" },
	{ FSIMG_FEATURE_RO_COMPAT, EXT4_FEATURE_RO_COMPAT_GDT_CSUM, "uninit_bg" },
	{ FSIMG_FEATURE_RO_COMPAT, EXT4_FEATURE_RO_COMPAT_GDT_CSUM, "uninit_groups" },
	{ FSIMG_FEATURE_RO_COMPAT, EXT4_FEATURE_RO_COMPAT_DIR_NLINK, "dir_nlink" },
	{ FSIMG_FEATURE_RO_COMPAT, EXT4_FEATURE_RO_COMPAT_EXTRA_ISIZE, "extra_isize" },
	{ FSIMG_FEATURE_RO_COMPAT, EXT4_FEATURE_RO_COMPAT_QUOTA, "quota" },
	{ FSIMG_FEATURE_RO_COMPAT, EXT4_FEATURE_RO_COMPAT_BIGALLOC, "bigalloc" },
	{ FSIMG_FEATURE_RO_COMPAT, EXT4_FEATURE_RO_COMPAT_METADATA_CSUM, "metadata_csum" },
	{ FSIMG_FEATURE_RO_COMPAT, EXT4_FEATURE_RO_COMPAT_REPLICA, "replica" },
	{ FSIMG_FEATURE_RO_COMPAT, EXT4_FEATURE_RO_COMPAT_READONLY, "read-only" },
	{ FSIMG_FEATURE_RO_COMPAT, EXT4_FEATURE_RO_COMPAT_PROJECT, "project" },
	{ FSIMG_FEATURE_RO_COMPAT, EXT4_FEATURE_RO_COMPAT_SHARED_BLOCKS, "shared_blocks" },
	{ FSIMG_FEATURE_RO_COMPAT, EXT4_FEATURE_RO_COMPAT_VERITY, "verity" },
	{ FSIMG_FEATURE_RO_COMPAT, EXT4_FEATURE_RO_COMPAT_ORPHAN_PRESENT, "orphan_present" },

	{ FSIMG_FEATURE_INCOMPAT, EXT4_FEATURE_INCOMPAT_COMPRESSION, "compression" },
	{ FSIMG_FEATURE_INCOMPAT, EXT4_FEATURE_INCOMPAT_FILETYPE, "filetype" },
	{ FSIMG_FEATURE_INCOMPAT, EXT4_FEATURE_INCOMPAT_RECOVER, "needs_recovery" },
	{ FSIMG_FEATURE_INCOMPAT, EXT4_FEATURE_INCOMPAT_JOURNAL_DEV, "journal_dev" },
	{ FSIMG_FEATURE_INCOMPAT, EXT4_FEATURE_INCOMPAT_EXTENTS, "extent" },
	{ FSIMG_FEATURE_INCOMPAT, EXT4_FEATURE_INCOMPAT_EXTENTS, "extents" },
	{ FSIMG_FEATURE_INCOMPAT, EXT4_FEATURE_INCOMPAT_META_BG, "meta_bg" },
	{ FSIMG_FEATURE_INCOMPAT, EXT4_FEATURE_INCOMPAT_64BIT, "64bit" },
	{ FSIMG_FEATURE_INCOMPAT, EXT4_FEATURE_INCOMPAT_MMP, "mmp" },
	{ FSIMG_FEATURE_INCOMPAT, EXT4_FEATURE_INCOMPAT_FLEX_BG, "flex_bg" },
	{ FSIMG_FEATURE_INCOMPAT, EXT4_FEATURE_INCOMPAT_EA_INODE, "ea_inode" },
	{ FSIMG_FEATURE_INCOMPAT, EXT4_FEATURE_INCOMPAT_DIRDATA, "dirdata" },
	{ FSIMG_FEATURE_INCOMPAT, EXT4_FEATURE_INCOMPAT_CSUM_SEED, "metadata_csum_seed" },
	{ FSIMG_FEATURE_INCOMPAT, EXT4_FEATURE_INCOMPAT_LARGEDIR, "large_dir" },
	{ FSIMG_FEATURE_INCOMPAT, EXT4_FEATURE_INCOMPAT_INLINE_DATA, "inline_data" },
	{ FSIMG_FEATURE_INCOMPAT, EXT4_FEATURE_INCOMPAT_ENCRYPT, "encrypt" },
	{ FSIMG_FEATURE_INCOMPAT, EXT4_FEATURE_INCOMPAT_CASEFOLD, "casefold" },
	{ FSIMG_FEATURE_INCOMPAT, EXT4_FEATURE_INCOMPAT_CASEFOLD, "fname_encoding" },
};

#define N_FEATURES (sizeof(feature_list) / sizeof(feature_list[0]))

const char *fsimg_ext4_feature_name(int kind, unsigned bit)
{
	size_t i;

	if (bit >= 32)
		return NULL;
	for (i = 0; i < N_FEATURES; i++)
		if (feature_list[i].kind == kind && feature_list[i].mask == 1u << bit)
			return feature_list[i].name;
	return NULL;
}

int ext4_has_feature_named(const struct fsimg_fs *fs, const char *name)
{
	size_t i;
	uint32_t word;

	if (!fs || !name)
		return FSIMG_EINVAL;
	for (i = 0; i < N_FEATURES; i++) {
		if (strcasecmp(name, feature_list[i].name) != 0)
			continue;
		switch (feature_list[i].kind) {
		case FSIMG_FEATURE_COMPAT:
			word = fs->sb.feature_compat;
			break;
		case FSIMG_FEATURE_INCOMPAT:
			word = fs->sb.feature_incompat;
			break;
		default:
			word = fs->sb.feature_ro_compat;
			break;
		}
		return (word & feature_list[i].mask) != 0;
	}
	return FSIMG_EINVAL;
}

/*
 * libblkid's superblocks/ext.c: anything outside ext3's feature set makes it
 * ext4 (jbd2 journal devices are told apart before this); else a journal
 * makes it ext3.
 */
#define EXT3_RO_COMPAT_SUPP                                                    \
	(EXT4_FEATURE_RO_COMPAT_SPARSE_SUPER | EXT4_FEATURE_RO_COMPAT_LARGE_FILE | \
	 EXT4_FEATURE_RO_COMPAT_BTREE_DIR)
#define EXT3_INCOMPAT_SUPP                                                     \
	(EXT4_FEATURE_INCOMPAT_FILETYPE | EXT4_FEATURE_INCOMPAT_RECOVER |      \
	 EXT4_FEATURE_INCOMPAT_META_BG)

const char *ext4_type_name(uint32_t compat, uint32_t incompat, uint32_t ro_compat)
{
	if ((ro_compat & ~EXT3_RO_COMPAT_SUPP) || (incompat & ~EXT3_INCOMPAT_SUPP))
		return "ext4";
	if (compat & EXT4_FEATURE_COMPAT_HAS_JOURNAL)
		return "ext3";
	return "ext2";
}

const char *ext4_fs_type(const struct fsimg_fs *fs)
{
	if (!fs)
		return NULL;
	return ext4_type_name(fs->sb.feature_compat, fs->sb.feature_incompat,
			      fs->sb.feature_ro_compat);
}

uint32_t ext4_super_csum(const uint8_t *raw)
{
	return fsimg_crc32c(~0u, raw, SB(s_checksum));
}

static const struct {
	const char *name;
	size_t field;                /* offset of the inode number in struct fsimg_super */
	bool nameless;
} sb_inodes[EXT4_SBINO__COUNT] = {
	[EXT4_SBINO_JOURNAL] = { "journal", offsetof(struct fsimg_super, journal_inum), false },
	[EXT4_SBINO_USR_QUOTA] = { "user quota", offsetof(struct fsimg_super, usr_quota_inum), true },
	[EXT4_SBINO_GRP_QUOTA] = { "group quota", offsetof(struct fsimg_super, grp_quota_inum), true },
	[EXT4_SBINO_PRJ_QUOTA] = { "project quota", offsetof(struct fsimg_super, prj_quota_inum), true },
	[EXT4_SBINO_ORPHAN_FILE] = { "orphan file", offsetof(struct fsimg_super, orphan_file_inum), true },
};

uint32_t ext4_sb_inode(const struct fsimg_super *sb, enum ext4_sb_inode role)
{
	uint32_t ino;

	if (role <= EXT4_SBINO_NONE || role >= EXT4_SBINO__COUNT)
		return 0;
	memcpy(&ino, (const char *)sb + sb_inodes[role].field, sizeof(ino));
	return ino;
}

enum ext4_sb_inode ext4_sb_inode_role(const struct fsimg_super *sb, fsimg_ino_t ino)
{
	if (ino == 0)
		return EXT4_SBINO_NONE;
	for (int r = EXT4_SBINO_NONE + 1; r < EXT4_SBINO__COUNT; r++)
		if (ext4_sb_inode(sb, (enum ext4_sb_inode)r) == ino)
			return (enum ext4_sb_inode)r;
	return EXT4_SBINO_NONE;
}

const char *ext4_sb_inode_name(enum ext4_sb_inode role)
{
	return role > EXT4_SBINO_NONE && role < EXT4_SBINO__COUNT ? sb_inodes[role].name : "";
}

bool ext4_sb_inode_nameless(const struct fsimg_super *sb, fsimg_ino_t ino)
{
	/*
	 * Below s_first_ino an inode is reserved by its number already, and a
	 * field naming the root (a corruption, reported as such) must not
	 * unname it. A number several fields share: any nameless one decides.
	 */
	if (ino < sb->first_ino)
		return false;
	for (int r = EXT4_SBINO_NONE + 1; r < EXT4_SBINO__COUNT; r++)
		if (sb_inodes[r].nameless && ext4_sb_inode(sb, (enum ext4_sb_inode)r) == ino)
			return true;
	return false;
}

/* Is g a power of b (b^0 = 1 included)? */
static bool is_power_of(uint32_t g, uint32_t b)
{
	while (g % b == 0 && g > 1)
		g /= b;
	return g == 1;
}

/* e2fsprogs ext2fs_bg_has_super, the kernel's ext4_bg_has_super. */
bool ext4_group_has_super(const struct fsimg_super *sb, fsimg_group_t g)
{
	if (g == 0)
		return true;
	if (sb->feature_compat & EXT4_FEATURE_COMPAT_SPARSE_SUPER2)
		return g == sb->backup_bgs[0] || g == sb->backup_bgs[1];
	if (g == 1 || !(sb->feature_ro_compat & EXT4_FEATURE_RO_COMPAT_SPARSE_SUPER))
		return true;
	if (!(g & 1))
		return false;
	return is_power_of(g, 3) || is_power_of(g, 5) || is_power_of(g, 7);
}

/*
 * Fills groups[] in ascending order with the groups (other than 0) that hold a
 * superblock backup and returns how many were filled (at most max). Sparse
 * layouts are enumerated power by power, so a huge group count costs nothing.
 */
int fsimg_ext4_backup_groups(const fsimg_fs *fs, fsimg_group_t *groups, int max)
{
	const struct fsimg_super *sb;
	int n = 0;

	if (!fs || max < 0 || (!groups && max > 0))
		return FSIMG_EINVAL;
	sb = &fs->sb;
	if (sb->feature_compat & EXT4_FEATURE_COMPAT_SPARSE_SUPER2) {
		uint32_t a = sb->backup_bgs[0], b = sb->backup_bgs[1];
		uint32_t lo = a < b ? a : b, hi = a < b ? b : a;

		if (lo != 0 && lo < sb->group_count && n < max)
			groups[n++] = lo;
		if (hi != 0 && hi != lo && hi < sb->group_count && n < max)
			groups[n++] = hi;
		return n;
	}
	if (!(sb->feature_ro_compat & EXT4_FEATURE_RO_COMPAT_SPARSE_SUPER)) {
		for (uint32_t g = 1; g < sb->group_count && n < max; g++)
			groups[n++] = g;
		return n;
	}
	/* 1, then the merged powers of 3, 5 and 7 (all odd, all distinct). */
	{
		uint64_t p3 = 3, p5 = 5, p7 = 7;

		if (sb->group_count > 1 && n < max)
			groups[n++] = 1;
		while (n < max) {
			uint64_t next = p3 < p5 ? p3 : p5;

			next = next < p7 ? next : p7;
			if (next >= sb->group_count)
				break;
			groups[n++] = (fsimg_group_t)next;
			if (next == p3)
				p3 *= 3;
			else if (next == p5)
				p5 *= 5;
			else
				p7 *= 7;
		}
	}
	return n;
}

static void set_why(char *why, size_t whylen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void set_why(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)errbuf_vfail(why, whylen, 0, fmt, ap);
	va_end(ap);
}

static bool is_pow2(uint32_t v)
{
	return v != 0 && (v & (v - 1)) == 0;
}

int ext4_super_from_disk(struct fsimg_super *sb, const uint8_t *raw, size_t len,
			 char *why, size_t whylen)
{
	struct cur c = cur_init(raw, len);
	uint32_t max_per_group, bpg_expect_shift;
	uint64_t span, groups, itb;
	bool is64, bigalloc;
	unsigned i;

	memset(sb, 0, sizeof(*sb));
	if (!raw || len < EXT4_SUPER_SIZE) {
		set_why(why, whylen, "superblock truncated (%zu of %u bytes)", raw ? len : 0,
			EXT4_SUPER_SIZE);
		goto corrupt;
	}

	sb->inodes_count = cur_le32(&c, SB(s_inodes_count));
	sb->feature_compat = cur_le32(&c, SB(s_feature_compat));
	sb->feature_incompat = cur_le32(&c, SB(s_feature_incompat));
	sb->feature_ro_compat = cur_le32(&c, SB(s_feature_ro_compat));
	is64 = (sb->feature_incompat & EXT4_FEATURE_INCOMPAT_64BIT) != 0;
	bigalloc = (sb->feature_ro_compat & EXT4_FEATURE_RO_COMPAT_BIGALLOC) != 0;

	/* The _hi halves are meaningful only with the 64bit feature. */
	sb->blocks_count = cur_le32(&c, SB(s_blocks_count_lo));
	sb->r_blocks_count = cur_le32(&c, SB(s_r_blocks_count_lo));
	sb->free_blocks_count = cur_le32(&c, SB(s_free_blocks_count_lo));
	if (is64) {
		sb->blocks_count |= (uint64_t)cur_le32(&c, SB(s_blocks_count_hi)) << 32;
		sb->r_blocks_count |= (uint64_t)cur_le32(&c, SB(s_r_blocks_count_hi)) << 32;
		sb->free_blocks_count |= (uint64_t)cur_le32(&c, SB(s_free_blocks_count_hi)) << 32;
	}
	sb->free_inodes_count = cur_le32(&c, SB(s_free_inodes_count));
	sb->first_data_block = cur_le32(&c, SB(s_first_data_block));
	sb->log_block_size = cur_le32(&c, SB(s_log_block_size));
	sb->log_cluster_size = cur_le32(&c, SB(s_log_cluster_size));
	sb->blocks_per_group = cur_le32(&c, SB(s_blocks_per_group));
	sb->clusters_per_group = cur_le32(&c, SB(s_clusters_per_group));
	sb->inodes_per_group = cur_le32(&c, SB(s_inodes_per_group));
	sb->mtime = cur_le32(&c, SB(s_mtime));
	sb->wtime = cur_le32(&c, SB(s_wtime));
	sb->mnt_count = cur_le16(&c, SB(s_mnt_count));
	sb->max_mnt_count = (int16_t)cur_le16(&c, SB(s_max_mnt_count));
	sb->magic = cur_le16(&c, SB(s_magic));
	sb->state = cur_le16(&c, SB(s_state));
	sb->errors = cur_le16(&c, SB(s_errors));
	sb->minor_rev_level = cur_le16(&c, SB(s_minor_rev_level));
	sb->lastcheck = cur_le32(&c, SB(s_lastcheck));
	sb->checkinterval = cur_le32(&c, SB(s_checkinterval));
	sb->creator_os = cur_le32(&c, SB(s_creator_os));
	sb->rev_level = cur_le32(&c, SB(s_rev_level));
	sb->def_resuid = cur_le16(&c, SB(s_def_resuid));
	sb->def_resgid = cur_le16(&c, SB(s_def_resgid));
	sb->first_ino = cur_le32(&c, SB(s_first_ino));
	sb->inode_size = cur_le16(&c, SB(s_inode_size));
	sb->block_group_nr = cur_le16(&c, SB(s_block_group_nr));
	cur_bytes(&c, SB(s_uuid), sb->uuid, sizeof(sb->uuid));
	cur_bytes(&c, SB(s_volume_name), sb->volume_name, sizeof(sb->volume_name) - 1);
	sb->volume_name[sizeof(sb->volume_name) - 1] = '\0';
	cur_bytes(&c, SB(s_last_mounted), sb->last_mounted, sizeof(sb->last_mounted) - 1);
	sb->last_mounted[sizeof(sb->last_mounted) - 1] = '\0';
	sb->algorithm_usage_bitmap = cur_le32(&c, SB(s_algorithm_usage_bitmap));
	sb->prealloc_blocks = cur_u8(&c, SB(s_prealloc_blocks));
	sb->prealloc_dir_blocks = cur_u8(&c, SB(s_prealloc_dir_blocks));
	sb->reserved_gdt_blocks = cur_le16(&c, SB(s_reserved_gdt_blocks));
	cur_bytes(&c, SB(s_journal_uuid), sb->journal_uuid, sizeof(sb->journal_uuid));
	sb->journal_inum = cur_le32(&c, SB(s_journal_inum));
	sb->journal_dev = cur_le32(&c, SB(s_journal_dev));
	sb->last_orphan = cur_le32(&c, SB(s_last_orphan));
	for (i = 0; i < 4; i++)
		sb->hash_seed[i] = cur_le32(&c, SB(s_hash_seed) + 4 * i);
	sb->def_hash_version = cur_u8(&c, SB(s_def_hash_version));
	sb->jnl_backup_type = cur_u8(&c, SB(s_jnl_backup_type));
	sb->desc_size = cur_le16(&c, SB(s_desc_size));
	sb->default_mount_opts = cur_le32(&c, SB(s_default_mount_opts));
	sb->first_meta_bg = cur_le32(&c, SB(s_first_meta_bg));
	sb->mkfs_time = cur_le32(&c, SB(s_mkfs_time));
	for (i = 0; i < 17; i++)
		sb->jnl_blocks[i] = cur_le32(&c, SB(s_jnl_blocks) + 4 * i);
	sb->min_extra_isize = cur_le16(&c, SB(s_min_extra_isize));
	sb->want_extra_isize = cur_le16(&c, SB(s_want_extra_isize));
	sb->flags = cur_le32(&c, SB(s_flags));
	sb->raid_stride = cur_le16(&c, SB(s_raid_stride));
	sb->mmp_update_interval = cur_le16(&c, SB(s_mmp_update_interval));
	sb->mmp_block = cur_le64(&c, SB(s_mmp_block));
	sb->raid_stripe_width = cur_le32(&c, SB(s_raid_stripe_width));
	sb->log_groups_per_flex = cur_u8(&c, SB(s_log_groups_per_flex));
	sb->checksum_type = cur_u8(&c, SB(s_checksum_type));
	sb->kbytes_written = cur_le64(&c, SB(s_kbytes_written));
	sb->snapshot_inum = cur_le32(&c, SB(s_snapshot_inum));
	sb->error_count = cur_le32(&c, SB(s_error_count));
	sb->first_error_time = cur_le32(&c, SB(s_first_error_time));
	sb->last_error_time = cur_le32(&c, SB(s_last_error_time));
	sb->usr_quota_inum = cur_le32(&c, SB(s_usr_quota_inum));
	sb->grp_quota_inum = cur_le32(&c, SB(s_grp_quota_inum));
	sb->prj_quota_inum = cur_le32(&c, SB(s_prj_quota_inum));
	sb->overhead_clusters = cur_le32(&c, SB(s_overhead_clusters));
	sb->backup_bgs[0] = cur_le32(&c, SB(s_backup_bgs));
	sb->backup_bgs[1] = cur_le32(&c, SB(s_backup_bgs) + 4);
	cur_bytes(&c, SB(s_encrypt_algos), sb->encrypt_algos, sizeof(sb->encrypt_algos));
	sb->lpf_ino = cur_le32(&c, SB(s_lpf_ino));
	sb->checksum_seed = cur_le32(&c, SB(s_checksum_seed));
	sb->encoding = cur_le16(&c, SB(s_encoding));
	sb->encoding_flags = cur_le16(&c, SB(s_encoding_flags));
	sb->orphan_file_inum = cur_le32(&c, SB(s_orphan_file_inum));
	sb->checksum = cur_le32(&c, SB(s_checksum));
	if (c.err) {
		set_why(why, whylen, "superblock truncated");
		goto corrupt;
	}

	if (sb->magic != EXT4_SUPER_MAGIC) {
		set_why(why, whylen, "bad magic 0x%04x (want 0x%04x)", sb->magic, EXT4_SUPER_MAGIC);
		goto corrupt;
	}
	/* EXT2_LIB_CURRENT_REV: e2fsprogs refuses anything newer. */
	if (sb->rev_level > EXT4_DYNAMIC_REV) {
		set_why(why, whylen, "revision level %u is newer than %u", sb->rev_level,
			EXT4_DYNAMIC_REV);
		goto corrupt;
	}
	if (sb->log_block_size > EXT4_MAX_BLOCK_LOG - EXT4_MIN_BLOCK_LOG) {
		set_why(why, whylen, "log_block_size %u > %u", sb->log_block_size,
			EXT4_MAX_BLOCK_LOG - EXT4_MIN_BLOCK_LOG);
		goto corrupt;
	}
	sb->block_size = 1024u << sb->log_block_size;

	/* Clusters differ from blocks only under bigalloc, and are never smaller. */
	if (bigalloc) {
		if (sb->log_cluster_size < sb->log_block_size ||
		    sb->log_cluster_size > EXT4_MAX_CLUSTER_LOG - EXT4_MIN_BLOCK_LOG) {
			set_why(why, whylen, "log_cluster_size %u outside %u..%u with bigalloc",
				sb->log_cluster_size, sb->log_block_size,
				EXT4_MAX_CLUSTER_LOG - EXT4_MIN_BLOCK_LOG);
			goto corrupt;
		}
	} else if (sb->log_cluster_size != sb->log_block_size) {
		set_why(why, whylen, "log_cluster_size %u != log_block_size %u without bigalloc",
			sb->log_cluster_size, sb->log_block_size);
		goto corrupt;
	}
	sb->cluster_size = 1024u << sb->log_cluster_size;
	bpg_expect_shift = sb->log_cluster_size - sb->log_block_size;

	/* One bitmap block must map a whole group (EXT2_MAX_*_PER_GROUP). */
	max_per_group = 8 * sb->block_size;
	if (sb->clusters_per_group == 0 || sb->clusters_per_group > max_per_group) {
		set_why(why, whylen, "clusters_per_group %u outside 1..%u", sb->clusters_per_group,
			max_per_group);
		goto corrupt;
	}
	if (sb->blocks_per_group == 0 ||
	    (uint64_t)sb->clusters_per_group << bpg_expect_shift != sb->blocks_per_group) {
		set_why(why, whylen, "blocks_per_group %u != clusters_per_group %u x %u",
			sb->blocks_per_group, sb->clusters_per_group, 1u << bpg_expect_shift);
		goto corrupt;
	}
	if (!bigalloc && sb->blocks_per_group > max_per_group) {
		set_why(why, whylen, "blocks_per_group %u outside 1..%u", sb->blocks_per_group,
			max_per_group);
		goto corrupt;
	}
	if (sb->inodes_per_group == 0 || sb->inodes_per_group > max_per_group) {
		set_why(why, whylen, "inodes_per_group %u outside 1..%u", sb->inodes_per_group,
			max_per_group);
		goto corrupt;
	}

	/* Revision 0 has fixed inode size and first inode, whatever the fields say. */
	if (sb->rev_level == EXT4_GOOD_OLD_REV) {
		sb->inode_size = EXT4_GOOD_OLD_INODE_SIZE;
		sb->first_ino = EXT4_GOOD_OLD_FIRST_INO;
	} else if (sb->inode_size < EXT4_GOOD_OLD_INODE_SIZE || sb->inode_size > sb->block_size ||
		   !is_pow2(sb->inode_size)) {
		set_why(why, whylen, "inode_size %u is not a power of two in %u..%u",
			sb->inode_size, EXT4_GOOD_OLD_INODE_SIZE, sb->block_size);
		goto corrupt;
	}
	if (sb->first_ino < EXT4_GOOD_OLD_FIRST_INO || sb->first_ino > sb->inodes_count) {
		set_why(why, whylen, "first_ino %u outside %u..inodes_count %u", sb->first_ino,
			EXT4_GOOD_OLD_FIRST_INO, sb->inodes_count);
		goto corrupt;
	}

	/* s_desc_size counts only with 64bit; otherwise descriptors are 32 bytes. */
	if (is64) {
		if (sb->desc_size < EXT4_MIN_DESC_SIZE_64BIT || sb->desc_size > EXT4_MAX_DESC_SIZE ||
		    !is_pow2(sb->desc_size)) {
			set_why(why, whylen, "desc_size %u is not a power of two in %u..%u with 64bit",
				sb->desc_size, EXT4_MIN_DESC_SIZE_64BIT, EXT4_MAX_DESC_SIZE);
			goto corrupt;
		}
	} else {
		sb->desc_size = EXT4_MIN_DESC_SIZE;
	}
	sb->desc_per_block = sb->block_size / sb->desc_size;

	if (sb->blocks_count <= sb->first_data_block) {
		set_why(why, whylen, "blocks_count %llu <= first_data_block %u",
			(unsigned long long)sb->blocks_count, sb->first_data_block);
		goto corrupt;
	}
	/*
	 * Block 0 holds the boot block and, with 1 KiB blocks and clusters,
	 * nothing else: the groups start at block 1 then, at 0 otherwise
	 * (e2fsck's check_super_block; the kernel's "bad geometry").
	 */
	if (sb->first_data_block != (sb->log_block_size == 0 && sb->log_cluster_size == 0 ? 1u : 0u)) {
		set_why(why, whylen, "first_data_block %u with %u-byte blocks and %u-byte clusters",
			sb->first_data_block, sb->block_size, 1024u << sb->log_cluster_size);
		goto corrupt;
	}
	span = sb->blocks_count - sb->first_data_block;
	groups = span / sb->blocks_per_group + (span % sb->blocks_per_group != 0);
	if (groups > UINT32_MAX) {
		set_why(why, whylen, "%llu block groups (blocks_count %llu / blocks_per_group %u) overflow",
			(unsigned long long)groups, (unsigned long long)sb->blocks_count,
			sb->blocks_per_group);
		goto corrupt;
	}
	sb->group_count = (uint32_t)groups;
	/* e2fsprogs and the kernel want equality; fewer inodes are still addressable. */
	if (sb->inodes_count > (uint64_t)sb->inodes_per_group * sb->group_count) {
		set_why(why, whylen, "inodes_count %u > inodes_per_group %u x %u groups",
			sb->inodes_count, sb->inodes_per_group, sb->group_count);
		goto corrupt;
	}
	itb = ((uint64_t)sb->inodes_per_group * sb->inode_size + sb->block_size - 1) /
	      sb->block_size;
	if (itb > sb->blocks_per_group) {
		set_why(why, whylen, "inode table of %llu blocks does not fit a group of %u blocks",
			(unsigned long long)itb, sb->blocks_per_group);
		goto corrupt;
	}
	sb->inode_table_blocks = (uint32_t)itb;
	sb->gdt_blocks = sb->group_count / sb->desc_per_block +
			 (sb->group_count % sb->desc_per_block != 0);

	/* The resize inode's indirect block addresses them (kernel: "insanely large"). */
	if (sb->reserved_gdt_blocks > sb->block_size / 4) {
		set_why(why, whylen, "reserved_gdt_blocks %u > %u", sb->reserved_gdt_blocks,
			sb->block_size / 4);
		goto corrupt;
	}
	if ((sb->feature_incompat & EXT4_FEATURE_INCOMPAT_META_BG) &&
	    sb->first_meta_bg > sb->gdt_blocks) {
		set_why(why, whylen, "first_meta_bg %u > %u descriptor blocks", sb->first_meta_bg,
			sb->gdt_blocks);
		goto corrupt;
	}
	/* ext2fs_open2's bound (the kernel refuses flex groups past 2^31 groups too) */
	if ((sb->feature_incompat & EXT4_FEATURE_INCOMPAT_FLEX_BG) && sb->log_groups_per_flex > 31) {
		set_why(why, whylen, "log_groups_per_flex %u > 31", sb->log_groups_per_flex);
		goto corrupt;
	}
	if ((sb->feature_ro_compat & EXT4_FEATURE_RO_COMPAT_METADATA_CSUM) &&
	    sb->checksum_type != EXT4_CRC32C_CHKSUM) {
		set_why(why, whylen, "unknown metadata checksum type %u", sb->checksum_type);
		goto corrupt;
	}

	sb->has_journal = (sb->feature_compat & EXT4_FEATURE_COMPAT_HAS_JOURNAL) != 0;
	sb->needs_recovery = (sb->feature_incompat & EXT4_FEATURE_INCOMPAT_RECOVER) != 0;
	if (sb->feature_ro_compat & EXT4_FEATURE_RO_COMPAT_METADATA_CSUM)
		sb->csum_state = ext4_super_csum(raw) == sb->checksum ? FSIMG_CSUM_OK : FSIMG_CSUM_BAD;
	else
		sb->csum_state = FSIMG_CSUM_NONE;
	return 0;

corrupt:
	return FSIMG_ECORRUPT;
}
