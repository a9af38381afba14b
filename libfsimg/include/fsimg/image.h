/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libfsimg: images as people hold them. A filesystem inside a container
 * (qcow2 with its backing chain, VMDK, VHD, VHDX, E01 segment sets) and/or
 * inside a partition of a disk (GPT, MBR with logical partitions), opened
 * read-only as an ordinary fsimg_io, so that everything above reads it as
 * if it were a bare filesystem image.
 */
#ifndef FSIMG_IMAGE_H
#define FSIMG_IMAGE_H

#include "fsimg/fsimg.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What a source is, below the filesystem. */
struct fsimg_image_info {
	char format[16];        /* "raw", "qcow2", "vmdk", "vhd", "vhdx", "e01" */
	unsigned version;       /* qcow2: 2 or 3; 0 where the format has none */
	unsigned chain_len;     /* backing files below the image (qcow2, VHD(X) differencing) */
	unsigned snapshots;     /* internal snapshots (qcow2); only the active layer is read */
	uint64_t virtual_size;  /* the disk's size as the guest sees it */
	unsigned partno;        /* the partition read, 0 for the whole disk */
	uint64_t part_start;    /* its first byte on the disk */
};

/*
 * Opens path read-only: a bare image or block device, or a container found
 * by its magic. Backing files are resolved relative to the directory of the
 * image that names them; a chain that loops or is deeper than 32 is
 * refused. Fails with FSIMG_ENOENT, FSIMG_EIO, FSIMG_EUNSUPP (encrypted,
 * external data file) or FSIMG_ECORRUPT, with a one-line reason in errbuf.
 */
FSIMG_API int fsimg_io_open_image(fsimg_io **out, const char *path, char *errbuf, size_t errlen);
/* Fills out for a source opened by fsimg_io_open_image (raw for others). */
FSIMG_API int fsimg_image_describe(struct fsimg_image_info *out, const fsimg_io *io);
/*
 * Why a read of a container failed, when it failed on the container's own
 * structure (an L2 table past the end of the file...), or NULL: reads
 * return only FSIMG_EIO, as a bad sector would.
 */
FSIMG_API const char *fsimg_image_error(const fsimg_io *io);
/* The i-th internal snapshot of a qcow2, as "ID name", or NULL. */
FSIMG_API const char *fsimg_image_snapshot(const fsimg_io *io, unsigned i);
/* The path of the i-th backing file (0: the nearest), or NULL. */
FSIMG_API const char *fsimg_image_backing(const fsimg_io *io, unsigned i);

/* One partition, numbered as the kernel numbers them (logical from 5). */
struct fsimg_partition {
	unsigned partno;
	uint64_t start;         /* bytes from the start of the disk */
	uint64_t size;          /* bytes */
	char type[40];          /* "0x83", or a GPT type GUID */
	char name[72];          /* GPT partition name (UTF-8), "" for MBR */
	char fstype[24];        /* what is inside ("ext4", "xfs", "vfat"...), "" when unknown */
};

/*
 * The partition table of disk (libblkid's partition probing): its type
 * ("gpt", "dos") in label, and up to max partitions in out. Returns the
 * number of partitions (which may exceed max), 0 when the disk has no
 * partition table, or a negative error.
 */
FSIMG_API int fsimg_partitions(struct fsimg_partition *out, size_t max, char *label, size_t labellen,
			       fsimg_io *disk);
/*
 * Partition partno of disk as a source of its own; disk is then owned by
 * the result (closed with it). A partition that runs past the end of the
 * disk, or a number that does not exist, fails with a reason in errbuf.
 */
FSIMG_API int fsimg_io_open_partition(fsimg_io **out, fsimg_io *disk, unsigned partno,
				      char *errbuf, size_t errlen);

#ifdef __cplusplus
}
#endif

#endif
