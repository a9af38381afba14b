/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz target: inodes, the mapping iterator (extent trees, block maps,
 * inline data, with the tree's own blocks) and symlink targets. */
#include "fuzz.h"

static void one_inode(fsimg_fs *fs, fsimg_ino_t ino)
{
	struct fsimg_inode inode;
	struct fsimg_run run;
	fsimg_map *map;
	char target[4096 + 1];
	unsigned n = 0;

	if (fsimg_inode_read(&inode, fs, ino) < 0)
		return;
	(void)fsimg_inode_in_use(fs, ino);
	(void)fsimg_mode_to_ftype(inode.mode);
	if (fsimg_map_open(&map, fs, &inode, FSIMG_MAP_TREE) == 0) {
		while (n++ < FUZZ_MAX_RUNS && fsimg_map_next(map, &run) > 0)
			;
		fsimg_map_close(map);
	}
	if ((inode.mode & 0170000) == 0120000)
		(void)fsimg_symlink_read(target, sizeof(target), fs, &inode);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in;
	fsimg_fs *fs = NULL;
	char err[256];

	if (fuzz_input_open(&in, data, size) < 0)
		return 0;
	if (fsimg_fs_open(&fs, in.io, fuzz_open_flags(&in), err, sizeof(err)) == 0) {
		uint32_t count = fsimg_ext4_super(fs)->inodes_count;
		uint32_t n = count < FUZZ_MAX_INODES ? count : FUZZ_MAX_INODES;

		for (uint32_t i = 0; i < n; i++)
			one_inode(fs, (in.opts & FUZZ_OPT_EXTRA) ? count - i : i + 1);
		/* out of range on purpose */
		one_inode(fs, 0);
		one_inode(fs, count + 1);
		fsimg_fs_close(fs);
	}
	fuzz_input_close(&in);
	return 0;
}
