/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Rules of e2fsck's catalogue that judge one field or flag against the
 * features (issue 15): superblock rules for pass 1 (e2fsck/super.c
 * check_super_block, journal.c e2fsck_check_ext3_journal), and an inode's
 * flags for pass 2 (e2fsck/pass1.c: check_immutable, check_size,
 * handle_htree's first tests, the casefold and bigalloc rules, the
 * reserved inodes that must be clear, encrypt_fl without its context).
 * Severities follow e2fsck -n: an ERROR where answering "no" leaves the
 * filesystem uncorrected (exit 4), a WARNING for PR_NO_OK problems.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/ext4/e4check.h"
#include "check/idmap.h"
#include "check/ext4/pass_inodes.h" /* the S_IF*_ modes */
#include "core/cursor.h"
#include "ext4/ext4.h"
#include "fsimg/journal.h"

#define EXT2_JOURNAL_INO 8u
#define EXT4_XATTR_INDEX_ENCRYPTION 9u
/* fscrypt contexts: v1 is 28 bytes, v2 40 (fs/crypto/policy.c) */
#define FSCRYPT_CONTEXT_V1_SIZE 28u
#define FSCRYPT_CONTEXT_V2_SIZE 40u

static void report_detail(struct check_ctx *c, enum problem_id id, fsimg_ino_t ino,
			  const char *detail)
{
	struct fsimg_problem_ctx p = ino ? pctx_inode(ino) : pctx_none();

	if (detail)
		PCTX_SET(p, detail, FSIMG_PF_DETAIL, detail);
	check_report(c, id, &p);
}

/*
 * The resize inode's layout (e2fsck's check_resize_inode, its checks kept
 * as they are, including looking at only a quarter of the reserved GDT
 * blocks): i_block holds only the double indirect block, inside the
 * filesystem; the inode is linked and has the regular-file bit; the
 * double indirect block names each reserved GDT block of group 0, and
 * that block names its copies in every group holding a superblock backup.
 * Returns why not, or NULL.
 */
static const char *resize_inode_fault(struct check_ctx *c)
{
	const struct fsimg_super *sb = e4(c)->sb;
	uint32_t per = sb->block_size / 4, gdt_off, desc_blocks;
	struct fsimg_inode in;
	uint8_t *dind, *ind;
	const char *why = NULL;
	uint64_t pblk, blk;

	if (fsimg_inode_read(&in, c->fs, EXT2_RESIZE_INO) < 0)
		return NULL;
	blk = get_le32(in.i_block + 4 * 13);
	for (unsigned i = 0; i < 15; i++)
		if (i != 13 && get_le32(in.i_block + 4 * i))
			return "a block other than the double indirect one";
	if (!blk || !in.links_count || !(in.mode & S_IFREG_) || blk < sb->first_data_block ||
	    blk >= sb->blocks_count)
		return "no usable double indirect block, no link or not a regular file";
	dind = fs_block_alloc(c->fs);
	ind = fs_block_alloc(c->fs);
	if (!dind || !ind)
		goto out;
	if (fs_read_block(c->fs, blk, dind) < 0) {
		why = "the double indirect block cannot be read";
		goto out;
	}
	desc_blocks = (uint32_t)(((uint64_t)sb->group_count + sb->desc_per_block - 1) / sb->desc_per_block);
	gdt_off = desc_blocks;
	pblk = (uint64_t)sb->first_data_block + 1 + desc_blocks;
	if (sb->block_size == 1024 && sb->first_data_block == 0)
		pblk++; /* 1 KiB bigalloc */
	for (unsigned i = 0; i < sb->reserved_gdt_blocks / 4u && !why; i++, gdt_off++, pblk++) {
		uint32_t ind_off = 0;

		gdt_off %= per;
		if (get_le32(dind + 4 * gdt_off) != pblk) {
			why = "the double indirect block does not name a reserved GDT block";
			break;
		}
		if (!fs_pblk_ok(c->fs, pblk) || fs_read_block(c->fs, pblk, ind) < 0) {
			why = "a reserved GDT block cannot be read";
			break;
		}
		for (fsimg_group_t g = 1; g < sb->group_count && ind_off < per; g++) {
			if (!ext4_group_has_super(sb, g))
				continue;
			if (get_le32(ind + 4 * ind_off) != pblk + (uint64_t)g * sb->blocks_per_group) {
				why = "a reserved GDT block does not name its backups";
				break;
			}
			ind_off++;
		}
	}
out:
	free(dind);
	free(ind);
	return why;
}

void check_super_rules(struct check_ctx *c)
{
	const struct fsimg_super *sb = e4(c)->sb;
	static const uint8_t zero_uuid[16];
	bool journal_named = sb->journal_inum != 0 || sb->journal_dev != 0 ||
			     memcmp(sb->journal_uuid, zero_uuid, sizeof(zero_uuid)) != 0;

	if (sb->feature_compat & EXT4_FEATURE_COMPAT_RESIZE_INODE) {
		const char *why = resize_inode_fault(c);

		if (why)
			report_detail(c, PR_RESIZE_INODE_INVALID, EXT2_RESIZE_INO, why);
	}
	/* PR_0_FS_REV_LEVEL (PR_NO_OK): features need a dynamic-revision superblock */
	if (sb->rev_level == EXT4_GOOD_OLD_REV &&
	    (sb->feature_compat || sb->feature_incompat || sb->feature_ro_compat))
		report_detail(c, PR_SUPER_REV0_FEATURES, 0, NULL);
	/* PR_0_HURD_CLEAR_FILETYPE: the Hurd's directory entries have no type (asked only when repairing) */
	if (sb->creator_os == EXT4_OS_HURD && (sb->feature_incompat & EXT4_FEATURE_INCOMPAT_FILETYPE))
		report_detail(c, PR_SUPER_HURD_FILETYPE, 0, NULL);
	/*
	 * PR_0_JOURNAL_HAS_JOURNAL, PR_0_JOURNAL_RECOVER_SET: journal fields or
	 * needs_recovery without has_journal. A journal inode that cannot be
	 * one is SUPER_JOURNAL_INVALID's (e2fsck's PR_0_JOURNAL_BAD_INODE).
	 */
	if (!sb->has_journal) {
		if (sb->journal_inum != 0)
			report_detail(c, PR_SUPER_JOURNAL_NO_FEATURE, sb->journal_inum, NULL);
		else if (sb->needs_recovery && !journal_named)
			report_detail(c, PR_SUPER_RECOVER_NO_JOURNAL, 0, NULL);
		/* an external journal (UUID, device) depends on the host's devices: not judged */
	}
}

/* e2fsck's rule for inodes 8, 3/4/s_prj_quota_inum and the orphan file without their feature. */
static void reserved_not_clear(struct check_ctx *c, const struct fsimg_inode *in)
{
	const struct fsimg_super *sb = e4(c)->sb;
	fsimg_ino_t ino = in->ino;
	bool quota = sb->feature_ro_compat & EXT4_FEATURE_RO_COMPAT_QUOTA;
	const char *what = NULL;
	char detail[96];

	/* e2fsck looks at struct ext2_inode's i_blocks: the low 32 bits only */
	if (in->links_count == 0 && (uint32_t)in->blocks_raw == 0 && get_le32(in->i_block) == 0)
		return;
	if (ino == EXT2_JOURNAL_INO && sb->journal_inum != EXT2_JOURNAL_INO)
		what = "journal inode";
	else if ((ino == EXT4_USR_QUOTA_INO || ino == EXT4_GRP_QUOTA_INO ||
		  (sb->prj_quota_inum && ino == sb->prj_quota_inum)) &&
		 !(quota && ext4_sb_inode_role(sb, ino) != EXT4_SBINO_NONE))
		what = "quota inode";
	else if (sb->orphan_file_inum && ino == sb->orphan_file_inum &&
		 !(sb->feature_compat & EXT4_FEATURE_COMPAT_ORPHAN_FILE))
		what = "orphan file inode";
	if (!what)
		return;
	snprintf(detail, sizeof(detail), "%s not in use (no feature names it) but holds data", what);
	report_detail(c, PR_RESERVED_INODE_NOT_CLEAR, ino, detail);
}

/*
 * Encryption policies of the inodes with a valid context, for pass 5's
 * check that an encrypted directory's entries share its policy (e2fsck's
 * encrypted_files.c): per inode, a 64-bit FNV-1a hash of the context less
 * its nonce (v1: 12 bytes, v2: 24), POLICY_UNKNOWN for versions past 2 (all
 * alike, as e2fsck's UNRECOGNIZED_ENCRYPTION_POLICY); at most one key per
 * inode of the filesystem.
 */
#define POLICY_UNKNOWN UINT64_MAX

static void enc_note(struct check_ctx *c, uint32_t ino, uint64_t policy)
{
	idmap_put(e4(c)->encpol, ino, policy, true);
}

void check_enc_start(struct check_ctx *c)
{
	if (!e4(c)->encpol && (e4(c)->sb->feature_incompat & EXT4_FEATURE_INCOMPAT_ENCRYPT))
		e4(c)->encpol = idmap_new(e4(c)->sb->inodes_count);
}

int check_enc_policy(const struct check_ctx *c, fsimg_ino_t ino, uint64_t *policy)
{
	return idmap_get(e4(c)->encpol, ino, policy);
}

void check_enc_free(struct check_ctx *c)
{
	idmap_free(e4(c)->encpol);
	e4(c)->encpol = NULL;
}

/* An encryption context's value: 1 valid (its policy noted), 2 corrupt. */
static int encryption_value(struct check_ctx *c, const struct fsimg_inode *in, const uint8_t *v, size_t len)
{
	uint64_t h = 0xcbf29ce484222325u;
	size_t plen;

	/* fscrypt_context_to_policy: version 0, or a known version of the wrong size, is corrupt */
	if (len < 1 || v[0] == 0 || (v[0] == 1 && len != FSCRYPT_CONTEXT_V1_SIZE) ||
	    (v[0] == 2 && len != FSCRYPT_CONTEXT_V2_SIZE))
		return 2;
	if (v[0] > 2) {
		enc_note(c, in->ino, POLICY_UNKNOWN);
		return 1;
	}
	plen = len - 16; /* the nonce ends the context */
	for (size_t i = 0; i < plen; i++)
		h = (h ^ v[i]) * 0x100000001b3u;
	enc_note(c, in->ino, h == POLICY_UNKNOWN ? h - 1 : h);
	return 1;
}

/*
 * Has the inode its encryption context (xattr index 9, "c", in the inode
 * body or its xattr block, where e2fsck also looks)? 1 valid (its policy
 * noted), 2 corrupt, 0 none, -1 unknown (an xattr block that cannot be read
 * or is invalid).
 */
static int encryption_context(struct check_ctx *c, const struct fsimg_inode *in, const uint8_t *raw)
{
	const uint8_t *v;
	size_t len;
	uint8_t *blk;
	int r;

	if (ext4_xattr_ibody_get_e2fs(raw, e4(c)->sb->inode_size, EXT4_XATTR_INDEX_ENCRYPTION, "c", &v,
				      &len) == 0)
		return encryption_value(c, in, v, len);
	if (!in->file_acl)
		return 0;
	if (in->file_acl >= e4(c)->sb->blocks_count || !(blk = malloc(c->fs->block_size)))
		return -1;
	if (fs_read_block(c->fs, in->file_acl, blk) < 0)
		r = -1;
	else if ((r = ext4_xattr_block_get(blk, c->fs->block_size, EXT4_XATTR_INDEX_ENCRYPTION, "c", &v,
					    &len)) == 0)
		r = encryption_value(c, in, v, len);
	else
		r = r == FSIMG_ENOENT ? 0 : -1;
	free(blk);
	return r;
}

/*
 * An inline directory's data is i_block's 60 bytes and system.data's value
 * (a missing one is INODE_BAD_INLINE's): i_size must say so (e2fsck pass
 * 1, bad_size 7), and the data is whole 4-byte words leaving, past i_block,
 * room for one entry (pass 2, PR_2_BAD_INLINE_DIR_SIZE).
 */
static void inline_dir_size(struct check_ctx *c, const struct fsimg_inode *in, const uint8_t *raw)
{
	struct fsimg_problem_ctx p = pctx_inode(in->ino);
	const uint8_t *v;
	size_t len;
	uint64_t sz;

	if (ext4_xattr_ibody_get_e2fs(raw, e4(c)->sb->inode_size, EXT4_XATTR_INDEX_SYSTEM, "data", &v,
				      &len) < 0)
		return;
	sz = 60 + (uint64_t)len;
	if (sz != in->size) {
		PCTX_SET(p, found, FSIMG_PF_FOUND, in->size);
		PCTX_SET(p, expected, FSIMG_PF_EXPECTED, sz);
		PCTX_SET(p, detail, FSIMG_PF_DETAIL, "the inline data's size");
		check_report(c, PR_INODE_BAD_SIZE, &p);
		p = pctx_inode(in->ino);
	}
	if ((sz & 3) || (sz > 60 && sz < 60 + 12)) {
		PCTX_SET(p, found, FSIMG_PF_FOUND, sz);
		check_report(c, PR_INLINE_DIR_SIZE, &p);
	}
}

/* ext2fs_extent_header_verify over i_block: the magic, entries <= max, max fitting (less two) */
static bool iblock_is_extent_root(const uint8_t *ib)
{
	uint16_t entries = get_le16(ib + 2), max = get_le16(ib + 4);
	unsigned fit = (60 - 12) / 12;

	return get_le16(ib) == EXT4_EXT_MAGIC && entries <= max && max <= fit && max + 2u >= fit;
}

/*
 * The reserved inodes e2fsck's pass 1 hands to check_blocks, by its branch
 * order: not the bad blocks inode; the journal inode where s_journal_inum
 * names it; inodes 3 and 4 where the quota feature's superblock names them;
 * the orphan file with its feature; every other one below s_first_ino.
 */
static bool reserved_blocks_checked(const struct fsimg_super *sb, fsimg_ino_t ino, bool low)
{
	if (ino == 1)
		return false;
	if (ino == EXT2_JOURNAL_INO)
		return sb->journal_inum == EXT2_JOURNAL_INO;
	if (ino == EXT4_USR_QUOTA_INO || ino == EXT4_GRP_QUOTA_INO)
		return (sb->feature_ro_compat & EXT4_FEATURE_RO_COMPAT_QUOTA) &&
		       ext4_sb_inode_role(sb, ino) != EXT4_SBINO_NONE;
	if (sb->orphan_file_inum && ino == sb->orphan_file_inum)
		return (sb->feature_compat & EXT4_FEATURE_COMPAT_ORPHAN_FILE) != 0;
	return low;
}

void check_inode_rules(struct check_ctx *c, const struct fsimg_inode *in, const uint8_t *raw,
		       bool reserved)
{
	const struct fsimg_super *sb = e4(c)->sb;
	uint32_t fl = in->flags;
	uint16_t fmt = in->mode & S_IFMT_;
	bool special = fmt == S_IFCHR_ || fmt == S_IFBLK_ || fmt == S_IFIFO_ || fmt == S_IFSOCK_;
	fsimg_ino_t ino = in->ino;

	/* pass 1, for every inode in use */
	/* an extent tree in i_block without EXTENTS_FL: read as a block map, it is garbage */
	if ((sb->feature_incompat & EXT4_FEATURE_INCOMPAT_EXTENTS) && !(fl & EXT4_EXTENTS_FL) &&
	    (in->links_count || ino == 1 || ino == FSIMG_ROOT_INO || ino == EXT2_JOURNAL_INO) &&
	    (fmt == S_IFREG_ || fmt == S_IFDIR_) && iblock_is_extent_root(in->i_block))
		report_detail(c, PR_INODE_EXTENTS_NO_FLAG, ino, NULL);
	/* the bad blocks inode holds a list only: no mode, owner, links, inline data or xattrs */
	if (ino == 1 && (in->mode || in->uid || in->gid || in->links_count ||
			 (fl & EXT4_INLINE_DATA_FL) || in->file_acl))
		report_detail(c, PR_BAD_BLOCKS_INODE_INVALID, ino, NULL);
	if (fl & EXT4_CASEFOLD_FL) {
		if (fmt != S_IFDIR_)
			report_detail(c, PR_INODE_CASEFOLD_NONDIR, ino, NULL);
		else if (!(sb->feature_incompat & EXT4_FEATURE_INCOMPAT_CASEFOLD))
			report_detail(c, PR_INODE_CASEFOLD_NO_FEATURE, ino, NULL);
	}
	if (reserved) {
		bool low = ino < (sb->rev_level == EXT4_GOOD_OLD_REV ? EXT4_GOOD_OLD_FIRST_INO : sb->first_ino);

		if (low || ext4_sb_inode_role(sb, ino) != EXT4_SBINO_NONE)
			reserved_not_clear(c, in);
		/*
		 * e2fsck's check_blocks walks the reserved inodes too and counts a
		 * regular one of 2 GiB or more (the resize inode's i_size is over
		 * 4 GiB) as a large file (PR_2_FEATURE_LARGE_FILES).
		 */
		if (low && ino != 1 && fmt == S_IFREG_ && in->size >= UINT64_C(0x80000000) &&
		    !(sb->feature_ro_compat & EXT4_FEATURE_RO_COMPAT_LARGE_FILE))
			report_detail(c, PR_INODE_LARGE_NO_FEATURE, ino, "large_file");
		/* check_blocks' handle_htree asks of INDEX_FL whatever the reserved inode's mode */
		if ((fl & EXT4_INDEX_FL) && fmt != S_IFDIR_ && reserved_blocks_checked(sb, ino, low))
			report_detail(c, PR_INODE_INDEX_NONDIR, ino, NULL);
		return;
	}
	if ((fl & EXT4_IMAGIC_FL) && !(sb->feature_compat & EXT4_FEATURE_COMPAT_IMAGIC_INODES))
		report_detail(c, PR_INODE_IMAGIC, ino, NULL);
	/*
	 * check_immutable and check_size, for the types e2fsck accepts as
	 * such. The flags are an error though e2fsck -n lets them pass
	 * (PR_NO_OK): -fy clears them, and the kernel never leaves them on a
	 * special inode or symlink (ext4_mask_flags keeps EXT4_OTHER_FLMASK,
	 * nodump and noatime, and ext4_ioctl_setflags refuses the rest).
	 */
	if ((special || fmt == S_IFLNK_) && (fl & (EXT4_IMMUTABLE_FL | EXT4_APPEND_FL)))
		report_detail(c, PR_INODE_SPECIAL_IMMUTABLE, ino, NULL);
	if (special && in->size != 0) {
		struct fsimg_problem_ctx p = pctx_inode(ino);

		PCTX_SET(p, found, FSIMG_PF_FOUND, in->size);
		check_report(c, PR_INODE_SPECIAL_SIZE, &p);
	}
	/* handle_htree's first tests (devices with INDEX_FL are INODE_BAD_DEVICE's) */
	if ((fl & EXT4_INDEX_FL) && !special) {
		if (fmt != S_IFDIR_)
			report_detail(c, PR_INODE_INDEX_NONDIR, ino, NULL);
		else if (!(sb->feature_compat & EXT4_FEATURE_COMPAT_DIR_INDEX))
			report_detail(c, PR_INODE_INDEX_NO_FEATURE, ino, NULL);
	}
	/* the kernel cannot allocate clusters to a block-mapped file */
	if ((sb->feature_ro_compat & EXT4_FEATURE_RO_COMPAT_BIGALLOC) &&
	    (fmt == S_IFREG_ || fmt == S_IFDIR_) &&
	    !(fl & (EXT4_EXTENTS_FL | EXT4_INLINE_DATA_FL)) &&
	    in->blocks > (in->file_acl ? sb->cluster_size >> 9 : 0))
		report_detail(c, PR_INODE_BIGALLOC_BLOCKMAP, ino, NULL);
	/* the Hurd's i_frag and i_fsize (osd2), which e2fsck wants zero */
	if (sb->creator_os == EXT4_OS_HURD && (raw[0x74] || raw[0x75])) {
		struct fsimg_problem_ctx p = pctx_inode(ino);

		PCTX_SET(p, found, FSIMG_PF_FOUND, raw[0x74] ? raw[0x74] : raw[0x75]);
		PCTX_SET(p, detail, FSIMG_PF_DETAIL, raw[0x74] ? "i_frag (Hurd)" : "i_fsize (Hurd)");
		check_report(c, PR_INODE_FIELD_NONZERO, &p);
	}
	/* 2 GiB and more: large_file (e2fsck pass 1 counts, pass 2 asks); htree directories: large_dir */
	if (in->size >= UINT64_C(0x80000000)) {
		if (fmt == S_IFREG_ && !(sb->feature_ro_compat & EXT4_FEATURE_RO_COMPAT_LARGE_FILE))
			report_detail(c, PR_INODE_LARGE_NO_FEATURE, ino, "large_file");
		else if (fmt == S_IFDIR_ && (fl & EXT4_INDEX_FL) &&
			 !(sb->feature_incompat & EXT4_FEATURE_INCOMPAT_LARGEDIR))
			report_detail(c, PR_INODE_LARGE_NO_FEATURE, ino, "large_dir");
	}
	if (fmt == S_IFDIR_ && (fl & EXT4_INLINE_DATA_FL) &&
	    (sb->feature_incompat & EXT4_FEATURE_INCOMPAT_INLINE_DATA))
		inline_dir_size(c, in, raw);
	if (fl & EXT4_ENCRYPT_FL) {
		int ctx = encryption_context(c, in, raw);

		if (ctx == 0)
			report_detail(c, PR_INODE_ENCRYPT_NO_CONTEXT, ino, "no encryption context");
		else if (ctx == 2)
			report_detail(c, PR_INODE_ENCRYPT_NO_CONTEXT, ino, "corrupt encryption context");
	}
}

/*
 * The kernel's ext4_orphan_get refuses an orphan below s_first_ino or past
 * s_inodes_count ("bad orphan inode", a filesystem error) and stops the
 * cleanup there; e2fsck -fy's release_orphan_inodes reports it (-n does not
 * release orphans): an error by the project's truth. With EXT4_ERROR_FS in
 * s_state both drop the list without reading it (ext4_orphan_cleanup,
 * release_orphan_inodes), so nothing is said then.
 */
void check_orphan_link(struct check_ctx *c, fsimg_ino_t ino, bool head)
{
	const struct fsimg_super *sb = e4(c)->sb;
	uint32_t first = sb->rev_level == EXT4_GOOD_OLD_REV ? EXT4_GOOD_OLD_FIRST_INO : sb->first_ino;
	struct fsimg_problem_ctx p;

	if ((ino >= first && ino <= sb->inodes_count) || (sb->state & EXT4_ERROR_FS))
		return;
	p = pctx_none();
	PCTX_SET(p, found, FSIMG_PF_FOUND, ino);
	PCTX_SET(p, detail, FSIMG_PF_DETAIL, head ? "s_last_orphan" : "a link of the orphan list");
	check_report(c, PR_ORPHAN_LIST_BAD_INODE, &p);
}

/*
 * A v1 journal superblock ends at s_first's neighbours (0x24 bytes): v2's
 * feature words and user count there are leftovers e2fsck clears (it tells
 * and goes on, also with -n: a warning). The kernel reads v1 as featureless.
 */
void check_journal_super_rules(struct check_ctx *c, const struct fsimg_journal_super *js)
{
	uint8_t raw[0x44];
	fsimg_file *f = NULL;
	int64_t n;

	/*
	 * csum v2/v3: the superblock's own checksum, and no v1 checksum beside
	 * it (jbd2's journal_get_superblock refuses both, e2fsck calls the
	 * superblock corrupt and stops).
	 */
	if (js && js->csum_version >= 2) {
		struct fsimg_problem_ctx p = pctx_none();

		if (js->csum_state == FSIMG_CSUM_BAD) {
			PCTX_SET(p, detail, FSIMG_PF_DETAIL, "the journal superblock's checksum does not match");
			check_report(c, PR_JOURNAL_BAD, &p);
		} else if (js->feature_compat & 0x1u /* JBD2_FEATURE_COMPAT_CHECKSUM */) {
			PCTX_SET(p, detail, FSIMG_PF_DETAIL, "checksum v1 together with v2/v3");
			check_report(c, PR_JOURNAL_BAD, &p);
		}
	}
	/* the parsed v1 superblock has no v2 fields: read them from the internal journal's block 0 */
	if (!js || js->blocktype != 3 || js->external || !e4(c)->sb->journal_inum ||
	    fsimg_file_open_ino(&f, c->fs, e4(c)->sb->journal_inum, 0) < 0)
		return;
	n = fsimg_file_read(f, raw, sizeof(raw), 0);
	fsimg_file_close(f);
	if (n != (int64_t)sizeof(raw))
		return;
	/* s_feature_compat, s_feature_incompat, s_feature_ro_compat (0x24..0x2f), s_nr_users (0x40) */
	if (get_be32(raw + 0x24) || get_be32(raw + 0x28) || get_be32(raw + 0x2C) || get_be32(raw + 0x40))
		check_report(c, PR_JOURNAL_V1_V2_FIELDS, NULL);
}
