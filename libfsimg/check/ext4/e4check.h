/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The ext2/3/4 passes: what they share beyond the framework (check/check.h).
 * Their state hangs off the context's be pointer as a struct e4check.
 */
#ifndef FSIMG_CHECK_EXT4_E4CHECK_H
#define FSIMG_CHECK_EXT4_E4CHECK_H

#include "check/check.h"
#include "ext4/ext4.h"

struct e4check {
	const struct fsimg_super *sb;
	/*
	 * pass 2 → 6: orphans, on the s_last_orphan chain or in the orphan
	 * file (NULL: none). A deleted one (link count 0) keeps its inode and
	 * blocks until the kernel or e2fsck releases them, so pass 6 counts
	 * them in use.
	 */
	uint8_t *ino_orphan;

	/* pass 2 → quota usage pass: per-id usage (pass_quota_usage.c; NULL: not checked) */
	struct quota_usage *quota;
	/* pass 2 → 5: encryption policies by inode (pass_rules.c; NULL: no encrypt feature) */
	struct idmap *encpol;
	/* pass 2: references to each xattr block (pass_xattr.c compares h_refcount) */
	struct idmap *xattr_refs;
	/* pass 2 → 5: the bad block list (pass_badblocks.c; NULL: empty) */
	struct badblocks *bad;
};

static inline struct e4check *e4(const struct check_ctx *c)
{
	return (struct e4check *)c->be;
}

/* The passes, in order. Each returns 0, or <0 when the check cannot go on. */
CHECK_HIDDEN int check_pass_super(struct check_ctx *c);   /* 1: superblock, groups, metadata layout */
CHECK_HIDDEN int check_pass_inodes(struct check_ctx *c);  /* 2+3: inodes, extent trees, data state */
CHECK_HIDDEN int check_pass_dups(struct check_ctx *c);    /* 4: blocks claimed twice, every owner */
CHECK_HIDDEN int check_pass_dirs(struct check_ctx *c);    /* 5: directories, connectivity, links */
CHECK_HIDDEN int check_pass_ea_inodes(struct check_ctx *c); /* 5b: ea_inode references and counts */
/* The clusters e2fsck charges an inode's i_blocks for its xattr values held in EA inodes */
CHECK_HIDDEN uint64_t check_ea_inode_charge(struct check_ctx *c, const struct fsimg_inode *in);
/* An xattr entry's hash over its name and (value not NULL) its padded value words. */
CHECK_HIDDEN uint32_t check_xattr_hash(const uint8_t *e, const uint8_t *value, bool is_signed);
CHECK_HIDDEN int check_pass_bitmaps(struct check_ctx *c); /* 6: bitmaps and summary counts */
CHECK_HIDDEN int check_pass_journal(struct check_ctx *c); /* 7: journal and what the crash left */

/* Parts of passes kept in their own files. */
CHECK_HIDDEN void check_quota_inodes(struct check_ctx *c);         /* pass 1: pass_quota.c */
/*
 * Quota usage (pass_quota_usage.c): start before pass 2's threads, add per
 * inode in use (safe from pass 2's threads), the pass compares with the
 * quota files, free with the context.
 */
CHECK_HIDDEN void check_quota_usage_start(struct check_ctx *c);
CHECK_HIDDEN void check_quota_usage_add(struct check_ctx *c, const struct fsimg_inode *in,
					uint64_t clusters);
/* More space and inodes charged to in's ids (an xattr inode's value, pass_ea_inode.c). */
CHECK_HIDDEN void check_quota_usage_charge(struct check_ctx *c, const struct fsimg_inode *in,
					   uint64_t clusters, uint64_t inodes);
CHECK_HIDDEN int check_pass_quota_usage(struct check_ctx *c);
CHECK_HIDDEN void check_quota_usage_free(struct check_ctx *c);
/* Field and flag rules against the features (pass_rules.c): pass 1's superblock, pass 2's inodes. */
CHECK_HIDDEN void check_super_rules(struct check_ctx *c);
CHECK_HIDDEN void check_inode_rules(struct check_ctx *c, const struct fsimg_inode *in,
				    const uint8_t *raw, bool reserved);
CHECK_HIDDEN void check_mmp(struct check_ctx *c);                  /* pass 1: pass_mmp.c */
/* Pass 7 (pass_rules.c): the journal superblock's checksum, v2 fields set in a v1 one. */
struct fsimg_journal_super;
CHECK_HIDDEN void check_journal_super_rules(struct check_ctx *c, const struct fsimg_journal_super *js);
/* Pass 2, per inode of the s_last_orphan chain (pass_rules.c): one the kernel refuses. */
CHECK_HIDDEN void check_orphan_link(struct check_ctx *c, fsimg_ino_t ino, bool head);
/* Encryption policies noted in pass 2 (start before its threads), read in pass 5. */
CHECK_HIDDEN void check_enc_start(struct check_ctx *c);
/* 1 and *policy for an inode with a valid context, 0 none, -1 unknown (not kept). */
CHECK_HIDDEN int check_enc_policy(const struct check_ctx *c, fsimg_ino_t ino, uint64_t *policy);
CHECK_HIDDEN void check_enc_free(struct check_ctx *c);
/* References to xattr blocks (pass_xattr.c): start before pass 2's threads, one per inode naming it. */
CHECK_HIDDEN void check_xattr_refs_start(struct check_ctx *c);
CHECK_HIDDEN void check_xattr_ref(struct check_ctx *c, fsimg_pblk_t blk);
CHECK_HIDDEN void check_super_fields(struct check_ctx *c);         /* pass 1: pass_super_fields.c */
/* Pass 2, per reserved inode (pass_super_fields.c): its mode. */
CHECK_HIDDEN void check_reserved_mode(struct check_ctx *c, const struct fsimg_inode *in);
/* Pass 2, per inode in use past the reserved ones (pass_super_fields.c): fields kept zero. */
CHECK_HIDDEN void check_inode_fields(struct check_ctx *c, const struct fsimg_inode *in,
				     const uint8_t *raw);
CHECK_HIDDEN void check_journal_inode_backup(struct check_ctx *c); /* pass 1: pass_journal.c */
/*
 * Pass 2, before the scan (pass_orphan.c): the orphan file's blocks and
 * entries; the orphans it names are set in *orphans (allocated if NULL).
 */
CHECK_HIDDEN void check_orphan_file(struct check_ctx *c, uint8_t **orphans);
/*
 * Pass 2, per inode in use (pass_xattr.c): i_file_acl against the features,
 * the xattrs in the inode body. False when the xattr block is not the
 * inode's to claim (no ext_attr feature).
 */
CHECK_HIDDEN bool check_xattr_inode(struct check_ctx *c, const struct fsimg_inode *in,
				    const uint8_t *raw);
/* End of pass 2 (pass_xattr.c): every xattr block named by an inode, once, in block order. */
CHECK_HIDDEN void check_xattr_blocks(struct check_ctx *c, const uint8_t *seen);

/*
 * The bad block list (pass_badblocks.c): loaded before pass 2's threads
 * (reports an indirect block of inode 1 that the list names); is ino's
 * inode table block on it; freed with the context.
 */
CHECK_HIDDEN void check_badblocks_load(struct check_ctx *c);
CHECK_HIDDEN bool check_inode_in_bad_block(const struct check_ctx *c, fsimg_ino_t ino);
CHECK_HIDDEN void check_badblocks_free(struct check_ctx *c);

#endif /* FSIMG_CHECK_EXT4_E4CHECK_H */
