/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * XFS connectivity and link counts (xfs_repair phases 6 and 7), the AGI
 * unlinked lists as a crash left them, and the quota inodes. Each inode in
 * use is connected when the chain of the directories naming it reaches the
 * root (a loop never does); a directory's ".." names the directory naming
 * it; di_nlink equals the entries naming the inode, plus for a directory
 * its "." and its subdirectories' "..". Inodes on an unlinked list have no
 * links and wait for the kernel to free them (an INFO: what log recovery
 * finishes).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "check/xfs/xpass.h"

#define NULLAGINO 0xffffffffu
#define NULLFSINO UINT64_MAX
enum { C_UNKNOWN, C_WALKING, C_CONNECTED, C_DISCONNECTED };

static void lrep(struct xp_ctx *xp, enum problem_id id, uint64_t ino, uint32_t agno, uint64_t bucket,
		 const char *detail, uint64_t found)
{
	struct fsimg_problem_ctx p = pctx_inode(ino);

	PCTX_SET(p, group, FSIMG_PF_GROUP, agno);
	PCTX_SET(p, lblk, FSIMG_PF_LBLK, bucket);
	PCTX_SET(p, found, FSIMG_PF_FOUND, found);
	if (detail)
		PCTX_SET(p, detail, FSIMG_PF_DETAIL, detail);
	check_report(xp->c, id, &p);
}

/* Every AGI bucket's chain: inodes of the AG, without links, hashed right, no loop. */
static void unlinked_lists(struct xp_ctx *xp)
{
	xfs_fs *x = xp->x;
	unsigned shift = x->sb.agblklog + x->sb.inopblog;

	for (uint32_t agno = 0; agno < x->sb.agcount; agno++) {
		struct xfs_agi_info agi;

		if (xfs_agi_read(&agi, x, agno))
			continue; /* the AG header pass's finding */
		for (unsigned bkt = 0; bkt < XFS_AGI_UNLINKED_BUCKETS; bkt++) {
			uint32_t agino = agi.unlinked[bkt];

			for (size_t steps = 0; agino != NULLAGINO; steps++) {
				uint64_t ino = ((uint64_t)agno << shift) | agino;
				uint32_t t = xfs_ino_ok(x, ino) ? xp_find(xp, ino) : XP_NONE;
				struct xfs_inode ip;

				if (t == XP_NONE || steps > xp->n) {
					lrep(xp, PR_XFS_UNLINKED_LIST, ino, agno, bkt,
					     t == XP_NONE ? "an inode not in use" : "a chain longer than the inodes", 0);
					break;
				}
				if (xp->ino[t].flags & XP_UNLINKED) {
					lrep(xp, PR_XFS_UNLINKED_LIST, ino, agno, bkt, "a loop", 0);
					break;
				}
				xp->ino[t].flags |= XP_UNLINKED;
				if (agino % XFS_AGI_UNLINKED_BUCKETS != bkt)
					lrep(xp, PR_XFS_UNLINKED_LIST, ino, agno, bkt, "an inode of another bucket", 0);
				if (xp->ino[t].nlink)
					lrep(xp, PR_XFS_UNLINKED_LIST, ino, agno, bkt, "an inode with links", 0);
				else
					lrep(xp, PR_XFS_UNLINKED_PENDING, ino, agno, bkt, NULL, 0);
				if (xfs_inode_read(&ip, x, ino)) {
					xfs_inode_release(&ip);
					break;
				}
				agino = ip.next_unlinked;
				xfs_inode_release(&ip);
			}
		}
	}
}

static void connectivity(struct xp_ctx *xp, uint32_t root)
{
	for (size_t i = 0; i < xp->n; i++) {
		uint32_t j = (uint32_t)i, end;
		uint8_t result;

		/* follow the namers until a known state, the root, or nothing */
		for (;;) {
			struct xp_ino *e = &xp->ino[j];

			if (e->conn != C_UNKNOWN) {
				result = e->conn == C_WALKING ? C_DISCONNECTED : e->conn;
				break;
			}
			e->conn = C_WALKING;
			if (j == root) {
				result = C_CONNECTED;
				break;
			}
			if (e->namer == XP_NONE || (e->flags & XP_BAD)) {
				result = C_DISCONNECTED;
				break;
			}
			j = e->namer;
		}
		end = j;
		for (j = (uint32_t)i;; j = xp->ino[j].namer) {
			bool last = j == end;

			if (xp->ino[j].conn == C_WALKING)
				xp->ino[j].conn = result;
			if (last || xp->ino[j].namer == XP_NONE)
				break;
		}
	}
}

static void lrep_links(struct xp_ctx *xp, const struct xp_ino *e, uint32_t want)
{
	struct fsimg_problem_ctx p = pctx_inode(e->ino);

	PCTX_SET(p, found, FSIMG_PF_FOUND, e->nlink);
	PCTX_SET(p, expected, FSIMG_PF_EXPECTED, want);
	check_report(xp->c, PR_XFS_LINK_COUNT, &p);
}

static void quota_inodes(struct xp_ctx *xp)
{
	static const char *const names[] = { "user", "group", "project" };
	xfs_fs *x = xp->x;
	uint64_t qino[3] = { x->sb.uquotino, x->sb.gquotino, x->v5 ? x->sb.pquotino : 0 };

	for (unsigned q = 0; q < 3; q++) {
		uint32_t t;

		if (qino[q] == 0 || qino[q] == NULLFSINO)
			continue;
		t = xfs_ino_ok(x, qino[q]) ? xp_find(xp, qino[q]) : XP_NONE;
		if (t == XP_NONE)
			lrep(xp, PR_XFS_QUOTA_INODE, qino[q], 0, 0, names[q], 0);
	}
}

int xp_pass_links(struct xp_ctx *xp)
{
	uint32_t root = xp_find(xp, xp->x->sb.rootino);
	char why[64];

	if (root == XP_NONE || !S_ISDIR(xp->ino[root].mode)) {
		lrep(xp, PR_XFS_ROOT_BAD, xp->x->sb.rootino, 0, 0,
		     root == XP_NONE ? "is not in use" : "is not a directory", 0);
		root = XP_NONE;
	}
	unlinked_lists(xp);
	quota_inodes(xp);
	for (size_t i = 0; i < xp->n; i++) {
		struct xp_ino *e = &xp->ino[i];

		if (!S_ISDIR(e->mode))
			continue;
		e->refs++; /* its "." */
		if (i == root)
			e->refs++; /* the root's ".." names itself */
		else if (e->namer != XP_NONE && S_ISDIR(xp->ino[e->namer].mode))
			xp->ino[e->namer].refs++;
	}
	connectivity(xp, root);
	for (size_t i = 0; i < xp->n; i++) {
		struct xp_ino *e = &xp->ino[i];

		/* xfs_repair's phase 4 clears it on an inode no unlinked list holds */
		if ((e->flags & (XP_NEXT_UNL | XP_UNLINKED)) == XP_NEXT_UNL)
			lrep(xp, PR_XFS_INODE_NEXT_UNLINKED_SET, e->ino, 0, 0, NULL, 0);
		/* xfs_repair counts one reference to each metadata file it marks reached (phase 6) */
		if (e->flags & XP_META) {
			if (e->nlink != 1 && !(e->flags & XP_BAD))
				lrep_links(xp, e, 1);
			continue;
		}
		if (S_ISDIR(e->mode) && !(e->flags & XP_BAD) && e->dotdot != XP_NONE) {
			uint32_t want = i == root ? root : e->namer;

			if (want != XP_NONE && e->dotdot != want) {
				struct fsimg_problem_ctx p = pctx_inode(e->ino);

				PCTX_SET(p, found, FSIMG_PF_FOUND, e->dotdot < xp->n ? xp->ino[e->dotdot].ino : 0);
				PCTX_SET(p, expected, FSIMG_PF_EXPECTED, xp->ino[want].ino);
				check_report(xp->c, PR_XFS_DIR_DOTDOT, &p);
			}
		}
		if (e->conn != C_CONNECTED && !(e->flags & XP_UNLINKED)) {
			snprintf(why, sizeof(why), e->namer == XP_NONE ? " (no directory names it)"
								      : " (its parent is not)");
			lrep(xp, PR_XFS_INODE_DISCONNECTED, e->ino, 0, 0, why, 0);
		}
		if (e->nlink != e->refs && !(e->flags & XP_BAD))
			lrep_links(xp, e, e->refs);
	}
	return 0;
}
