/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fsimg journal on ext4: the fast-commit area after the journal proper.
 * Its state as recovery's scan (ext4_fc_replay_scan) judges it, whether
 * fsimg replays its valid fast commits, and its tags with their values
 * (ADD_RANGE, DEL_RANGE, CREAT, LINK, UNLINK, INODE, HEAD, TAIL), read
 * from the journal blocks that hold them.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_jbd2.h"
#include "core/cursor.h"
#include "journal_fc.h"

const char *journal_fc_state_name(enum fsimg_fc_state s)
{
	switch (s) {
	case FSIMG_FC_NONE: return "none";
	case FSIMG_FC_EMPTY: return "empty";
	case FSIMG_FC_STALE: return "stale";
	case FSIMG_FC_VALID: return "valid";
	case FSIMG_FC_NO_TAIL: return "no_tail";
	case FSIMG_FC_BAD: return "bad";
	}
	return "unknown";
}

/*
 * Whether fsimg replays the valid fast commits: the plan says (NULL when it
 * does, else why not). why must outlive the plan: copied into buf.
 */
const char *journal_fc_unreplayed(fsimg_journal *j, char *buf, size_t len)
{
	struct fsimg_plan_stats st;
	fsimg_plan *p = NULL;
	const char *why = "the recovery plan could not be made";

	if (fsimg_plan_create(&p, j, 0) == 0 && fsimg_plan_stats(&st, p) == 0)
		why = st.fc_replayed ? NULL : st.fc_why ? st.fc_why : "unknown";
	if (why)
		snprintf(buf, len, "%s", why);
	fsimg_plan_free(p);
	return why ? buf : NULL;
}

/* The fast-commit area's state as recovery's scan judges it, in words. */
void journal_fc_state_text(const struct fsimg_journal_scan_info *si, const char *unreplayed)
{
	switch (si->fc_state) {
	case FSIMG_FC_NONE:
		printf("not scanned (the log is clean or cannot be recovered)\n");
		break;
	case FSIMG_FC_EMPTY:
		printf("none (the area does not start with a HEAD tag)\n");
		break;
	case FSIMG_FC_STALE:
		printf("stale (from before the last full commit; transaction %u expected)\n", si->fc_tid);
		break;
	case FSIMG_FC_VALID:
		printf("%llu valid for transaction %u (%llu tags in %llu blocks): %s%s\n",
		       (unsigned long long)si->fc_commits, si->fc_tid,
		       (unsigned long long)si->fc_valid_tags, (unsigned long long)si->fc_valid_blocks,
		       unreplayed ? "not replayed by fsimg: " : "replayed by fsimg", unreplayed ? unreplayed : "");
		break;
	case FSIMG_FC_NO_TAIL:
		printf("none valid (a HEAD for transaction %u but no valid TAIL)\n", si->fc_tid);
		break;
	case FSIMG_FC_BAD:
		printf("corrupt: the kernel would fail recovery\n");
		break;
	}
}

/* The bytes of a tag's block after its 4-byte header. */
static size_t fc_avail(fsimg_journal *j, const struct fsimg_fc_tag *t)
{
	uint32_t bs = fsimg_journal_super(j)->blocksize;

	return (size_t)t->offset + 4 < bs ? bs - t->offset - 4 : 0;
}

/*
 * One tag's value in words (text) or fields (JSON), read from its block: at
 * most avail bytes are there; past them (a short tag at a block's end) the
 * fields read as zeros.
 */
static void fc_value(struct jw *w, const struct fsimg_fc_tag *t, const uint8_t *val, size_t avail, bool json)
{
	static uint8_t v[65536 + 128];
	size_t n = t->len < avail ? t->len : avail;
	uint32_t a, b, c;
	uint16_t len16;

	memset(v, 0, n + 128);
	if (n)
		memcpy(v, val, n);
	a = get_le32(v);
	b = get_le32(v + 4);
	c = get_le32(v + 8);

	switch (t->tag) {
	case 1: /* ADD_RANGE: ino, then an extent */
		len16 = get_le16(v + 8);
		c = len16 > 32768 ? len16 - 32768u : len16;
		if (json) {
			jw_u64(w, "inode", a);
			jw_u64(w, "lblk", b);
			jw_u64(w, "count", c);
			jw_u64(w, "pblk", (uint64_t)get_le16(v + 10) << 32 | get_le32(v + 12));
			jw_bool(w, "unwritten", len16 > 32768);
		} else {
			printf(" inode %u: file blocks %u+%u at %llu%s", a, b, c,
			       (unsigned long long)((uint64_t)get_le16(v + 10) << 32 | get_le32(v + 12)),
			       len16 > 32768 ? ", unwritten" : "");
		}
		break;
	case 2: /* DEL_RANGE */
		if (json) {
			jw_u64(w, "inode", a);
			jw_u64(w, "lblk", b);
			jw_u64(w, "count", c);
		} else {
			printf(" inode %u: file blocks %u+%u", a, b, c);
		}
		break;
	case 3: case 4: case 5: /* CREAT, LINK, UNLINK: parent, ino, name */
		if (json) {
			jw_u64(w, "parent", a);
			jw_u64(w, "inode", b);
			jw_strn(w, "name", (const char *)v + 8, t->len - 8u);
		} else {
			printf(" inode %u as \"", b);
			for (size_t k = 8; k < t->len; k++)
				printf(v[k] >= 0x20 && v[k] < 0x7f && v[k] != '"' && v[k] != '\\' ? "%c" : "\\x%02x", v[k]);
			printf("\" in directory %u", a);
		}
		break;
	case 6: /* INODE: ino, then the record: mode, size, links */
		if (json) {
			jw_u64(w, "inode", a);
			jw_u64(w, "mode", get_le16(v + 4));
			jw_u64(w, "size", (uint64_t)get_le32(v + 4 + 0x6c) << 32 | get_le32(v + 4 + 4));
			jw_u64(w, "links", get_le16(v + 4 + 26));
		} else {
			printf(" %u: mode 0%o, size %llu, %u link%s", a, (unsigned)get_le16(v + 4),
			       (unsigned long long)((uint64_t)get_le32(v + 4 + 0x6c) << 32 | get_le32(v + 4 + 4)),
			       (unsigned)get_le16(v + 4 + 26), get_le16(v + 4 + 26) == 1 ? "" : "s");
		}
		break;
	case 8: /* TAIL: tid */
	case 9: /* HEAD: features, tid */
		if (json)
			jw_u64(w, "tid", t->tag == 8 ? a : b);
		else
			printf(" transaction %u", t->tag == 8 ? a : b);
		break;
	}
}

/*
 * The fast-commit area's tags in log order, each with its value and the
 * fast commit it belongs to (1, 2, ...: the valid ones the kernel replays;
 * none after them: stale or past the last valid TAIL). All of them with -v,
 * the valid ones otherwise.
 */
void journal_fc_list(struct jw *w, fsimg_journal *j, const struct fsimg_journal_scan_info *si, bool json,
		     bool all)
{
	struct fsimg_fc_tag tag;
	uint8_t *buf = malloc(fsimg_journal_super(j)->blocksize);
	uint32_t have = UINT32_MAX;
	uint64_t commit = 1;

	if (!buf)
		return;
	for (size_t i = 0; fsimg_journal_fc_tag(&tag, j, i) > 0; i++) {
		bool valid = si->fc_state == FSIMG_FC_VALID && i < si->fc_valid_tags;
		bool readable = true;

		if (!valid && !all)
			break;
		if (have != tag.journal_block) {
			readable = fsimg_journal_read_block(j, buf, tag.journal_block) == 0;
			have = readable ? tag.journal_block : UINT32_MAX;
		}
		if (json) {
			jw_obj_begin(w, NULL);
			jw_str(w, "record", "fast_commit");
			jw_str(w, "tag", tag.name);
			jw_u64(w, "tag_id", tag.tag);
			jw_u64(w, "len", tag.len);
			jw_u64(w, "journal_block", tag.journal_block);
			jw_u64(w, "offset", tag.offset);
			jw_u64(w, "fast_commit", valid ? commit : 0);
			if (readable)
				fc_value(w, &tag, buf + tag.offset + 4, fc_avail(j, &tag), true);
			jw_obj_end(w);
			jw_record_end(w);
		} else {
			if (valid)
				printf("      fast commit %3llu: %s", (unsigned long long)commit, tag.name);
			else
				printf("      (not valid)     : %s", tag.name);
			if (readable)
				fc_value(w, &tag, buf + tag.offset + 4, fc_avail(j, &tag), false);
			printf(" (journal block %u + %u)\n", tag.journal_block, tag.offset);
		}
		if (valid && tag.tag == 8)
			commit++;
		if (cli_output_failed())
			break;
	}
	free(buf);
}
