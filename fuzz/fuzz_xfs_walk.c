/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fuzz target for the threaded whole-tree dump: the command `fsimg extents
 * --all IMAGE` itself (src/cmd_extents.c), so that on two CPUs the XFS
 * inode read-ahead thread (libfsimg/xfs/iahead.c) and the output pipe's
 * writer thread (src/cli_pipe.c) run beside the walk, as they do for a
 * user; fuzz_xfs calls the reader directly and reaches neither. On one CPU
 * neither thread starts and this is the sequential walk.
 *
 * The image goes to a temporary file (the command opens a path; a memfd's
 * /proc/self/fd/N does not resolve through realpath), made as long as the
 * superblock's dblocks say, up to XWALK_MAX_SIZE, with a hole: the seeds are
 * filesystems cut to FUZZ_MAX_INPUT, which the command would refuse as
 * truncated. Its stdout goes to /dev/null (the driver's own lines are kept),
 * its messages to stderr as it writes them. Option byte: FUZZ_OPT_EXTRA adds
 * --json (the pipe's other consumer), FUZZ_OPT_NOREPLAY --no-replay (else a
 * dirty XFS log is replayed in memory first); FUZZ_OPT_FIXCSUM is ext4's.
 */
#include "fuzz.h"
#include "cmds.h"

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#define XWALK_MAX_SIZE (256u << 20)

static int imgfd = -1, devnull = -1;
static char imgpath[] = "/tmp/fuzz_xfs_walk.XXXXXX";

static void remove_image(void)
{
	unlink(imgpath);
}

/* The image's length as its XFS superblock gives it (sb_blocksize, sb_dblocks), bounded. */
static uint64_t xfs_length(const uint8_t *img, size_t len)
{
	uint64_t bs, dblocks = 0;

	if (len < 16 || memcmp(img, "XFSB", 4))
		return len;
	bs = (uint64_t)img[4] << 24 | (uint64_t)img[5] << 16 | (uint64_t)img[6] << 8 | img[7];
	for (int i = 8; i < 16; i++)
		dblocks = dblocks << 8 | img[i];
	if (bs == 0 || dblocks > XWALK_MAX_SIZE / bs || dblocks * bs < len)
		return len;
	return dblocks * bs;
}

/* Writes the image to the temporary file; 0, or -1 when it cannot. */
static int put_image(const uint8_t *img, size_t len)
{
	if (imgfd < 0) {
		imgfd = mkstemp(imgpath);
		if (imgfd < 0)
			return -1;
		atexit(remove_image);
	}
	if (ftruncate(imgfd, 0) != 0 || pwrite(imgfd, img, len, 0) != (ssize_t)len ||
	    ftruncate(imgfd, (off_t)xfs_length(img, len)) != 0)
		return -1;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in;
	char *argv[6];
	int argc = 0, saved;

	if (fuzz_input_open(&in, data, size) < 0)
		return 0;
	if (devnull < 0)
		devnull = open("/dev/null", O_WRONLY);
	if (devnull < 0 || put_image(in.img, in.len) < 0) {
		fuzz_input_close(&in);
		return 0;
	}
	argv[argc++] = "extents";
	argv[argc++] = "--all";
	if (in.opts & FUZZ_OPT_EXTRA)
		argv[argc++] = "--json";
	if (in.opts & FUZZ_OPT_NOREPLAY)
		argv[argc++] = "--no-replay";
	argv[argc++] = imgpath;
	argv[argc] = NULL;
	fflush(stdout);
	saved = dup(STDOUT_FILENO);
	if (saved >= 0 && dup2(devnull, STDOUT_FILENO) >= 0) {
		(void)cmd_extents(argc, argv);
		fflush(stdout);
		clearerr(stdout);
		dup2(saved, STDOUT_FILENO);
	}
	if (saved >= 0)
		close(saved);
	fuzz_input_close(&in);
	return 0;
}
