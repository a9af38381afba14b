/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fsimg info: what the filesystem is. A filesystem with a view of its own
 * (ext2/3/4: dumpe2fs -h's words, --groups) gets it; any other gets the
 * neutral one from fsimg_fs_info.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "cmds.h"
#include "info.h"

enum { OPT_GROUPS = CLI_OPT_LONG };

static const struct cli_opt info_opts[] = {
	{ OPT_GROUPS, "groups", NULL, "also list every block group" },
	{ 'l', "logdev", "LOGDEV", "the external log device (or file) of an XFS IMAGE (as -j)" },
	{ 0, NULL, NULL, NULL },
};

static const struct cli_cmd info_cmd = {
	"info", "[--groups] [--json] [-v] [-b SUPERBLOCK] [-B BLOCKSIZE] [-j EXTERNAL_JOURNAL | -l LOGDEV] IMAGE",
	"Show the superblock of IMAGE (and its block groups), like dumpe2fs -h.",
	info_opts, CLI_WANT_JSON | CLI_WANT_SB, 1, 1,
};

struct info_ctx {
	bool groups;
	const char *logdev;
};

static int info_opt(void *vctx, int id, const char *arg)
{
	struct info_ctx *ctx = vctx;

	if (id == OPT_GROUPS) {
		ctx->groups = true;
		return 0;
	}
	if (id == 'l') {
		ctx->logdev = arg;
		return 0;
	}
	return CLI_EXIT_USAGE;
}

/* ------------------------------------------------------- neutral view */

/* "head"/"tail": {"cycle", "block"} of a log read, else null. */
static void put_end(struct jw *w, const char *key, bool read, uint32_t cycle, uint32_t block)
{
	if (!read) {
		jw_null(w, key);
		return;
	}
	jw_obj_begin(w, key);
	jw_u64(w, "cycle", cycle);
	jw_u64(w, "block", block);
	jw_obj_end(w);
}

/* "AG" / "Group": the group's name as a word to start a line with. */
static void group_word(char *out, size_t len, const char *name)
{
	bool upper = name && strlen(name) <= 2;

	snprintf(out, len, "%s", name ? name : "group");
	for (size_t i = 0; out[i]; i++)
		if (upper || i == 0)
			out[i] = (char)(out[i] >= 'a' && out[i] <= 'z' ? out[i] - 'a' + 'A' : out[i]);
}

static int info_neutral(struct cli_image *img, bool groups)
{
	const struct fsimg_fs_info *fi = &img->info;
	bool dirty = fi->needs_recovery || img->replay;
	char uuid[37], key[32], key2[32], word[16];
	struct info_log_ends li;
	/* the log's state: known when internal, or external and read (-l); else unknown */
	bool xlog = fi->has_log && strcmp(fi->type, "xfs") == 0;
	bool ends = xlog && info_xfs_log_ends(img, &li);
	bool known = !fi->has_log || fi->log_internal || ends;
	size_t i;

	if (ends && !fi->log_internal)
		dirty = !li.clean;

	cli_uuid_text(uuid, fi->uuid);
	if (img->common->json) {
		struct jw w;

		jw_init(&w, stdout);
		jw_obj_begin(&w, NULL);
		jw_str(&w, "image", img->path);
		jw_str(&w, "fs_type", fi->type);
		if (!img->bare)
			cli_container_json(&w, img->io);
		jw_u64(&w, "block_size", fi->block_size);
		jw_u64(&w, "blocks_count", fi->blocks);
		jw_u64(&w, "free_blocks_count", fi->free_blocks);
		jw_u64(&w, "inodes_count", fi->inodes);
		jw_u64(&w, "free_inodes_count", fi->free_inodes);
		jw_u64(&w, "inode_size", fi->inode_size);
		if (fi->group_name) {
			snprintf(key, sizeof(key), "%s_count", fi->group_name);
			jw_u64(&w, key, fi->groups);
			/* the writer may keep the key until the object ends: a buffer each */
			snprintf(key2, sizeof(key2), "%s_blocks", fi->group_name);
			jw_u64(&w, key2, fi->group_blocks);
		}
		jw_arr_begin(&w, "features");
		for (i = 0; i < fi->nfeatures; i++)
			jw_str(&w, NULL, fi->features[i]);
		jw_arr_end(&w);
		if (known)
			jw_bool(&w, "needs_recovery", dirty);
		else
			jw_null(&w, "needs_recovery");
		cli_json_replayed(&w, img);
		jw_str(&w, "uuid", uuid);
		jw_str(&w, "label", fi->label);
		if (fi->has_log) {
			jw_obj_begin(&w, "log");
			jw_bool(&w, "internal", fi->log_internal);
			if (fi->log_internal)
				jw_u64(&w, "start", fi->log_start);
			else
				jw_null(&w, "start");
			jw_u64(&w, "blocks", fi->log_blocks);
			/* an external log not given is not read: its state is not known */
			if (known)
				jw_str(&w, "state", dirty ? "dirty" : "clean");
			else
				jw_null(&w, "state");
			if (xlog) {
				put_end(&w, "head", ends, ends ? li.head_cycle : 0, ends ? li.head_block : 0);
				put_end(&w, "tail", ends, ends ? li.tail_cycle : 0, ends ? li.tail_block : 0);
			}
			jw_obj_end(&w);
		}
		jw_bool(&w, "realtime", fi->realtime);
		jw_obj_end(&w);
		jw_record_end(&w);
	} else {
		cli_container_text(stdout, img->io);
		printf("%-26s%s\n", "Filesystem type:", fi->type);
		printf("%-26s", "Filesystem volume name:");
		cli_put_text(stdout, fi->label[0] ? fi->label : "<none>",
			     fi->label[0] ? strlen(fi->label) : 6);
		printf("\n%-26s%s\n", "Filesystem UUID:", uuid);
		printf("%-26s", "Filesystem features:");
		for (i = 0; i < fi->nfeatures; i++)
			printf(" %s" + !i, fi->features[i]);
		puts(fi->nfeatures ? "" : "(none)");
		printf("%-26s%llu\n", "Inode count:", (unsigned long long)fi->inodes);
		printf("%-26s%llu\n", "Block count:", (unsigned long long)fi->blocks);
		printf("%-26s%llu\n", "Free blocks:", (unsigned long long)fi->free_blocks);
		printf("%-26s%llu\n", "Free inodes:", (unsigned long long)fi->free_inodes);
		printf("%-26s%u\n", "Block size:", fi->block_size);
		printf("%-26s%u\n", "Inode size:", fi->inode_size);
		if (fi->group_name) {
			group_word(word, sizeof(word), fi->group_name);
			snprintf(key, sizeof(key), "%s count:", word);
			printf("%-26s%llu\n", key, (unsigned long long)fi->groups);
			snprintf(key, sizeof(key), "%s size:", word);
			printf("%-26s%llu blocks\n", key, (unsigned long long)fi->group_blocks);
		}
		if (fi->has_log && fi->log_internal)
			printf("%-26sinternal, blocks %llu-%llu (%llu blocks), %s\n", "Log:",
			       (unsigned long long)fi->log_start,
			       (unsigned long long)(fi->log_start + fi->log_blocks - (fi->log_blocks > 0)),
			       (unsigned long long)fi->log_blocks, dirty ? "dirty" : "clean");
		else if (fi->has_log && known)
			printf("%-26sexternal (%llu blocks), %s\n", "Log:", (unsigned long long)fi->log_blocks,
			       dirty ? "dirty" : "clean");
		else if (fi->has_log)
			printf("%-26sexternal (%llu blocks), not read (give it with -l LOGDEV)\n", "Log:",
			       (unsigned long long)fi->log_blocks);
		if (ends) {
			printf("%-26scycle %u, block %u\n", "Log head:", li.head_cycle, li.head_block);
			printf("%-26scycle %u, block %u\n", "Log tail:", li.tail_cycle, li.tail_block);
		}
		printf("%-26s%s\n", "Realtime device:", fi->realtime ? "present, not read" : "none");
		printf("%-26s%s\n", "Needs recovery:", !known ? "unknown" : dirty ? "yes" : "no");
	}
	if (groups)
		cli_error(img, "no group view for %s", fi->type);
	return groups ? CLI_EXIT_ERROR : 0;
}

int cmd_info(int argc, char **argv)
{
	struct cli_common common;
	struct info_ctx ctx = { false, NULL };
	struct cli_image img;
	int first, status;

	status = cli_parse(&common, &info_cmd, argc, argv, info_opt, &ctx, &first);
	if (status >= 0)
		return status;
	if (cli_take_logdev(&common, &info_cmd, ctx.logdev))
		return CLI_EXIT_USAGE;
	cli_stdout_init();
	status = cli_disk_info(&common, argv[first]);
	if (status >= 0)
		return status;
	status = cli_open(&img, &common, argv[first]);
	if (status)
		return status;
	if (strcmp(img.info.backend, "ext4") == 0)
		status = info_ext4(&img, ctx.groups);
	else
		status = info_neutral(&img, ctx.groups);
	return cli_close(&img, status);
}
