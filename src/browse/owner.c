/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Which inode or metadata owns a block, from the library's public calls:
 * the group descriptors place the superblocks, descriptor tables, bitmaps
 * and inode tables (anywhere, with flex_bg); then one pass over the in-use
 * inodes and their mappings (tree blocks included) places the rest, for a
 * whole batch of blocks at once (debugfs icheck does the same walk).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "browse.h"

static bool in_range(fsimg_pblk_t b, fsimg_pblk_t start, uint64_t len)
{
	return len && b >= start && b - start < len;
}

bool owner_meta(struct app *a, fsimg_pblk_t blk, struct owner *o)
{
	const struct fsimg_super *sb = a->sb;
	struct fsimg_group g;
	fsimg_group_t gi, own;

	memset(o, 0, sizeof(*o));
	if (blk >= sb->blocks_count) {
		o->kind = OWN_OUTSIDE;
		return true;
	}
	if (blk < sb->first_data_block) {
		o->kind = OWN_BOOT;
		return true;
	}
	if (!sb->blocks_per_group)
		return false;
	own = (fsimg_group_t)((blk - sb->first_data_block) / sb->blocks_per_group);
	o->group = own;
	if (fsimg_ext4_group_get(&g, a->fs, own) == 0) {
		if (g.has_super && blk == g.super_block) {
			o->kind = OWN_SUPER;
			return true;
		}
		if (g.gdt_block && in_range(blk, g.gdt_block, g.gdt_count)) {
			o->kind = OWN_GDT;
			return true;
		}
		if (g.gdt_block && in_range(blk, g.gdt_block + g.gdt_count, g.reserved_gdt)) {
			o->kind = OWN_RESERVED_GDT;
			return true;
		}
	}
	/* With flex_bg a group's bitmaps and table may be in any group. */
	for (gi = 0; gi < sb->group_count; gi++) {
		if (fsimg_ext4_group_get(&g, a->fs, gi) < 0)
			continue;
		o->group = gi;
		if (blk == g.block_bitmap) {
			o->kind = OWN_BLOCK_BITMAP;
			return true;
		}
		if (blk == g.inode_bitmap) {
			o->kind = OWN_INODE_BITMAP;
			return true;
		}
		if (in_range(blk, g.inode_table, sb->inode_table_blocks)) {
			o->kind = OWN_INODE_TABLE;
			o->ino = (fsimg_ino_t)((uint64_t)gi * sb->inodes_per_group +
					       (blk - g.inode_table) * sb->block_size / sb->inode_size + 1);
			return true;
		}
	}
	o->group = own;
	return false;
}

struct pending {
	fsimg_pblk_t blk;
	size_t idx;
};

static int cmp_pending(const void *x, const void *y)
{
	const struct pending *p = x, *q = y;

	return p->blk < q->blk ? -1 : p->blk > q->blk;
}

/* First pending index with blk >= b. */
static size_t lower_bound(const struct pending *p, size_t n, fsimg_pblk_t b)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (p[mid].blk < b)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int owner_lookup(struct app *a, const fsimg_pblk_t *blocks, struct owner *owners, size_t n)
{
	const struct fsimg_super *sb = a->sb;
	struct pending *p;
	size_t np = 0, left, i;
	fsimg_ino_t ino;
	int err = 0;

	p = calloc(n ? n : 1, sizeof(*p));
	if (!p)
		return FSIMG_ENOMEM;
	for (i = 0; i < n; i++)
		if (!owner_meta(a, blocks[i], &owners[i])) {
			p[np].blk = blocks[i];
			p[np].idx = i;
			np++;
		}
	qsort(p, np, sizeof(*p), cmp_pending);
	left = np;
	for (ino = 1; left && ino <= sb->inodes_count; ino++) {
		struct fsimg_inode inode;
		struct fsimg_run run;
		fsimg_map *map;

		if (ino < sb->first_ino && ino != FSIMG_ROOT_INO && ino != sb->journal_inum &&
		    ino != 7 /* resize */)
			continue;
		if (fsimg_inode_in_use(a->fs, ino) != 1)
			continue;
		if (fsimg_inode_read(&inode, a->fs, ino) < 0 || !inode.mode || !inode.links_count)
			continue;
		if (fsimg_map_open(&map, a->fs, &inode, FSIMG_MAP_TREE) < 0)
			continue;
		while (left && fsimg_map_next(map, &run) > 0) {
			uint64_t len = run.type == FSIMG_RUN_META ? 1 : run.len;
			size_t k;

			if (run.type != FSIMG_RUN_MAPPED && run.type != FSIMG_RUN_UNWRITTEN &&
			    run.type != FSIMG_RUN_META)
				continue;
			for (k = lower_bound(p, np, run.pblk); k < np && in_range(p[k].blk, run.pblk, len); k++) {
				struct owner *o = &owners[p[k].idx];

				if (o->kind != OWN_UNKNOWN)
					continue;
				o->ino = ino;
				if (run.type == FSIMG_RUN_META) {
					o->kind = OWN_TREE;
					o->level = run.level;
				} else {
					o->kind = OWN_DATA;
					o->lblk = run.lblk + (p[k].blk - run.pblk);
					o->unwritten = run.type == FSIMG_RUN_UNWRITTEN;
				}
				left--;
			}
		}
		fsimg_map_close(map);
	}
	free(p);
	return err;
}

/* ------------------------------------------------------------- path_of */

struct path_walk {
	struct app *a;
	fsimg_inum_t target;
	struct cli_bitmap seen;
	char *buf;
	size_t len, cap;
	uint64_t budget;         /* entries we are willing to read */
};

static bool walk_dir(struct path_walk *w, fsimg_inum_t dir, int depth)
{
	struct fsimg_entry ent;
	fsimg_readdir *d;
	size_t saved = w->len;
	bool found = false;

	if (depth > 256 || cli_bitmap_test_set(&w->seen, dir))
		return false;
	if (fsimg_readdir_open(&d, w->a->fs, dir) < 0)
		return false;
	while (!found && w->budget && fsimg_readdir_next(d, &ent) > 0) {
		w->budget--;
		if ((ent.name_len == 1 && ent.name[0] == '.') ||
		    (ent.name_len == 2 && ent.name[0] == '.' && ent.name[1] == '.'))
			continue;
		if (w->len + 1 + ent.name_len + 1 > w->cap)
			continue;
		w->buf[w->len] = '/';
		memcpy(w->buf + w->len + 1, ent.name, ent.name_len);
		w->len += 1 + ent.name_len;
		w->buf[w->len] = '\0';
		if (ent.ino == w->target) {
			found = true;
			break;
		}
		if (ent.type == FSIMG_FT_DIR)
			found = walk_dir(w, ent.ino, depth + 1);
		if (!found) {
			w->len = saved;
			w->buf[w->len] = '\0';
		}
	}
	fsimg_readdir_close(d);
	return found;
}

bool path_of(struct app *a, fsimg_inum_t ino, char *buf, size_t len)
{
	struct path_walk w;
	bool found;
	size_t i;

	if (len == 0)
		return false;
	buf[0] = '\0';
	if (ino == a->info.root_ino) {
		snprintf(buf, len, "/");
		return true;
	}
	for (i = 0; i < sizeof(a->pcache) / sizeof(a->pcache[0]); i++)
		if (a->pcache[i].ino == ino && strlen(a->pcache[i].path) < len) {
			snprintf(buf, len, "%s", a->pcache[i].path);
			return buf[0] != '\0';
		}
	memset(&w, 0, sizeof(w));
	w.a = a;
	w.target = ino;
	w.buf = buf;
	w.cap = len;
	w.budget = 1000000;
	/* as cli_bitmap_init, without its message on stderr (the screen is ours) */
	if (!a->info.max_ino || a->info.max_ino - 1 > fsimg_io_size(a->img.io) / 128)
		return false;
	w.seen.bits = calloc((a->info.max_ino + 63) / 64, sizeof(uint64_t));
	if (!w.seen.bits)
		return false;
	w.seen.nbits = a->info.max_ino;
	found = walk_dir(&w, a->info.root_ino, 0);
	cli_bitmap_free(&w.seen);
	if (!found)
		buf[0] = '\0';
	i = a->pcache_next++ % (sizeof(a->pcache) / sizeof(a->pcache[0]));
	a->pcache[i].ino = ino;
	snprintf(a->pcache[i].path, sizeof(a->pcache[i].path), "%s", strlen(buf) < 512 ? buf : "");
	return found;
}

/* --------------------------------------------------------------- text */

void owner_text(struct app *a, const struct owner *o, char *buf, size_t len)
{
	char path[512] = "";

	switch (o->kind) {
	case OWN_UNKNOWN:
		snprintf(buf, len, "in no inode (free, or leaked)");
		return;
	case OWN_OUTSIDE:
		snprintf(buf, len, "past the end of the filesystem");
		return;
	case OWN_BOOT:
		snprintf(buf, len, "boot block (before the superblock)");
		return;
	case OWN_SUPER:
		snprintf(buf, len, "%s (group %u)", o->group ? "superblock backup" : "superblock", o->group);
		return;
	case OWN_GDT:
		snprintf(buf, len, "group descriptors (in group %u)", o->group);
		return;
	case OWN_RESERVED_GDT:
		snprintf(buf, len, "reserved GDT blocks (in group %u)", o->group);
		return;
	case OWN_BLOCK_BITMAP:
		snprintf(buf, len, "block bitmap of group %u", o->group);
		return;
	case OWN_INODE_BITMAP:
		snprintf(buf, len, "inode bitmap of group %u", o->group);
		return;
	case OWN_INODE_TABLE: {
		uint32_t per = a->sb->inode_size ? a->sb->block_size / a->sb->inode_size : 1;
		snprintf(buf, len, "inode table of group %u: inodes %u-%u", o->group, o->ino,
			 o->ino + per - 1);
		return;
	}
	case OWN_DATA:
	case OWN_TREE:
		if (o->ino == a->sb->journal_inum && o->kind == OWN_DATA) {
			snprintf(buf, len, "the journal (inode %u), journal block %llu", o->ino,
				 (unsigned long long)o->lblk);
			return;
		}
		path_of(a, o->ino, path, sizeof(path));
		if (o->kind == OWN_TREE)
			snprintf(buf, len, "mapping tree block (level %d) of inode %u %s", o->level,
				 o->ino, path[0] ? path : "(no path)");
		else
			snprintf(buf, len, "inode %u %s, logical block %llu%s", o->ino,
				 path[0] ? path : "(no path)", (unsigned long long)o->lblk,
				 o->unwritten ? " (unwritten)" : "");
		return;
	}
	snprintf(buf, len, "?");
}
