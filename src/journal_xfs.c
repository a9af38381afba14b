/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fsimg journal on XFS: the log as it is on disk (fsimg/xlog.h). Where it
 * is, its size, head and tail, clean or dirty; then every committed
 * transaction from tail to head, as recovery would see it, with its items
 * and what each touches: buffers (daddr, length, fs block), inodes, inode
 * chunks (icreate), dquots, intents with their extents and the done items
 * that finish them. Intents left without their done item at the head are
 * named at the end: recovery would have to finish them.
 *
 * --json is JSON Lines as on ext4: a "log" record, one "transaction"
 * record per transaction, a last "end" record with the totals.
 */
#include "config.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "fsimg/xlog.h"
#include "cli.h"
#include "journal_rec.h"
#include "journal_xfs.h"

/* The buffer type in blf_flags (XFS_BLFT_*, bits 11-15). */
static const char *const blft_names[] = {
	"unknown", "udquot", "pdquot", "gdquot", "btree", "agf", "agfl", "agi",
	"dinode", "symlink", "dir_block", "dir_data", "dir_free", "dir_leaf1", "dir_leafn", "da_node",
	"attr_leaf", "attr_rmt", "sb", "rtbitmap", "rtsummary",
};

static const char *blft_name(uint32_t flags)
{
	uint32_t t = flags >> 11 & 0x1f;

	return t < sizeof blft_names / sizeof blft_names[0] ? blft_names[t] : "unknown";
}

/* The intent types, by the done item's type that finishes them. */
static const char *intent_of_done(uint16_t done)
{
	switch (done) {
	case FSIMG_XLOG_EFD: return "efi";
	case FSIMG_XLOG_RUD: return "rui";
	case FSIMG_XLOG_CUD: return "cui";
	case FSIMG_XLOG_BUD: return "bui";
	case FSIMG_XLOG_ATTRD: return "attri";
	case FSIMG_XLOG_XMD: return "xmi";
	default: return NULL;
	}
}

/* Intents seen and not yet finished, keyed by (done type, id). */
struct intent {
	uint16_t done_type;
	const char *name;
	uint64_t id, seq, lsn;
	uint32_t tid;
	struct intent *next;
};

#define INTENT_BUCKETS 4096u

struct xctx {
	struct jw w;
	struct cli_out o;  /* text: every line of it */
	const struct cli_common *c;
	struct intent *bucket[INTENT_BUCKETS];
	uint64_t seq, pending;
	uint64_t finished, orphan_done;
	bool refused;      /* the kernel's xlog_verify_tail refuses this log */
};

static struct intent **intent_slot(struct xctx *x, uint16_t done_type, uint64_t id)
{
	uint64_t h = (id ^ id >> 29 ^ done_type) * 0x9e3779b97f4a7c15ull;
	struct intent **p = &x->bucket[h >> 52 & (INTENT_BUCKETS - 1)];

	while (*p && !((*p)->done_type == done_type && (*p)->id == id))
		p = &(*p)->next;
	return p;
}

static int intent_add(struct xctx *x, const struct fsimg_xlog_item *it, const struct fsimg_xlog_trans_info *ti)
{
	struct intent **p = intent_slot(x, it->done_type, it->id), *n;

	if (*p) /* the same id again: the kernel reuses an address once its intent is done */
		return 0;
	n = calloc(1, sizeof *n);
	if (!n)
		return FSIMG_ENOMEM;
	n->done_type = it->done_type;
	n->name = it->name;
	n->id = it->id;
	n->tid = ti->tid;
	n->lsn = ti->lsn;
	n->seq = x->seq++;
	*p = n;
	x->pending++;
	return 0;
}

/* The intent a done item finishes, unlinked (the caller frees it), or NULL. */
static struct intent *intent_take(struct xctx *x, const struct fsimg_xlog_item *it)
{
	struct intent **p = intent_slot(x, it->type, it->id), *n = *p;

	if (n) {
		*p = n->next;
		x->pending--;
		x->finished++;
	} else {
		x->orphan_done++;
	}
	return n;
}

static void lsn_text(char *buf, size_t len, uint64_t lsn)
{
	snprintf(buf, len, "%u/%u", FSIMG_XLOG_LSN_CYCLE(lsn), FSIMG_XLOG_LSN_BLOCK(lsn));
}

/*
 * The runs of set bits of a buffer item's dirty bitmap, as byte ranges of
 * the buffer: *start and *len of the run at or after bit *bit; false at
 * the end.
 */
static bool dirty_run(const struct fsimg_xlog_item *it, uint32_t *bit, uint32_t *start, uint32_t *len)
{
	uint32_t n = it->map_size * 32, b = *bit;

	while (b < n && !(it->map[b / 32] >> (b % 32) & 1))
		b++;
	if (b >= n)
		return false;
	*start = b * 128;
	while (b < n && (it->map[b / 32] >> (b % 32) & 1))
		b++;
	*len = b * 128 - *start;
	*bit = b;
	return true;
}

/* ------------------------------------------------------------------ text */

/*
 * The text listing of a full log is hundreds of thousands of lines, and
 * printf was half of the run: every line goes through the command's
 * cli_out buffer, which stdio sees in large pieces (one record, a
 * transaction, at a time on a terminal).
 */

/* v in hex with "0x" before it (printf's %#llx, but 0 is "0x0"). */
static void out_x(struct cli_out *o, uint64_t v)
{
	char b[18];
	size_t i = sizeof b;

	do {
		b[--i] = cli_hexd[v & 15];
		v >>= 4;
	} while (v);
	b[--i] = 'x';
	b[--i] = '0';
	cli_out_put(o, b + i, sizeof b - i);
}

/* The few lines whose fields printf lays out best (at most 255 bytes each). */
static void out_f(struct cli_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void out_f(struct cli_out *o, const char *fmt, ...)
{
	char b[256];
	va_list ap;
	int k;

	va_start(ap, fmt);
	k = vsnprintf(b, sizeof b, fmt, ap);
	va_end(ap);
	if (k > 0)
		cli_out_put(o, b, (size_t)k < sizeof b ? (size_t)k : sizeof b - 1);
}

static void flags_text(struct cli_out *o, uint32_t flags)
{
	cli_out_str(o, " flags ");
	out_x(o, flags);
	cli_out_str(o, " (");
	cli_out_str(o, blft_name(flags));
	if (flags & FSIMG_XLOG_BUF_CANCEL)
		cli_out_str(o, ", cancel");
	if (flags & FSIMG_XLOG_BUF_INODE)
		cli_out_str(o, ", inode buffer");
	if (flags & (FSIMG_XLOG_BUF_UDQUOT | FSIMG_XLOG_BUF_PDQUOT | FSIMG_XLOG_BUF_GDQUOT))
		cli_out_str(o, ", dquot buffer");
	cli_out_str(o, ")");
}

static void inode_fields_text(struct cli_out *o, uint32_t f)
{
	static const struct { uint32_t bit; const char *name; } names[] = {
		{ 0x001, "core" }, { 0x002, "ddata" }, { 0x004, "dext" }, { 0x008, "dbroot" },
		{ 0x010, "dev" }, { 0x040, "adata" }, { 0x080, "aext" }, { 0x100, "abroot" },
		{ 0x200, "downer" }, { 0x400, "aowner" }, { 0x4000, "timestamp" }, { 0x8000, "iversion" },
	};
	const char *sep = "";

	cli_out_str(o, " fields ");
	out_x(o, f);
	cli_out_str(o, " (");
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (f & names[i].bit) {
			cli_out_str(o, sep);
			cli_out_str(o, names[i].name);
			sep = " ";
		}
	cli_out_str(o, ")");
}

static void buffer_text(struct cli_out *o, const struct fsimg_xlog_item *it, const char *what)
{
	if (what) {
		cli_out_str(o, " ");
		cli_out_str(o, what);
	}
	cli_out_str(o, " daddr ");
	cli_out_u64(o, it->daddr);
	cli_out_str(o, " len ");
	cli_out_u64(o, it->bblen);
	cli_out_str(o, " (fs block ");
	cli_out_u64(o, it->fs_block);
	if (it->fs_block_offset) {
		cli_out_str(o, " + sector ");
		cli_out_u64(o, it->fs_block_offset);
	}
	cli_out_str(o, ")");
}

static int extents_text(struct cli_out *o, const fsimg_xlog_trans *t, size_t i, const struct fsimg_xlog_item *it)
{
	for (uint32_t k = 0; k < it->nextents; k++) {
		struct fsimg_xlog_extent e;
		int err = fsimg_xlog_item_extent(&e, t, i, k);
		if (err < 0)
			return err;
		out_f(o, "\n              fs block %" PRIu64 " +%" PRIu64, e.start_block, e.len);
		if (it->type == FSIMG_XLOG_RUI || it->type == FSIMG_XLOG_BUI)
			out_f(o, " owner %" PRIu64 " offset %" PRIu64 " flags %#x", e.owner, e.start_offset, e.flags);
		else if (it->type == FSIMG_XLOG_CUI)
			out_f(o, " flags %#x", e.flags);
	}
	return 0;
}

static int item_text(struct xctx *x, const fsimg_xlog_trans *t, size_t i, const struct fsimg_xlog_item *it,
		     const struct intent *done_of)
{
	struct cli_out *o = &x->o;
	char lsn[32];

	cli_out_str(o, "    ");
	cli_out_str(o, it->name);
	for (size_t n = strlen(it->name); n < 9; n++)
		cli_out_str(o, " ");
	switch (it->type) {
	case FSIMG_XLOG_BUF:
		buffer_text(o, it, NULL);
		flags_text(o, it->flags);
		cli_out_str(o, ", ");
		cli_out_u64(o, it->dirty_chunks);
		cli_out_str(o, it->dirty_chunks == 1 ? " dirty chunk" : " dirty chunks");
		if (x->c->verbose) {
			uint32_t bit = 0, start, len;
			cli_out_str(o, ": bytes");
			while (dirty_run(it, &bit, &start, &len))
				out_f(o, " %u-%u", start, start + len - 1);
		}
		break;
	case FSIMG_XLOG_INODE:
		cli_out_str(o, " ino ");
		cli_out_u64(o, it->ino);
		inode_fields_text(o, it->fields);
		cli_out_str(o, " dsize ");
		cli_out_u64(o, it->dsize);
		cli_out_str(o, " asize ");
		cli_out_u64(o, it->asize);
		cli_out_str(o, ",");
		buffer_text(o, it, "cluster");
		break;
	case FSIMG_XLOG_DQUOT:
		out_f(o, " id %u,", it->dquot_id);
		buffer_text(o, it, NULL);
		break;
	case FSIMG_XLOG_QUOTAOFF:
		out_f(o, " flags %#x", it->qflags);
		break;
	case FSIMG_XLOG_ICREATE:
		out_f(o, " ag %u agbno %u length %u", it->agno, it->agbno, it->length);
		buffer_text(o, it, NULL);
		out_f(o, ": %u inodes of %u bytes, gen %#x", it->count, it->isize, it->gen);
		break;
	case FSIMG_XLOG_ATTRI:
		out_f(o, " id %#" PRIx64 " ino %" PRIu64 " op %#x name %u bytes value %u bytes", it->id, it->ino,
		      it->op_flags, it->name_len, it->value_len);
		break;
	case FSIMG_XLOG_XMI:
		out_f(o, " id %#" PRIx64 " ino %" PRIu64 " with ino %" PRIu64, it->id, it->ino, it->ino2);
		break;
	default:
		out_f(o, " id %#" PRIx64, it->id);
		if (it->nextents || it->type == FSIMG_XLOG_EFI || it->type == FSIMG_XLOG_EFD)
			out_f(o, ", %u extent%s", it->nextents, it->nextents == 1 ? "" : "s");
		break;
	}
	if (intent_of_done(it->type)) {
		if (done_of) {
			lsn_text(lsn, sizeof lsn, done_of->lsn);
			out_f(o, " (finishes the %s of transaction %#x at %s)", done_of->name, done_of->tid, lsn);
		} else {
			out_f(o, " (its %s is not in the live log)", intent_of_done(it->type));
		}
	}
	if (extents_text(o, t, i, it) < 0)
		return FSIMG_ECORRUPT;
	cli_out_str(o, "\n");
	return 0;
}

/* ------------------------------------------------------------------ JSON */

static int item_json(struct jw *w, const fsimg_xlog_trans *t, size_t i, const struct fsimg_xlog_item *it,
		     const struct intent *done_of, bool verbose)
{
	jw_obj_begin(w, NULL);
	jw_str(w, "type", it->name);
	jw_u64(w, "type_id", it->type);
	jw_u64(w, "regions", it->regions);
	if (it->has_buffer) {
		jw_u64(w, "daddr", it->daddr);
		jw_u64(w, "bblen", it->bblen);
		jw_u64(w, "fs_block", it->fs_block);
		jw_u64(w, "fs_block_offset", it->fs_block_offset);
	}
	switch (it->type) {
	case FSIMG_XLOG_BUF:
		jw_u64(w, "flags", it->flags);
		jw_str(w, "buf_type", blft_name(it->flags));
		jw_bool(w, "cancel", (it->flags & FSIMG_XLOG_BUF_CANCEL) != 0);
		jw_u64(w, "dirty_chunks", it->dirty_chunks);
		if (verbose) {
			uint32_t bit = 0, start, len;
			jw_arr_begin(w, "dirty");
			while (dirty_run(it, &bit, &start, &len)) {
				jw_obj_begin(w, NULL);
				jw_u64(w, "offset", start);
				jw_u64(w, "len", len);
				jw_obj_end(w);
			}
			jw_arr_end(w);
		}
		break;
	case FSIMG_XLOG_INODE:
		jw_u64(w, "inode", it->ino);
		jw_u64(w, "fields", it->fields);
		jw_u64(w, "dsize", it->dsize);
		jw_u64(w, "asize", it->asize);
		break;
	case FSIMG_XLOG_DQUOT:
		jw_u64(w, "dquot_id", it->dquot_id);
		break;
	case FSIMG_XLOG_QUOTAOFF:
		jw_u64(w, "qflags", it->qflags);
		break;
	case FSIMG_XLOG_ICREATE:
		jw_u64(w, "agno", it->agno);
		jw_u64(w, "agbno", it->agbno);
		jw_u64(w, "length", it->length);
		jw_u64(w, "count", it->count);
		jw_u64(w, "isize", it->isize);
		jw_u64(w, "gen", it->gen);
		break;
	default:
		jw_u64(w, "id", it->id);
		if (it->type == FSIMG_XLOG_ATTRI || it->type == FSIMG_XLOG_XMI)
			jw_u64(w, "inode", it->ino);
		if (it->type == FSIMG_XLOG_XMI)
			jw_u64(w, "inode2", it->ino2);
		if (intent_of_done(it->type)) {
			if (done_of)
				jw_u64(w, "intent_tid", done_of->tid);
			else
				jw_null(w, "intent_tid");
		}
		jw_arr_begin(w, "extents");
		for (uint32_t k = 0; k < it->nextents; k++) {
			struct fsimg_xlog_extent e;
			if (fsimg_xlog_item_extent(&e, t, i, k) < 0)
				return FSIMG_ECORRUPT;
			jw_obj_begin(w, NULL);
			jw_u64(w, "start_block", e.start_block);
			jw_u64(w, "len", e.len);
			if (it->type == FSIMG_XLOG_RUI || it->type == FSIMG_XLOG_BUI) {
				jw_u64(w, "owner", e.owner);
				jw_u64(w, "start_offset", e.start_offset);
			}
			if (it->type == FSIMG_XLOG_RUI || it->type == FSIMG_XLOG_BUI || it->type == FSIMG_XLOG_CUI)
				jw_u64(w, "flags", e.flags);
			jw_obj_end(w);
		}
		jw_arr_end(w);
		break;
	}
	jw_obj_end(w);
	return 0;
}

/* ------------------------------------------------------------------ walk */

static int one_trans(void *ctx, const fsimg_xlog_trans *t)
{
	struct xctx *x = ctx;
	struct cli_out *o = &x->o;
	struct fsimg_xlog_trans_info ti;
	char lsn[32], commit[32];
	int err = fsimg_xlog_trans_info(&ti, t);

	if (err < 0)
		return err;
	if (cli_output_failed())
		return 1;
	lsn_text(lsn, sizeof lsn, ti.lsn);
	lsn_text(commit, sizeof commit, ti.commit_lsn);
	if (x->c->json) {
		jw_obj_begin(&x->w, NULL);
		jw_str(&x->w, "record", "transaction");
		jw_u64(&x->w, "tid", ti.tid);
		jw_u64(&x->w, "lsn_cycle", FSIMG_XLOG_LSN_CYCLE(ti.lsn));
		jw_u64(&x->w, "lsn_block", FSIMG_XLOG_LSN_BLOCK(ti.lsn));
		jw_u64(&x->w, "commit_cycle", FSIMG_XLOG_LSN_CYCLE(ti.commit_lsn));
		jw_u64(&x->w, "commit_block", FSIMG_XLOG_LSN_BLOCK(ti.commit_lsn));
		jw_u64(&x->w, "th_type", ti.th_type);
		jw_u64(&x->w, "th_num_items", ti.th_num_items);
		jw_arr_begin(&x->w, "items");
	} else {
		cli_out_str(o, "\ntransaction ");
		out_x(o, ti.tid);
		cli_out_str(o, "  lsn ");
		cli_out_str(o, lsn);
		cli_out_str(o, "  commit ");
		cli_out_str(o, commit);
		cli_out_str(o, "  ");
		cli_out_u64(o, ti.nitems);
		cli_out_str(o, ti.nitems == 1 ? " item\n" : " items\n");
	}
	for (size_t i = 0; i < ti.nitems; i++) {
		struct fsimg_xlog_item it;
		struct intent *done_of = NULL;
		err = fsimg_xlog_trans_item(&it, t, i);
		if (err < 0)
			break;
		if (it.intent)
			err = intent_add(x, &it, &ti);
		else if (intent_of_done(it.type))
			done_of = intent_take(x, &it);
		if (err == 0)
			err = x->c->json ? item_json(&x->w, t, i, &it, done_of, x->c->verbose) : item_text(x, t, i, &it, done_of);
		free(done_of);
		if (err < 0)
			break;
	}
	if (x->c->json) {
		jw_arr_end(&x->w);
		jw_obj_end(&x->w);
		jw_record_end(&x->w);
	} else {
		cli_out_record_end(&x->o);
	}
	return err;
}

void journal_xfs_log_json(struct jw *w, const struct cli_image *img, const char *logdev,
			  const struct fsimg_xlog_info *li)
{
	uint64_t bytes = (uint64_t)li->basic_blocks * 512;

	jw_obj_begin(w, NULL);
	jw_str(w, "record", "log");
	jw_str(w, "image", img->path);
	if (li->external)
		jw_str(w, "external", logdev);
	else
		jw_u64(w, "fs_block", li->fs_block);
	jw_u64(w, "daddr", li->daddr);
	jw_u64(w, "blocks", li->fs_blocks);
	jw_u64(w, "block_size", li->block_size);
	jw_u64(w, "basic_blocks", li->basic_blocks);
	jw_u64(w, "bytes", bytes);
	jw_u64(w, "version", (uint64_t)li->version);
	jw_bool(w, "crc", li->crc != 0);
	jw_u64(w, "sector_size", li->sector_size);
	jw_u64(w, "stripe_unit", li->stripe_unit);
	jw_u64(w, "head_cycle", li->head_cycle);
	jw_u64(w, "head_block", li->head_block);
	jw_u64(w, "tail_cycle", li->tail_cycle);
	jw_u64(w, "tail_block", li->tail_block);
	jw_u64(w, "last_record", li->last_record);
	jw_u64(w, "last_lsn_cycle", FSIMG_XLOG_LSN_CYCLE(li->last_lsn));
	jw_u64(w, "last_lsn_block", FSIMG_XLOG_LSN_BLOCK(li->last_lsn));
	jw_bool(w, "clean", li->clean || li->zeroed);
	jw_bool(w, "zeroed", li->zeroed != 0);
	jw_bool(w, "needs_recovery", !li->clean && !li->zeroed);
	if (li->torn)
		jw_u64(w, "torn_block", li->torn_block);
	else
		jw_null(w, "torn_block");
	if (li->tail_moved)
		jw_u64(w, "tail_moved_from", li->tail_was);
	else
		jw_null(w, "tail_moved_from");
	jw_bool(w, "kernel_refuses", li->refused != 0);
	if (li->refused)
		jw_u64(w, "bad_record", li->bad_block);
	else
		jw_null(w, "bad_record");
	jw_obj_end(w);
	jw_record_end(w);
}

static void header(struct xctx *x, const struct cli_image *img, const char *logdev,
		   const struct fsimg_xlog_info *li)
{
	struct cli_out *o = &x->o;
	char lsn[32];
	uint64_t bytes = (uint64_t)li->basic_blocks * 512;

	lsn_text(lsn, sizeof lsn, li->last_lsn);
	if (x->c->json) {
		journal_xfs_log_json(&x->w, img, logdev, li);
		return;
	}
#define LINE(name) out_f(o, "%-22s", name)
	LINE("Log location:");
	if (li->external) {
		cli_out_str(o, "external device ");
		cli_out_str(o, logdev);   /* as given, of any length */
		out_f(o, ", daddr %" PRIu64 "\n", li->daddr);
	} else {
		out_f(o, "internal, fs block %" PRIu64 " (daddr %" PRIu64 ")\n", li->fs_block, li->daddr);
	}
	LINE("Log size:");
	out_f(o, "%u blocks of %u bytes (%u basic blocks, %" PRIu64 " bytes)\n", li->fs_blocks, li->block_size,
	      li->basic_blocks, bytes);
	LINE("Log format:");
	out_f(o, "v%d, %s, sector %u bytes", li->version, li->crc ? "record CRCs checked (v5)" : "v4",
	      li->sector_size);
	if (li->stripe_unit > 1)
		out_f(o, ", stripe unit %u bytes", li->stripe_unit);
	cli_out_str(o, "\n");
	LINE("Log head:");
	out_f(o, "cycle %u, block %u\n", li->head_cycle, li->head_block);
	LINE("Log tail:");
	out_f(o, "cycle %u, block %u\n", li->tail_cycle, li->tail_block);
	if (!li->zeroed) {
		LINE("Last record:");
		out_f(o, "block %u (lsn %s)\n", li->last_record, lsn);
	}
	LINE("Log state:");
	if (li->zeroed)
		cli_out_str(o, "clean (never written)\n");
	else if (li->clean)
		cli_out_str(o, "clean (an unmount record at the head)\n");
	else
		cli_out_str(o, "dirty: needs recovery\n");
	if (li->torn) {
		LINE("Torn write:");
		out_f(o, "the head was at block %u; cut to %u at the first record whose CRC fails, as the kernel does\n",
		      li->torn_block, li->head_block);
	}
	if (li->tail_moved) {
		LINE("Tail overwrite:");
		out_f(o, "the tail was at block %u; moved past records whose CRC fails just ahead of the head, "
		      "as the kernel's xlog_verify_tail does\n", li->tail_was);
	}
	if (li->refused) {
		LINE("Kernel refuses:");
		out_f(o, "the record at block %u fails its CRC between tail and head, too far from the head to be "
		      "an overwritten tail: the kernel's xlog_verify_tail fails the mount (\"failed to locate log "
		      "tail\", error -74); replay refuses too\n", li->bad_block);
	}
	cli_out_record_end(o);
#undef LINE
}

static int by_seq(const void *a, const void *b)
{
	const struct intent *x = *(const struct intent *const *)a, *y = *(const struct intent *const *)b;

	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* The intents without their done item, in log order (a NULL-ended array, or NULL). */
static struct intent **pending_list(struct xctx *x)
{
	struct intent **v = calloc(x->pending + 1, sizeof *v);
	size_t n = 0;

	if (!v)
		return NULL;
	for (size_t b = 0; b < INTENT_BUCKETS; b++)
		for (struct intent *p = x->bucket[b]; p; p = p->next)
			if (n < x->pending)
				v[n++] = p;
	if (n > 1)
		qsort(v, n, sizeof *v, by_seq);
	return v;
}

static void footer(struct xctx *x, const struct fsimg_xlog_stats *st, const char *error)
{
	struct intent **pend = pending_list(x);
	char lsn[32];

	if (x->c->json) {
		struct jw *w = &x->w;
		jw_obj_begin(w, NULL);
		jw_str(w, "record", "end");
		jw_u64(w, "transactions", st->transactions);
		jw_u64(w, "items", st->items);
		jw_u64(w, "records", st->records);
		jw_u64(w, "ops", st->ops);
		jw_u64(w, "bytes", st->bytes);
		jw_u64(w, "incomplete", st->incomplete);
		jw_u64(w, "crc_mismatch", st->crc_mismatch);
		jw_u64(w, "unmount_records", st->unmount_records);
		jw_u64(w, "header_sectors", st->header_sectors);
		jw_u64(w, "iclog_size", st->iclog_size);
		jw_u64(w, "intents_finished", x->finished);
		jw_arr_begin(w, "pending_intents");
		for (size_t i = 0; pend && pend[i]; i++) {
			jw_obj_begin(w, NULL);
			jw_str(w, "type", pend[i]->name);
			jw_u64(w, "id", pend[i]->id);
			jw_u64(w, "tid", pend[i]->tid);
			jw_u64(w, "lsn_cycle", FSIMG_XLOG_LSN_CYCLE(pend[i]->lsn));
			jw_u64(w, "lsn_block", FSIMG_XLOG_LSN_BLOCK(pend[i]->lsn));
			jw_obj_end(w);
		}
		jw_arr_end(w);
		if (error)
			jw_str(w, "error", error);
		else
			jw_null(w, "error");
		jw_obj_end(w);
		jw_record_end(w);
	} else {
		struct cli_out *o = &x->o;
		out_f(o, "\n%" PRIu64 " transaction%s, %" PRIu64 " items in %" PRIu64 " records (%" PRIu64
		      " bytes)", st->transactions, st->transactions == 1 ? "" : "s", st->items, st->records,
		      st->bytes);
		if (st->records)
			out_f(o, ", iclogs of %u bytes with %u header sector%s", st->iclog_size, st->header_sectors,
			      st->header_sectors == 1 ? "" : "s");
		cli_out_str(o, "\n");
		if (st->incomplete)
			out_f(o, "%" PRIu64 " transaction%s without a commit at the head (not recovered)\n",
			      st->incomplete, st->incomplete == 1 ? "" : "s");
		if (st->crc_mismatch && !x->refused)
			out_f(o, "%" PRIu64 " record%s whose CRC fails (tolerated on v4, as the kernel does)\n",
			      st->crc_mismatch, st->crc_mismatch == 1 ? "" : "s");
		else if (st->crc_mismatch)
			out_f(o, "%" PRIu64 " record%s whose CRC fails: the kernel refuses to mount (see above)\n",
			      st->crc_mismatch, st->crc_mismatch == 1 ? "" : "s");
		if (x->pending) {
			out_f(o, "%" PRIu64 " intent%s without a done item (recovery finishes them):\n", x->pending,
			      x->pending == 1 ? "" : "s");
			for (size_t i = 0; pend && pend[i]; i++) {
				lsn_text(lsn, sizeof lsn, pend[i]->lsn);
				out_f(o, "    %s %#" PRIx64 " of transaction %#x at %s\n", pend[i]->name, pend[i]->id,
				      pend[i]->tid, lsn);
			}
		}
		cli_out_flush(o);
	}
	free(pend);
}

static void intents_free(struct xctx *x)
{
	for (size_t b = 0; b < INTENT_BUCKETS; b++)
		while (x->bucket[b]) {
			struct intent *n = x->bucket[b];
			x->bucket[b] = n->next;
			free(n);
		}
}

int journal_xfs(struct cli_image *img, const struct cli_common *c, const char *logdev)
{
	struct fsimg_xlog_info li;
	struct fsimg_xlog_stats st;
	fsimg_io *lio = NULL;
	fsimg_xlog *log = NULL;
	struct xctx *x = NULL;
	char why[256];
	const char *error = NULL;
	int err, status = CLI_EXIT_OK;

	if (logdev && (err = fsimg_io_open_file(&lio, logdev)) < 0) {
		cli_error(img, "%s: %s", logdev, fsimg_strerror(err));
		return cli_close(img, CLI_EXIT_ERROR);
	}
	err = fsimg_xlog_open(&log, img->fs, lio, why, sizeof why);
	if (err < 0) {
		if (err == FSIMG_EINVAL && !lio)
			cli_error(img, "log: %s (-l LOGDEV)", why);
		else
			cli_error(img, "log: %s", why);
		status = CLI_EXIT_ERROR;
		goto out;
	}
	x = calloc(1, sizeof *x);
	if (!x) {
		cli_error(img, "out of memory");
		status = CLI_EXIT_ERROR;
		goto out;
	}
	x->c = c;
	jw_init(&x->w, stdout);
	cli_out_init(&x->o, stdout);
	fsimg_xlog_info(&li, log);
	x->refused = li.refused != 0;
	header(x, img, logdev, &li);
	err = fsimg_xlog_walk(log, one_trans, x, &st);
	if (err < 0) {
		error = fsimg_xlog_errmsg(log)[0] ? fsimg_xlog_errmsg(log) : fsimg_strerror(err);
		status = CLI_EXIT_ERROR;
	}
	if (!cli_output_failed())
		footer(x, &st, error);
	if (error)
		cli_error(img, "log: %s", error);
out:
	if (x) {
		cli_out_flush(&x->o);
		intents_free(x);
	}
	free(x);
	fsimg_xlog_close(log);
	fsimg_io_close(lio);
	return cli_close(img, status);
}
