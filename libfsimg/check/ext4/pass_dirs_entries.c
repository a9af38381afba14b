/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Pass 5, entries (e2fsck pass 2 check_dir_block): each live entry's inode
 * number, rec_len, name and file type, "." and ".." in block 0, the hash a
 * leaf's names must fall in under an htree index, duplicate names in a
 * block, a directory named twice; every entry naming an inode is counted
 * for the link counts.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/ext4/e4check.h"
#include "check/ext4/pass_dirs.h"

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

/*
 * Without group checksums every inode is read, but e2fsck's pass 2 still
 * takes a group's INODE_UNINIT flag and bg_itable_unused as they are
 * stored: an entry naming an inode there is an error (PR_2_INOREF_BG_INO_UNINIT,
 * PR_2_INOREF_IN_UNUSED; e2fsck -n never clears them). With checksums
 * those inodes are not read, so not in use.
 */
static bool in_unused_area(struct dirs_state *s, fsimg_ino_t ino)
{
	uint32_t ipg = s->sb->inodes_per_group, first_unused;
	struct fsimg_group grp;
	fsimg_group_t g;

	if (s->fs->metadata_csum || s->fs->gdt_csum || ipg == 0 || ino == 0)
		return false;
	g = (ino - 1) / ipg;
	if (fsimg_ext4_group_get(&grp, s->fs, g) < 0)
		return false;
	if (grp.flags & FSIMG_BG_INODE_UNINIT)
		return true;
	/* e2fsck's ext2_ino_t arithmetic */
	first_unused = (uint32_t)(g * ipg + 1 + ipg - grp.itable_unused);
	return grp.itable_unused && ino >= first_unused;
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

/*
 * e2fsck's check_dir_block holds every entry, '.' and '..' too, against the
 * superblock's quota and orphan file fields whatever their features, the
 * root included (PR_2_BAD_INO): a field naming the root makes every entry
 * naming it bad. (ext4_sb_inode_nameless leaves the numbers below
 * s_first_ino to their own rules.)
 */
static bool root_nameless(const struct fsimg_super *sb)
{
	for (int r = EXT4_SBINO_NONE + 1; r < EXT4_SBINO__COUNT; r++)
		if (r != EXT4_SBINO_JOURNAL && ext4_sb_inode(sb, (enum ext4_sb_inode)r) == FSIMG_ROOT_INO)
			return true;
	return false;
}

void dirs_check_entry(struct dirs_state *s, struct dwalk *d, fsimg_lblk_t lblk, uint64_t idx,
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
	dirs_dot_rules(s, d, idx, de);
	if (de->inode == FSIMG_ROOT_INO && root_nameless(s->sb))
		check_report(c, PR_DIRENT_BAD_INODE, &p);

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
		if (de->inode <= s->sb->inodes_count && dirs_find(s, dir))
			dirs_find(s, dir)->parent = de->inode;
		goto count;
	}

	if (de->name_len == 0) {
		PCTX_SET(p, detail, FSIMG_PF_DETAIL, "empty name");
		check_report(c, PR_DIRENT_BAD_NAME, &p);
	} else if (dot || dotdot) {
		PCTX_SET(p, detail, FSIMG_PF_DETAIL, dot ? "a second '.'" : "a second '..'");
		check_report(c, PR_DIRENT_BAD_NAME, &p);
		return;
	} else if (!dirs_name_rules(s, d, de, &p)) {
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
	if (isbad(s, de->inode) && check_inode_in_bad_block(c, de->inode))
		check_report(c, PR_DIRENT_INODE_IN_BAD_BLOCK, &p);
	/* e2fsck -n goes on with such an entry: it still counts as a link */
	if (in_unused_area(s, de->inode))
		check_report(c, PR_DIRENT_UNUSED_INODE, &p);

	if (s->filetype) {
		int want = entry_ftype(s, de->inode);

		if (want >= 0 && de->file_type != want) {
			struct fsimg_problem_ctx q = pctx_inode(dir);

			PCTX_SET(q, detail, FSIMG_PF_DETAIL, nm);
			PCTX_SET(q, found, FSIMG_PF_FOUND, de->file_type);
			PCTX_SET(q, expected, FSIMG_PF_EXPECTED, (uint64_t)want);
			/* type 0 is "unknown", not a wrong type: e2fsck -n lets it pass */
			check_report(c, de->file_type ? PR_DIRENT_FILETYPE : PR_DIRENT_FILETYPE_UNSET, &q);
		}
	}

	dirs_policy_rules(s, d, de, &p);

	/* A directory has one name: a second one (or one for the root) is a hard link. */
	if (isdir(s, de->inode) && (t = dirs_find(s, de->inode)) != NULL) {
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
		dirs_ref_inc(s, de->inode);
}

/* Is a name's hash inside the range the index gave its leaf? */
static void check_leaf_hash(struct dirs_state *s, struct dwalk *d, fsimg_lblk_t lblk,
			    const struct ext4_dirent *de)
{
	uint32_t hash;
	const uint8_t *name = de->name;
	int len = de->name_len;

	if (d->hash_version < 0 || !d->lo || lblk == 0 || d->kind[lblk] == BLK_NONE)
		return;
	if (d->hash_in_dirent) {
		/* ext4_dir_entry_hash after the name, 4-byte aligned from the entry's start */
		size_t at = (EXT4_DIR_ENTRY_HEADER + de->name_len + 3u) & ~3u;

		if (at + 8 > de->rec_len)
			return;
		name -= EXT4_DIR_ENTRY_HEADER;
		hash = (uint32_t)name[at] | (uint32_t)name[at + 1] << 8 | (uint32_t)name[at + 2] << 16 |
		       (uint32_t)name[at + 3] << 24;
		goto judge;
	}
	if (d->casefold) {
		/* the kernel hashes a name that is not valid UTF-8 as it is (ext4fs_dirhash) */
		int n = ext4_utf8_casefold(de->name, de->name_len, s->cfbuf, EXT4_CASEFOLD_MAX);

		if (n >= 0)
			name = s->cfbuf, len = n;
	}
	if (fsimg_dirhash(&hash, NULL, d->hash_version, s->sb->hash_seed, (const char *)name, (size_t)len) < 0)
		return;
judge:
	if (d->amin && hash < d->amin[lblk])
		d->amin[lblk] = hash;
	if (d->amax && hash > d->amax[lblk])
		d->amax[lblk] = hash;
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
void dirs_walk_entries(struct dirs_state *s, struct dwalk *d, fsimg_lblk_t lblk,
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
			dirs_check_entry(s, d, lblk, block0 ? d->nent : ~(uint64_t)0, &de);
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
