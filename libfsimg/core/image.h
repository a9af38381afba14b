/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Images as people hold them: container formats (qcow2, VMDK, VHD, VHDX,
 * E01) and partition tables, each a read-only fsimg_io stacked on the file
 * below it. Internal to core/.
 */
#ifndef FSIMG_CORE_IMAGE_H
#define FSIMG_CORE_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fsimg/image.h"

/* Backing chains deeper than this are refused (qemu allows far fewer in practice). */
#define IMAGE_MAX_CHAIN 32

/* What a stack of sources is, for fsimg_image_describe(). */
struct image_meta {
	struct fsimg_image_info info;
	char *chain[IMAGE_MAX_CHAIN]; /* backing file paths, nearest first */
	char error[192];              /* the first read that failed on a damaged table */
	char **snapshots;             /* qcow2 internal snapshots: "ID name", info.snapshots of them */
};

/* The files already opened on one chain, so that a loop is refused. */
struct image_chain {
	char *seen[IMAGE_MAX_CHAIN + 1];
	unsigned n;
	struct image_meta *meta; /* of the top image: backing paths are recorded here */
};

/*
 * Opens path (a bare image or a container) as a source, following backing
 * files; used for the top image and for every backing file.
 */
int image_open_path(fsimg_io **out, const char *path, struct image_chain *chain, char *errbuf,
		    size_t errlen) __attribute__((visibility("hidden")));
/*
 * A backing file named inside the container at dir_of: resolved relative to
 * the directory of the image that names it, as qemu does.
 */
int image_open_backing(fsimg_io **out, const char *dir_of, const char *name,
		       struct image_chain *chain, char *errbuf, size_t errlen)
	__attribute__((visibility("hidden")));

/*
 * qcow2 v2/v3 over file (which it then owns): written here, not through
 * libqcow, because Debian's libqcow (20201213) refuses v3 images with
 * extended L2 entries (subclusters) or zstd compression, which qemu-img 7
 * writes.
 */
int qcow2_open(fsimg_io **out, fsimg_io *file, const char *path, struct image_chain *chain,
	       char *errbuf, size_t errlen) __attribute__((visibility("hidden")));

/* The libyal-backed formats: VMDK (libvmdk), VHD and VHDX (libvhdi), E01 (libewf). */
int yal_open(fsimg_io **out, const char *format, const char *path, struct image_chain *chain,
	     char *errbuf, size_t errlen) __attribute__((visibility("hidden")));

/*
 * A file descriptor libblkid can probe for io: its own, or (for a container
 * or a partition) a memory file holding the sectors probing reads, which
 * the caller closes when *temp. -1 for other sources (memory).
 */
int io_probe_fd(fsimg_io *io, int *fd, bool *temp) __attribute__((visibility("hidden")));
/* size bytes of inner from start, as a source; owned: closed with it. */
int io_open_slice(fsimg_io **out, fsimg_io *inner, uint64_t start, uint64_t size, bool owned)
	__attribute__((visibility("hidden")));

/* The meta of a source, looking through read caches; NULL for a plain one. */
const struct image_meta *image_meta_of(const fsimg_io *io) __attribute__((visibility("hidden")));

/* Records meta on io, so that fsimg_image_describe finds it. */
void image_set_meta(fsimg_io *io, struct image_meta *meta) __attribute__((visibility("hidden")));
void image_meta_free(struct image_meta *meta) __attribute__((visibility("hidden")));

#endif
