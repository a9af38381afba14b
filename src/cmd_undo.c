/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fsimg undo: puts back, byte for byte, the blocks an in-place replay
 * changed, from the undo file it wrote first (format in wimg.c and
 * fsimg-undo(1)). The whole undo file is verified before the image is
 * opened for writing: header and record checksums, the completion marker,
 * and the image's size, block size and UUID.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cmds.h"
#include "wimg.h"

static const struct cli_cmd undo_cmd = {
	"undo", "UNDOFILE IMAGE",
	"Restore IMAGE from the undo file of 'fsimg replay --in-place'.",
	NULL, CLI_NO_JOURNAL_OPTS | CLI_PERMUTE, 2, 2,
};

static void uuid_text(char out[37], const uint8_t u[16])
{
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11],
		 u[12], u[13], u[14], u[15]);
}

static int read_full(int fd, void *buf, size_t len, uint64_t off)
{
	char *p = buf;

	while (len) {
		ssize_t n = pread(fd, p, len, (off_t)off);
		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			return n < 0 ? -errno : -EIO;
		}
		p += n;
		off += (uint64_t)n;
		len -= (size_t)n;
	}
	return 0;
}

int cmd_undo(int argc, char **argv)
{
	struct cli_common common;
	struct cli_image img;
	struct undo_header h;
	const char *undo_path;
	uint8_t *buf = NULL, head[UNDO_RECORD_HEAD], uuid[16];
	char a[37], b[37];
	uint32_t bs;
	int64_t size;
	uint64_t off;
	int first, status, ufd, fd = -1, err;

	status = cli_parse(&common, &undo_cmd, argc, argv, NULL, NULL, &first);
	if (status >= 0)
		return status;
	undo_path = argv[first];
	memset(&img, 0, sizeof(img));
	img.path = argv[first + 1];
	img.common = &common;
	if (undo_open_verified(&ufd, &h, undo_path) < 0)
		return CLI_EXIT_ERROR;
	status = CLI_EXIT_ERROR;
	fd = wimg_open_rw(img.path, "undo");
	if (fd < 0)
		goto out;
	size = wimg_fd_size(fd);
	if (size < 0 || (uint64_t)size != h.image_size) {
		cli_error(&img, "does not match the undo file: %lld bytes, the undo file is for %llu",
			  (long long)size, (unsigned long long)h.image_size);
		goto out;
	}
	if (wimg_read_identity(fd, &bs, uuid) < 0) {
		cli_error(&img, "no ext2/3/4 superblock; refusing to apply an undo file to it");
		goto out;
	}
	if (bs != h.block_size) {
		cli_error(&img, "does not match the undo file: block size %u, the undo file's is %u",
			  bs, h.block_size);
		goto out;
	}
	if (memcmp(uuid, h.uuid, 16) != 0) {
		uuid_text(a, uuid);
		uuid_text(b, h.uuid);
		cli_error(&img, "does not match the undo file: UUID %s, the undo file's is %s", a, b);
		goto out;
	}
	buf = malloc(h.block_size);
	if (!buf) {
		cli_error(&img, "out of memory");
		goto out;
	}
	off = UNDO_HEADER_SIZE;
	for (uint64_t i = 0; i < h.nrecords; i++) {
		uint64_t blk = 0;
		err = read_full(ufd, head, sizeof(head), off);
		if (err == 0)
			err = read_full(ufd, buf, h.block_size, off + UNDO_RECORD_HEAD);
		if (err < 0) {
			cli_error(&img, "%s: %s", undo_path, cli_strerror(-err));
			goto out;
		}
		for (int k = 7; k >= 0; k--)
			blk = blk << 8 | head[k];
		err = wimg_pwrite_block(fd, buf, h.block_size, blk * h.block_size);
		if (err < 0) {
			cli_error(&img, "write failed at block %llu: %s (run undo again)",
				  (unsigned long long)blk, cli_strerror(-err));
			goto out;
		}
		off += UNDO_RECORD_HEAD + h.block_size;
	}
	if (fsync(fd) < 0) {
		cli_error(&img, "%s", cli_strerror(errno));
		goto out;
	}
	printf("%s: %llu block%s restored from %s\n", img.path, (unsigned long long)h.nrecords,
	       h.nrecords == 1 ? "" : "s", undo_path);
	status = CLI_EXIT_OK;
out:
	free(buf);
	close(ufd);
	if (fd >= 0 && close(fd) < 0 && status == CLI_EXIT_OK) {
		cli_error(&img, "%s", cli_strerror(errno));
		status = CLI_EXIT_ERROR;
	}
	if (fflush(stdout) != 0 && status == CLI_EXIT_OK)
		status = CLI_EXIT_ERROR;
	return status;
}
