/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Pass 5: directories, connectivity and link counts (e2fsck passes 2, 3, 4).
 *
 * Every in-use directory is walked block by block with the block-level
 * parsers of ext4/dir.c and ext4/htree.c rather than through fsimg_dir_*,
 * which stops at the first damaged entry: a checker reports each problem and
 * goes on with the next block. Blocks are found only through the mapping
 * iterator.
 *
 * Nothing here reads an inode for an entry: pass 2 left each inode's file
 * type and link count in c->ino_info, and each entry naming an inode counts
 * down its counter ("." and ".." included); the few counts that leave the
 * byte's range live in a small hash table. Per directory (a table sorted by
 * inode number, from pass 2's directory bitmap): its "..", and the directory
 * whose entry first named it. Connectivity follows those names upwards from
 * every directory to the root, with a bound and a visited mark; link counts
 * compare i_links_count with the entries counted, as e2fsck pass 4 does,
 * reading only the inodes whose counter did not come out even.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/check.h"

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
};

/* One directory being walked. */
struct dwalk {
	struct fsimg_inode inode;
	uint64_t nblocks;            /* blocks below i_size, bounded by the filesystem */
	uint32_t seed;               /* metadata_csum seed of the directory */
	bool indexed;
	int hash_version;            /* resolved (signed/unsigned), -1 when the index is not used */
	uint64_t nent;               /* entries seen so far in block 0 (dot checks) */
	/* htree, per logical block (only when the index is used) */
	uint32_t *lo, *hi;           /* hash range the index gives a leaf */
	uint8_t *kind;               /* 0 unreferenced, 1 leaf, 2 leaf twice, 3 dx node */
	fsimg_lblk_t hash_reported;  /* one DX_LEAF_HASH per leaf (+1, 0 none) */
};

enum { BLK_NONE = 0, BLK_LEAF = 1, BLK_LEAF_DUP = 2, BLK_NODE = 3 };

static bool inuse(const struct dirs_state *s, fsimg_ino_t ino)
{
	return bit_test(s->c->ino_inuse, ino);
}

static bool isdir(const struct dirs_state *s, fsimg_ino_t ino)
{
	return bit_test(s->c->ino_isdir, ino);
}

/* The table entry of a directory (isdir), or NULL. */
static struct dinfo *dir_find(struct dirs_state *s, fsimg_ino_t ino)
{
	size_t lo = 0, hi = s->ndirs;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->dirs[mid].ino < ino)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < s->ndirs && s->dirs[lo].ino == ino ? &s->dirs[lo] : NULL;
}


static bool isbad(const struct dirs_state *s, fsimg_ino_t ino)
{
	return s->c->ino_bad && bit_test(s->c->ino_bad, ino);
}

/* The side table's slot of ino: its own, or the empty one where it would go. */
static struct cnt_slot *cnt_slot(struct dirs_state *s, fsimg_ino_t ino)
{
	size_t mask = s->cnt_cap - 1, i = (size_t)((ino * 0x9E3779B1u) & mask);

	while (s->cnt[i].ino && s->cnt[i].ino != ino)
		i = (i + 1) & mask;
	return &s->cnt[i];
}

static int cnt_grow(struct dirs_state *s)
{
	struct cnt_slot *old = s->cnt;
	size_t cap = s->cnt_cap;

	s->cnt_cap = cap ? cap * 2 : 1024;
	s->cnt = calloc(s->cnt_cap, sizeof(*s->cnt));
	if (!s->cnt) {
		s->cnt = old;
		s->cnt_cap = cap;
		return FSIMG_ENOMEM;
	}
	for (size_t i = 0; i < cap; i++)
		if (old[i].ino)
			*cnt_slot(s, old[i].ino) = old[i];
	free(old);
	return 0;
}

/*
 * One more entry names ino. The counter counts down in its two bits; past
 * their end the count moves to the side table (a count pass 2 could not
 * store starts from the inode's own i_links_count, read once).
 */
static void ref_inc(struct dirs_state *s, fsimg_ino_t ino)
{
	struct check_ctx *c = s->c;
	unsigned cnt = ino_cnt(c, ino);
	struct cnt_slot *e;

	if (!inuse(s, ino))
		return; /* not counted: only inodes in use have their links checked */
	if (cnt > INO_CNT_EVEN) {
		ino_cnt_set(c, ino, cnt - 1);
		return;
	}
	if (s->ncnt + 1 > s->cnt_cap / 2 && cnt_grow(s) < 0)
		return; /* out of memory: this entry goes uncounted */
	e = cnt_slot(s, ino);
	if (!e->ino) {
		struct fsimg_inode in;

		e->ino = ino;
		if (cnt == INO_CNT_EVEN)
			e->delta = 0;
		else
			e->delta = fsimg_inode_read(&in, s->fs, ino) == 0 ? in.links_count : 0;
		s->ncnt++;
		ino_cnt_set(c, ino, INO_CNT_ESC);
	}
	if (e->delta > INT32_MIN)
		e->delta--;
}

/* The file type an entry naming ino should carry (fsimg_mode_to_ftype); -1 unknown. */
static int entry_ftype(struct dirs_state *s, fsimg_ino_t ino)
{
	struct fsimg_inode in;

	switch (ino_kind(s->c, ino)) {
	case INO_KIND_REG: return 1;
	case INO_KIND_DIR: return 2;
	case INO_KIND_SYMLINK: return 7;
	}
	/* devices, fifos, sockets: rare enough to read */
	return fsimg_inode_read(&in, s->fs, ino) == 0 ? fsimg_mode_to_ftype(in.mode) : -1;
}

static const char *name_str(struct dirs_state *s, const uint8_t *name, unsigned len)
{
	unsigned i;

	/* Printable form for messages: control bytes and NUL shown as '?'. */
	for (i = 0; i < len && i < FSIMG_NAME_MAX; i++)
		s->name[i] = (name[i] < 0x20 || name[i] == 0x7f) ? '?' : (char)name[i];
	s->name[i] = '\0';
	return s->name;
}

static struct fsimg_problem_ctx pctx_blk(fsimg_ino_t ino, fsimg_lblk_t lblk)
{
	struct fsimg_problem_ctx p = pctx_inode(ino);

	PCTX_SET(p, lblk, FSIMG_PF_LBLK, lblk);
	return p;
}

/* ------------------------------------------------------------ entries */

/*
 * One live entry of directory d (position idx among the entries of block 0,
 * or ~0 elsewhere): the checks of e2fsck's check_dir_block, then counting.
 */
static void check_entry(struct dirs_state *s, struct dwalk *d, fsimg_lblk_t lblk, uint64_t idx,
			const struct ext4_dirent *de)
{
	struct check_ctx *c = s->c;
	fsimg_ino_t dir = d->inode.ino;
	struct fsimg_problem_ctx p = pctx_blk(dir, lblk);
	bool dot = de->name_len == 1 && de->name[0] == '.';
	bool dotdot = de->name_len == 2 && de->name[0] == '.' && de->name[1] == '.';
	const char *nm = name_str(s, de->name, de->name_len);
	struct dinfo *t;
	unsigned i;

	PCTX_SET(p, found, FSIMG_PF_FOUND, de->inode);
	PCTX_SET(p, detail, FSIMG_PF_DETAIL, nm);

	/*
	 * "." first and ".." second in block 0 (e2fsck check_dot, check_dotdot):
	 * a wrong one is reported, then taken for what it should be.
	 */
	if (idx == 0) {
		if (!dot || de->inode != dir) {
			struct fsimg_problem_ctx q = pctx_inode(dir);

			PCTX_SET(q, detail, FSIMG_PF_DETAIL, dot ? "'.' names another inode" : "found another name");
			check_report(c, PR_DIR_NO_DOT, &q);
		}
		goto count;
	} else if (idx == 1) {
		if (!dotdot) {
			struct fsimg_problem_ctx q = pctx_inode(dir);

			PCTX_SET(q, detail, FSIMG_PF_DETAIL, nm);
			check_report(c, PR_DIR_NO_DOTDOT, &q);
		}
		if (de->inode <= s->sb->inodes_count && dir_find(s, dir))
			dir_find(s, dir)->parent = de->inode;
		goto count;
	}

	if (de->name_len == 0) {
		PCTX_SET(p, detail, FSIMG_PF_DETAIL, "empty name");
		check_report(c, PR_DIRENT_BAD_NAME, &p);
	} else if (dot || dotdot) {
		PCTX_SET(p, detail, FSIMG_PF_DETAIL, dot ? "a second '.'" : "a second '..'");
		check_report(c, PR_DIRENT_BAD_NAME, &p);
		return;
	} else {
		for (i = 0; i < de->name_len; i++)
			if (de->name[i] == '/' || de->name[i] == '\0')
				break;
		if (i < de->name_len) {
			PCTX_SET(p, detail, FSIMG_PF_DETAIL, "holds '/' or NUL");
			check_report(c, PR_DIRENT_BAD_NAME, &p);
		}
	}

	/*
	 * Reserved inodes other than the root, and the superblock's quota and
	 * orphan file inodes, are named by no one (e2fsck PR_2_BAD_INO).
	 */
	if (de->inode > s->sb->inodes_count ||
	    (de->inode != FSIMG_ROOT_INO && de->inode < s->sb->first_ino) ||
	    ext4_sb_inode_nameless(s->sb, de->inode)) {
		check_report(c, PR_DIRENT_BAD_INODE, &p);
		return;
	}
	if (!inuse(s, de->inode)) {
		check_report(c, PR_DIRENT_UNUSED_INODE, &p);
		return;
	}

	if (s->filetype) {
		int want = entry_ftype(s, de->inode);

		if (want >= 0 && de->file_type != want) {
			struct fsimg_problem_ctx q = pctx_inode(dir);

			PCTX_SET(q, detail, FSIMG_PF_DETAIL, nm);
			PCTX_SET(q, found, FSIMG_PF_FOUND, de->file_type);
			PCTX_SET(q, expected, FSIMG_PF_EXPECTED, (uint64_t)want);
			check_report(c, PR_DIRENT_FILETYPE, &q);
		}
	}

	/* A directory has one name: a second one (or one for the root) is a hard link. */
	if (isdir(s, de->inode) && (t = dir_find(s, de->inode)) != NULL) {
		if (de->inode == FSIMG_ROOT_INO || de->inode == dir ||
		    (t->named_by && t->named_by != dir)) {
			struct fsimg_problem_ctx q = pctx_inode(dir);

			PCTX_SET(q, detail, FSIMG_PF_DETAIL, nm);
			PCTX_SET(q, found, FSIMG_PF_FOUND, de->inode);
			PCTX_SET(q, expected, FSIMG_PF_EXPECTED,
				 de->inode == FSIMG_ROOT_INO ? 0 : t->named_by);
			check_report(c, PR_DIR_HARDLINK, &q);
		} else if (t->named_by == dir) {
			struct fsimg_problem_ctx q = pctx_inode(dir);

			PCTX_SET(q, detail, FSIMG_PF_DETAIL, nm);
			PCTX_SET(q, found, FSIMG_PF_FOUND, de->inode);
			PCTX_SET(q, expected, FSIMG_PF_EXPECTED, dir);
			check_report(c, PR_DIR_HARDLINK, &q);
		} else {
			t->named_by = dir;
		}
	}
count:
	if (de->inode >= 1 && de->inode <= s->sb->inodes_count)
		ref_inc(s, de->inode);
}

/* Is a name's hash inside the range the index gave its leaf? */
static void check_leaf_hash(struct dirs_state *s, struct dwalk *d, fsimg_lblk_t lblk,
			    const struct ext4_dirent *de)
{
	uint32_t hash;

	if (d->hash_version < 0 || !d->lo || lblk == 0 || d->kind[lblk] == BLK_NONE)
		return;
	if (fsimg_dirhash(&hash, NULL, d->hash_version, s->sb->hash_seed, (const char *)de->name,
			  de->name_len) < 0)
		return;
	if ((hash < d->lo[lblk] || hash > d->hi[lblk]) && d->hash_reported != lblk + 1) {
		struct fsimg_problem_ctx p = pctx_blk(d->inode.ino, lblk);

		PCTX_SET(p, found, FSIMG_PF_FOUND, hash);
		PCTX_SET(p, detail, FSIMG_PF_DETAIL, name_str(s, de->name, de->name_len));
		check_report(s->c, PR_DX_LEAF_HASH, &p);
		d->hash_reported = lblk + 1;
	}
}

/* Orders entry offsets of s->names_buf by name (length first). */
static int name_cmp(const void *a, const void *b, void *arg)
{
	const struct dirs_state *s = arg;
	const uint8_t *x = s->names_buf + *(const uint32_t *)a;
	const uint8_t *y = s->names_buf + *(const uint32_t *)b;
	unsigned lx = s->filetype ? x[6] : (unsigned)(x[6] | x[7] << 8);
	unsigned ly = s->filetype ? y[6] : (unsigned)(y[6] | y[7] << 8);

	if (lx != ly)
		return lx < ly ? -1 : 1;
	return memcmp(x + EXT4_DIR_ENTRY_HEADER, y + EXT4_DIR_ENTRY_HEADER, lx);
}

/*
 * Two live entries of one name in one block (e2fsck's per-block dictionary,
 * PR_2_DUPLICATE_DIRENT): sorted, neighbours compared. The offsets were
 * parsed already, so every name lies inside the buffer.
 */
static void check_dup_names(struct dirs_state *s, struct dwalk *d, fsimg_lblk_t lblk)
{
	size_t i;

	if (s->nnames < 2)
		return;
	qsort_r(s->names, s->nnames, sizeof(*s->names), name_cmp, s);
	for (i = 1; i < s->nnames; i++) {
		if (name_cmp(&s->names[i - 1], &s->names[i], s) == 0) {
			const uint8_t *e = s->names_buf + s->names[i];
			unsigned len = s->filetype ? e[6] : (unsigned)(e[6] | e[7] << 8);
			struct fsimg_problem_ctx p = pctx_blk(d->inode.ino, lblk);

			PCTX_SET(p, detail, FSIMG_PF_DETAIL, name_str(s, e + EXT4_DIR_ENTRY_HEADER, len));
			check_report(s->c, PR_DIRENT_DUP_NAME, &p);
		}
	}
	s->nnames = 0;
}

/*
 * Entries of one region [0, len) of buf: a leaf block, or a region of an
 * inline directory. A broken entry ends the region (its rec_len cannot be
 * trusted to find the next); an inode number out of range does not.
 */
static void walk_entries(struct dirs_state *s, struct dwalk *d, fsimg_lblk_t lblk,
			 const uint8_t *buf, size_t len, bool block0)
{
	struct ext4_dirent de;
	char why[96];
	size_t off = 0;

	s->nnames = 0;
	s->names_buf = buf;
	while (off < len) {
		if (ext4_dirent_parse(s->fs, buf, len, off, &de, why, sizeof(why)) < 0) {
			if (de.inode > s->sb->inodes_count && strncmp(why, "inode ", 6) == 0) {
				/* The rec_len rules held: only the number is bad. */
				de.name = buf + off + EXT4_DIR_ENTRY_HEADER;
			} else {
				struct fsimg_problem_ctx p = pctx_blk(d->inode.ino, lblk);

				PCTX_SET(p, found, FSIMG_PF_FOUND, off);
				PCTX_SET(p, detail, FSIMG_PF_DETAIL, why);
				check_report(s->c, PR_DIRENT_CORRUPT, &p);
				break;
			}
		}
		if (de.inode != 0 || (block0 && d->nent < 2)) {
			check_entry(s, d, lblk, block0 ? d->nent : ~(uint64_t)0, &de);
			if (de.inode != 0)
				check_leaf_hash(s, d, lblk, &de);
			if (de.inode != 0 && s->nnames < s->bs / 12)
				s->names[s->nnames++] = (uint32_t)off;
		}
		if (block0)
			d->nent++;
		off += de.rec_len;
	}
	check_dup_names(s, d, lblk);
}

/* ------------------------------------------------------------- htree */

/* Reads logical block lblk of the directory into buf. */
static int dir_read_lblk(struct dirs_state *s, fsimg_file *f, uint32_t lblk, uint8_t *buf)
{
	int64_t got = fsimg_file_read(f, buf, s->bs, (uint64_t)lblk * s->bs);

	return got == (int64_t)s->bs ? 0 : FSIMG_ECORRUPT;
}

static void dx_csum(struct dirs_state *s, struct dwalk *d, uint32_t lblk, const uint8_t *blk,
		    const struct ext4_dx_node *node)
{
	int ok;

	if (!s->csum)
		return;
	ok = ext4_dx_csum_verify(s->fs, d->seed, blk, s->bs, node);
	if (ok != 1) {
		struct fsimg_problem_ctx p = pctx_blk(d->inode.ino, lblk);

		PCTX_SET(p, detail, FSIMG_PF_DETAIL, ok < 0 ? "node has no room for the" : "node fails its");
		check_report(s->c, PR_DX_BAD_CSUM, &p);
	}
}

/*
 * One dx block (the root at level 0) whose entries cover hashes [lo, hi]:
 * order, range, limit, then the children. Returns false when the index is
 * not to be used for leaf checks.
 */
static bool dx_walk(struct dirs_state *s, struct dwalk *d, fsimg_file *f, uint8_t *blk,
		    const struct ext4_dx_node *node, uint32_t lblk, unsigned level, unsigned levels,
		    uint32_t lo, uint32_t hi)
{
	struct ext4_dx_node child;
	char why[160];
	uint32_t h, b, prev = lo, nh, nb;
	bool ok = true;
	unsigned i;
	uint8_t *cblk;

	for (i = 0; i < node->count; i++) {
		ext4_dx_entry(blk, s->bs, node, i, &h, &b);
		if (i == 0)
			h = lo;
		if (h < prev || h > hi) {
			struct fsimg_problem_ctx p = pctx_blk(d->inode.ino, lblk);

			PCTX_SET(p, length, FSIMG_PF_LENGTH, i);
			PCTX_SET(p, found, FSIMG_PF_FOUND, h);
			PCTX_SET(p, expected, FSIMG_PF_EXPECTED, prev);
			check_report(s->c, PR_DX_HASH_ORDER, &p);
			ok = false;
		}
		prev = h;
		if (i + 1 < node->count)
			ext4_dx_entry(blk, s->bs, node, i + 1, &nh, &nb);
		else
			nh = hi;
		if (b == 0 || b >= d->nblocks) {
			struct fsimg_problem_ctx p = pctx_blk(d->inode.ino, lblk);

			snprintf(why, sizeof(why), "htree entry %u points to block %u, outside the directory", i, b);
			PCTX_SET(p, detail, FSIMG_PF_DETAIL, why);
			check_report(s->c, PR_DX_BAD_BLOCK, &p);
			ok = false;
			continue;
		}
		if (level == levels) {
			/* A leaf: names hash into [h & ~1, next & ~1] (collisions continue with bit 0). */
			if (d->kind[b] != BLK_NONE) {
				struct fsimg_problem_ctx p = pctx_blk(d->inode.ino, b);

				PCTX_SET(p, detail, FSIMG_PF_DETAIL, "block referenced twice by the htree");
				check_report(s->c, PR_DX_BAD_BLOCK, &p);
				d->kind[b] = BLK_LEAF_DUP;
				ok = false;
				continue;
			}
			d->kind[b] = BLK_LEAF;
			d->lo[b] = h & ~1u;
			d->hi[b] = (i + 1 < node->count) ? (nh & ~1u) : hi;
			continue;
		}
		/* An interior node: read it, parse it, descend. */
		if (d->kind[b] != BLK_NONE) {
			struct fsimg_problem_ctx p = pctx_blk(d->inode.ino, b);

			PCTX_SET(p, detail, FSIMG_PF_DETAIL, "htree node referenced twice");
			check_report(s->c, PR_DX_BAD_BLOCK, &p);
			ok = false;
			continue;
		}
		d->kind[b] = BLK_NODE;
		cblk = s->dxbuf + (size_t)level * s->bs;
		if (dir_read_lblk(s, f, b, cblk) < 0 ||
		    ext4_dx_node_parse(s->fs, cblk, s->bs, &child, why, sizeof(why)) < 0) {
			struct fsimg_problem_ctx p = pctx_blk(d->inode.ino, b);

			PCTX_SET(p, detail, FSIMG_PF_DETAIL, why);
			check_report(s->c, PR_DX_NODE_BAD, &p);
			ok = false;
			continue;
		}
		dx_csum(s, d, b, cblk, &child);
		if (!dx_walk(s, d, f, cblk, &child, b, level + 1, levels, h & ~1u,
			     (i + 1 < node->count) ? nh : hi))
			ok = false;
	}
	return ok;
}

/* Parses and walks the index of d from its root; sets d->hash_version, -1 when unusable. */
static void dx_check(struct dirs_state *s, struct dwalk *d)
{
	struct ext4_dx_info info;
	struct ext4_dx_node node;
	fsimg_file *f = NULL;
	char why[160];
	size_t max;
	uint8_t *root = s->dxbuf + (size_t)EXT4_HTREE_LEVEL * s->bs;

	d->hash_version = -1;
	if (fsimg_file_open(&f, s->fs, &d->inode, 0) < 0)
		return;
	if (dir_read_lblk(s, f, 0, root) < 0) {
		snprintf(why, sizeof(why), "block 0 cannot be read");
		goto bad;
	}
	if (ext4_dx_root_parse(s->fs, root, s->bs, &info, &node, why, sizeof(why)) < 0)
		goto bad;
	/* e2fsck PR_2_HTREE_BAD_LIMIT: the limit is exactly what the block holds. */
	max = (s->bs - node.count_offset - (s->csum ? 8 : 0)) / 8;
	if (node.limit != max) {
		snprintf(why, sizeof(why), "limit %u, the block holds %zu", node.limit, max);
		goto bad;
	}
	if (info.hash_version == EXT4_HASH_SIPHASH)
		goto out; /* encrypted and casefolded: hash not computed here */
	d->hash_version = info.hash_version;
	if (s->sb->flags & EXT2_FLAGS_UNSIGNED_HASH)
		d->hash_version += EXT4_HASH_LEGACY_UNSIGNED;
	if (d->nblocks > s->sb->blocks_count)
		goto unusable;
	d->lo = calloc(d->nblocks, sizeof(*d->lo));
	d->hi = calloc(d->nblocks, sizeof(*d->hi));
	d->kind = calloc(d->nblocks, 1);
	if (!d->lo || !d->hi || !d->kind)
		goto unusable;
	d->kind[0] = BLK_NODE;
	dx_csum(s, d, 0, root, &node);
	if (!dx_walk(s, d, f, root, &node, 0, 0, info.indirect_levels, 0, 0xFFFFFFFFu)) {
		/* Leaf ranges and references are not trusted; the nodes found stay marked. */
		d->hash_version = -1;
		free(d->lo);
		free(d->hi);
		d->lo = d->hi = NULL;
	}
	/*
	 * Casefolded: the kernel hashed each name's utf8 casefold, which is not
	 * computed here. The index's structure holds; its names are not checked.
	 */
	if (ext4_dir_casefolded(s->fs, &d->inode))
		d->hash_version = -1;
	goto out;
bad:
	{
		struct fsimg_problem_ctx p = pctx_inode(d->inode.ino);

		PCTX_SET(p, detail, FSIMG_PF_DETAIL, why);
		check_report(s->c, PR_DX_ROOT_BAD, &p);
	}
unusable:
	d->hash_version = -1;
	free(d->lo);
	free(d->hi);
	free(d->kind);
	d->lo = d->hi = NULL;
	d->kind = NULL;
out:
	fsimg_file_close(f);
}

/* ------------------------------------------------------- directories */

static void check_leaf_block(struct dirs_state *s, struct dwalk *d, fsimg_lblk_t lblk)
{
	size_t end = s->bs;
	bool root = d->indexed && lblk == 0;

	if (d->lo && d->kind[lblk] == BLK_NONE) {
		struct fsimg_problem_ctx p = pctx_blk(d->inode.ino, lblk);

		PCTX_SET(p, detail, FSIMG_PF_DETAIL, "block not referenced by the htree");
		check_report(s->c, PR_DX_BAD_BLOCK, &p);
	}
	/* metadata_csum: leaf blocks end with a dirent tail (the dx root has a dx tail instead). */
	if (s->csum && !root) {
		int ok = ext4_dirblock_csum_verify(s->fs, d->seed, s->blk, s->bs);

		if (ok < 0) {
			struct fsimg_problem_ctx p = pctx_blk(d->inode.ino, lblk);

			check_report(s->c, PR_DIRBLOCK_NO_CSUM, &p);
		} else {
			end = s->bs - DIRENT_TAIL_LEN;
			if (ok == 0) {
				struct fsimg_problem_ctx p = pctx_blk(d->inode.ino, lblk);

				check_report(s->c, PR_DIRBLOCK_BAD_CSUM, &p);
			}
		}
	}
	if (root) {
		/* Only "." and "..": the rest of the block is the index. */
		struct ext4_dirent de;
		char why[96];
		size_t off = 0;

		while (d->nent < 2 && off < end &&
		       ext4_dirent_parse(s->fs, s->blk, end, off, &de, why, sizeof(why)) == 0) {
			check_entry(s, d, 0, d->nent++, &de);
			off += de.rec_len;
		}
		return;
	}
	walk_entries(s, d, lblk, s->blk, end, lblk == 0);
}

static void check_block_dir(struct dirs_state *s, struct dwalk *d)
{
	fsimg_map *map = NULL;
	struct fsimg_run run;
	fsimg_lblk_t next = 0, l;
	uint64_t i, got;
	int err;

	if (d->indexed)
		dx_check(s, d);

	if (fsimg_map_open(&map, s->fs, &d->inode, 0) < 0)
		return; /* pass 2 reports broken mappings */
	while ((err = fsimg_map_next(map, &run)) == 1) {
		/* i_size against the blocks (past it, or short of it) is pass 2's. */
		if (run.lblk >= d->nblocks)
			break;
		if (run.type != FSIMG_RUN_MAPPED)
			continue; /* holes (reported below); unwritten: pass 2 */
		/* A hole between blocks (e2fsck PR_2_DIRECTORY_HOLE, there per block). */
		if (run.lblk > next) {
			struct fsimg_problem_ctx p = pctx_blk(d->inode.ino, next);

			PCTX_SET(p, length, FSIMG_PF_LENGTH, run.lblk - next);
			check_report(s->c, PR_DIR_HOLE, &p);
		}
		for (i = 0; i < run.len && run.lblk + i < d->nblocks; i += got) {
			uint64_t want = run.len - i, j;

			/* Whole blocks of the run at once, as many as the buffer holds. */
			if (want > d->nblocks - run.lblk - i)
				want = d->nblocks - run.lblk - i;
			if (want > DIRBUF_BYTES / s->bs)
				want = DIRBUF_BYTES / s->bs;
			got = want;
			if (fs_read_blocks(s->fs, run.pblk + i, want, s->dirbuf) < 0) {
				/* one at a time, so a bad block costs only itself */
				got = 1;
				if (fs_read_block(s->fs, run.pblk + i, s->dirbuf) < 0)
					continue;
			}
			for (j = 0; j < got; j++) {
				l = run.lblk + (fsimg_lblk_t)(i + j);
				if (d->kind && d->kind[l] == BLK_NODE && l != 0)
					continue; /* checked by dx_walk */
				s->blk = s->dirbuf + j * s->bs;
				check_leaf_block(s, d, l);
			}
		}
		next = run.lblk + (fsimg_lblk_t)i;
	}
	fsimg_map_close(map);
	if (d->nent < 2) {
		struct fsimg_problem_ctx p = pctx_inode(d->inode.ino);

		PCTX_SET(p, detail, FSIMG_PF_DETAIL, "no entries");
		check_report(s->c, d->nent == 0 ? PR_DIR_NO_DOT : PR_DIR_NO_DOTDOT, &p);
	}
	free(d->lo);
	free(d->hi);
	free(d->kind);
}

/* Inline directories: the parent's number, then two regions of entries (i_block, system.data). */
static void check_inline_dir(struct dirs_state *s, struct dwalk *d)
{
	struct check_ctx *c = s->c;
	uint8_t *data = NULL;
	size_t len = 0, r1;
	fsimg_ino_t parent;

	/* Unusable inline data is pass 2's finding (INODE_BAD_INLINE). */
	if (ext4_inline_get(s->fs, d->inode.ino, &data, &len) < 0 || len < EXT4_INLINE_DOTDOT_SIZE) {
		free(data);
		return;
	}
	parent = (fsimg_ino_t)data[0] | (fsimg_ino_t)data[1] << 8 | (fsimg_ino_t)data[2] << 16 |
		 (fsimg_ino_t)data[3] << 24;
	/* "." is implied, ".." is the stored number (ext2fs_inline_data_dir_iterate). */
	ref_inc(s, d->inode.ino);
	if (parent >= 1 && parent <= s->sb->inodes_count) {
		if (dir_find(s, d->inode.ino))
			dir_find(s, d->inode.ino)->parent = parent;
		ref_inc(s, parent);
	} else {
		struct fsimg_problem_ctx p = pctx_inode(d->inode.ino);

		PCTX_SET(p, detail, FSIMG_PF_DETAIL, "parent out of range");
		check_report(c, PR_DIR_NO_DOTDOT, &p);
	}
	r1 = len < EXT4_MIN_INLINE_DATA_SIZE ? len : EXT4_MIN_INLINE_DATA_SIZE;
	d->nent = 2;
	walk_entries(s, d, 0, data + EXT4_INLINE_DOTDOT_SIZE, r1 - EXT4_INLINE_DOTDOT_SIZE, false);
	if (len > EXT4_MIN_INLINE_DATA_SIZE)
		walk_entries(s, d, 0, data + EXT4_MIN_INLINE_DATA_SIZE, len - EXT4_MIN_INLINE_DATA_SIZE, false);
	free(data);
}

static void check_dir(struct dirs_state *s, fsimg_ino_t ino)
{
	struct dwalk d;
	uint64_t nb;

	memset(&d, 0, sizeof(d));
	d.hash_version = -1;
	if (fsimg_inode_read(&d.inode, s->fs, ino) < 0)
		return;
	if ((d.inode.mode & S_IFMT_) != S_IFDIR_)
		return;
	if (s->csum)
		d.seed = ext4_inode_csum_seed(s->fs, ino, d.inode.generation);
	if (d.inode.flags & FSIMG_INODE_INLINE_DATA_FL) {
		check_inline_dir(s, &d);
		return;
	}
	nb = d.inode.size / s->bs + (d.inode.size % s->bs != 0);
	d.nblocks = nb < FSIMG_MAX_DIR_BLOCKS ? nb : FSIMG_MAX_DIR_BLOCKS;
	d.indexed = (d.inode.flags & FSIMG_INODE_INDEX_FL) &&
		    (s->sb->feature_compat & EXT4_FEATURE_COMPAT_DIR_INDEX);
	check_block_dir(s, &d);
}

/* ------------------------------------------------- connectivity, links */

/*
 * Follows the names upwards from dir (e2fsck pass 3 check_directory): the
 * root, or a directory known to reach it, ends the walk well; no name, or
 * more steps than there are inodes (a loop), ends it badly. Every directory
 * on the way is then marked, so each is walked once.
 */
static void check_connected(struct dirs_state *s, fsimg_ino_t dir)
{
	struct check_ctx *c = s->c;
	fsimg_ino_t x = dir, top = dir;
	uint64_t steps = 0, bound = (uint64_t)s->sb->inodes_count + 1;
	bool good = false;
	const char *why = "ends without a name";

	for (;;) {
		struct dinfo *d = dir_find(s, x);

		if (x == FSIMG_ROOT_INO || (d && d->conn == CONN_REACHED)) {
			good = true;
			break;
		}
		if (d && d->conn == CONN_LOST)
			break;
		if (++steps > bound) {
			why = "loops";
			break;
		}
		top = x;
		x = d ? d->named_by : 0;
		if (x == 0)
			break;
		if (x == dir) {
			why = "loops";
			break;
		}
	}
	if (!good && !(dir_find(s, x) && dir_find(s, x)->conn == CONN_LOST)) {
		struct fsimg_problem_ctx p = pctx_inode(top);

		PCTX_SET(p, detail, FSIMG_PF_DETAIL, why);
		check_report(c, PR_DIR_UNCONNECTED, &p);
	}
	/* Mark the path, bounded the same way. */
	for (x = dir, steps = 0; x && x != FSIMG_ROOT_INO && steps <= bound; steps++) {
		struct dinfo *d = dir_find(s, x);

		if (!d || d->conn != CONN_UNKNOWN)
			break;
		d->conn = good ? CONN_REACHED : CONN_LOST;
		x = d->named_by;
	}
}

static void check_links(struct dirs_state *s, fsimg_ino_t ino)
{
	struct check_ctx *c = s->c;
	struct fsimg_inode inode;
	struct fsimg_problem_ctx p;
	unsigned cnt = ino_cnt(c, ino);
	const struct cnt_slot *e = NULL;
	int64_t delta, counted;

	/* Even: as many entries as links, nothing to read. */
	if (cnt == INO_CNT_EVEN)
		return;
	if (cnt == INO_CNT_ESC && s->cnt) {
		e = cnt_slot(s, ino);
		if (!e->ino)
			e = NULL;
		else if (e->delta == 0 && !isdir(s, ino))
			return; /* a directory past EXT4_LINK_MAX is told below */
	}
	if (fsimg_inode_read(&inode, s->fs, ino) < 0)
		return;
	/* Named by no entry, the count stayed where pass 2 put it (or in the inode). */
	delta = e ? e->delta : cnt == INO_CNT_ESC ? (int64_t)inode.links_count : (int64_t)cnt - INO_CNT_EVEN;
	counted = (int64_t)inode.links_count - delta;
	if (counted < 0)
		counted = 0;
	/*
	 * An ea_inode holds a large xattr value: xattr entries reference it,
	 * never a directory, and its link count counts those references.
	 */
	if (inode.flags & FSIMG_INODE_EA_INODE_FL)
		return;
	if (counted == 0 && ino != FSIMG_ROOT_INO) {
		if (inode.links_count == 0)
			return; /* an orphan being deleted: pass 2's business */
		if (isdir(s, ino))
			return; /* reported as unconnected */
		p = pctx_inode(ino);
		check_report(c, PR_INODE_UNATTACHED, &p);
		return;
	}
	/* e2fsck pass 4: past EXT4_LINK_MAX a directory counts 1 (dir_nlink). */
	if (isdir(s, ino) && counted > LINK_MAX_)
		counted = 1;
	if (counted != (int64_t)inode.links_count) {
		p = pctx_inode(ino);
		PCTX_SET(p, found, FSIMG_PF_FOUND, inode.links_count);
		PCTX_SET(p, expected, FSIMG_PF_EXPECTED, (uint64_t)counted);
		check_report(c, PR_INODE_LINK_COUNT, &p);
	}
}

/* lost+found in the root: e2fsck pass 3 creates it when missing (an error under -n). */
static void check_lost_found(struct dirs_state *s)
{
	fsimg_ino_t lf;
	struct fsimg_problem_ctx p = pctx_none();

	if (fsimg_dir_lookup(&lf, s->fs, FSIMG_ROOT_INO, "lost+found", 10) < 0) {
		PCTX_SET(p, detail, FSIMG_PF_DETAIL, "no entry in the root");
		check_report(s->c, PR_NO_LOST_FOUND, &p);
	} else if (lf > s->sb->inodes_count || !isdir(s, lf)) {
		PCTX_SET(p, detail, FSIMG_PF_DETAIL, "not a directory");
		check_report(s->c, PR_NO_LOST_FOUND, &p);
	}
}

/*
 * The in-use bitmaps and info bytes: pass 2's when it filled them (it marks
 * the reserved inodes in use always, so inode 1 tells), otherwise this
 * pass's own by e2fsck pass 1's rule: in use is a non-zero link count.
 */
static void own_scan(struct dirs_state *s)
{
	struct check_ctx *c = s->c;
	struct fsimg_inode inode;
	fsimg_ino_t ino;

	if (bit_test(c->ino_inuse, 1))
		return;
	for (ino = 1; ino <= s->sb->inodes_count; ino++) {
		if (fsimg_inode_read(&inode, s->fs, ino) < 0)
			continue;
		if (ino >= s->sb->first_ino && inode.links_count == 0)
			continue;
		check_note_inode(c, ino, inode.mode, inode.links_count);
	}
}

/* The directory table, in inode order, from the directory bitmap. */
static int dirs_collect(struct dirs_state *s)
{
	const uint8_t *map = s->c->ino_isdir;
	uint64_t n = 0, bytes = (uint64_t)s->sb->inodes_count / 8 + 1;
	fsimg_ino_t ino;

	for (uint64_t i = 0; i < bytes; i++)
		n += (uint64_t)__builtin_popcount(map[i]);
	s->dirs = calloc(n ? (size_t)n : 1, sizeof(*s->dirs));
	if (!s->dirs)
		return FSIMG_ENOMEM;
	for (ino = 1; ino <= s->sb->inodes_count && s->ndirs < n; ino++)
		if (bit_test(map, ino))
			s->dirs[s->ndirs++].ino = ino;
	return 0;
}

int check_pass_dirs(struct check_ctx *c)
{
	struct dirs_state s;
	const struct fsimg_super *sb = c->sb ? c->sb : fsimg_ext4_super(c->fs);
	size_t k;
	fsimg_ino_t ino;
	int err = FSIMG_ENOMEM;

	memset(&s, 0, sizeof(s));
	s.c = c;
	s.fs = c->fs;
	s.sb = sb;
	s.bs = sb->block_size;
	s.filetype = sb->feature_incompat & EXT4_FEATURE_INCOMPAT_FILETYPE;
	s.csum = c->fs->metadata_csum && !(c->fs->flags & FSIMG_OPEN_NO_CSUM_VERIFY);

	if (sb->inodes_count == 0 || !c->ino_inuse || !c->ino_isdir || !c->ino_info)
		return 0;
	s.names = malloc((size_t)(s.bs / 12 + 1) * sizeof(*s.names));
	s.dirbuf = malloc(DIRBUF_BYTES > s.bs ? DIRBUF_BYTES : s.bs);
	s.blk = s.dirbuf;
	s.dxbuf = malloc((size_t)(EXT4_HTREE_LEVEL + 1) * s.bs);
	if (!s.names || !s.dirbuf || !s.dxbuf)
		goto out;
	own_scan(&s);
	err = dirs_collect(&s);
	if (err < 0)
		goto out;
	err = FSIMG_ENOMEM;

	/* The root is an in-use directory (e2fsck pass 3 PR_3_NO_ROOT_INODE). */
	if (!inuse(&s, FSIMG_ROOT_INO) || !isdir(&s, FSIMG_ROOT_INO) || isbad(&s, FSIMG_ROOT_INO)) {
		struct fsimg_problem_ctx p = pctx_inode(FSIMG_ROOT_INO);

		PCTX_SET(p, detail, FSIMG_PF_DETAIL,
			 !inuse(&s, FSIMG_ROOT_INO) ? "not in use" :
			 !isdir(&s, FSIMG_ROOT_INO) ? "wrong type" : "unusable");
		check_report(c, PR_ROOT_NOT_DIR, &p);
	}

	for (k = 0; k < s.ndirs; k++) {
		ino = s.dirs[k].ino;
		if (inuse(&s, ino) && !isbad(&s, ino))
			check_dir(&s, ino);
		if ((k & 0xFF) == 0)
			check_progress(c, 5, "directories", k, s.ndirs);
	}

	/* Connectivity and ".." (e2fsck pass 3). */
	for (k = 0; k < s.ndirs; k++) {
		struct dinfo *d = &s.dirs[k];

		ino = d->ino;
		if (!inuse(&s, ino) || isbad(&s, ino))
			continue;
		if (ino == FSIMG_ROOT_INO) {
			if (d->parent && d->parent != FSIMG_ROOT_INO) {
				struct fsimg_problem_ctx p = pctx_inode(ino);

				PCTX_SET(p, found, FSIMG_PF_FOUND, d->parent);
				PCTX_SET(p, expected, FSIMG_PF_EXPECTED, FSIMG_ROOT_INO);
				check_report(c, PR_DIR_DOTDOT_MISMATCH, &p);
			}
			continue;
		}
		check_connected(&s, ino);
		if (d->named_by && d->parent && d->parent != d->named_by) {
			struct fsimg_problem_ctx p = pctx_inode(ino);

			PCTX_SET(p, found, FSIMG_PF_FOUND, d->parent);
			PCTX_SET(p, expected, FSIMG_PF_EXPECTED, d->named_by);
			check_report(c, PR_DIR_DOTDOT_MISMATCH, &p);
		}
	}
	check_progress(c, 5, "directories", s.ndirs, s.ndirs);
	if (inuse(&s, FSIMG_ROOT_INO) && isdir(&s, FSIMG_ROOT_INO) && !isbad(&s, FSIMG_ROOT_INO))
		check_lost_found(&s);

	/*
	 * Link counts (e2fsck pass 4): the root and every inode past the
	 * reserved ones, but for those the superblock names (no entry names them).
	 */
	for (ino = 1; ino <= sb->inodes_count; ino++) {
		if ((ino != FSIMG_ROOT_INO && ino < sb->first_ino) || ext4_sb_inode_nameless(sb, ino))
			continue;
		if (!inuse(&s, ino) || isbad(&s, ino))
			continue;
		check_links(&s, ino);
	}
	err = 0;
out:
	free(s.dirs);
	free(s.cnt);
	free(s.names);
	free(s.dirbuf);
	free(s.dxbuf);
	return err;
}
