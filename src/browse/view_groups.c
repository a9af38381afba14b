/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The groups view: one row per block group with its range, free blocks and
 * inodes, a usage bar, flags and the descriptor's checksum state; on XFS one
 * row per allocation group from its AGF and AGI (free blocks, the longest
 * free extent, inodes allocated and free, both headers' checksums). Rows are
 * read from the descriptors or headers as they are drawn. A view about two
 * filesystems' own groups: it uses fsimg/ext4.h (through browse.h) and
 * fsimg/xfs.h.
 */
#include "config.h"

#include <curses.h>
#include <stdlib.h>
#include <string.h>

#include "browse.h"
#include "fsimg/xfs.h"

struct groups {
	struct list list;
};

static bool is_xfs(const struct app *a)
{
	return !a->sb && a->info.backend && strcmp(a->info.backend, "xfs") == 0;
}

static uint64_t group_count(const struct app *a)
{
	return a->sb ? a->sb->group_count : is_xfs(a) ? a->info.groups : 0;
}

static int gv_init(struct app *a, void **state)
{
	struct groups *g = calloc(1, sizeof(*g));

	if (!g)
		return -1;
	list_set(&g->list, group_count(a));
	*state = g;
	return 0;
}

static void gv_reset(struct app *a, void *state)
{
	list_set(&((struct groups *)state)->list, group_count(a));
}

/* An XFS AG's row: AGF's free space, AGI's inodes, both checksums. */
static void ag_row(struct app *a, uint64_t i, int y, int w, int base)
{
	struct fsimg_xfs_ag ag;
	char csum[16];
	int barw = w - 86;

	if (fsimg_xfs_ag_get(&ag, a->fs, (uint32_t)i) < 0) {
		put_fmt(y, 1, w - 1, base | app_attr(a, C_ERROR), "%6llu  %s", (unsigned long long)i,
			fsimg_fs_errmsg(a->fs));
		return;
	}
	snprintf(csum, sizeof(csum), "%s/%s", csum_word(ag.agf_csum), csum_word(ag.agi_csum));
	put_fmt(y, 1, w - 1, base, "%6u %10llu-%-10llu %9u/%-9u %9u %7u/%-7u %-7s", ag.agno,
		(unsigned long long)ag.first_block,
		(unsigned long long)(ag.first_block + (ag.blocks ? ag.blocks - 1 : 0)), ag.free_blocks,
		ag.blocks, ag.longest_free, ag.free_inodes, ag.inodes, csum);
	if (barw >= 4)
		put_bar(y, 84, barw, ag.blocks > ag.free_blocks ? ag.blocks - ag.free_blocks : 0, ag.blocks,
			app_attr(a, C_WRITTEN));
}

static void flags_text(char *buf, size_t len, const struct fsimg_group *g)
{
	snprintf(buf, len, "%s%s%s%s", g->flags & FSIMG_BG_INODE_UNINIT ? "I" : "-",
		 g->flags & FSIMG_BG_BLOCK_UNINIT ? "B" : "-",
		 g->flags & FSIMG_BG_INODE_ZEROED ? "Z" : "-", g->has_super ? "S" : "-");
}

static void gv_row(struct app *a, void *st, uint64_t i, int y, int w, bool cur)
{
	struct fsimg_group g;
	int base = cur ? A_REVERSE : 0;
	char fl[8];
	uint64_t nblk;
	int barw = w - 74;

	(void)st;
	if (is_xfs(a)) {
		ag_row(a, i, y, w, base);
		return;
	}
	if (fsimg_ext4_group_get(&g, a->fs, (fsimg_group_t)i) < 0) {
		put_fmt(y, 1, w - 1, base | app_attr(a, C_ERROR), "%6llu  %s", (unsigned long long)i,
			fsimg_fs_errmsg(a->fs));
		return;
	}
	flags_text(fl, sizeof(fl), &g);
	nblk = g.last_block - g.first_block + 1;
	put_fmt(y, 1, w - 1, base, "%6u %10llu-%-10llu %7u/%-7llu %6u/%-6u %-4s %-4s", g.group,
		(unsigned long long)g.first_block, (unsigned long long)g.last_block, g.free_blocks_count,
		(unsigned long long)nblk, g.free_inodes_count, a->sb->inodes_per_group, fl,
		csum_word(g.csum_state));
	if (barw >= 4)
		put_bar(y, 72, barw, nblk > g.free_blocks_count ? nblk - g.free_blocks_count : 0, nblk,
			app_attr(a, C_WRITTEN));
}

static void gv_draw(struct app *a, void *state, int y, int h, int w)
{
	struct groups *g = state;

	if (is_xfs(a)) {
		put_fmt(y, 1, w - 1, app_attr(a, C_TITLE), "%llu allocation groups of %llu blocks",
			(unsigned long long)a->info.groups, (unsigned long long)a->info.group_blocks);
		clear_line(y + 1, 0, w, app_attr(a, C_TITLE));
		put_fmt(y + 1, 1, w - 1, app_attr(a, C_TITLE), "%6s %21s %19s %9s %15s %-7s %s", "AG",
			"BLOCKS", "FREE BLOCKS", "LONGEST", "FREE INODES", "AGF/AGI", "USED");
		list_draw(a, &g->list, y + 2, h - 2, w, gv_row, g);
		return;
	}
	if (!a->sb) {
		/* a backend without groups of its own */
		put_fmt(y, 1, w - 1, app_attr(a, C_TITLE), "no group view for %s", a->info.type);
		return;
	}
	put_fmt(y, 1, w - 1, app_attr(a, C_TITLE),
		"%u groups of %u blocks, %u inodes each   flags: I inode_uninit B block_uninit Z zeroed S super",
		a->sb->group_count, a->sb->blocks_per_group, a->sb->inodes_per_group);
	clear_line(y + 1, 0, w, app_attr(a, C_TITLE));
	put_fmt(y + 1, 1, w - 1, app_attr(a, C_TITLE), "%6s %21s %15s %13s %-4s %-4s %s", "GROUP", "BLOCKS",
		"FREE BLOCKS", "FREE INODES", "FLAG", "CSUM", "USED");
	list_draw(a, &g->list, y + 2, h - 2, w, gv_row, g);
}

static bool gv_key(struct app *a, void *state, int ch)
{
	struct groups *gs = state;
	struct fsimg_group g;

	if ((ch != '\n' && ch != 'b') || !gs->list.count)
		return false;
	if (is_xfs(a)) {
		/* Enter: the AG's first block (its superblock copy, AGF and AGI sectors) */
		if (ch != '\n')
			return false;
		app_select_block(a, gs->list.cur * a->info.group_blocks, 0);
		app_show(a, V_HEX);
		return true;
	}
	if (fsimg_ext4_group_get(&g, a->fs, (fsimg_group_t)gs->list.cur) < 0) {
		app_message(a, true, "%s", fsimg_fs_errmsg(a->fs));
		return true;
	}
	app_select_block(a, ch == 'b' ? g.block_bitmap : g.first_block, 0);
	app_show(a, V_HEX);
	return true;
}

static struct list *gv_list(void *state)
{
	return &((struct groups *)state)->list;
}

static bool gv_row_text(struct app *a, void *state, uint64_t i, char *buf, size_t len)
{
	(void)a;
	(void)state;
	snprintf(buf, len, "%llu", (unsigned long long)i);
	return true;
}

const struct view view_groups = {
	.name = "Groups",
	.init = gv_init,
	.free = free,
	.reset = gv_reset,
	.draw = gv_draw,
	.key = gv_key,
	.list = gv_list,
	.row_text = gv_row_text,
};
