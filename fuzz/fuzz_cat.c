/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz target: open with the journal replayed in memory, then read every
 * in-use regular file (and symlink) through fsimg_file_read. */
#include "fuzz.h"
#include "fsimg/journal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in;
	fsimg_fs *fs = NULL;
	fsimg_recovery *replay = NULL;
	char err[256];
	unsigned flags;
	static uint8_t buf[65536];

	if (fuzz_input_open(&in, data, size) < 0)
		return 0;
	flags = fuzz_open_flags(&in) | ((in.opts & FUZZ_OPT_NOREPLAY) ? FSIMG_OPEN_NO_REPLAY : 0);
	if (fsimg_fs_open_recovered(&fs, &replay, in.io, NULL, flags, err, sizeof(err)) == 0) {
		uint32_t count = fsimg_ext4_super(fs)->inodes_count;
		uint64_t budget = FUZZ_MAX_READ;

		for (uint32_t ino = 1; ino <= count && ino <= FUZZ_MAX_INODES && budget; ino++) {
			struct fsimg_inode inode;
			fsimg_file *f;
			uint64_t off = 0;
			int64_t got;

			if (fsimg_inode_in_use(fs, ino) != 1 || fsimg_inode_read(&inode, fs, ino) < 0)
				continue;
			if ((inode.mode & 0170000) != 0100000 && (inode.mode & 0170000) != 0120000)
				continue;
			if (fsimg_file_open(&f, fs, &inode, (in.opts & FUZZ_OPT_EXTRA) ? FSIMG_READ_RAW : 0) < 0)
				continue;
			/* an odd length so reads straddle block ends */
			while (budget && (got = fsimg_file_read(f, buf, sizeof(buf) - 1, off)) > 0) {
				fuzz_use(buf, (size_t)got);
				off += (uint64_t)got;
				budget = (uint64_t)got >= budget ? 0 : budget - (uint64_t)got;
			}
			/* far past EOF, and at the very end of the offset space */
			(void)fsimg_file_read(f, buf, 16, inode.size + 12345);
			(void)fsimg_file_read(f, buf, 16, UINT64_MAX - 8);
			fsimg_file_close(f);
		}
		fsimg_fs_close(fs);
	}
	if (replay)
		fsimg_recovery_free(replay);
	fuzz_input_close(&in);
	return 0;
}
