/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The smallest program on libfsimg's public API, built with
 * `pkg-config --cflags --libs libfsimg` by tests/cmd/exports.sh (against
 * the build tree) and debian/tests/pkgconfig (against the installed
 * libfsimg-dev): opens IMAGE and prints its filesystem type and the size
 * of FILE inside it.
 */
#include <stdio.h>

#include <fsimg/fsimg.h>

int main(int argc, char **argv)
{
	char why[256] = "";
	fsimg_io *io = NULL;
	fsimg_fs *fs = NULL;
	struct fsimg_stat st;
	fsimg_inum_t ino;
	int err;

	if (argc != 3) {
		fprintf(stderr, "usage: opendemo IMAGE FILE\n");
		return 2;
	}
	err = fsimg_io_open_file(&io, argv[1]);
	if (err == 0)
		err = fsimg_fs_open(&fs, io, 0, why, sizeof(why));
	if (err == 0)
		err = fsimg_lookup(&ino, fs, argv[2]);
	if (err == 0)
		err = fsimg_stat(&st, fs, ino);
	if (err == 0)
		printf("%s %llu\n", fsimg_fs_type(fs), (unsigned long long)st.size);
	else
		fprintf(stderr, "opendemo: %s: %s\n", argv[1], why[0] ? why : fsimg_strerror(err));
	fsimg_fs_close(fs);
	fsimg_io_close(io);
	return err == 0 ? 0 : 1;
}
