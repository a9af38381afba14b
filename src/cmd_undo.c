/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fsimg undo: puts back, byte for byte, the blocks an in-place replay
 * changed, from the undo file it wrote first (format in undofile.c and
 * fsimg-undo(1)), as e2undo does for e2fsprogs' tools. Nothing is written
 * until everything is checked: the undo file (header, every record, the
 * completion marker), the image's size, block size and UUID, and that
 * every block the undo file would restore still holds what the replay
 * wrote (or what it held before: a replay cut short, or an undo run
 * twice). An image changed since the replay is refused: restoring the
 * pre-replay superblock and bitmaps over a newer filesystem corrupts it.
 * --force restores anyway. The writing pass checks each record and each
 * image block again as it goes, so what is written is what was checked.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cmds.h"
#include "core/io.h"
#include "wimg.h"

static const struct cli_opt undo_opts[] = {
	{ 'f', "force", NULL, "restore even when IMAGE changed since the replay" },
	{ 0, NULL, NULL, NULL },
};

static const struct cli_cmd undo_cmd = {
	"undo", "[-f] UNDOFILE IMAGE",
	"Restore IMAGE from the undo file of 'fsimg replay --in-place'.",
	undo_opts, CLI_NO_JOURNAL_OPTS | CLI_PERMUTE, 2, 2,
};

static int undo_opt(void *vctx, int id, const char *arg)
{
	bool *force = vctx;

	(void)arg;
	if (id != 'f')
		return CLI_EXIT_USAGE;
	*force = true;
	return 0;
}

/*
 * Does the image's copy of rec's block hold what the replay wrote, or what
 * the block held before it? 0 yes, 1 no (changed since), <0 -errno.
 */
static int block_changed(int fd, const struct undo_record *rec, uint8_t *buf, uint32_t bs)
{
	int err = io_pread_full(fd, buf, bs, rec->block * bs);

	if (err < 0)
		return err;
	if (rec->has_replayed && undo_block_hash(buf, bs) == rec->replayed_hash)
		return 0;
	return memcmp(buf, rec->old, bs) != 0;
}

/*
 * The first pass: the whole undo file, and the image's blocks against it.
 * 0 to go on, or an exit status.
 */
static int check_all(struct cli_image *img, struct undo_reader *u, int fd, uint8_t *buf, bool force)
{
	struct undo_record rec;
	uint64_t changed = 0, first = 0;
	int rc, err;

	while ((rc = undo_next(u, &rec)) > 0) {
		if (!rec.has_replayed)
			continue;
		err = block_changed(fd, &rec, buf, u->h.block_size);
		if (err < 0) {
			cli_error(img, "cannot read block %llu: %s", (unsigned long long)rec.block,
				  cli_strerror(-err));
			return CLI_EXIT_ERROR;
		}
		if (err > 0 && changed++ == 0)
			first = rec.block;
	}
	if (rc < 0)
		return CLI_EXIT_ERROR;
	if (changed && !force) {
		cli_error(img, "changed since the replay: %llu of %llu blocks hold neither what the replay "
			  "wrote nor what they held before (first: block %llu); refusing to undo, nothing "
			  "written (--force restores anyway)", (unsigned long long)changed,
			  (unsigned long long)u->h.nrecords, (unsigned long long)first);
		return CLI_EXIT_ERROR;
	}
	if (changed)
		cli_error(img, "warning: %llu of %llu blocks changed since the replay (first: block %llu); "
			  "restoring them anyway (--force)", (unsigned long long)changed,
			  (unsigned long long)u->h.nrecords, (unsigned long long)first);
	return 0;
}

/* The identity of IMAGE against the undo file's: 0, or an exit status. */
static int check_identity(struct cli_image *img, int fd, const struct undo_header *h)
{
	uint8_t uuid[16];
	char a[37], b[37];
	int64_t size = wimg_fd_size(fd);
	uint32_t bs;

	if (size < 0 || (uint64_t)size != h->image_size) {
		cli_error(img, "does not match the undo file: %lld bytes, the undo file is for %llu",
			  (long long)size, (unsigned long long)h->image_size);
		return CLI_EXIT_ERROR;
	}
	if (wimg_read_identity(fd, &bs, uuid) < 0) {
		cli_error(img, "no ext2/3/4 or XFS superblock, nor an XFS log; refusing to apply an undo file to it");
		return CLI_EXIT_ERROR;
	}
	if (bs != h->block_size) {
		cli_error(img, "does not match the undo file: block size %u, the undo file's is %u",
			  bs, h->block_size);
		return CLI_EXIT_ERROR;
	}
	if (memcmp(uuid, h->uuid, 16) != 0) {
		cli_uuid_text(a, uuid);
		cli_uuid_text(b, h->uuid);
		cli_error(img, "does not match the undo file: UUID %s, the undo file's is %s", a, b);
		return CLI_EXIT_ERROR;
	}
	return 0;
}

int cmd_undo(int argc, char **argv)
{
	struct cli_common common;
	struct cli_image img;
	struct undo_reader u;
	struct undo_record rec;
	const char *undo_path;
	uint8_t *buf = NULL;
	uint64_t done = 0;
	bool force = false;
	int first, status, fd = -1, err, rc;

	status = cli_parse(&common, &undo_cmd, argc, argv, undo_opt, &force, &first);
	if (status >= 0)
		return status;
	undo_path = argv[first];
	memset(&img, 0, sizeof(img));
	img.path = argv[first + 1];
	img.common = &common;
	if (undo_open(&u, undo_path) < 0)
		return CLI_EXIT_ERROR;
	status = CLI_EXIT_ERROR;
	if (u.h.version < 2 && !force) {
		wimg_say(undo_path, "undo file version %u (from an older fsimg) does not record what the "
			 "replay wrote, so whether the image changed since cannot be checked; --force "
			 "restores it anyway", u.h.version);
		goto out;
	}
	fd = wimg_open_rw(img.path, "undo");
	if (fd < 0)
		goto out;
	status = check_identity(&img, fd, &u.h);
	if (status)
		goto out;
	status = CLI_EXIT_ERROR;
	buf = malloc(u.h.block_size);
	if (!buf) {
		cli_error(&img, "out of memory");
		goto out;
	}
	if (u.h.version < 2)
		cli_error(&img, "warning: undo file version %u cannot tell whether the image changed "
			  "since the replay; restoring anyway (--force)", u.h.version);
	status = check_all(&img, &u, fd, buf, force);
	if (status)
		goto out;
	status = CLI_EXIT_ERROR;

	/* Each record verified again as it is read, each block again before it is overwritten. */
	undo_rewind(&u);
	while ((rc = undo_next(&u, &rec)) > 0) {
		if (!force && rec.has_replayed) {
			err = block_changed(fd, &rec, buf, u.h.block_size);
			if (err != 0) {
				cli_error(&img, "block %llu %s while undo ran; %llu of %llu blocks restored",
					  (unsigned long long)rec.block, err < 0 ? "became unreadable" : "changed",
					  (unsigned long long)done, (unsigned long long)u.h.nrecords);
				goto out;
			}
		}
		err = wimg_pwrite_block(fd, rec.old, u.h.block_size, rec.block * u.h.block_size);
		if (err < 0) {
			cli_error(&img, "write failed at block %llu: %s (run undo again)",
				  (unsigned long long)rec.block, cli_strerror(-err));
			goto out;
		}
		done++;
	}
	if (rc < 0)
		goto out;
	if (fsync(fd) < 0) {
		cli_error(&img, "%s", cli_strerror(errno));
		goto out;
	}
	printf("%s: %llu block%s restored from %s\n", img.path, (unsigned long long)done,
	       done == 1 ? "" : "s", undo_path);
	status = CLI_EXIT_OK;
out:
	free(buf);
	undo_close(&u);
	if (fd >= 0 && close(fd) < 0 && status == CLI_EXIT_OK) {
		cli_error(&img, "%s", cli_strerror(errno));
		status = CLI_EXIT_ERROR;
	}
	if (fflush(stdout) != 0 && status == CLI_EXIT_OK)
		status = CLI_EXIT_ERROR;
	return status;
}
