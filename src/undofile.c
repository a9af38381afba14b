/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The undo file of `fsimg replay --in-place`, written before the image is
 * touched and read back by `fsimg undo` (see wimg.h). Its layout (all
 * integers little-endian, checksums crc32c seeded with 0xffffffff and not
 * inverted, as ext4 metadata_csum computes them) is documented in
 * fsimg-undo(1):
 *
 *   header, 64 bytes:
 *     0  magic "fsimgUND"      8  version (2)     12 header size (64)
 *     16 block size            20 flags (0)       24 image size in bytes
 *     32 filesystem UUID (16)  48 record count    56 reserved (0)
 *     60 crc32c of bytes 0..59
 *   records, each 24 + block size bytes, blocks in increasing order:
 *     0  block number
 *     8  XXH64 (seed 0) of the block as the replay writes it
 *     16 reserved (0)
 *     20 crc32c of bytes 0..19 then the old contents
 *     24 the block's old contents
 *   trailer, 32 bytes, written after the records (then the header again,
 *   with the final record count, and one fsync of it all):
 *     0  magic "fsimgEND"      8  record count
 *     16 crc32c of the record checksums in order (4 bytes each)
 *     20 reserved (0, 8 bytes) 28 crc32c of bytes 0..27
 *
 * Version 1 records were 16 + block size bytes, with the checksum at 8,
 * over bytes 0..7 then the old contents, and the old contents at 16: they
 * are still read, but cannot tell whether the image changed since the
 * replay.
 *
 * Why XXH64 and not crc32c for the replayed block: a CRC is linear, and a
 * block that holds its own crc32c (an ext4 superblock, a group descriptor
 * block) has the same crc32c whatever else it holds; a superblock changed
 * by another tool after the replay would pass for the replay's.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "core/cursor.h"
#include "core/io.h"
#include "wimg.h"

/* Records are gathered, and read back, this many bytes at a time. */
#define UNDO_BUF_BYTES (1u << 20)

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int fsync_dir_of(const char *path)
{
	char *copy = strdup(path);
	int fd, err = 0;

	if (!copy)
		return -ENOMEM;
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		if (fsync(fd) < 0 && errno != EINVAL)
			err = -errno;
		close(fd);
	}
	free(copy);
	return err;
}

/* ----------------------------------------------------------------- XXH64 */

#define XXH_P1 0x9E3779B185EBCA87ull
#define XXH_P2 0xC2B2AE3D27D4EB4Full
#define XXH_P3 0x165667B19E3779F9ull
#define XXH_P4 0x85EBCA77C2B2AE63ull
#define XXH_P5 0x27D4EB2F165667C5ull

static uint64_t rotl64(uint64_t x, unsigned r)
{
	return x << r | x >> (64 - r);
}

static uint64_t xxh_round(uint64_t acc, uint64_t input)
{
	return rotl64(acc + input * XXH_P2, 31) * XXH_P1;
}

static uint64_t xxh_merge(uint64_t acc, uint64_t v)
{
	return (acc ^ xxh_round(0, v)) * XXH_P1 + XXH_P4;
}

/* XXH64 with seed 0 (Yann Collet's specification), as xxhsum -H64 prints it. */
uint64_t undo_block_hash(const void *data, size_t len)
{
	const uint8_t *p = data, *end = p + len;
	uint64_t h;

	if (len >= 32) {
		uint64_t v1 = XXH_P1 + XXH_P2, v2 = XXH_P2, v3 = 0, v4 = -XXH_P1;

		for (; end - p >= 32; p += 32) {
			v1 = xxh_round(v1, get_le64(p));
			v2 = xxh_round(v2, get_le64(p + 8));
			v3 = xxh_round(v3, get_le64(p + 16));
			v4 = xxh_round(v4, get_le64(p + 24));
		}
		h = rotl64(v1, 1) + rotl64(v2, 7) + rotl64(v3, 12) + rotl64(v4, 18);
		h = xxh_merge(xxh_merge(xxh_merge(xxh_merge(h, v1), v2), v3), v4);
	} else {
		h = XXH_P5;
	}
	h += len;
	for (; end - p >= 8; p += 8)
		h = rotl64(h ^ xxh_round(0, get_le64(p)), 27) * XXH_P1 + XXH_P4;
	if (end - p >= 4) {
		h = rotl64(h ^ (uint64_t)get_le32(p) * XXH_P1, 23) * XXH_P2 + XXH_P3;
		p += 4;
	}
	for (; p < end; p++)
		h = rotl64(h ^ *p * XXH_P5, 11) * XXH_P1;
	h ^= h >> 33;
	h *= XXH_P2;
	h ^= h >> 29;
	h *= XXH_P3;
	return h ^ h >> 32;
}

/* ------------------------------------------------------------ records */

size_t undo_record_head(uint32_t version)
{
	return version >= 2 ? UNDO_RECORD_HEAD : UNDO_RECORD_HEAD_V1;
}

/* Where a record's checksum is: it covers the head before it, then the old contents. */
static size_t record_csum_off(uint32_t version)
{
	return version >= 2 ? 20 : 8;
}

static uint32_t record_crc(uint32_t version, const uint8_t *head, const void *old, uint32_t block_size)
{
	return fsimg_crc32c(fsimg_crc32c(~0u, head, record_csum_off(version)), old, block_size);
}

/* ---------------------------------------------------------------- writer */

static void header_bytes(uint8_t b[UNDO_HEADER_SIZE], const struct undo_header *h)
{
	memset(b, 0, UNDO_HEADER_SIZE);
	memcpy(b, UNDO_MAGIC, 8);
	put_le32(b + 8, UNDO_VERSION);
	put_le32(b + 12, UNDO_HEADER_SIZE);
	put_le32(b + 16, h->block_size);
	put_le32(b + 20, 0);
	put_le64(b + 24, h->image_size);
	memcpy(b + 32, h->uuid, 16);
	put_le64(b + 48, h->nrecords);
	put_le32(b + 60, fsimg_crc32c(~0u, b, 60));
}

int undo_create(struct undo_writer *w, const char *path, const struct undo_header *h)
{
	uint8_t b[UNDO_HEADER_SIZE];
	int err;

	memset(w, 0, sizeof(*w));
	w->path = path;
	w->h = *h;
	w->h.version = UNDO_VERSION;
	w->fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (w->fd < 0) {
		if (errno == EEXIST)
			wimg_say(path, "undo file exists; restore it with 'fsimg undo' or remove it, "
				       "or give another with --undo FILE");
		else
			wimg_say(path, "cannot create the undo file: %s", cli_strerror(errno));
		return -1;
	}
	w->bufcap = UNDO_BUF_BYTES > UNDO_RECORD_HEAD + h->block_size ? UNDO_BUF_BYTES
								     : UNDO_RECORD_HEAD + h->block_size;
	/* Page-aligned: the kernel copies from an unaligned buffer much more slowly. */
	if (posix_memalign((void **)&w->buf, 4096, w->bufcap) != 0)
		w->buf = NULL;
	if (!w->buf) {
		wimg_say(path, "out of memory");
		undo_abort(w);
		return -1;
	}
	header_bytes(b, &w->h);
	err = write_all(w->fd, b, sizeof(b));
	if (err < 0) {
		wimg_say(path, "cannot write the undo file: %s", cli_strerror(-err));
		undo_abort(w);
		return -1;
	}
	w->off = sizeof(b);
	return 0;
}

static int undo_flush(struct undo_writer *w)
{
	int err = write_all(w->fd, w->buf, w->buflen);

	if (err == 0)
		wimg_start_writeback(w->fd, w->off, w->buflen);
	w->off += w->buflen;
	w->buflen = 0;
	if (err < 0)
		wimg_say(w->path, "cannot write the undo file: %s", cli_strerror(-err));
	return err < 0 ? -1 : 0;
}

int undo_add(struct undo_writer *w, uint64_t block, const void *old, const void *replayed)
{
	uint8_t *head, c[4];
	uint32_t crc;

	if (w->buflen + UNDO_RECORD_HEAD + w->h.block_size > w->bufcap && undo_flush(w) < 0)
		return -1;
	head = w->buf + w->buflen;
	memset(head, 0, UNDO_RECORD_HEAD);
	put_le64(head, block);
	put_le64(head + 8, undo_block_hash(replayed, w->h.block_size));
	crc = record_crc(UNDO_VERSION, head, old, w->h.block_size);
	put_le32(head + record_csum_off(UNDO_VERSION), crc);
	put_le32(c, crc);
	w->chain = fsimg_crc32c(w->chain, c, 4);
	memcpy(head + UNDO_RECORD_HEAD, old, w->h.block_size);
	w->buflen += UNDO_RECORD_HEAD + w->h.block_size;
	w->written++;
	return 0;
}

int undo_finish(struct undo_writer *w)
{
	uint8_t t[UNDO_TRAILER_SIZE], b[UNDO_HEADER_SIZE];
	int err = 0;

	if (undo_flush(w) < 0)
		return -1;
	/*
	 * Records, trailer and the header with the final count, then one fsync:
	 * the image is written only after it returns, so a crash before that
	 * leaves the image as it was, whatever part of this file reached the
	 * disk; and a file whose trailer reached the disk ahead of some record
	 * fails `fsimg undo`'s record checksums and chain, never restores
	 * garbage.
	 */
	memset(t, 0, sizeof(t));
	memcpy(t, UNDO_END_MAGIC, 8);
	put_le64(t + 8, w->written);
	put_le32(t + 16, w->chain);
	put_le32(t + 28, fsimg_crc32c(~0u, t, 28));
	err = write_all(w->fd, t, sizeof(t));
	if (err == 0 && w->written != w->h.nrecords) {
		w->h.nrecords = w->written;
		header_bytes(b, &w->h);
		ssize_t n = pwrite(w->fd, b, sizeof(b), 0);
		if (n != (ssize_t)sizeof(b))
			err = n < 0 ? -errno : -EIO;
	}
	if (err == 0 && fsync(w->fd) < 0)
		err = -errno;
	if (err == 0)
		err = fsync_dir_of(w->path);
	if (err < 0) {
		wimg_say(w->path, "cannot write the undo file: %s", cli_strerror(-err));
		return -1;
	}
	close(w->fd);
	w->fd = -1;
	free(w->buf);
	w->buf = NULL;
	return 0;
}

void undo_abort(struct undo_writer *w)
{
	if (w->fd >= 0) {
		close(w->fd);
		unlink(w->path);
	}
	w->fd = -1;
	free(w->buf);
	w->buf = NULL;
}

/* ---------------------------------------------------------------- reader */

int undo_open(struct undo_reader *r, const char *path)
{
	uint8_t b[UNDO_HEADER_SIZE];
	struct undo_header *h = &r->h;
	struct stat st;
	uint64_t recsize, expect;
	uint32_t version;

	memset(r, 0, sizeof(*r));
	r->path = path;
	/* O_NONBLOCK: a FIFO without a writer must be refused, not waited on. */
	r->fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (r->fd < 0) {
		wimg_say(path, "%s", cli_strerror(errno));
		return -1;
	}
	if (fstat(r->fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		wimg_say(path, "not a regular file");
		goto bad;
	}
	if ((uint64_t)st.st_size < UNDO_HEADER_SIZE || io_pread_full(r->fd, b, sizeof(b), 0) < 0 ||
	    memcmp(b, UNDO_MAGIC, 8) != 0) {
		wimg_say(path, "not an fsimg undo file");
		goto bad;
	}
	version = get_le32(b + 8);
	if (version < 1 || version > UNDO_VERSION || get_le32(b + 12) != UNDO_HEADER_SIZE) {
		wimg_say(path, "undo file version %u is not supported (this fsimg reads 1 to %u)",
			 version, UNDO_VERSION);
		goto bad;
	}
	if (get_le32(b + 60) != fsimg_crc32c(~0u, b, 60)) {
		wimg_say(path, "undo file header is corrupt (checksum)");
		goto bad;
	}
	h->version = version;
	h->block_size = get_le32(b + 16);
	h->image_size = get_le64(b + 24);
	memcpy(h->uuid, b + 32, 16);
	h->nrecords = get_le64(b + 48);
	if (h->block_size < 512 || h->block_size > 65536 || (h->block_size & (h->block_size - 1))) {
		wimg_say(path, "undo file header is corrupt (block size %u)", h->block_size);
		goto bad;
	}
	recsize = undo_record_head(version) + h->block_size;
	if (h->nrecords > ((uint64_t)st.st_size) / recsize) {
		wimg_say(path, "undo file is incomplete: it announces %llu records",
			 (unsigned long long)h->nrecords);
		goto bad;
	}
	expect = UNDO_HEADER_SIZE + h->nrecords * recsize + UNDO_TRAILER_SIZE;
	if ((uint64_t)st.st_size != expect) {
		wimg_say(path, "undo file is incomplete (%llu bytes, a complete one has %llu)",
			 (unsigned long long)st.st_size, (unsigned long long)expect);
		goto bad;
	}
	r->bufcap = UNDO_BUF_BYTES / recsize ? UNDO_BUF_BYTES / recsize * recsize : recsize;
	r->buf = malloc(r->bufcap);
	if (!r->buf) {
		wimg_say(path, "out of memory");
		goto bad;
	}
	undo_rewind(r);
	return 0;
bad:
	undo_close(r);
	return -1;
}

void undo_rewind(struct undo_reader *r)
{
	r->next = 0;
	r->chain = 0;
	r->last_block = 0;
	r->buflen = r->bufpos = 0;
	r->off = UNDO_HEADER_SIZE;
}

/* After the last record: the completion marker must close the chain. */
static int check_trailer(struct undo_reader *r)
{
	uint8_t t[UNDO_TRAILER_SIZE];

	if (io_pread_full(r->fd, t, sizeof(t), r->off + r->buflen) < 0 || memcmp(t, UNDO_END_MAGIC, 8) != 0 ||
	    get_le32(t + 28) != fsimg_crc32c(~0u, t, 28)) {
		wimg_say(r->path, "undo file is incomplete (no valid completion marker)");
		return -1;
	}
	if (get_le64(t + 8) != r->h.nrecords || get_le32(t + 16) != r->chain) {
		wimg_say(r->path, "undo file is corrupt (its completion marker does not match its records)");
		return -1;
	}
	return 0;
}

int undo_next(struct undo_reader *r, struct undo_record *rec)
{
	uint64_t recsize = undo_record_head(r->h.version) + r->h.block_size;
	const uint8_t *head;
	uint8_t c[4];
	uint32_t crc;
	int err;

	if (r->next == r->h.nrecords)
		return check_trailer(r) < 0 ? -1 : 0;
	if (r->bufpos == r->buflen) {
		uint64_t left = (r->h.nrecords - r->next) * recsize;

		r->off += r->buflen;
		r->buflen = left < r->bufcap ? (size_t)left : r->bufcap;
		r->bufpos = 0;
		err = io_pread_full(r->fd, r->buf, r->buflen, r->off);
		if (err < 0) {
			r->buflen = 0;
			wimg_say(r->path, "cannot read undo record %llu: %s", (unsigned long long)r->next,
				 cli_strerror(-err));
			return -1;
		}
	}
	head = r->buf + r->bufpos;
	rec->block = get_le64(head);
	rec->old = head + undo_record_head(r->h.version);
	rec->has_replayed = r->h.version >= 2;
	rec->replayed_hash = rec->has_replayed ? get_le64(head + 8) : 0;
	crc = get_le32(head + record_csum_off(r->h.version));
	if (crc != record_crc(r->h.version, head, rec->old, r->h.block_size)) {
		wimg_say(r->path, "undo record %llu (block %llu) is corrupt (checksum)",
			 (unsigned long long)r->next, (unsigned long long)rec->block);
		return -1;
	}
	if (rec->block >= r->h.image_size / r->h.block_size) {
		wimg_say(r->path, "undo record %llu names block %llu, past the image",
			 (unsigned long long)r->next, (unsigned long long)rec->block);
		return -1;
	}
	/* Increasing blocks: no block is restored twice, from two different records. */
	if (r->next > 0 && rec->block <= r->last_block) {
		wimg_say(r->path, "undo file is corrupt (record %llu, block %llu, is out of order)",
			 (unsigned long long)r->next, (unsigned long long)rec->block);
		return -1;
	}
	put_le32(c, crc);
	r->chain = fsimg_crc32c(r->chain, c, 4);
	r->last_block = rec->block;
	r->bufpos += (size_t)recsize;
	r->next++;
	return 1;
}

void undo_close(struct undo_reader *r)
{
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
	free(r->buf);
	r->buf = NULL;
}

/*
 * An external XFS log device (replay --in-place -l LOGDEV writes it in
 * 512-byte sectors): the first record header among its first sectors (a
 * record may run past the log's end into them; the cycle stamped over its
 * data sectors is never the magic), its h_fs_uuid.
 */
#define XLOG_MAGIC 0xfeedbabeu
#define XLOG_SCAN_SECTORS 1024u  /* more than the largest record, 256 KiB and its headers */
#define XLOG_UUID_OFF 304        /* h_fs_uuid in xlog_rec_header */

static int xlog_identity(int fd, uint32_t *block_size, uint8_t uuid[16])
{
	uint8_t sect[512];

	for (uint32_t i = 0; i < XLOG_SCAN_SECTORS; i++) {
		if (io_pread_full(fd, sect, sizeof(sect), (uint64_t)i * sizeof(sect)) < 0)
			return -1;
		if (get_be32(sect) == XLOG_MAGIC) {
			*block_size = sizeof(sect);
			memcpy(uuid, sect + XLOG_UUID_OFF, 16);
			return 0;
		}
	}
	return -1;
}

int wimg_read_identity(int fd, uint32_t *block_size, uint8_t uuid[16])
{
	uint8_t sb[1024];
	uint32_t log;

	/* XFS: sb_magicnum "XFSB", sb_blocksize and sb_uuid, big-endian, at byte 0 */
	if (io_pread_full(fd, sb, 64, 0) < 0)
		return -1;
	if (memcmp(sb, "XFSB", 4) == 0) {
		*block_size = get_be32(sb + 4);
		memcpy(uuid, sb + 32, 16);
		return 0;
	}
	if (io_pread_full(fd, sb, sizeof(sb), 1024) < 0)
		return xlog_identity(fd, block_size, uuid);
	if (sb[56] != 0x53 || sb[57] != 0xef)
		return xlog_identity(fd, block_size, uuid);
	log = get_le32(sb + 24);
	if (log > 6)
		return -1;
	*block_size = 1024u << log;
	memcpy(uuid, sb + 0x68, 16);
	return 0;
}
