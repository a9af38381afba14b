/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Partitions of a disk image (GPT, MBR with extended/logical partitions)
 * through libblkid's partition probing, and one partition as a source of
 * its own: a window of the disk, bounds-checked.
 *
 * libblkid reads from a file descriptor. A container or a partition has
 * none, so it gets a sparse memory file of the source's size holding the
 * sectors libblkid reads for this: the first and last 2 MiB (MBR, GPT and
 * its backup, and every filesystem's superblock) and the EBRs of an MBR's
 * extended partitions, found by following their chain here.
 */
#include "config.h"

#include <blkid.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/cursor.h"
#include "core/image.h"
#include "core/io.h"

#define WINDOW (2u << 20)
#define MAX_EBR 256 /* logical partitions followed at most */

static int copy_range(int fd, fsimg_io *io, uint64_t off, uint64_t len, uint8_t *buf)
{
	uint64_t size = fsimg_io_size(io);

	if (off >= size)
		return 0;
	if (len > size - off)
		len = size - off;
	while (len > 0) {
		size_t n = len > WINDOW ? WINDOW : (size_t)len;
		if (fsimg_io_read(io, buf, n, off) < 0 || pwrite(fd, buf, n, (off_t)off) != (ssize_t)n)
			return FSIMG_EIO;
		off += n;
		len -= n;
	}
	return 0;
}

/* The EBR chains of the MBR's extended partitions, so that libblkid finds the logical ones. */
static int copy_ebrs(int fd, fsimg_io *io, uint8_t *buf)
{
	uint8_t mbr[512];
	struct cur c;

	if (fsimg_io_read(io, mbr, sizeof(mbr), 0) < 0 || mbr[510] != 0x55 || mbr[511] != 0xaa)
		return 0;
	for (int i = 0; i < 4; i++) {
		size_t e = 446 + 16 * (size_t)i;
		uint8_t type = mbr[e + 4];
		uint64_t ext, next = 0;

		if (type != 0x05 && type != 0x0f && type != 0x85)
			continue;
		c = cur_init(mbr, sizeof(mbr));
		ext = cur_le32(&c, e + 8);
		for (int n = 0; n < MAX_EBR; n++) {
			uint64_t at = (ext + next) * 512;
			uint8_t ebr[512];

			if (copy_range(fd, io, at, 4096, buf) < 0 ||
			    fsimg_io_read(io, ebr, sizeof(ebr), at) < 0 || ebr[510] != 0x55 || ebr[511] != 0xaa)
				break;
			c = cur_init(ebr, sizeof(ebr));
			next = cur_le32(&c, 446 + 16 + 8);
			if (!next || (ebr[446 + 16 + 4] != 0x05 && ebr[446 + 16 + 4] != 0x0f))
				break;
		}
	}
	return 0;
}

int io_probe_fd(fsimg_io *io, int *fd, bool *temp)
{
	uint64_t size = fsimg_io_size(io);
	uint8_t *buf;
	int mfd, err;

	*temp = false;
	*fd = fsimg_io_fd(io);
	/* Memory sources (fuzzing, tests) are probed by our own checks only. */
	if (*fd >= 0 || !image_meta_of(io))
		return 0;
	mfd = memfd_create("fsimg-probe", MFD_CLOEXEC);
	if (mfd < 0)
		return FSIMG_EIO;
	buf = malloc(WINDOW);
	if (!buf || ftruncate(mfd, (off_t)size) < 0) {
		free(buf);
		close(mfd);
		return buf ? FSIMG_EIO : FSIMG_ENOMEM;
	}
	err = copy_range(mfd, io, 0, WINDOW, buf);
	if (err == 0 && size > WINDOW)
		err = copy_range(mfd, io, size - WINDOW, WINDOW, buf);
	if (err == 0)
		err = copy_ebrs(mfd, io, buf);
	free(buf);
	if (err < 0) {
		close(mfd);
		return err;
	}
	*fd = mfd;
	*temp = true;
	return 0;
}

static void fs_type_of(char *out, size_t len, fsimg_io *disk, uint64_t start, uint64_t size)
{
	fsimg_io *part;

	out[0] = '\0';
	/* A borrowed view: the slice must not close the disk. */
	if (io_open_slice(&part, disk, start, size, false) < 0)
		return;
	if (fsimg_probe(out, len, part) < 0)
		out[0] = '\0';
	fsimg_io_close(part);
}

int fsimg_partitions(struct fsimg_partition *out, size_t max, char *label, size_t labellen,
		     fsimg_io *disk)
{
	blkid_probe pr;
	blkid_partlist ls;
	blkid_parttable tab;
	uint64_t size;
	bool temp;
	int fd, n, err;

	if (!disk || (!out && max) || (labellen && !label))
		return FSIMG_EINVAL;
	if (labellen)
		label[0] = '\0';
	err = io_probe_fd(disk, &fd, &temp);
	if (err < 0)
		return err;
	size = fsimg_io_size(disk);
	pr = blkid_new_probe();
	if (!pr) {
		err = FSIMG_ENOMEM;
		goto out;
	}
	if (blkid_probe_set_device(pr, fd, 0, 0) != 0) {
		err = FSIMG_EIO;
		goto out;
	}
	blkid_probe_enable_superblocks(pr, 0);
	blkid_probe_enable_partitions(pr, 1);
	blkid_probe_set_partitions_flags(pr, BLKID_PARTS_ENTRY_DETAILS);
	/* A whole-disk filesystem (no table) is not a partitioned disk. */
	if (blkid_do_probe(pr) != 0 || !(ls = blkid_probe_get_partitions(pr)) ||
	    !(tab = blkid_partlist_get_table(ls))) {
		err = 0;
		goto out;
	}
	if (labellen)
		snprintf(label, labellen, "%s", blkid_parttable_get_type(tab));
	n = blkid_partlist_numof_partitions(ls);
	if (n < 0) {
		err = 0;
		goto out;
	}
	for (int i = 0; i < n && (size_t)i < max; i++) {
		blkid_partition p = blkid_partlist_get_partition(ls, i);
		struct fsimg_partition *o = &out[i];
		const char *s;

		memset(o, 0, sizeof(*o));
		if (!p)
			continue;
		o->partno = (unsigned)blkid_partition_get_partno(p);
		o->start = (uint64_t)blkid_partition_get_start(p) * 512;
		o->size = (uint64_t)blkid_partition_get_size(p) * 512;
		s = blkid_partition_get_type_string(p);
		if (s)
			snprintf(o->type, sizeof(o->type), "%s", s);
		else
			snprintf(o->type, sizeof(o->type), "0x%x", (unsigned)blkid_partition_get_type(p));
		s = blkid_partition_get_name(p);
		if (s)
			snprintf(o->name, sizeof(o->name), "%s", s);
		/* Extended partitions hold the logical ones, not a filesystem. */
		if (!blkid_partition_is_extended(p) && o->start < size && o->size <= size - o->start)
			fs_type_of(o->fstype, sizeof(o->fstype), disk, o->start, o->size);
	}
	err = n;
out:
	if (pr)
		blkid_free_probe(pr);
	if (temp)
		close(fd);
	return err;
}

/* ---------------------------------------------------------------- slices */

struct slice {
	fsimg_io *inner;
	bool owned;
	uint64_t start, size;
	struct image_meta meta; /* the disk's, with the partition; chain paths borrowed */
};

static int s_read(void *priv, void *buf, size_t len, uint64_t off)
{
	struct slice *s = priv;

	if (off > s->size || len > s->size - off)
		return FSIMG_EIO;
	return fsimg_io_read(s->inner, buf, len, s->start + off);
}

static uint64_t s_size(void *priv)
{
	return ((struct slice *)priv)->size;
}

static void s_close(void *priv)
{
	struct slice *s = priv;

	if (s->owned)
		fsimg_io_close(s->inner);
	free(s);
}

static int s_pread(void *priv, void *buf, size_t len, uint64_t off)
{
	struct slice *s = priv;

	if (len == 0)
		return fsimg_io_pread(s->inner, buf, 0, 0);
	if (off > s->size || len > s->size - off)
		return FSIMG_EIO;
	return fsimg_io_pread(s->inner, buf, len, s->start + off);
}

static const struct fsimg_io_ops slice_ops = { s_read, s_size, NULL, s_close, s_pread };

int io_open_slice(fsimg_io **out, fsimg_io *inner, uint64_t start, uint64_t size, bool owned)
{
	struct slice *s;
	int err;

	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return FSIMG_ENOMEM;
	s->inner = inner;
	s->owned = owned;
	s->start = start;
	s->size = size;
	err = fsimg_io_open_ops(out, &slice_ops, s);
	if (err < 0) {
		free(s);
		return err;
	}
	if (inner->meta)
		s->meta = *inner->meta;
	else
		snprintf(s->meta.info.format, sizeof(s->meta.info.format), "raw");
	s->meta.info.virtual_size = fsimg_io_size(inner);
	(*out)->meta = &s->meta;
	return 0;
}

int fsimg_io_open_partition(fsimg_io **out, fsimg_io *disk, unsigned partno, char *errbuf,
			    size_t errlen)
{
	struct fsimg_partition parts[128];
	char label[16];
	uint64_t size;
	int n, err;

	if (!out || !disk)
		return FSIMG_EINVAL;
	*out = NULL;
	n = fsimg_partitions(parts, sizeof(parts) / sizeof(parts[0]), label, sizeof(label), disk);
	if (n < 0)
		return errbuf_fail(errbuf, errlen, n, "the partition table cannot be read");
	if (n == 0)
		return errbuf_fail(errbuf, errlen, FSIMG_ENOENT, "no partition table (a bare filesystem?)");
	if (n > (int)(sizeof(parts) / sizeof(parts[0])))
		n = (int)(sizeof(parts) / sizeof(parts[0]));
	size = fsimg_io_size(disk);
	for (int i = 0; i < n; i++) {
		struct slice *s;

		if (parts[i].partno != partno)
			continue;
		if (parts[i].start > size || parts[i].size > size - parts[i].start)
			return errbuf_fail(errbuf, errlen, FSIMG_ECORRUPT,
					  "partition %u runs past the end of the disk (%llu + %llu > %llu bytes)",
					  partno, (unsigned long long)parts[i].start,
					  (unsigned long long)parts[i].size, (unsigned long long)size);
		err = io_open_slice(out, disk, parts[i].start, parts[i].size, true);
		if (err < 0)
			return err;
		s = (*out)->priv;
		s->meta.info.partno = partno;
		s->meta.info.part_start = parts[i].start;
		return 0;
	}
	return errbuf_fail(errbuf, errlen, FSIMG_ENOENT, "no partition %u on this %s disk", partno, label);
}
