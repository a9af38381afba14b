/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fuzz target: the project's own container and partition glue. A qcow2
 * (read here, core/qcow2.c: header, L1/L2 tables, extended L2, compressed
 * clusters) or a raw disk, then its partition table (libblkid through the
 * probing window of core/part.c, with our walk of the MBR's EBR chain) and
 * each partition opened and read. A backing file named in a memory image
 * is refused (there is no directory to find it in).
 */
#include "fuzz.h"

#include "core/image.h"
#include "core/io.h"

#define FUZZ_MAX_PARTS 64

static void read_some(fsimg_io *io)
{
	static uint8_t buf[65536];
	uint64_t size = fsimg_io_size(io);

	/* The start, the end, and offsets spread between: bounded work for any size. */
	(void)fsimg_io_read(io, buf, size < sizeof(buf) ? (size_t)size : sizeof(buf), 0);
	for (unsigned i = 1; i <= 32 && size > 4096; i++)
		(void)fsimg_io_read(io, buf, 4096, (size - 4096) / 32 * i);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in;
	struct image_chain chain;
	struct fsimg_partition parts[FUZZ_MAX_PARTS];
	struct fsimg_image_info info;
	char label[16], err[256];
	fsimg_io *disk = NULL, *part;
	int n;

	if (fuzz_input_open(&in, data, size) < 0)
		return 0;
	memset(&chain, 0, sizeof(chain));
	if (in.len >= 4 && !memcmp(in.img, "QFI\xfb", 4)) {
		/* qcow2_open owns the source it is given, also on failure. */
		fsimg_io *src = in.io;
		in.io = NULL;
		if (qcow2_open(&disk, src, NULL, &chain, err, sizeof(err)) < 0)
			disk = NULL;
	} else if (io_open_slice(&disk, in.io, 0, in.len, false) < 0) {
		disk = NULL;
	}
	if (disk) {
		read_some(disk);
		(void)fsimg_image_describe(&info, disk);
		n = fsimg_partitions(parts, FUZZ_MAX_PARTS, label, sizeof(label), disk);
		for (int i = 0; i < n && i < FUZZ_MAX_PARTS; i++) {
			/* The partition owns disk: open a borrowed view to it instead. */
			fsimg_io *view;
			if (io_open_slice(&view, disk, 0, fsimg_io_size(disk), false) < 0)
				break;
			if (fsimg_io_open_partition(&part, view, parts[i].partno, err, sizeof(err)) == 0) {
				read_some(part);
				fsimg_io_close(part);
			} else {
				fsimg_io_close(view);
			}
		}
		fsimg_io_close(disk);
	}
	fuzz_input_close(&in);
	return 0;
}
