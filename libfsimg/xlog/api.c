/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The public face of the XFS log (fsimg/xlog.h): the internal xlog.h calls
 * behind opaque handles and plain structs. The log keeps its own xfs_fs
 * over the handle's source, so that the front's XFS handle stays the
 * front's.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsimg/xlog.h"
#include "core/io.h"
#include "xlog/xlog.h"

struct fsimg_xlog {
	xfs_fs *x;
	xlog *log;
};

struct fsimg_xlog_trans {
	fsimg_xlog *l;
	const struct xlog_trans *t;
};

_Static_assert(FSIMG_XLOG_BUF == XFS_LI_BUF && FSIMG_XLOG_XMD == XFS_LI_XMD &&
		       FSIMG_XLOG_EFI == XFS_LI_EFI && FSIMG_XLOG_ICREATE == XFS_LI_ICREATE,
	       "public item types are the on-disk XFS_LI_* values");
_Static_assert(sizeof(((struct fsimg_xlog_item *)0)->map) == sizeof(((struct xlog_item_info *)0)->map),
	       "the dirty bitmap's words");
_Static_assert(FSIMG_XLOG_BUF_CANCEL == XFS_BLF_CANCEL && FSIMG_XLOG_BUF_INODE == XFS_BLF_INODE_BUF,
	       "public buffer flags are the on-disk XFS_BLF_* values");

static int fail(char *errbuf, size_t errlen, int err, const char *msg)
{
	if (errbuf && errlen)
		snprintf(errbuf, errlen, "%s", msg && msg[0] ? msg : fsimg_strerror(err));
	return err;
}

int fsimg_xlog_open(fsimg_xlog **out, fsimg_fs *fs, fsimg_io *logdev, char *errbuf, size_t errlen)
{
	fsimg_xlog *l;
	const char *type;
	int err;

	if (!out)
		return FSIMG_EINVAL;
	*out = NULL;
	if (!fs)
		return fail(errbuf, errlen, FSIMG_EINVAL, "no filesystem");
	type = fsimg_fs_type(fs);
	if (!type || strcmp(type, "xfs"))
		return fail(errbuf, errlen, FSIMG_ENOTSUP_OP, "not an XFS filesystem: it keeps no XFS log");
	l = calloc(1, sizeof *l);
	if (!l)
		return fail(errbuf, errlen, FSIMG_ENOMEM, NULL);
	err = xfs_fs_open(&l->x, fsimg_fs_io(fs));
	if (err < 0) {
		fail(errbuf, errlen, err, l->x ? l->x->errmsg : NULL);
		goto bad;
	}
	err = xlog_open(&l->log, l->x, logdev);
	if (err < 0) {
		fail(errbuf, errlen, err, l->x->errmsg);
		goto bad;
	}
	err = xlog_find_tail(l->log);
	/* the kernel refuses this log's mount (xlog_verify_tail), but it lists: info says refused */
	if (err < 0 && !l->log->ends.refused) {
		fail(errbuf, errlen, err, l->log->errmsg);
		goto bad;
	}
	*out = l;
	return 0;
bad:
	fsimg_xlog_close(l);
	return err;
}

void fsimg_xlog_close(fsimg_xlog *l)
{
	if (!l)
		return;
	xlog_close(l->log);
	xfs_fs_close(l->x);
	free(l);
}

const char *fsimg_xlog_errmsg(const fsimg_xlog *l)
{
	return l && l->log ? l->log->errmsg : "";
}

int fsimg_xlog_info(struct fsimg_xlog_info *out, const fsimg_xlog *l)
{
	const struct xlog_geom *g;
	const struct xlog_ends *e;

	if (!out || !l)
		return FSIMG_EINVAL;
	g = &l->log->geom;
	e = &l->log->ends;
	memset(out, 0, sizeof *out);
	out->external = g->external;
	out->fs_block = g->external ? 0 : l->x->sb.logstart;
	out->daddr = g->daddr;
	out->fs_blocks = l->x->sb.logblocks;
	out->block_size = l->x->blocksize;
	out->basic_blocks = g->bbs;
	out->version = g->v2 ? 2 : 1;
	out->crc = g->crc;
	out->sector_size = g->sectbbs * XLOG_BBSIZE;
	out->stripe_unit = g->sunit;
	out->head_cycle = e->head_cycle;
	out->head_block = e->head_blk;
	out->tail_cycle = e->tail_cycle;
	out->tail_block = e->tail_blk;
	out->last_record = e->last_rec_blk;
	out->last_lsn = e->last_lsn;
	out->clean = e->clean;
	out->zeroed = e->zeroed;
	out->torn = e->torn;
	out->torn_block = e->torn_blk;
	out->tail_moved = e->tail_moved;
	out->tail_was = e->tail_was;
	out->refused = e->refused;
	out->bad_block = e->bad_blk;
	return 0;
}

struct walk_ctx {
	fsimg_xlog *l;
	fsimg_xlog_trans_fn fn;
	void *ctx;
};

static int walk_one(void *ctx, const struct xlog_trans *t)
{
	struct walk_ctx *w = ctx;
	struct fsimg_xlog_trans pt = { w->l, t };

	return w->fn(w->ctx, &pt);
}

int fsimg_xlog_walk(fsimg_xlog *l, fsimg_xlog_trans_fn fn, void *ctx, struct fsimg_xlog_stats *st)
{
	struct walk_ctx w = { l, fn, ctx };
	struct xlog_walk_stats ws;
	int err;

	if (!l || !fn)
		return FSIMG_EINVAL;
	memset(&ws, 0, sizeof ws);
	l->log->errmsg[0] = '\0';
	err = xlog_walk(l->log, walk_one, &w, &ws);
	if (st) {
		memset(st, 0, sizeof *st);
		st->records = ws.records;
		st->ops = ws.ops;
		st->transactions = ws.transactions;
		st->items = ws.items;
		st->bytes = ws.bytes;
		st->unmount_records = ws.unmount_records;
		st->incomplete = ws.incomplete;
		st->crc_mismatch = ws.crc_mismatch;
		st->header_sectors = l->log->hblks;
		st->iclog_size = l->log->h_size;
	}
	return err;
}

int fsimg_xlog_trans_info(struct fsimg_xlog_trans_info *out, const fsimg_xlog_trans *pt)
{
	if (!out || !pt)
		return FSIMG_EINVAL;
	memset(out, 0, sizeof *out);
	out->tid = pt->t->tid;
	out->lsn = pt->t->lsn;
	out->commit_lsn = pt->t->commit_lsn;
	out->th_type = pt->t->th_type;
	out->th_num_items = pt->t->th_num_items;
	out->nitems = pt->t->nitems;
	return 0;
}

/* The fsb holding a daddr of the data device (XFS_DADDR_TO_FSB). */
static void daddr_fsb(const xfs_fs *x, uint64_t daddr, uint64_t *fsb, uint32_t *sect)
{
	uint32_t per = x->blocksize / XLOG_BBSIZE;
	uint64_t linear = daddr / per;

	*sect = (uint32_t)(daddr % per);
	*fsb = x->sb.agblocks ? xfs_agb_to_fsb(x, (uint32_t)(linear / x->sb.agblocks),
					       (uint32_t)(linear % x->sb.agblocks))
			      : linear;
}

/* Item i of a transaction decoded (the out struct is the caller's, zeroed). */
static int item_decode(struct xlog_item_info *o, const fsimg_xlog_trans *pt, size_t i, void *out,
		       size_t outlen)
{
	if (!out || !pt)
		return FSIMG_EINVAL;
	memset(out, 0, outlen);
	if (i >= pt->t->nitems)
		return xlog_error(pt->l->log, FSIMG_EINVAL, "item %zu of a transaction of %zu", i,
				  pt->t->nitems);
	return xlog_item_decode(o, pt->l->log, &pt->t->items[i]);
}

int fsimg_xlog_trans_item(struct fsimg_xlog_item *out, const fsimg_xlog_trans *pt, size_t i)
{
	struct xlog_item_info o;
	uint32_t k;
	int err = item_decode(&o, pt, i, out, sizeof *out);

	if (err < 0)
		return err;
	out->type = o.type;
	out->name = o.name;
	out->regions = o.nregions;
	switch (o.type) {
	case XFS_LI_BUF:
		for (k = 0; k < o.map_size; k++)
			out->dirty_chunks += (uint32_t)__builtin_popcount(o.map[k]);
		out->map_size = o.map_size;
		memcpy(out->map, o.map, sizeof out->map);
		out->flags = o.flags;
		/* fall through */
	case XFS_LI_INODE:
	case XFS_LI_DQUOT:
		out->has_buffer = 1;
		out->daddr = (uint64_t)o.blkno;
		out->bblen = o.bblen;
		daddr_fsb(pt->l->x, out->daddr, &out->fs_block, &out->fs_block_offset);
		break;
	case XFS_LI_ICREATE: {
		/* the inode chunk it initialises, as a range of the data device */
		const xfs_fs *x = pt->l->x;
		uint64_t bpb = x->blocksize / XLOG_BBSIZE, bbs = (uint64_t)o.length * bpb;
		out->has_buffer = 1;
		out->daddr = ((uint64_t)o.agno * x->sb.agblocks + o.agbno) * bpb;
		out->bblen = bbs > UINT32_MAX ? UINT32_MAX : (uint32_t)bbs;
		out->fs_block = xfs_agb_to_fsb(x, o.agno, o.agbno);
		break;
	}
	default:
		break;
	}
	out->ino = o.ino;
	out->fields = o.fields;
	out->dsize = o.dsize;
	out->asize = o.asize;
	out->dquot_id = o.dq_id;
	out->qflags = o.qflags;
	out->agno = o.agno;
	out->agbno = o.agbno;
	out->length = o.length;
	out->count = o.count;
	out->isize = o.isize;
	out->gen = o.gen;
	out->id = o.id;
	out->nextents = o.ext_size ? o.nextents : 0;
	out->intent = xlog_item_is_intent(o.type);
	out->done_type = xlog_item_done_of(o.type);
	out->op_flags = o.op_flags;
	out->name_len = o.name_len;
	out->value_len = o.value_len;
	out->ino2 = o.ino2;
	return 0;
}

int fsimg_xlog_item_extent(struct fsimg_xlog_extent *out, const fsimg_xlog_trans *pt, size_t i,
			   uint32_t k)
{
	struct xlog_item_info o;
	struct xlog_ext e;
	int err = item_decode(&o, pt, i, out, sizeof *out);

	if (err < 0)
		return err;
	if (k >= o.nextents || !o.ext_size)
		return xlog_error(pt->l->log, FSIMG_EINVAL, "extent %u of an item of %u", k,
				  o.ext_size ? o.nextents : 0);
	xlog_item_extent(&e, pt->l->log, &pt->t->items[i], &o, k);
	out->start_block = e.startblock;
	out->len = e.len;
	out->owner = e.owner;
	out->start_offset = e.startoff;
	out->flags = e.flags;
	return 0;
}
