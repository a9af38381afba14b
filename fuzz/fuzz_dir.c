/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz target: directory iteration from the root (bounded breadth-first
 * walk), single-name lookups (htree) and path lookups. */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const paths[] = {
		"/", "/lost+found", "/sizes/f4096", "/links/sym1000/x", "/links/to_dir/f1",
		"/deep/level1/level2/level3", "/htree/entry_000123_abcdefghijklmnopqrstuvwxyz",
		"/etc/hostname", "/current.log", "#2", "#11", "#0", "#4294967295", "//a/../b/.",
		"/file", "/dir/..",
	};
	struct fuzz_input in;
	fsimg_fs *fs = NULL;
	char err[256];

	if (fuzz_input_open(&in, data, size) < 0)
		return 0;
	if (fsimg_fs_open(&fs, in.io, fuzz_open_flags(&in), err, sizeof(err)) == 0) {
		fsimg_ino_t queue[FUZZ_MAX_DIRS], ino;
		unsigned head = 0, tail = 0, ents = 0;
		struct fsimg_dirent e;
		fsimg_dir *d;

		queue[tail++] = FSIMG_ROOT_INO;
		while (head < tail && ents < FUZZ_MAX_DIRENTS) {
			fsimg_ino_t dir = queue[head++];

			if (fsimg_dir_open(&d, fs, dir) < 0)
				continue;
			while (ents++ < FUZZ_MAX_DIRENTS && fsimg_dir_next(d, &e) > 0) {
				if (e.file_type == 2 && tail < FUZZ_MAX_DIRS &&
				    !(e.name_len == 1 && e.name[0] == '.') &&
				    !(e.name_len == 2 && e.name[0] == '.' && e.name[1] == '.'))
					queue[tail++] = e.ino;
				/* look the name up again (through the htree when indexed) */
				if (ents % 7 == 0)
					(void)fsimg_dir_lookup(&ino, fs, dir, e.name, e.name_len);
			}
			fsimg_dir_close(d);
			(void)fsimg_dir_lookup(&ino, fs, dir, "nonexistent", 11);
		}
		for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
			(void)fsimg_path_lookup(&ino, fs, paths[i]);
		fsimg_fs_close(fs);
	}
	fuzz_input_close(&in);
	return 0;
}
