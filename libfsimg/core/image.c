/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Opening an image as people hold it: a bare filesystem or block device, or
 * a container found by its magic (qcow2 here in core/qcow2.c; VMDK, VHD,
 * VHDX and E01 through libyal's libraries in core/yal.c), each opened
 * read-only with its backing chain.
 */
#include "config.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cursor.h"
#include "core/image.h"
#include "core/io.h"

void image_set_meta(fsimg_io *io, struct image_meta *meta)
{
	io->meta = meta;
}

void image_meta_free(struct image_meta *meta)
{
	for (unsigned i = 0; i < IMAGE_MAX_CHAIN; i++) {
		free(meta->chain[i]);
		meta->chain[i] = NULL;
	}
	for (unsigned i = 0; meta->snapshots && i < meta->info.snapshots; i++)
		free(meta->snapshots[i]);
	free(meta->snapshots);
	meta->snapshots = NULL;
}

/* The container formats, by the magic at the start of the file (or a VHD's footer). */
static const char *sniff(fsimg_io *file)
{
	uint8_t h[512], tail[512];
	uint64_t size = fsimg_io_size(file);
	struct cur c;

	memset(h, 0, sizeof(h));
	if (size < 8 || fsimg_io_read(file, h, size < sizeof(h) ? (size_t)size : sizeof(h), 0) < 0)
		return NULL;
	c = cur_init(h, sizeof(h));
	if (cur_be32(&c, 0) == 0x514649fbu)
		return cur_be32(&c, 4) == 1 ? "qcow1" : "qcow2";
	if (!memcmp(h, "KDMV", 4) || !memcmp(h, "COWD", 4) || !memcmp(h, "# Disk DescriptorFile", 21))
		return "vmdk";
	if (!memcmp(h, "vhdxfile", 8))
		return "vhdx";
	if (!memcmp(h, "EVF\x09\x0d\x0a\xff\x00", 8) || !memcmp(h, "EVF2\x0d\x0a\x81\x00", 8))
		return "e01";
	/* A dynamic VHD has a copy of its footer first; a fixed one only at the end. */
	if (!memcmp(h, "conectix", 8))
		return "vhd";
	if (size >= sizeof(tail) && fsimg_io_read(file, tail, sizeof(tail), size - sizeof(tail)) == 0 &&
	    !memcmp(tail, "conectix", 8))
		return "vhd";
	return NULL;
}

static void chain_release(struct image_chain *chain)
{
	for (unsigned i = 0; i < chain->n; i++)
		free(chain->seen[i]);
	chain->n = 0;
}

int image_open_path(fsimg_io **out, const char *path, struct image_chain *chain, char *errbuf,
		    size_t errlen)
{
	char *real;
	const char *fmt;
	fsimg_io *file;
	int err;

	*out = NULL;
	err = fsimg_io_open_file(&file, path);
	if (err < 0)
		return errbuf_fail(errbuf, errlen, err, "%s: %s", path,
				  err == FSIMG_ENOENT ? "no such file" :
				  err == FSIMG_EINVAL ? "not a regular file or block device" : fsimg_strerror(err));
	real = realpath(path, NULL);
	if (!real) {
		fsimg_io_close(file);
		return errbuf_fail(errbuf, errlen, FSIMG_EIO, "%s: %s", path, strerror(errno));
	}
	for (unsigned i = 0; i < chain->n; i++) {
		if (!strcmp(chain->seen[i], real)) {
			free(real);
			fsimg_io_close(file);
			return errbuf_fail(errbuf, errlen, FSIMG_ECORRUPT, "the backing chain loops at %s", path);
		}
	}
	if (chain->n > IMAGE_MAX_CHAIN) {
		free(real);
		fsimg_io_close(file);
		return errbuf_fail(errbuf, errlen, FSIMG_ELOOP, "the backing chain is deeper than %d",
				  IMAGE_MAX_CHAIN);
	}
	chain->seen[chain->n++] = real;

	fmt = sniff(file);
	if (!fmt) {
		*out = file;
		return 0;
	}
	if (!strcmp(fmt, "qcow2"))
		return qcow2_open(out, file, path, chain, errbuf, errlen);
	fsimg_io_close(file);
	if (!strcmp(fmt, "qcow1"))
		return errbuf_fail(errbuf, errlen, FSIMG_EUNSUPP, "%s: qcow version 1 is not supported", path);
	return yal_open(out, fmt, path, chain, errbuf, errlen);
}

int image_open_backing(fsimg_io **out, const char *dir_of, const char *name,
		       struct image_chain *chain, char *errbuf, size_t errlen)
{
	char *copy, *full;
	const char *dir;
	struct image_meta *top = chain->meta;
	unsigned depth = chain->n;
	int err;

	*out = NULL;
	if (!name[0])
		return errbuf_fail(errbuf, errlen, FSIMG_ECORRUPT, "%s: empty backing file name", dir_of);
	copy = strdup(dir_of);
	if (!copy)
		return FSIMG_ENOMEM;
	dir = dirname(copy);
	if (name[0] == '/' || asprintf(&full, "%s/%s", dir, name) < 0)
		full = strdup(name);
	free(copy);
	if (!full)
		return FSIMG_ENOMEM;
	err = image_open_path(out, full, chain, errbuf, errlen);
	if (err < 0 && err != FSIMG_ECORRUPT && err != FSIMG_ELOOP && err != FSIMG_EUNSUPP)
		errbuf_fail(errbuf, errlen, err, "backing file %s of %s cannot be opened", full, dir_of);
	if (err == 0 && top && depth >= 1 && depth - 1 < IMAGE_MAX_CHAIN && !top->chain[depth - 1]) {
		top->chain[depth - 1] = full;
		if (top->info.chain_len < depth)
			top->info.chain_len = depth;
		full = NULL;
	}
	free(full);
	return err;
}

int fsimg_io_open_image(fsimg_io **out, const char *path, char *errbuf, size_t errlen)
{
	struct image_chain chain;
	int err;

	if (!out || !path)
		return FSIMG_EINVAL;
	if (errbuf && errlen)
		errbuf[0] = '\0';
	memset(&chain, 0, sizeof(chain));
	err = image_open_path(out, path, &chain, errbuf, errlen);
	chain_release(&chain);
	return err;
}

/* The meta of a source, looking through read caches and partitions. */
const struct image_meta *image_meta_of(const fsimg_io *io)
{
	for (int i = 0; io && i < 8; i++) {
		fsimg_io *inner;
		size_t cs;
		unsigned n;

		if (io->meta)
			return io->meta;
		if (!io_cache_geometry(io, &inner, &cs, &n))
			break;
		io = inner;
	}
	return NULL;
}

int fsimg_image_describe(struct fsimg_image_info *out, const fsimg_io *io)
{
	const struct image_meta *m;

	if (!out || !io)
		return FSIMG_EINVAL;
	memset(out, 0, sizeof(*out));
	m = image_meta_of(io);
	if (m) {
		*out = m->info;
	} else {
		snprintf(out->format, sizeof(out->format), "raw");
		out->virtual_size = fsimg_io_size(io);
	}
	return 0;
}

const char *fsimg_image_error(const fsimg_io *io)
{
	const struct image_meta *m = image_meta_of(io);

	return m && m->error[0] ? m->error : NULL;
}

const char *fsimg_image_snapshot(const fsimg_io *io, unsigned i)
{
	const struct image_meta *m = image_meta_of(io);

	return m && m->snapshots && i < m->info.snapshots ? m->snapshots[i] : NULL;
}

const char *fsimg_image_backing(const fsimg_io *io, unsigned i)
{
	const struct image_meta *m = image_meta_of(io);

	return m && i < IMAGE_MAX_CHAIN ? m->chain[i] : NULL;
}
