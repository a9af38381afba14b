/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The extents freed in a finish, busy until the checkpoint holding the
 * transaction that freed them is on disk, kept as Linux 6.1 keeps them
 * (fs/xfs/xfs_extent_busy.c): in a red-black tree per AG ordered by start
 * block (pag->pagb_tree), and in the list of the transaction that freed them.
 *
 * Whoever walks the tree (xfs_extent_busy_trim, _reuse) meets the busy
 * extents in the tree's order from its root, so where two of them overlap
 * one free extent the tree's shape decides the answer. The shape is what
 * lib/rbtree.c's insert and erase make of the sequence of inserts
 * (xfs_extent_busy_insert), erases by a metadata allocation that takes a
 * busy block (xfs_extent_busy_update_extent) and erases of a checkpoint's
 * busy extents when it completes (xlog_cil_committed: xfs_extent_busy_sort,
 * by AG and block, then xfs_extent_busy_clear in that order), so all three
 * are done here step for step: rb_insert_color (__rb_insert), rb_erase
 * (__rb_erase_augmented with the dummy callbacks, then ____rb_erase_color).
 *
 * The nodes live in f->busy (node k is f->busy[k - 1], 0 none), each entry a
 * struct xfs_extent_busy: a busy extent taken out of the tree keeps its entry
 * with length 0 until its transaction's checkpoint clears it, as the kernel's
 * list keeps it (xlog_fin_busy_flush counts it: its clear wakes the waiter).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "xlog/finish.h"

#define NODE(f, k) (&(f)->busy[(k) - 1])

/* The root of AG ag's tree: the one node of the AG in the tree without a parent (the last
 * one found is remembered, as most runs of frees stay in one AG). */
static uint32_t root_get(struct fin *f, uint32_t ag)
{
	uint32_t k = f->busy_root;

	if (k && k <= f->nbusy && NODE(f, k)->ag == ag && NODE(f, k)->len && !NODE(f, k)->rb_parent)
		return k;
	for (k = 1; k <= f->nbusy; k++)
		if (NODE(f, k)->ag == ag && NODE(f, k)->len && !NODE(f, k)->rb_parent)
			return f->busy_root = k;
	return 0;
}

static void set_parent_color(struct fin *f, uint32_t k, uint32_t parent, bool red)
{
	NODE(f, k)->rb_parent = parent;
	NODE(f, k)->rb_red = red;
}

static bool is_red(struct fin *f, uint32_t k) { return k && NODE(f, k)->rb_red; }

/* __rb_change_child: old's place under parent (or the root) given to new */
static void change_child(struct fin *f, uint32_t old, uint32_t new, uint32_t parent)
{
	if (parent)
		NODE(f, parent)->rb_child[NODE(f, parent)->rb_child[0] == old ? 0 : 1] = new;
	else
		f->busy_root = new; /* the AG's new root (0: its tree empty) */
}

/* __rb_rotate_set_parents: new takes old's parent and colour, old goes under new */
static void rotate_set_parents(struct fin *f, uint32_t old, uint32_t new, bool red)
{
	uint32_t parent = NODE(f, old)->rb_parent;

	NODE(f, new)->rb_parent = parent;
	NODE(f, new)->rb_red = NODE(f, old)->rb_red;
	set_parent_color(f, old, new, red);
	change_child(f, old, new, parent);
}

/* rb_insert_color (__rb_insert) of the red leaf node; lib/rbtree.c's two mirrored halves as
 * one, side ps being the parent's under the grandparent (its right child is tested first). */
static void insert_color(struct fin *f, uint32_t node)
{
	uint32_t parent = NODE(f, node)->rb_parent, gparent, tmp;

	for (;;) {
		if (!parent) {
			set_parent_color(f, node, 0, false);
			break;
		}
		if (!is_red(f, parent))
			break;
		gparent = NODE(f, parent)->rb_parent;
		tmp = NODE(f, gparent)->rb_child[1];
		int ps = parent != tmp ? 0 : 1, o = !ps;
		if (ps)
			tmp = NODE(f, gparent)->rb_child[0];
		if (is_red(f, tmp)) {
			/* Case 1: the uncle red: colour flips, and up to the grandparent */
			set_parent_color(f, tmp, gparent, false);
			set_parent_color(f, parent, gparent, false);
			node = gparent;
			parent = NODE(f, node)->rb_parent;
			set_parent_color(f, node, parent, true);
			continue;
		}
		tmp = NODE(f, parent)->rb_child[o];
		if (node == tmp) {
			/* Case 2: the node an inner child: rotate at the parent */
			tmp = NODE(f, node)->rb_child[ps];
			NODE(f, parent)->rb_child[o] = tmp;
			NODE(f, node)->rb_child[ps] = parent;
			if (tmp)
				set_parent_color(f, tmp, parent, false);
			set_parent_color(f, parent, node, true);
			parent = node;
			tmp = NODE(f, node)->rb_child[o];
		}
		/* Case 3: rotate at the grandparent */
		NODE(f, gparent)->rb_child[ps] = tmp;
		NODE(f, parent)->rb_child[o] = gparent;
		if (tmp)
			set_parent_color(f, tmp, gparent, false);
		rotate_set_parents(f, gparent, parent, true);
		break;
	}
}

/* ____rb_erase_color from parent, whose child on one side (node, 0 on the first pass) lost a
 * black: lib/rbtree.c's mirrored halves as one, n the side of node (the right child is
 * tested first: node is the left one unless it is the right child). */
static void erase_color(struct fin *f, uint32_t parent)
{
	uint32_t node = 0, sibling, tmp1, tmp2;

	for (;;) {
		sibling = NODE(f, parent)->rb_child[1];
		int n = node != sibling ? 0 : 1, s = !n;
		if (n)
			sibling = NODE(f, parent)->rb_child[0];
		if (is_red(f, sibling)) {
			/* Case 1: rotate at the parent */
			tmp1 = NODE(f, sibling)->rb_child[n];
			NODE(f, parent)->rb_child[s] = tmp1;
			NODE(f, sibling)->rb_child[n] = parent;
			set_parent_color(f, tmp1, parent, false);
			rotate_set_parents(f, parent, sibling, true);
			sibling = tmp1;
		}
		tmp1 = NODE(f, sibling)->rb_child[s];
		if (!is_red(f, tmp1)) {
			tmp2 = NODE(f, sibling)->rb_child[n];
			if (!is_red(f, tmp2)) {
				/* Case 2: the sibling's colour flipped; a black parent passes it up */
				set_parent_color(f, sibling, parent, true);
				if (is_red(f, parent))
					NODE(f, parent)->rb_red = false;
				else {
					node = parent;
					parent = NODE(f, node)->rb_parent;
					if (parent)
						continue;
				}
				break;
			}
			/* Case 3: rotate at the sibling */
			tmp1 = NODE(f, tmp2)->rb_child[s];
			NODE(f, sibling)->rb_child[n] = tmp1;
			NODE(f, tmp2)->rb_child[s] = sibling;
			NODE(f, parent)->rb_child[s] = tmp2;
			if (tmp1)
				set_parent_color(f, tmp1, sibling, false);
			tmp1 = sibling;
			sibling = tmp2;
		}
		/* Case 4: rotate at the parent, colour flips */
		tmp2 = NODE(f, sibling)->rb_child[n];
		NODE(f, parent)->rb_child[s] = tmp2;
		NODE(f, sibling)->rb_child[n] = parent;
		set_parent_color(f, tmp1, sibling, false);
		if (tmp2)
			NODE(f, tmp2)->rb_parent = parent;
		rotate_set_parents(f, parent, sibling, false);
		break;
	}
}

/* rb_erase of node: __rb_erase_augmented (a node with two children replaced by its
 * successor, the leftmost of its right subtree, moved into its place), then the rebalance. */
static void rb_erase(struct fin *f, uint32_t node)
{
	struct fin_busy *b = NODE(f, node);
	uint32_t child = b->rb_child[1], tmp = b->rb_child[0], parent, rebalance;

	if (!tmp) {
		/* Case 1: at most the right child, which then is red and takes the node's place */
		parent = b->rb_parent;
		change_child(f, node, child, parent);
		if (child) {
			set_parent_color(f, child, parent, b->rb_red);
			rebalance = 0;
		} else
			rebalance = b->rb_red ? 0 : parent;
	} else if (!child) {
		/* still case 1: only the left child */
		set_parent_color(f, tmp, b->rb_parent, b->rb_red);
		change_child(f, node, tmp, b->rb_parent);
		rebalance = 0;
	} else {
		uint32_t successor = child, child2;

		tmp = NODE(f, child)->rb_child[0];
		if (!tmp) {
			/* Case 2: the successor is the right child */
			parent = successor;
			child2 = NODE(f, successor)->rb_child[1];
		} else {
			/* Case 3: the successor is the leftmost under the right child */
			do {
				parent = successor;
				successor = tmp;
				tmp = NODE(f, tmp)->rb_child[0];
			} while (tmp);
			child2 = NODE(f, successor)->rb_child[1];
			NODE(f, parent)->rb_child[0] = child2;
			NODE(f, successor)->rb_child[1] = child;
			NODE(f, child)->rb_parent = successor;
		}
		tmp = b->rb_child[0];
		NODE(f, successor)->rb_child[0] = tmp;
		NODE(f, tmp)->rb_parent = successor;
		change_child(f, node, successor, b->rb_parent);
		if (child2) {
			set_parent_color(f, child2, parent, false);
			rebalance = 0;
		} else
			rebalance = NODE(f, successor)->rb_red ? 0 : parent;
		set_parent_color(f, successor, b->rb_parent, b->rb_red);
	}
	if (rebalance)
		erase_color(f, rebalance);
	b->rb_child[0] = b->rb_child[1] = b->rb_parent = 0;
	b->len = 0; /* out of the tree, still on its transaction's list */
}

/* xfs_extent_busy_insert: the entry on the running transaction's list, the node linked
 * where the walk by bno ends and coloured in (rb_link_node, rb_insert_color). */
void xlog_fin_busy_insert(struct fin *f, uint32_t ag, uint32_t bno, uint32_t len)
{
	uint32_t k, x, parent = 0;
	int side = 0;

	XFIN_COUNT(f, XFC_BUSY_INSERT);
	if (f->nbusy == f->busy_cap && f->nbusy < FIN_BUSY_MAX) {
		uint32_t cap = f->busy_cap ? 2 * f->busy_cap : 256;
		struct fin_busy *b = realloc(f->busy, (cap < FIN_BUSY_MAX ? cap : FIN_BUSY_MAX) * sizeof *b);
		if (!b) {
			f->nbusy = FIN_BUSY_MAX + 1; /* refused as too many */
			return;
		}
		f->busy = b;
		f->busy_cap = cap < FIN_BUSY_MAX ? cap : FIN_BUSY_MAX;
	}
	if (f->nbusy >= FIN_BUSY_MAX) {
		f->nbusy = FIN_BUSY_MAX + 1;
		return;
	}
	k = f->nbusy + 1;
	*NODE(f, k) = (struct fin_busy){ .ag = ag, .bno = bno, .len = len, .tx = f->tx, .rb_red = true };
	if (!len) {
		f->nbusy = k; /* the kernel asserts a length; none is freed without one */
		return;
	}
	/* the root looked up before the new node counts as one of the AG's */
	x = root_get(f, ag);
	f->nbusy = k;
	while (x) {
		parent = x;
		if (bno == NODE(f, x)->bno) {
			/* the kernel's walk would spin here for ever (ASSERT(0) in its else) */
			f->busy_twice = true;
			NODE(f, k)->len = 0;
			return;
		}
		side = bno < NODE(f, x)->bno ? 0 : 1;
		x = NODE(f, x)->rb_child[side];
	}
	NODE(f, k)->rb_parent = parent;
	if (parent)
		NODE(f, parent)->rb_child[side] = k;
	else
		f->busy_root = k;
	insert_color(f, k);
}

/* The refusal for a list the model does not keep: too many extents, or one freed twice. */
static int busy_refuse(struct fin *f)
{
	if (f->nbusy > FIN_BUSY_MAX)
		return xlog_fin_refuse(f, "more than %u busy extents", FIN_BUSY_MAX);
	if (f->busy_twice)
		return xlog_fin_refuse(f, "two busy extents start at one block (the kernel's insert spins)");
	return 0;
}

/* The busy extent (its node) in AG ag's tree that overlaps bno+len, met walking down from
 * the root as xfs_extent_busy_reuse and _search walk; 0 none. */
static uint32_t busy_find(struct fin *f, uint32_t ag, uint32_t bno, uint32_t len)
{
	uint32_t k = root_get(f, ag);

	while (k) {
		const struct fin_busy *b = NODE(f, k);
		if (bno + len <= b->bno)
			k = b->rb_child[0];
		else if (bno >= b->bno + b->len)
			k = b->rb_child[1];
		else
			break;
	}
	return k;
}

/* xfs_extent_busy_sort's order: by AG, then by block (xfs_extent_busy_ag_cmp) */
struct clear_key { uint32_t ag, bno, k; };

static int clear_cmp(const void *a, const void *b)
{
	const struct clear_key *x = a, *y = b;

	if (x->ag != y->ag)
		return x->ag < y->ag ? -1 : 1;
	return x->bno < y->bno ? -1 : x->bno > y->bno;
}

int xlog_fin_busy_clear(struct fin *f)
{
	struct clear_key *key;
	uint32_t *at, n = 0, m = 0;
	int err;

	if ((err = busy_refuse(f)))
		return err;
	if (!f->nbusy)
		return 0;
	key = malloc((size_t)f->nbusy * sizeof *key);
	at = malloc((size_t)(f->nbusy + 1) * sizeof *at);
	if (!key || !at) {
		free(key);
		free(at);
		return FSIMG_ENOMEM;
	}
	/* the checkpoint's list sorted, then each extent still in its tree erased in turn */
	for (uint32_t k = 1; k <= f->nbusy; k++)
		if (NODE(f, k)->tx != f->tx && NODE(f, k)->len)
			key[n++] = (struct clear_key){ NODE(f, k)->ag, NODE(f, k)->bno, k };
	qsort(key, n, sizeof *key, clear_cmp);
	for (uint32_t i = 0; i < n; i++)
		rb_erase(f, key[i].k);
	free(key);
	/* the running transaction's stay: the list closed up, the tree's links renumbered */
	at[0] = 0;
	for (uint32_t k = 1; k <= f->nbusy; k++)
		at[k] = NODE(f, k)->tx == f->tx ? ++m : 0;
	for (uint32_t k = 1; k <= f->nbusy; k++) {
		struct fin_busy *b = NODE(f, k);
		if (!at[k])
			continue;
		b->rb_child[0] = at[b->rb_child[0]];
		b->rb_child[1] = at[b->rb_child[1]];
		b->rb_parent = at[b->rb_parent];
		*NODE(f, at[k]) = *b;
	}
	f->busy_root = 0;
	f->nbusy = m;
	free(at);
	return 0;
}

/*
 * A block freed earlier in this finish met again as a buffer: a btree block the AGFL gives
 * back to a btree (xfs_allocbt_alloc_block, xfs_rmapbt_alloc_block: xfs_extent_busy_reuse,
 * then the block's buffer got), or an AGFL block freed (xfs_free_agfl_block gets its buffer
 * to invalidate it). Freed in the running transaction, its buffer is the transaction's
 * (xfs_trans_buf_item_match: no lock taken); freed in a committed one, the buffer is stale
 * and pinned in the CIL, and xfs_buf_lock forces the log (xfs_log_force, async) and waits
 * for the lock, which the checkpoint's completion gives back (xfs_buf_item_unpin) just
 * before it clears the checkpoint's busy extents: every committed transaction's.
 * The reuse comes first (xfs_extent_busy_update_extent, metadata): a busy extent the block
 * covers leaves the tree (rb_erase, its length 0), one it starts or ends is shortened, and
 * one it lies inside forces the log (XFS_LOG_SYNC), which clears a committed transaction's
 * extent (the buffer then unpinned: no second force) and never the running one's (the
 * kernel would force again and again: refused).
 */
int xlog_fin_busy_reuse(struct fin *f, uint32_t ag, uint32_t bno, bool alloc)
{
	struct fin_busy *b;
	char why[64];
	uint32_t k;
	int err;

	if ((err = busy_refuse(f)))
		return err;
	/* the kernel takes whichever it meets first; busy extents do not overlap */
	if (!(k = busy_find(f, ag, bno, 1)))
		return 0;
	b = NODE(f, k);
	snprintf(why, sizeof why, "AG %u: block %u, freed earlier in this finish,", ag, bno);
	if (alloc) {
		if (b->bno < bno && b->bno + b->len > bno + 1) {
			if (b->tx == f->tx)
				return xlog_fin_refuse(f, "AG %u: block %u, inside an extent freed in this "
							  "transaction, is taken back (the kernel forces the log "
							  "again and again)", ag, bno);
			return xlog_fin_force(f, why);
		}
		XFIN_COUNT(f, XFC_BUSY_REUSE);
		if (b->len == 1)
			rb_erase(f, k);
		else if (b->bno == bno) {
			b->bno = bno + 1;
			b->len--;
		} else
			b->len--;
	}
	return b->tx != f->tx ? xlog_fin_force(f, why) : 0;
}

int xlog_fin_busy_trim(struct fin *f, uint32_t ag, uint32_t minlen, uint32_t maxlen, uint32_t *bno, uint32_t *len,
		       bool *busy)
{
	uint32_t fbno = *bno, flen = *len, k;
	int err;

	*busy = false;
	if ((err = busy_refuse(f)))
		return err;
	/* the walk down from the root: each busy extent met that overlaps cuts the candidate,
	 * which then lies to one side of it */
	k = root_get(f, ag);
	while (k && flen >= minlen) {
		const struct fin_busy *b = NODE(f, k);
		uint32_t fend = fbno + flen, bbno = b->bno, bend = b->bno + b->len;
		if (fend <= bbno) {
			k = b->rb_child[0];
			continue;
		} else if (fbno >= bend) {
			k = b->rb_child[1];
			continue;
		}
		if (bbno <= fbno) {
			if (fend <= bend)
				goto fail; /* all of it busy */
			fbno = bend;
		} else if (bend >= fend) {
			fend = bbno;
		} else {
			/* busy in its middle: the left part when it holds maxlen, the right one
			 * when it holds 4 * maxlen (xfs_extlen_t arithmetic), else the left one
			 * when it holds minlen */
			if (bbno - fbno >= maxlen)
				fend = bbno;
			else if (fend - bend >= (uint32_t)(maxlen * 4))
				fbno = bend;
			else if (bbno - fbno >= minlen)
				fend = bbno;
			else
				goto fail;
		}
		flen = fend - fbno;
	}
	goto out;
fail:
	flen = 0; /* the kernel's failure: every caller checks minlen */
out:
	if (fbno != *bno || flen != *len) {
		*bno = fbno;
		*len = flen;
		XFIN_COUNT(f, XFC_BUSY_TRIM);
		*busy = true;
	}
	return 0;
}
