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
	{ 0, NULL, NULL, NULL },
};

static const struct cli_cmd info_cmd = {
	"info", "[--groups] [--json] [-v] [-b SUPERBLOCK] [-B BLOCKSIZE] IMAGE",
	"Show the superblock of IMAGE (and its block groups), like dumpe2fs -h.",
	info_opts, CLI_WANT_JSON | CLI_WANT_SB, 1, 1,
};

struct info_ctx {
	bool groups;
};

static int info_opt(void *vctx, int id, const char *arg)
{
	struct info_ctx *ctx = vctx;

	(void)arg;
	if (id == OPT_GROUPS) {
		ctx->groups = true;
		return 0;
	}
	return CLI_EXIT_USAGE;
}

/* ------------------------------------------------------- neutral view */

void info_uuid_str(char out[37], const uint8_t u[16])
{
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11],
		 u[12], u[13], u[14], u[15]);
}

static int info_neutral(struct cli_image *img, bool groups)
{
	const struct fsimg_fs_info *fi = &img->info;
	char uuid[37];
	size_t i;

	info_uuid_str(uuid, fi->uuid);
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
		jw_arr_begin(&w, "features");
		for (i = 0; i < fi->nfeatures; i++)
			jw_str(&w, NULL, fi->features[i]);
		jw_arr_end(&w);
		jw_bool(&w, "needs_recovery", fi->needs_recovery || img->replay);
		cli_json_replayed(&w, img);
		jw_str(&w, "uuid", uuid);
		jw_str(&w, "label", fi->label);
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
		printf("%-26s%s\n", "Needs recovery:", fi->needs_recovery || img->replay ? "yes" : "no");
	}
	if (groups)
		cli_error(img, "no group view for %s", fi->type);
	return groups ? CLI_EXIT_ERROR : 0;
}

int cmd_info(int argc, char **argv)
{
	struct cli_common common;
	struct info_ctx ctx = { false };
	struct cli_image img;
	int first, status;

	status = cli_parse(&common, &info_cmd, argc, argv, info_opt, &ctx, &first);
	if (status >= 0)
		return status;
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
