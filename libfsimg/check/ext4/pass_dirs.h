/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Pass 5's state and the helpers its files share: pass_dirs.c (the pass,
 * the per-inode tables, the walk of each directory), pass_dirs_entries.c
 * (entries), pass_dirs_htree.c (htree indexes) and pass_dirs_links.c
 * (connectivity and link counts).
 */
#ifndef FSIMG_CHECK_PASS_DIRS_H
#define FSIMG_CHECK_PASS_DIRS_H

#include "check/ext4/e4check.h"

#define S_IFMT_ 0xF000u
#define S_IFDIR_ 0x4000u
#define DIRENT_TAIL_LEN 12u
#define LINK_MAX_ 65000u            /* EXT4_LINK_MAX: past it, dir_nlink counts 1 */
/* Directory blocks read at once (whole blocks of one run). */
#define DIRBUF_BYTES (32u * 1024u)

/* One directory in use. */
struct dinfo {
	fsimg_ino_t ino;
	fsimg_ino_t parent;          /* its "..", 0 unknown */
	fsimg_ino_t named_by;        /* the directory whose entry first named it, 0 none */
	uint8_t conn;                /* connectivity: CONN_* */
};
enum { CONN_UNKNOWN = 0, CONN_REACHED = 1, CONN_LOST = 2 };

/* i_links_count less the entries counted, for inodes whose counter left its byte. */
struct cnt_slot {
	fsimg_ino_t ino;             /* 0: empty */
	int32_t delta;
};

/* The pass's own per-inode state, sized by the filesystem, freed at the end. */
struct dirs_state {
	struct check_ctx *c;
	fsimg_fs *fs;
	const struct fsimg_super *sb;
	uint32_t bs;
	bool filetype;
	bool csum;

	struct dinfo *dirs;         /* every directory in use, by inode number */
	size_t ndirs;
	struct cnt_slot *cnt;       /* open addressing, a power of two */
	size_t ncnt, cnt_cap;

	uint32_t *names;            /* entry offsets of one block (duplicate names) */
	size_t nnames;
	const uint8_t *names_buf;
	uint8_t *dirbuf;            /* DIRBUF_BYTES of directory blocks */
	uint8_t *blk;               /* the block being checked, inside dirbuf */
	uint8_t *dxbuf;             /* one dx block */
	char name[FSIMG_NAME_MAX + 1];
	uint8_t cfbuf[EXT4_CASEFOLD_MAX]; /* a name's casefold */
};

/* One directory being walked. */
struct dwalk {
	struct fsimg_inode inode;
	uint64_t nblocks;            /* blocks below i_size, bounded by the filesystem */
	uint32_t seed;               /* metadata_csum seed of the directory */
	bool indexed;
	int hash_version;            /* resolved (signed/unsigned), -1 when the index is not used */
	bool casefold;               /* names hash by their utf8 casefold */
	bool hash_in_dirent;         /* SipHash (encrypted and casefolded): each entry stores its hash */
	uint64_t nent;               /* entries seen so far in block 0 (dot checks) */
	/* htree, per logical block (only when the index is used) */
	uint32_t *lo, *hi;           /* hash range the index gives a leaf */
	uint32_t *amin, *amax;       /* the hashes a leaf's names have (UINT32_MAX, 0: none yet) */
	uint32_t *pairs;             /* (rightmost leaf, next sibling node's leftmost leaf) */
	unsigned npairs;
	uint8_t *kind;               /* 0 unreferenced, 1 leaf, 2 leaf twice, 3 dx node */
	fsimg_lblk_t hash_reported;  /* one DX_LEAF_HASH per leaf (+1, 0 none) */
};

enum { BLK_NONE = 0, BLK_LEAF = 1, BLK_LEAF_DUP = 2, BLK_NODE = 3 };

static inline bool inuse(const struct dirs_state *s, fsimg_ino_t ino)
{
	return bit_test(s->c->ino_inuse, ino);
}

static inline bool isdir(const struct dirs_state *s, fsimg_ino_t ino)
{
	return bit_test(s->c->ino_isdir, ino);
}

static inline bool isbad(const struct dirs_state *s, fsimg_ino_t ino)
{
	return s->c->ino_bad && bit_test(s->c->ino_bad, ino);
}

static inline struct fsimg_problem_ctx pctx_blk(fsimg_ino_t ino, fsimg_lblk_t lblk)
{
	struct fsimg_problem_ctx p = pctx_inode(ino);

	PCTX_SET(p, lblk, FSIMG_PF_LBLK, lblk);
	return p;
}

/* The table entry of a directory (isdir), or NULL. */
CHECK_HIDDEN struct dinfo *dirs_find(struct dirs_state *s, fsimg_ino_t ino);
/* The side table's slot of ino: its own, or the empty one where it would go. */
CHECK_HIDDEN struct cnt_slot *dirs_cnt_slot(struct dirs_state *s, fsimg_ino_t ino);
/* One more entry names ino: counts it down (pass_dirs.c). */
CHECK_HIDDEN void dirs_ref_inc(struct dirs_state *s, fsimg_ino_t ino);

/*
 * One live entry of directory d (position idx among the entries of block 0,
 * or ~0 elsewhere): the checks of e2fsck's check_dir_block, then counting.
 */
CHECK_HIDDEN void dirs_check_entry(struct dirs_state *s, struct dwalk *d, fsimg_lblk_t lblk, uint64_t idx,
				   const struct ext4_dirent *de);
/* Entries of one region [0, len) of buf: a leaf block, or a region of an inline directory. */
CHECK_HIDDEN void dirs_walk_entries(struct dirs_state *s, struct dwalk *d, fsimg_lblk_t lblk,
				    const uint8_t *buf, size_t len, bool block0);

/* Parses and walks the index of d from its root; sets d->hash_version, -1 when unusable. */
CHECK_HIDDEN void dirs_dx_check(struct dirs_state *s, struct dwalk *d);
/* After the leaves: sibling nodes' names do not overlap; frees the index's arrays. */
CHECK_HIDDEN void dirs_dx_finish(struct dirs_state *s, struct dwalk *d);

/* Whether dir reaches the root through the names (e2fsck pass 3); marks the path. */
CHECK_HIDDEN void dirs_check_connected(struct dirs_state *s, fsimg_ino_t dir);
/* i_links_count against the entries counted (e2fsck pass 4). */
CHECK_HIDDEN void dirs_check_links(struct dirs_state *s, fsimg_ino_t ino);
/* lost+found in the root: e2fsck pass 3 creates it when missing (an error under -n). */
CHECK_HIDDEN void dirs_check_lost_found(struct dirs_state *s);

/*
 * Entry rules by the directory's kind (pass_dirs_rules.c): the byte after
 * "." and ".."; encrypted and casefolded names (true: the name was judged
 * as ciphertext, skip the '/' and NUL rule); encryption policies.
 */
CHECK_HIDDEN void dirs_dot_rules(struct dirs_state *s, struct dwalk *d, uint64_t idx,
				 const struct ext4_dirent *de);
CHECK_HIDDEN bool dirs_name_rules(struct dirs_state *s, struct dwalk *d, const struct ext4_dirent *de,
				  const struct fsimg_problem_ctx *p);
/* The dx root's hash version against the directory's flags, its incompat flag (e2fsck handle_htree). */
CHECK_HIDDEN void dirs_dx_root_rules(struct dirs_state *s, struct dwalk *d, const uint8_t *root,
				     const struct ext4_dx_info *info);
CHECK_HIDDEN void dirs_policy_rules(struct dirs_state *s, struct dwalk *d, const struct ext4_dirent *de,
				    const struct fsimg_problem_ctx *p);

#endif /* FSIMG_CHECK_PASS_DIRS_H */
