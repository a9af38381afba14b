/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Pass 5, connectivity and link counts (e2fsck passes 3 and 4): every
 * directory must reach the root through the names that name it, lost+found
 * must be there, and each inode's i_links_count must match the entries
 * counted while the directories were walked (an inode in use that no entry
 * names is unattached).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/ext4/e4check.h"
#include "check/ext4/pass_dirs.h"

/*
 * Follows the names upwards from dir (e2fsck pass 3 check_directory): the
 * root, or a directory known to reach it, ends the walk well; no name, or
 * more steps than there are inodes (a loop), ends it badly. Every directory
 * on the way is then marked, so each is walked once.
 */
void dirs_check_connected(struct dirs_state *s, fsimg_ino_t dir)
{
	struct check_ctx *c = s->c;
	fsimg_ino_t x = dir, top = dir;
	uint64_t steps = 0, bound = (uint64_t)s->sb->inodes_count + 1;
	bool good = false;
	const char *why = "ends without a name";

	for (;;) {
		struct dinfo *d = dirs_find(s, x);

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
	if (!good && !(dirs_find(s, x) && dirs_find(s, x)->conn == CONN_LOST)) {
		struct fsimg_problem_ctx p = pctx_inode(top);

		PCTX_SET(p, detail, FSIMG_PF_DETAIL, why);
		check_report(c, PR_DIR_UNCONNECTED, &p);
	}
	/* Mark the path, bounded the same way. */
	for (x = dir, steps = 0; x && x != FSIMG_ROOT_INO && steps <= bound; steps++) {
		struct dinfo *d = dirs_find(s, x);

		if (!d || d->conn != CONN_UNKNOWN)
			break;
		d->conn = good ? CONN_REACHED : CONN_LOST;
		x = d->named_by;
	}
}

void dirs_check_links(struct dirs_state *s, fsimg_ino_t ino)
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
		e = dirs_cnt_slot(s, ino);
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

void dirs_check_lost_found(struct dirs_state *s)
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
