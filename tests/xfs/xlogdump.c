/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * xlogdump: a test program over the XFS log's internal interface
 * (libfsimg/xlog/xlog.h), until the neutral front wires `fsimg journal`.
 *
 *   xlogdump IMAGE [LOGDEV] ends     log location, head, tail, clean or dirty
 *   xlogdump IMAGE [LOGDEV] trans    ends, then every committed transaction
 *                                    and its items (what they touch)
 *   xlogdump IMAGE [LOGDEV] plan     the recovery plan: writes and pending work
 *   xlogdump IMAGE [LOGDEV] apply OUT  OUT (a copy of IMAGE) gets the plan's writes
 *   xlogdump IMAGE [LOGDEV] plansum par|one|serial  the plan with a crc32c of its written
 *                                    bytes, pass 2 beside pass 1 on a second thread whatever
 *                                    the log's size (par), after pass 1 on each transaction
 *                                    of one walk (one), or in a second walk (serial)
 *
 * Exit 0, or 8 with one line on stderr.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xlog/xlog.h"
#include "xlog/plan_int.h"

static void print_ends(const xlog *log)
{
	const struct xlog_geom *g = &log->geom;
	const struct xlog_ends *e = &log->ends;

	printf("log %s daddr %" PRIu64 " length %u\n", g->external ? "external" : "internal", g->daddr,
	       g->bbs);
	printf("tail %u/%u head %u/%u %s%s", e->tail_cycle, e->tail_blk, e->head_cycle, e->head_blk,
	       e->clean ? "clean" : "dirty", e->zeroed ? " zeroed" : "");
	if (e->torn)
		printf(" torn-write-cut-from %u", e->torn_blk);
	printf("\nlast-record %u lsn %u/%u\n", e->last_rec_blk, XLOG_LSN_CYCLE(e->last_lsn),
	       XLOG_LSN_BLOCK(e->last_lsn));
}

static int print_trans(void *ctx, const struct xlog_trans *t)
{
	xlog *log = ctx;
	size_t i;
	uint32_t k;

	printf("trans tid %#x lsn %u/%u commit %u/%u items %zu th_items %u\n", t->tid, XLOG_LSN_CYCLE(t->lsn),
	       XLOG_LSN_BLOCK(t->lsn), XLOG_LSN_CYCLE(t->commit_lsn), XLOG_LSN_BLOCK(t->commit_lsn),
	       t->nitems, t->th_num_items);
	for (i = 0; i < t->nitems; i++) {
		struct xlog_item_info o;
		struct xlog_ext e;
		int err = xlog_item_decode(&o, log, &t->items[i]);
		if (err) {
			fprintf(stderr, "xlogdump: %s\n", log->errmsg);
			return err;
		}
		printf("  %s", o.name);
		switch (o.type) {
		case XFS_LI_BUF:
			printf(" daddr %#" PRIx64 " len %u flags %#x regions %u\n", (uint64_t)o.blkno,
			       o.bblen, o.flags, o.nregions);
			break;
		case XFS_LI_INODE:
			printf(" ino %#" PRIx64 " fields %#x dsize %u asize %u daddr %#" PRIx64
			       " len %u offset %d regions %u\n",
			       o.ino, o.fields, o.dsize, o.asize, (uint64_t)o.blkno, o.bblen, o.boffset,
			       o.nregions);
			break;
		case XFS_LI_DQUOT:
			printf(" id %u daddr %#" PRIx64 " len %u offset %d\n", o.dq_id, (uint64_t)o.blkno,
			       o.bblen, o.boffset);
			break;
		case XFS_LI_QUOTAOFF:
			printf(" flags %#x\n", o.qflags);
			break;
		case XFS_LI_ICREATE:
			printf(" ag %u agbno %#x len %u count %u isize %u gen %#x\n", o.agno, o.agbno,
			       o.length, o.count, o.isize, o.gen);
			break;
		case XFS_LI_ATTRI:
			printf(" id %#" PRIx64 " ino %#" PRIx64 " op %#x name %u value %u\n", o.id, o.ino,
			       o.op_flags, o.name_len, o.value_len);
			break;
		case XFS_LI_XMI:
			printf(" id %#" PRIx64 " ino %#" PRIx64 " ino2 %#" PRIx64 "\n", o.id, o.ino, o.ino2);
			break;
		default:
			printf(" id %#" PRIx64 " extents %u", o.id, o.nextents);
			for (k = 0; k < o.nextents; k++) {
				xlog_item_extent(&e, log, &t->items[i], &o, k);
				printf(" %#" PRIx64 "+%" PRIu64, e.startblock, e.len);
				if (o.type == XFS_LI_RUI || o.type == XFS_LI_BUI)
					printf("(owner %" PRIu64 " off %" PRIu64 " flags %#x)", e.owner,
					       e.startoff, e.flags);
				else if (o.type == XFS_LI_CUI)
					printf("(flags %#x)", e.flags);
			}
			printf("\n");
			break;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	fsimg_io *io = NULL, *logio = NULL;
	xfs_fs *fs = NULL;
	xlog *log = NULL;
	struct xlog_walk_stats st;
	const char *cmd;
	int err, rc = 8;

	if (argc < 3) {
		fprintf(stderr, "usage: xlogdump IMAGE [LOGDEV] ends|trans|plan|apply OUT|plansum par|one|serial\n");
		return 16;
	}
	cmd = argv[2];
	if ((err = fsimg_io_open_file(&io, argv[1]))) {
		fprintf(stderr, "xlogdump: %s: %s\n", argv[1], fsimg_strerror(err));
		return 8;
	}
	if (argc > 3 && strcmp(argv[2], "ends") && strcmp(argv[2], "trans") && strcmp(argv[2], "plan") &&
	    strcmp(argv[2], "apply") && strcmp(argv[2], "plansum")) {
		if ((err = fsimg_io_open_file(&logio, argv[2]))) {
			fprintf(stderr, "xlogdump: %s: %s\n", argv[2], fsimg_strerror(err));
			goto out;
		}
		cmd = argv[3];
		argv++;
		argc--;
	}
	if ((err = xfs_fs_open(&fs, io))) {
		fprintf(stderr, "xlogdump: %s\n", fsimg_strerror(err));
		goto out;
	}
	if ((err = xlog_open(&log, fs, logio))) {
		fprintf(stderr, "xlogdump: %s\n", fs->errmsg);
		goto out;
	}
	if ((err = xlog_find_tail(log))) {
		fprintf(stderr, "xlogdump: %s\n", log->errmsg);
		goto out;
	}
	memset(&st, 0, sizeof st);
	if (!strcmp(cmd, "ends")) {
		print_ends(log);
	} else if (!strcmp(cmd, "trans")) {
		print_ends(log);
		if ((err = xlog_walk(log, print_trans, log, &st))) {
			if (err < 0)
				fprintf(stderr, "xlogdump: %s\n", log->errmsg);
			goto out;
		}
		printf("records %" PRIu64 " ops %" PRIu64 " transactions %" PRIu64 " items %" PRIu64
		       " incomplete %" PRIu64 " crc-mismatch %" PRIu64 "\n",
		       st.records, st.ops, st.transactions, st.items, st.incomplete, st.crc_mismatch);
	} else if (!strcmp(cmd, "plan") || !strcmp(cmd, "apply") || !strcmp(cmd, "plansum")) {
		struct xlog_plan *plan = NULL;
		size_t i;
		if (!strcmp(cmd, "plansum")) {
			if (argc < 4 || (strcmp(argv[3], "par") && strcmp(argv[3], "one") &&
					 strcmp(argv[3], "serial"))) {
				fprintf(stderr, "xlogdump: plansum needs par, one or serial\n");
				goto out;
			}
			xlog_plan_par_min_bbs = strcmp(argv[3], "par") ? UINT32_MAX : 0;
			xlog_plan_one_walk = strcmp(argv[3], "serial") != 0;
		}
		if ((err = xlog_plan_build(&plan, log))) {
			fprintf(stderr, "xlogdump: %s\n", log->errmsg);
			goto out;
		}
		if (!strcmp(cmd, "plansum")) {
			uint32_t crc = ~0u;
			for (i = 0; i < plan->nwrites; i++)
				for (uint64_t d = plan->writes[i].off / XLOG_BBSIZE;
				     d < (plan->writes[i].off + plan->writes[i].len) / XLOG_BBSIZE; d++)
					crc = fsimg_crc32c(crc, xlog_ovl_sector(&plan->ovl, d), XLOG_BBSIZE);
			printf("bytes crc32c %08x\n", ~crc);
		}
		if (!strcmp(cmd, "plan") || !strcmp(cmd, "plansum")) {
			for (i = 0; i < plan->nwrites; i++)
				printf("write %" PRIu64 " %u\n", plan->writes[i].off, plan->writes[i].len);
			for (i = 0; i < plan->npending; i++)
				printf("pending %s\n", plan->pending[i].what);
			printf("skipped-lsn %" PRIu64 " cancelled %" PRIu64 " replayed %" PRIu64 "\n",
			       plan->skipped_lsn, plan->cancelled, plan->replayed);
			if (!strcmp(cmd, "plansum"))
				printf("records %" PRIu64 " ops %" PRIu64 " transactions %" PRIu64
				       " items %" PRIu64 " incomplete %" PRIu64 "\n",
				       plan->stats.records, plan->stats.ops, plan->stats.transactions,
				       plan->stats.items, plan->stats.incomplete);
		} else if (argc < 4) {
			fprintf(stderr, "xlogdump: apply needs OUT\n");
			err = -1;
		} else {
			FILE *f = fopen(argv[3], "r+b");
			for (i = 0; f && i < plan->nwrites; i++) {
				uint64_t d = plan->writes[i].off / XLOG_BBSIZE, k;

				/* the run's sectors, from the plan's overlay */
				if (fseeko(f, (off_t)plan->writes[i].off, SEEK_SET))
					break;
				for (k = 0; k < plan->writes[i].len / XLOG_BBSIZE; k++)
					if (fwrite(xlog_ovl_sector(&plan->ovl, d + k), 1, XLOG_BBSIZE, f) != XLOG_BBSIZE)
						break;
				if (k < plan->writes[i].len / XLOG_BBSIZE)
					break;
			}
			if (!f || i < plan->nwrites || fclose(f)) {
				fprintf(stderr, "xlogdump: cannot write %s\n", argv[3]);
				err = -1;
			}
		}
		xlog_plan_free(plan);
		if (err)
			goto out;
	} else {
		fprintf(stderr, "xlogdump: unknown command %s\n", cmd);
		goto out;
	}
	rc = 0;
out:
	xlog_close(log);
	if (fs)
		xfs_fs_close(fs);
	if (logio)
		fsimg_io_close(logio);
	fsimg_io_close(io);
	return rc;
}
