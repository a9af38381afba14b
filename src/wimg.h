/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Writing to images, for the only commands whose job is writing (replay,
 * undo): the mount check, opening for writing with clear refusals, block
 * writes with the test-only fault hooks (wimg.c), and the undo file
 * (undofile.c, format in fsimg-undo(1)).
 */
#ifndef FSIMG_WIMG_H
#define FSIMG_WIMG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * 0 when path is not in use by a mounted filesystem; 1 (after printing
 * "fsimg: PATH: ...") when it is a mounted block device or the backing file
 * of a mounted loop device; -1 when the mount table cannot be read.
 */
int wimg_check_not_mounted(const char *path);

/* Prints "fsimg: PATH: message" on stderr. */
void wimg_say(const char *path, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Opens an existing image for writing in place. Refuses, with one line on
 * stderr, a read-only file (no write permission, or no write bit at all
 * even for root), a mounted one, and anything but a regular file or block
 * device. Returns the fd or -1.
 */
int wimg_open_rw(const char *path, const char *what);

/*
 * len bytes of buf at off, whole (EINTR and short writes retried), with no
 * test hook: 0, or -errno (-ENOSPC when nothing more is written). The
 * reading twin is io_pread_full (core/io.h).
 */
int wimg_pwrite_full(int fd, const void *buf, size_t len, uint64_t off);
/*
 * pwrite of one block-sized buffer, through the write hooks of the
 * check-only build (testhooks.h: FSIMG_TEST_FAIL_AFTER_WRITES,
 * FSIMG_TEST_SLOW_WRITES; the installed fsimg has neither).
 * Returns 0 or -errno.
 */
int wimg_pwrite_block(int fd, const void *buf, size_t len, uint64_t off);
/*
 * nblocks blocks of bs bytes from buf at off, in one pwrite; with a test
 * hook set, block by block through wimg_pwrite_block, so the hooks count
 * and delay blocks whatever the batching. Returns 0 or -errno.
 */
int wimg_pwrite_blocks(int fd, const void *buf, size_t nblocks, size_t bs, uint64_t off);
/*
 * Starts writing [off, off + len) of fd back to the disk, without waiting
 * (sync_file_range WRITE), so that a later fsync has less left to wait for.
 * Advisory: errors are ignored; only fsync orders anything.
 */
void wimg_start_writeback(int fd, uint64_t off, uint64_t len);
/* Blocks written by wimg_pwrite_block(s) so far. */
uint64_t wimg_writes_done(void);
/* The size of an open regular file or block device, or -1 with errno. */
int64_t wimg_fd_size(int fd);

/* ------------------------------------------------------------ undo file */

#define UNDO_MAGIC "fsimgUND"
#define UNDO_END_MAGIC "fsimgEND"
/*
 * 2: each record also holds the crc32c of the block as the replay writes
 * it, so that undo can tell an image changed since (issue 18). 1: without.
 */
#define UNDO_VERSION 2u
#define UNDO_HEADER_SIZE 64u
#define UNDO_RECORD_HEAD 24u
#define UNDO_RECORD_HEAD_V1 16u
#define UNDO_TRAILER_SIZE 32u

struct undo_header {
	uint32_t version;    /* set by undo_open; undo_create writes UNDO_VERSION */
	uint32_t block_size;
	uint64_t image_size;
	uint8_t uuid[16];
	uint64_t nrecords;
};

struct undo_writer {
	int fd;
	const char *path;
	struct undo_header h;
	uint64_t written;
	uint32_t chain;      /* crc32c over the record checksums, in order */
	uint8_t *buf;        /* records not yet written */
	size_t buflen, bufcap;
	uint64_t off;        /* where buf goes in the file */
};

/*
 * Creates path (refusing an existing file), writes the header (h->nrecords
 * may be a guess: undo_finish writes the true count). Prints on failure.
 */
int undo_create(struct undo_writer *w, const char *path, const struct undo_header *h);
/*
 * Adds a record (buffered): the block's old contents, and what the replay
 * will write over them (only its crc32c is kept). Blocks in increasing order.
 */
int undo_add(struct undo_writer *w, uint64_t block, const void *old, const void *replayed);
/*
 * Writes the buffered records, the trailer (the "complete" marker) and the
 * header's final record count, then fsyncs file and directory once.
 */
int undo_finish(struct undo_writer *w);
/* Closes (and on failure removes) an unfinished undo file. */
void undo_abort(struct undo_writer *w);

/*
 * Reading an undo file, record by record, each verified as it is read, so
 * that what is written to the image is what was checked: a first pass
 * verifies the whole file (and the image against it) before anything is
 * written, a second (after undo_rewind) writes.
 */
struct undo_reader {
	int fd;
	const char *path;
	struct undo_header h;
	uint64_t next;       /* records read */
	uint64_t last_block;
	uint32_t chain;
	uint8_t *buf;        /* records read ahead */
	size_t bufcap, buflen, bufpos;
	uint64_t off;        /* where buf came from */
};

struct undo_record {
	uint64_t block;
	const uint8_t *old;      /* block_size bytes, valid until the next call */
	bool has_replayed;       /* version 2 and later */
	uint64_t replayed_hash;  /* XXH64 of the block as the replay wrote it */
};

/*
 * Opens path and checks its header and length. Prints "fsimg: UNDOFILE:
 * why" and returns -1 when it is not a complete undo file this fsimg reads.
 */
int undo_open(struct undo_reader *r, const char *path);
/*
 * The next record, its checksum verified, and the blocks increasing: 1; at
 * the end, after the completion marker and the chain of checksums are
 * verified: 0; on any mismatch -1, after a message.
 */
int undo_next(struct undo_reader *r, struct undo_record *rec);
/* Back to the first record. */
void undo_rewind(struct undo_reader *r);
void undo_close(struct undo_reader *r);
/* The hash of what the replay writes that records keep: XXH64, seed 0. */
uint64_t undo_block_hash(const void *data, size_t len);
/* The size of a record's head in an undo file of that version. */
size_t undo_record_head(uint32_t version);

/* Reads the superblock fields (ext2/3/4 or XFS) an undo file is matched against. */
int wimg_read_identity(int fd, uint32_t *block_size, uint8_t uuid[16]);

#endif /* FSIMG_WIMG_H */
