/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fsimg info on ext2/3/4: the superblock in dumpe2fs -h's words, and with
 * --groups one row per group descriptor. A view about ext4 alone, so it
 * reads fsimg/ext4.h.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fsimg/ext4.h"
#include "cli.h"
#include "info.h"

/* ---------------------------------------------------------- name tables */

static const char *const s_flag_names[] = {
	"signed_directory_hash", "unsigned_directory_hash", "test_filesystem",
};

/* Default mount options, as e2fsprogs' lib/e2p/mntopts.c names them. */
static const char *const mntopt_names[] = {
	"debug", "bsdgroups", "user_xattr", "acl", "uid16", NULL, NULL, NULL,
	"nobarrier", "block_validity", "discard", "nodelalloc",
};

static const char *os_name(uint32_t os)
{
	static const char *const n[] = { "Linux", "Hurd", "Masix", "FreeBSD", "Lites" };

	return os < 5 ? n[os] : "(unknown os)";
}

static const char *errors_name(uint16_t e)
{
	switch (e) {
	case 1: return "Continue";
	case 2: return "Remount read-only";
	case 3: return "Panic";
	default: return "Unknown (continue)";
	}
}

static const char *hash_name(uint8_t h)
{
	static const char *const n[] = { "legacy", "half_md4", "tea", "legacy_unsigned",
					 "half_md4_unsigned", "tea_unsigned", "siphash" };

	return h < 7 ? n[h] : "unknown";
}

static bool uuid_null(const uint8_t u[16])
{
	for (int i = 0; i < 16; i++)
		if (u[i])
			return false;
	return true;
}

/* ------------------------------------------------------------- text */

static void label(const char *name)
{
	printf("%-26s", name);
}

static void line_str(const char *name, const char *v)
{
	label(name);
	cli_put_text(stdout, v, strlen(v));
	putchar('\n');
}

static void line_u64(const char *name, uint64_t v)
{
	printf("%-26s%llu\n", name, (unsigned long long)v);
}

static void line_time(const char *name, uint32_t t)
{
	char buf[64];
	time_t tt = t;
	struct tm tm;

	label(name);
	if (t == 0 || !localtime_r(&tt, &tm) || !strftime(buf, sizeof(buf), "%a %b %e %H:%M:%S %Y", &tm))
		puts("n/a");
	else
		puts(buf);
}

static void put_features(const struct fsimg_super *sb, FILE *f, struct jw *w)
{
	const uint32_t words[3] = { sb->feature_compat, sb->feature_incompat, sb->feature_ro_compat };
	static const int kinds[3] = { FSIMG_FEATURE_COMPAT, FSIMG_FEATURE_INCOMPAT,
				      FSIMG_FEATURE_RO_COMPAT };
	static const char *const prefix[3] = { "FEATURE_C", "FEATURE_I", "FEATURE_R" };
	bool any = false;

	for (int k = 0; k < 3; k++) {
		for (unsigned bit = 0; bit < 32; bit++) {
			const char *n;
			char unk[24];

			if (!(words[k] & (1u << bit)))
				continue;
			n = fsimg_ext4_feature_name(kinds[k], bit);
			if (!n) {
				/* e2p's spelling for bits it has no name for. */
				snprintf(unk, sizeof(unk), "%s%u", prefix[k], bit);
				n = unk;
			}
			if (w)
				jw_str(w, NULL, n);
			else
				fprintf(f, " %s" + !any, n);
			any = true;
		}
	}
	if (!w && !any)
		fputs("(none)", f);
}

/* Which state words apply: "clean" or "not clean", then error/orphan bits. */
static int state_names(const char *out[3], uint16_t state)
{
	int n = 0;

	out[n++] = (state & 1) ? "clean" : "not clean";
	if (state & 2)
		out[n++] = "with errors";
	if (state & 4)
		out[n++] = "orphans being recovered";
	return n;
}

static void group_flags(const struct fsimg_group *g, const char *out[3], int *n)
{
	*n = 0;
	if (g->flags & FSIMG_BG_INODE_UNINIT)
		out[(*n)++] = "INODE_UNINIT";
	if (g->flags & FSIMG_BG_BLOCK_UNINIT)
		out[(*n)++] = "BLOCK_UNINIT";
	if (g->flags & FSIMG_BG_INODE_ZEROED)
		out[(*n)++] = "ITABLE_ZEROED";
}

static const char *csum_word(enum fsimg_csum_state s)
{
	return s == FSIMG_CSUM_OK ? "ok" : s == FSIMG_CSUM_BAD ? "bad" : "-";
}

static int print_text(struct cli_image *img, bool groups, const fsimg_group_t *bk, int nbk)
{
	const struct fsimg_super *sb = fsimg_ext4_super(img->fs);
	char uuid[37], buf[256];
	const char *st[3];
	int n, i;

	cli_container_text(stdout, img->io);
	line_str("Filesystem volume name:", sb->volume_name[0] ? sb->volume_name : "<none>");
	line_str("Last mounted on:", sb->last_mounted[0] ? sb->last_mounted : "<not available>");
	cli_uuid_text(uuid, sb->uuid);
	line_str("Filesystem UUID:", uuid);
	printf("%-26s0x%04X\n", "Filesystem magic number:", sb->magic);
	printf("%-26s%u (%s)\n", "Filesystem revision #:", sb->rev_level,
	       sb->rev_level == 0 ? "original" : sb->rev_level == 1 ? "dynamic" : "unknown");
	label("Filesystem features:");
	put_features(sb, stdout, NULL);
	putchar('\n');
	label("Filesystem flags:");
	n = 0;
	for (i = 0; i < 3; i++)
		if (sb->flags & (1u << i))
			printf(" %s" + !n++, s_flag_names[i]);
	puts(n ? "" : "(none)");
	label("Default mount options:");
	n = 0;
	if (sb->default_mount_opts & 0x60) {
		static const char *const jm[] = { NULL, "journal_data", "journal_data_ordered",
						  "journal_data_writeback" };
		printf("%s", jm[(sb->default_mount_opts & 0x60) >> 5]);
		n++;
	}
	for (i = 0; i < 12; i++)
		if ((sb->default_mount_opts & (1u << i)) && mntopt_names[i])
			printf(" %s" + !n++, mntopt_names[i]);
	puts(n ? "" : "(none)");
	n = state_names(st, sb->state);
	label("Filesystem state:");
	for (i = 0; i < n; i++)
		printf(" %s" + !i, st[i]);
	putchar('\n');
	line_str("Errors behavior:", errors_name(sb->errors));
	line_str("Filesystem OS type:", os_name(sb->creator_os));
	line_u64("Inode count:", sb->inodes_count);
	line_u64("Block count:", sb->blocks_count);
	line_u64("Reserved block count:", sb->r_blocks_count);
	if (sb->overhead_clusters)
		line_u64("Overhead clusters:", sb->overhead_clusters);
	line_u64("Free blocks:", sb->free_blocks_count);
	line_u64("Free inodes:", sb->free_inodes_count);
	line_u64("First block:", sb->first_data_block);
	line_u64("Block size:", sb->block_size);
	line_u64("Cluster size:", sb->cluster_size);
	line_u64("Group descriptor size:", sb->desc_size);
	line_u64("Reserved GDT blocks:", sb->reserved_gdt_blocks);
	line_u64("Blocks per group:", sb->blocks_per_group);
	line_u64("Clusters per group:", sb->clusters_per_group);
	line_u64("Inodes per group:", sb->inodes_per_group);
	line_u64("Inode blocks per group:", sb->inode_table_blocks);
	line_u64("Group count:", sb->group_count);
	if (sb->log_groups_per_flex && sb->log_groups_per_flex < 32)
		line_u64("Flex block group size:", 1ull << sb->log_groups_per_flex);
	line_time("Filesystem created:", sb->mkfs_time);
	line_time("Last mount time:", sb->mtime);
	line_time("Last write time:", sb->wtime);
	line_u64("Mount count:", sb->mnt_count);
	printf("%-26s%d\n", "Maximum mount count:", sb->max_mnt_count);
	line_time("Last checked:", sb->lastcheck);
	line_u64("Check interval:", sb->checkinterval);
	if (sb->kbytes_written)
		printf("%-26s%llu kB\n", "Lifetime writes:", (unsigned long long)sb->kbytes_written);
	line_u64("Reserved blocks uid:", sb->def_resuid);
	line_u64("Reserved blocks gid:", sb->def_resgid);
	line_u64("First inode:", sb->first_ino);
	line_u64("Inode size:", sb->inode_size);
	if (sb->min_extra_isize)
		line_u64("Required extra isize:", sb->min_extra_isize);
	if (sb->want_extra_isize)
		line_u64("Desired extra isize:", sb->want_extra_isize);
	if (sb->journal_inum)
		line_u64("Journal inode:", sb->journal_inum);
	if (!uuid_null(sb->journal_uuid)) {
		cli_uuid_text(uuid, sb->journal_uuid);
		line_str("Journal UUID:", uuid);
	}
	if (sb->journal_dev)
		printf("%-26s0x%04x\n", "Journal device:", sb->journal_dev);
	line_str("Default directory hash:", hash_name(sb->def_hash_version));
	{
		uint8_t seed[16];
		for (i = 0; i < 4; i++) {
			seed[4 * i] = (uint8_t)sb->hash_seed[i];
			seed[4 * i + 1] = (uint8_t)(sb->hash_seed[i] >> 8);
			seed[4 * i + 2] = (uint8_t)(sb->hash_seed[i] >> 16);
			seed[4 * i + 3] = (uint8_t)(sb->hash_seed[i] >> 24);
		}
		cli_uuid_text(uuid, seed);
		line_str("Directory Hash Seed:", uuid);
	}
	if (sb->last_orphan)
		line_u64("First orphan inode:", sb->last_orphan);
	if (sb->csum_state != FSIMG_CSUM_NONE) {
		line_str("Checksum type:", sb->checksum_type == 1 ? "crc32c" : "unknown");
		printf("%-26s0x%08x%s\n", "Checksum:", sb->checksum,
		       sb->csum_state == FSIMG_CSUM_BAD ? " (bad)" : "");
		if (sb->feature_incompat & 0x2000)
			printf("%-26s0x%08x\n", "Checksum seed:", sb->checksum_seed);
	}
	line_str("Needs recovery:", sb->needs_recovery || img->replay ? "yes" : "no");
	if (img->replay)
		line_str("Journal:", "replayed in memory (the on-disk image needs recovery; see --no-replay)");
	label("Backup superblocks:");
	for (i = 0; i < nbk; i++)
		printf("%s%llu", i ? ", " : "",
		       (unsigned long long)bk[i] * sb->blocks_per_group + sb->first_data_block);
	puts(nbk ? "" : "(none)");
	line_str("Checksum implementation:", fsimg_crc32c_impl());

	if (!groups)
		return 0;
	printf("\n%6s %-23s %-6s %12s %12s %12s %8s %8s %6s %7s %-s\n", "GROUP", "BLOCKS", "SB/GDT",
	       "BBITMAP", "IBITMAP", "ITABLE", "FREEBLK", "FREEINO", "DIRS", "UNUSED",
	       "FLAGS CSUM");
	for (fsimg_group_t g = 0; g < sb->group_count; g++) {
		struct fsimg_group gd;
		const char *fl[3];
		int nf, err;

		if (cli_output_failed())
			return CLI_EXIT_ERROR;
		err = fsimg_ext4_group_get(&gd, img->fs, g);
		if (err < 0) {
			cli_error(img, "group %u: %s", g, cli_errmsg(img, err));
			return CLI_EXIT_ERROR;
		}
		snprintf(buf, sizeof(buf), "%llu-%llu", (unsigned long long)gd.first_block,
			 (unsigned long long)gd.last_block);
		group_flags(&gd, fl, &nf);
		printf("%6u %-23s %-6s %12llu %12llu %12llu %8u %8u %6u %7u ", g, buf,
		       gd.has_super ? (gd.gdt_count || gd.reserved_gdt ? "sb+gdt" : "sb") : "-",
		       (unsigned long long)gd.block_bitmap, (unsigned long long)gd.inode_bitmap,
		       (unsigned long long)gd.inode_table, gd.free_blocks_count,
		       gd.free_inodes_count, gd.used_dirs_count, gd.itable_unused);
		for (i = 0; i < nf; i++)
			printf("%s%s", i ? "," : "", fl[i]);
		printf("%s%s\n", nf ? " " : "- ", csum_word(gd.csum_state));
	}
	return 0;
}

/* -------------------------------------------------------------- JSON */

static int print_json(struct cli_image *img, bool groups, const fsimg_group_t *bk, int nbk)
{
	const struct fsimg_super *sb = fsimg_ext4_super(img->fs);
	struct jw w;
	char uuid[37];
	const char *st[3];
	int n, i;

	jw_init(&w, stdout);
	jw_obj_begin(&w, NULL);
	jw_str(&w, "image", img->path);
	jw_str(&w, "fs_type", fsimg_fs_type(img->fs));
	if (!img->bare)
		cli_container_json(&w, img->io);
	jw_u64(&w, "block_size", sb->block_size);
	jw_u64(&w, "cluster_size", sb->cluster_size);
	jw_u64(&w, "blocks_count", sb->blocks_count);
	jw_u64(&w, "free_blocks_count", sb->free_blocks_count);
	jw_u64(&w, "reserved_blocks_count", sb->r_blocks_count);
	jw_u64(&w, "inodes_count", sb->inodes_count);
	jw_u64(&w, "free_inodes_count", sb->free_inodes_count);
	jw_u64(&w, "inode_size", sb->inode_size);
	jw_u64(&w, "first_data_block", sb->first_data_block);
	jw_u64(&w, "blocks_per_group", sb->blocks_per_group);
	jw_u64(&w, "inodes_per_group", sb->inodes_per_group);
	jw_u64(&w, "group_count", sb->group_count);
	jw_u64(&w, "desc_size", sb->desc_size);
	jw_u64(&w, "reserved_gdt_blocks", sb->reserved_gdt_blocks);
	jw_u64(&w, "rev_level", sb->rev_level);
	jw_arr_begin(&w, "features");
	put_features(sb, NULL, &w);
	jw_arr_end(&w);
	/* The on-disk fact: the replayed view itself no longer needs recovery. */
	jw_bool(&w, "needs_recovery", sb->needs_recovery || img->replay);
	cli_json_replayed(&w, img);
	cli_uuid_text(uuid, sb->uuid);
	jw_str(&w, "uuid", uuid);
	jw_str(&w, "label", sb->volume_name);
	jw_str(&w, "last_mounted", sb->last_mounted);
	jw_arr_begin(&w, "state");
	n = state_names(st, sb->state);
	for (i = 0; i < n; i++)
		jw_str(&w, NULL, st[i]);
	jw_arr_end(&w);
	jw_str(&w, "errors", errors_name(sb->errors));
	jw_str(&w, "os", os_name(sb->creator_os));
	jw_u64(&w, "mkfs_time", sb->mkfs_time);
	jw_u64(&w, "mtime", sb->mtime);
	jw_u64(&w, "wtime", sb->wtime);
	jw_u64(&w, "lastcheck", sb->lastcheck);
	jw_u64(&w, "mnt_count", sb->mnt_count);
	jw_i64(&w, "max_mnt_count", sb->max_mnt_count);
	jw_u64(&w, "first_ino", sb->first_ino);
	jw_str(&w, "default_hash", hash_name(sb->def_hash_version));
	if (sb->csum_state != FSIMG_CSUM_NONE) {
		jw_str(&w, "checksum_type", sb->checksum_type == 1 ? "crc32c" : "unknown");
		jw_u64(&w, "checksum", sb->checksum);
		jw_bool(&w, "checksum_ok", sb->csum_state == FSIMG_CSUM_OK);
	} else {
		jw_null(&w, "checksum_type");
		jw_null(&w, "checksum");
		jw_null(&w, "checksum_ok");
	}
	if (sb->journal_inum) {
		jw_obj_begin(&w, "journal");
		jw_u64(&w, "inode", sb->journal_inum);
		jw_obj_end(&w);
	} else if (sb->journal_dev || !uuid_null(sb->journal_uuid)) {
		char dev[16];
		jw_obj_begin(&w, "journal");
		snprintf(dev, sizeof(dev), "0x%04x", sb->journal_dev);
		jw_str(&w, "device", dev);
		cli_uuid_text(uuid, sb->journal_uuid);
		jw_str(&w, "uuid", uuid);
		jw_obj_end(&w);
	} else {
		jw_null(&w, "journal");
	}
	jw_arr_begin(&w, "backup_superblocks");
	for (i = 0; i < nbk; i++)
		jw_u64(&w, NULL, (uint64_t)bk[i] * sb->blocks_per_group + sb->first_data_block);
	jw_arr_end(&w);
	if (groups) {
		jw_arr_begin(&w, "groups");
		for (fsimg_group_t g = 0; g < sb->group_count; g++) {
			struct fsimg_group gd;
			const char *fl[3];
			int nf, err;

			err = fsimg_ext4_group_get(&gd, img->fs, g);
			if (err < 0) {
				/* Keep stdout a valid line: end it before failing. */
				jw_arr_end(&w);
				jw_obj_end(&w);
				jw_record_end(&w);
				cli_error(img, "group %u: %s", g, cli_errmsg(img, err));
				return CLI_EXIT_ERROR;
			}
			jw_obj_begin(&w, NULL);
			jw_u64(&w, "group", g);
			jw_u64(&w, "first_block", gd.first_block);
			jw_u64(&w, "last_block", gd.last_block);
			jw_bool(&w, "has_super", gd.has_super);
			jw_u64(&w, "gdt_blocks", gd.gdt_count);
			jw_u64(&w, "reserved_gdt_blocks", gd.reserved_gdt);
			jw_u64(&w, "block_bitmap", gd.block_bitmap);
			jw_u64(&w, "inode_bitmap", gd.inode_bitmap);
			jw_u64(&w, "inode_table", gd.inode_table);
			jw_u64(&w, "free_blocks", gd.free_blocks_count);
			jw_u64(&w, "free_inodes", gd.free_inodes_count);
			jw_u64(&w, "used_dirs", gd.used_dirs_count);
			jw_u64(&w, "itable_unused", gd.itable_unused);
			jw_arr_begin(&w, "flags");
			group_flags(&gd, fl, &nf);
			for (i = 0; i < nf; i++)
				jw_str(&w, NULL, fl[i]);
			jw_arr_end(&w);
			if (gd.csum_state == FSIMG_CSUM_NONE)
				jw_null(&w, "checksum_ok");
			else
				jw_bool(&w, "checksum_ok", gd.csum_state == FSIMG_CSUM_OK);
			jw_obj_end(&w);
		}
		jw_arr_end(&w);
	}
	jw_obj_end(&w);
	jw_record_end(&w);
	return 0;
}

int info_ext4(struct cli_image *img, bool groups)
{
	const struct fsimg_super *sb = fsimg_ext4_super(img->fs);
	fsimg_group_t *bk;
	int status, nbk;

	/* group_count was checked against the image when the fs was opened. */
	bk = calloc(sb->group_count ? sb->group_count : 1, sizeof(*bk));
	if (!bk) {
		cli_error(img, "out of memory");
		return CLI_EXIT_ERROR;
	}
	nbk = fsimg_ext4_backup_groups(img->fs, bk, (int)(sb->group_count > INT32_MAX ?
							   INT32_MAX : sb->group_count));
	if (nbk < 0)
		nbk = 0;
	if (img->common->json)
		status = print_json(img, groups, bk, nbk);
	else
		status = print_text(img, groups, bk, nbk);
	free(bk);
	return status;
}
