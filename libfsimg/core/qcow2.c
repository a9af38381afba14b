/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * qcow2 v2 and v3, read-only (qemu's docs/interop/qcow2.txt).
 *
 * Written here rather than through libqcow: Debian 12's libqcow (20201213)
 * refuses to open v3 images with extended L2 entries (subclusters) or zstd
 * compression, both of which qemu-img 7 writes on request.
 *
 * A guest offset maps through the L1 table (read whole at open) to an L2
 * table (cached) to a host cluster: allocated (read in place, consecutive
 * clusters in one read), compressed (inflated whole, the last one kept),
 * zero, or unallocated (read from the backing file, zeros past its end or
 * without one). Extended L2 entries carry a 32-bit allocation and a 32-bit
 * zero bitmap, one bit per subcluster. Every host offset is checked against
 * the file's size; the tables are bounded as qemu bounds them.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#ifdef HAVE_ZSTD
#include <zstd.h>
#endif

#include "core/dl.h"

#include "core/cursor.h"
#include "core/image.h"
#include "core/io.h"

#define QCOW_MAGIC 0x514649fbu          /* "QFI\xfb" */
#define QCOW_INCOMPAT_DIRTY (1ull << 0)
#define QCOW_INCOMPAT_CORRUPT (1ull << 1)
#define QCOW_INCOMPAT_DATA_FILE (1ull << 2)
#define QCOW_INCOMPAT_COMPRESSION (1ull << 3)
#define QCOW_INCOMPAT_EXTL2 (1ull << 4)
#define QCOW_INCOMPAT_KNOWN 0x1full
#define QCOW_OFLAG_COMPRESSED (1ull << 62)
#define QCOW_OFFSET_MASK 0x00fffffffffffe00ull
#define QCOW_OFLAG_ZERO 1ull
#define QCOW_MAX_L1_BYTES (32u << 20)   /* qemu's QCOW_MAX_L1_SIZE */
#define QCOW_L2_CACHE 16                /* L2 tables kept */
#define QCOW_SUBCLUSTERS 32
#define QCOW_MAX_SNAPSHOTS 65536        /* qemu's QCOW_MAX_SNAPSHOTS */

struct l2_slot {
	uint64_t host;  /* the table's offset in the file, 0 when the slot is free */
	uint64_t used;  /* LRU stamp */
	uint8_t *tab;
};

struct qcow2 {
	fsimg_io *file;
	fsimg_io *backing;       /* NULL: unallocated reads as zeros */
	struct image_meta meta;
	pthread_mutex_t lock;    /* the caches below; reads may come from several threads */
	uint64_t file_size, size;
	unsigned cluster_bits;
	uint64_t cluster_size;
	bool ext_l2, zstd;
	unsigned l2_bits;        /* log2 of entries per L2 table */
	uint64_t *l1;
	uint32_t l1_size;
	struct l2_slot l2[QCOW_L2_CACHE];
	uint64_t stamp;
	uint8_t *zbuf, *cbuf;    /* compressed input, inflated cluster */
	uint64_t cbuf_host;      /* which compressed cluster cbuf holds, 0: none */
};

/* A run of guest bytes with one fate. */
enum run_kind { RUN_DATA, RUN_ZERO, RUN_BACKING, RUN_COMPRESSED };

static int l2_table(struct qcow2 *q, uint64_t host, const uint8_t **out)
{
	struct l2_slot *victim = &q->l2[0];
	int err;

	for (unsigned i = 0; i < QCOW_L2_CACHE; i++) {
		if (q->l2[i].host == host && q->l2[i].tab) {
			q->l2[i].used = ++q->stamp;
			*out = q->l2[i].tab;
			return 0;
		}
		if (q->l2[i].used < victim->used)
			victim = &q->l2[i];
	}
	if (host > q->file_size || q->cluster_size > q->file_size - host)
		return FSIMG_ECORRUPT;
	if (!victim->tab) {
		victim->tab = malloc(q->cluster_size);
		if (!victim->tab)
			return FSIMG_ENOMEM;
	}
	victim->host = 0;
	err = fsimg_io_read(q->file, victim->tab, q->cluster_size, host);
	if (err < 0)
		return err;
	victim->host = host;
	victim->used = ++q->stamp;
	*out = victim->tab;
	return 0;
}

static uint64_t be64_at(const uint8_t *p)
{
	struct cur c = cur_init(p, 8);
	return cur_be64(&c, 0);
}

/*
 * What backs guest offset off: the kind, the host offset for DATA (or the
 * compressed cluster's descriptor for COMPRESSED) and how many bytes from
 * off share that fate (up to the end of the cluster or subcluster).
 */
static int lookup(struct qcow2 *q, uint64_t off, enum run_kind *kind, uint64_t *host, uint64_t *len)
{
	uint64_t cl = off >> q->cluster_bits;
	uint64_t in_cl = off & (q->cluster_size - 1);
	uint64_t l1i = cl >> q->l2_bits;
	uint64_t l2i = cl & ((1ull << q->l2_bits) - 1);
	uint64_t l1e, l2e, bitmap = 0, sc_size = q->cluster_size / QCOW_SUBCLUSTERS;
	const uint8_t *tab;
	int err;

	*len = q->cluster_size - in_cl;
	if (l1i >= q->l1_size) {
		*kind = RUN_BACKING;
		return 0;
	}
	l1e = q->l1[l1i] & QCOW_OFFSET_MASK;
	if (!l1e) {
		*kind = RUN_BACKING;
		return 0;
	}
	if (l1e & (q->cluster_size - 1))
		return FSIMG_ECORRUPT;
	err = l2_table(q, l1e, &tab);
	if (err < 0)
		return err;
	l2e = be64_at(tab + (l2i << (q->ext_l2 ? 4 : 3)));
	if (q->ext_l2)
		bitmap = be64_at(tab + (l2i << 4) + 8);
	if (l2e & QCOW_OFLAG_COMPRESSED) {
		*kind = RUN_COMPRESSED;
		*host = l2e & ~(3ull << 62);
		return 0;
	}
	if (q->ext_l2) {
		unsigned sc = (unsigned)(in_cl / sc_size);
		bool alloc = bitmap & (1ull << sc), zero = bitmap & (1ull << (32 + sc));

		*len = sc_size - (in_cl % sc_size);
		if (zero) {
			*kind = RUN_ZERO;
			return 0;
		}
		if (!alloc) {
			*kind = RUN_BACKING;
			return 0;
		}
	} else if (l2e & QCOW_OFLAG_ZERO) {
		*kind = RUN_ZERO;
		return 0;
	}
	*host = l2e & QCOW_OFFSET_MASK;
	if (!*host) {
		*kind = q->ext_l2 ? RUN_ZERO : RUN_BACKING;
		return 0;
	}
	if (*host & (q->cluster_size - 1))
		return FSIMG_ECORRUPT;
	*host += in_cl;
	*kind = RUN_DATA;
	return 0;
}

/*
 * zlib and zstd are opened when a qcow2 image is (core/dl.h): every image
 * may hold compressed clusters; zstd only when its header says so.
 */
static struct {
	__typeof__(inflateInit2_) *inflateInit2_;
	__typeof__(inflate) *inflate;
	__typeof__(inflateEnd) *inflateEnd;
} z_fn;
static const struct dl_sym z_syms[] = {
	{ "inflateInit2_", &z_fn.inflateInit2_ },
	{ "inflate", &z_fn.inflate },
	{ "inflateEnd", &z_fn.inflateEnd },
};
static struct dl_lib z_lib = { SONAME_ZLIB, "qcow2 images", z_syms,
			       sizeof(z_syms) / sizeof(z_syms[0]), 0, "" };
#ifdef HAVE_ZSTD
static struct {
	__typeof__(ZSTD_createDCtx) *ZSTD_createDCtx;
	__typeof__(ZSTD_decompressStream) *ZSTD_decompressStream;
	__typeof__(ZSTD_isError) *ZSTD_isError;
	__typeof__(ZSTD_freeDCtx) *ZSTD_freeDCtx;
} zstd_fn;
static const struct dl_sym zstd_syms[] = {
	{ "ZSTD_createDCtx", &zstd_fn.ZSTD_createDCtx },
	{ "ZSTD_decompressStream", &zstd_fn.ZSTD_decompressStream },
	{ "ZSTD_isError", &zstd_fn.ZSTD_isError },
	{ "ZSTD_freeDCtx", &zstd_fn.ZSTD_freeDCtx },
};
static struct dl_lib zstd_lib = { SONAME_ZSTD, "zstd-compressed qcow2 images", zstd_syms,
				  sizeof(zstd_syms) / sizeof(zstd_syms[0]), 0, "" };
#endif

/* Inflates the compressed cluster described by desc into q->cbuf. */
static int inflate_cluster(struct qcow2 *q, uint64_t desc)
{
	unsigned x = 62 - (q->cluster_bits - 8);
	uint64_t host = desc & ((1ull << x) - 1);
	uint64_t sectors = (desc >> x) & ((1ull << (q->cluster_bits - 8)) - 1);
	uint64_t clen = (sectors + 1) * 512 - (host & 511);
	int err;

	if (q->cbuf_host == desc + 1)
		return 0;
	q->cbuf_host = 0;
	if (host > q->file_size)
		return FSIMG_ECORRUPT;
	/* The last compressed cluster may end short of its sector count. */
	if (clen > q->file_size - host)
		clen = q->file_size - host;
	if (clen > 2 * q->cluster_size)
		return FSIMG_ECORRUPT;
	err = fsimg_io_read(q->file, q->zbuf, clen, host);
	if (err < 0)
		return err;
	if (!q->zstd) {
		z_stream zs;
		int zr;

		memset(&zs, 0, sizeof(zs));
		if (z_fn.inflateInit2_(&zs, -12, ZLIB_VERSION, (int)sizeof(zs)) != Z_OK)
			return FSIMG_ENOMEM;
		zs.next_in = q->zbuf;
		zs.avail_in = (uInt)clen;
		zs.next_out = q->cbuf;
		zs.avail_out = (uInt)q->cluster_size;
		zr = z_fn.inflate(&zs, Z_FINISH);
		z_fn.inflateEnd(&zs);
		/* Padding after the stream is normal; a short cluster is not. */
		if ((zr != Z_STREAM_END && zr != Z_BUF_ERROR && zr != Z_OK) || zs.avail_out != 0)
			return FSIMG_ECORRUPT;
	} else {
#ifdef HAVE_ZSTD
		ZSTD_DCtx *dc = zstd_fn.ZSTD_createDCtx();
		ZSTD_inBuffer in = { q->zbuf, clen, 0 };
		ZSTD_outBuffer outb = { q->cbuf, q->cluster_size, 0 };
		size_t r = 1;

		if (!dc)
			return FSIMG_ENOMEM;
		/* As qemu: decode until the cluster is full, ignoring what follows. */
		while (outb.pos < outb.size && in.pos < in.size) {
			r = zstd_fn.ZSTD_decompressStream(dc, &outb, &in);
			if (zstd_fn.ZSTD_isError(r) || r == 0)
				break;
		}
		zstd_fn.ZSTD_freeDCtx(dc);
		if (zstd_fn.ZSTD_isError(r) || outb.pos != outb.size)
			return FSIMG_ECORRUPT;
#else
		return FSIMG_EUNSUPP;
#endif
	}
	q->cbuf_host = desc + 1;
	return 0;
}

static int q_read_locked(struct qcow2 *q, uint8_t *buf, size_t len, uint64_t off)
{
	while (len > 0) {
		enum run_kind kind;
		uint64_t host = 0, n;
		int err = lookup(q, off, &kind, &host, &n);

		if (err < 0)
			return err;
		if (n > len)
			n = len;
		/* Extend a DATA run over the clusters that follow it on the host. */
		while (kind == RUN_DATA && n < len) {
			enum run_kind k2;
			uint64_t h2 = 0, n2;

			if (lookup(q, off + n, &k2, &h2, &n2) < 0 || k2 != RUN_DATA || h2 != host + n)
				break;
			n = n + n2 > len ? len : n + n2;
		}
		switch (kind) {
		case RUN_DATA:
			if (host > q->file_size || n > q->file_size - host)
				return FSIMG_ECORRUPT;
			err = fsimg_io_read(q->file, buf, n, host);
			break;
		case RUN_ZERO:
			memset(buf, 0, n);
			break;
		case RUN_COMPRESSED:
			err = inflate_cluster(q, host);
			if (err == 0)
				memcpy(buf, q->cbuf + (off & (q->cluster_size - 1)), n);
			break;
		case RUN_BACKING: {
			uint64_t bsize = q->backing ? fsimg_io_size(q->backing) : 0;
			uint64_t have = off < bsize ? bsize - off : 0;

			if (have > n)
				have = n;
			if (have)
				err = fsimg_io_read(q->backing, buf, have, off);
			memset(buf + have, 0, n - have);
			break;
		}
		}
		if (err < 0)
			return err;
		buf += n;
		off += n;
		len -= n;
	}
	return 0;
}

static int q_read(void *priv, void *buf, size_t len, uint64_t off)
{
	struct qcow2 *q = priv;
	int err;

	if (off > q->size || len > q->size - off)
		return FSIMG_EIO;
	pthread_mutex_lock(&q->lock);
	err = q_read_locked(q, buf, len, off);
	if (err == FSIMG_ECORRUPT && !q->meta.error[0])
		snprintf(q->meta.error, sizeof(q->meta.error),
			 "qcow2 tables point outside the file (guest offset %llu)", (unsigned long long)off);
	pthread_mutex_unlock(&q->lock);
	/* Callers read "the disk": a corrupt table is an unreadable sector to them. */
	return err == FSIMG_ECORRUPT ? FSIMG_EIO : err;
}

static uint64_t q_size(void *priv)
{
	return ((struct qcow2 *)priv)->size;
}

static void q_close(void *priv)
{
	struct qcow2 *q = priv;

	for (unsigned i = 0; i < QCOW_L2_CACHE; i++)
		free(q->l2[i].tab);
	free(q->l1);
	free(q->zbuf);
	free(q->cbuf);
	fsimg_io_close(q->backing);
	fsimg_io_close(q->file);
	image_meta_free(&q->meta);
	pthread_mutex_destroy(&q->lock);
	free(q);
}

/* Reads take the lock: they are safe from several threads, so they serve as pread too. */
static const struct fsimg_io_ops qcow2_ops = { q_read, q_size, NULL, q_close, q_read };

/*
 * The internal snapshots' ids and names, for info: the active layer is
 * what is read. A table that lies is reported through errbuf.
 */
static int read_snapshots(struct qcow2 *q, uint64_t off, char *errbuf, size_t errlen)
{
	uint32_t n = q->meta.info.snapshots;

	if (n == 0)
		return 0;
	if (n > QCOW_MAX_SNAPSHOTS)
		return errbuf_fail(errbuf, errlen, FSIMG_ECORRUPT, "qcow2 claims %u snapshots", n);
	q->meta.snapshots = calloc(n, sizeof(char *));
	if (!q->meta.snapshots)
		return FSIMG_ENOMEM;
	for (uint32_t i = 0; i < n; i++) {
		uint8_t h[40], text[2 * 65535 + 2];
		uint16_t id_len, name_len;
		uint32_t extra;
		struct cur c;

		if (off > q->file_size || sizeof(h) > q->file_size - off ||
		    fsimg_io_read(q->file, h, sizeof(h), off) < 0)
			return errbuf_fail(errbuf, errlen, FSIMG_ECORRUPT, "qcow2 snapshot table runs past the end of the file");
		c = cur_init(h, sizeof(h));
		id_len = cur_be16(&c, 12);
		name_len = cur_be16(&c, 14);
		extra = cur_be32(&c, 36);
		if (extra > 1024 || off + sizeof(h) + extra + id_len + name_len > q->file_size)
			return errbuf_fail(errbuf, errlen, FSIMG_ECORRUPT, "qcow2 snapshot %u lies about its size", i);
		if (fsimg_io_read(q->file, text, (size_t)id_len + name_len, off + sizeof(h) + extra) < 0)
			return FSIMG_EIO;
		if (asprintf(&q->meta.snapshots[i], "%.*s %.*s", (int)id_len, (const char *)text, (int)name_len,
			     (const char *)text + id_len) < 0) {
			q->meta.snapshots[i] = NULL;
			return FSIMG_ENOMEM;
		}
		off += (sizeof(h) + extra + id_len + name_len + 7) & ~7ull;
	}
	return 0;
}

/* Header extensions: only the compression type lives outside the fixed header we need. */
static int parse_header(struct qcow2 *q, const uint8_t *h, size_t hlen, uint64_t *boff,
			uint32_t *blen, uint64_t *snap_off, char *errbuf, size_t errlen)
{
	struct cur c = cur_init(h, hlen);
	uint32_t version = cur_be32(&c, 4);
	uint64_t incompat = 0, l1_off, need_l1;
	uint32_t crypt, hdr_len = 72;

	q->meta.info.version = version;
	if (version != 2 && version != 3)
		return errbuf_fail(errbuf, errlen, FSIMG_EUNSUPP, "qcow2 version %u is not supported", version);
	*boff = cur_be64(&c, 8);
	*blen = cur_be32(&c, 16);
	q->cluster_bits = cur_be32(&c, 20);
	q->size = cur_be64(&c, 24);
	crypt = cur_be32(&c, 32);
	q->l1_size = cur_be32(&c, 36);
	l1_off = cur_be64(&c, 40);
	q->meta.info.snapshots = cur_be32(&c, 60);
	*snap_off = cur_be64(&c, 64);
	if (version == 3) {
		incompat = cur_be64(&c, 72);
		hdr_len = cur_be32(&c, 100);
		if (hdr_len > 104 && (incompat & QCOW_INCOMPAT_COMPRESSION))
			q->zstd = cur_u8(&c, 104) == 1;
	}
	if (c.err)
		return errbuf_fail(errbuf, errlen, FSIMG_ECORRUPT, "qcow2 header is truncated");
	if (q->cluster_bits < 9 || q->cluster_bits > 21)
		return errbuf_fail(errbuf, errlen, FSIMG_ECORRUPT, "qcow2 cluster_bits %u is out of range (9-21)",
				  q->cluster_bits);
	if (crypt)
		return errbuf_fail(errbuf, errlen, FSIMG_EUNSUPP, "the qcow2 image is encrypted");
	if (incompat & QCOW_INCOMPAT_DATA_FILE)
		return errbuf_fail(errbuf, errlen, FSIMG_EUNSUPP,
				  "the qcow2 image keeps its data in an external data file");
	if (incompat & ~QCOW_INCOMPAT_KNOWN)
		return errbuf_fail(errbuf, errlen, FSIMG_EUNSUPP, "unknown qcow2 incompatible features 0x%llx",
				  (unsigned long long)(incompat & ~QCOW_INCOMPAT_KNOWN));
#ifndef HAVE_ZSTD
	if (q->zstd)
		return errbuf_fail(errbuf, errlen, FSIMG_EUNSUPP, "zstd-compressed qcow2: built without libzstd");
#else
	if (q->zstd && dl_load(&zstd_lib, errbuf, errlen) < 0)
		return FSIMG_EUNSUPP;
#endif
	if (dl_load(&z_lib, errbuf, errlen) < 0)
		return FSIMG_EUNSUPP;
	q->ext_l2 = incompat & QCOW_INCOMPAT_EXTL2;
	if (q->ext_l2 && q->cluster_bits < 14)
		return errbuf_fail(errbuf, errlen, FSIMG_ECORRUPT, "qcow2 extended L2 needs clusters of 16 KiB or more");
	q->cluster_size = 1ull << q->cluster_bits;
	q->l2_bits = q->cluster_bits - (q->ext_l2 ? 4 : 3);
	if (q->size > (1ull << 62))
		return errbuf_fail(errbuf, errlen, FSIMG_ECORRUPT, "qcow2 virtual size is out of range");
	need_l1 = (q->size + (1ull << (q->cluster_bits + q->l2_bits)) - 1) >> (q->cluster_bits + q->l2_bits);
	if ((uint64_t)q->l1_size * 8 > QCOW_MAX_L1_BYTES || q->l1_size < need_l1)
		return errbuf_fail(errbuf, errlen, FSIMG_ECORRUPT,
				  "qcow2 L1 table of %u entries does not fit the virtual size", q->l1_size);
	if (l1_off & (q->cluster_size - 1) || l1_off > q->file_size ||
	    (uint64_t)q->l1_size * 8 > q->file_size - l1_off)
		return errbuf_fail(errbuf, errlen, FSIMG_ECORRUPT, "qcow2 L1 table lies past the end of the file");
	q->l1 = calloc(q->l1_size ? q->l1_size : 1, sizeof(*q->l1));
	if (!q->l1)
		return FSIMG_ENOMEM;
	if (q->l1_size) {
		uint8_t *raw = malloc((size_t)q->l1_size * 8);
		int err;

		if (!raw)
			return FSIMG_ENOMEM;
		err = fsimg_io_read(q->file, raw, (size_t)q->l1_size * 8, l1_off);
		for (uint32_t i = 0; err == 0 && i < q->l1_size; i++)
			q->l1[i] = be64_at(raw + 8 * (size_t)i);
		free(raw);
		if (err < 0)
			return errbuf_fail(errbuf, errlen, err, "qcow2 L1 table cannot be read");
	}
	return 0;
}

int qcow2_open(fsimg_io **out, fsimg_io *file, const char *path, struct image_chain *chain,
	       char *errbuf, size_t errlen)
{
	uint8_t h[112];
	uint64_t boff = 0, snap_off = 0;
	uint32_t blen = 0;
	struct qcow2 *q;
	int err;

	*out = NULL;
	q = calloc(1, sizeof(*q));
	if (!q) {
		fsimg_io_close(file);
		return FSIMG_ENOMEM;
	}
	pthread_mutex_init(&q->lock, NULL);
	q->file = file;
	q->file_size = fsimg_io_size(file);
	snprintf(q->meta.info.format, sizeof(q->meta.info.format), "qcow2");
	memset(h, 0, sizeof(h));
	err = fsimg_io_read(file, h, q->file_size < sizeof(h) ? (size_t)q->file_size : sizeof(h), 0);
	if (err == 0)
		err = parse_header(q, h, q->file_size < sizeof(h) ? (size_t)q->file_size : sizeof(h), &boff,
				   &blen, &snap_off, errbuf, errlen);
	if (err == 0)
		err = read_snapshots(q, snap_off, errbuf, errlen);
	if (err == 0) {
		q->zbuf = malloc(2 * q->cluster_size);
		q->cbuf = malloc(q->cluster_size);
		if (!q->zbuf || !q->cbuf)
			err = FSIMG_ENOMEM;
	}
	if (!chain->meta)
		chain->meta = &q->meta;
	if (err == 0 && boff) {
		char name[1024];

		if (blen == 0 || blen >= sizeof(name) || boff > q->file_size || blen > q->file_size - boff)
			err = errbuf_fail(errbuf, errlen, FSIMG_ECORRUPT, "qcow2 backing file name is out of bounds");
		else if (!path)
			err = errbuf_fail(errbuf, errlen, FSIMG_EUNSUPP, "a qcow2 in memory cannot name a backing file");
		else if ((err = fsimg_io_read(file, name, blen, boff)) == 0) {
			name[blen] = '\0';
			err = image_open_backing(&q->backing, path, name, chain, errbuf, errlen);
		}
	}
	if (err == 0)
		err = fsimg_io_open_ops(out, &qcow2_ops, q);
	if (err < 0) {
		q_close(q);
		return err;
	}
	q->meta.info.virtual_size = q->size;
	image_set_meta(*out, &q->meta);
	return 0;
}
