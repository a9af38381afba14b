/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * VMDK (libvmdk), VHD and VHDX (libvhdi), E01/Ex01 segment sets (libewf):
 * the formats that Debian's libyal libraries read correctly, each opened
 * read-only behind one fsimg_io, with a lock around every read (the
 * libraries keep a file offset of their own).
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef HAVE_LIBYAL
#include <libewf.h>
#include <libvhdi.h>
#include <libvmdk.h>
#endif

#include "core/cursor.h"
#include "core/dl.h"
#include "core/image.h"
#include "core/io.h"

#ifndef HAVE_LIBYAL
int yal_open(fsimg_io **out, const char *format, const char *path, struct image_chain *chain,
	     char *errbuf, size_t errlen)
{
	(void)chain;
	*out = NULL;
	return errbuf_fail(errbuf, errlen, FSIMG_EUNSUPP, "%s: %s images need libvmdk, libvhdi and libewf, "
			  "which this build lacks", path, format);
}
#else

enum yal_kind { YAL_VMDK, YAL_VHDI, YAL_EWF };

struct yal {
	enum yal_kind kind;
	void *h;                 /* libvmdk_handle_t, libvhdi_file_t or libewf_handle_t */
	struct yal *parent;      /* differencing disks */
	pthread_mutex_t lock;
	uint64_t size;
	struct image_meta meta;
};

/*
 * The libraries are opened when an image of theirs is (core/dl.h); their
 * headers give each function's type.
 */
#define VMDK_FNS(X) \
	X(vmdk_fn, libvmdk_error_free) \
	X(vmdk_fn, libvmdk_error_sprint) \
	X(vmdk_fn, libvmdk_handle_close) \
	X(vmdk_fn, libvmdk_handle_free) \
	X(vmdk_fn, libvmdk_handle_get_media_size) \
	X(vmdk_fn, libvmdk_handle_get_utf8_parent_filename) \
	X(vmdk_fn, libvmdk_handle_get_utf8_parent_filename_size) \
	X(vmdk_fn, libvmdk_handle_initialize) \
	X(vmdk_fn, libvmdk_handle_open) \
	X(vmdk_fn, libvmdk_handle_open_extent_data_files) \
	X(vmdk_fn, libvmdk_handle_read_buffer_at_offset) \
	X(vmdk_fn, libvmdk_handle_set_extent_data_files_path) \
	X(vmdk_fn, libvmdk_handle_set_parent_handle)

#define VHDI_FNS(X) \
	X(vhdi_fn, libvhdi_error_free) \
	X(vhdi_fn, libvhdi_error_sprint) \
	X(vhdi_fn, libvhdi_file_close) \
	X(vhdi_fn, libvhdi_file_free) \
	X(vhdi_fn, libvhdi_file_get_media_size) \
	X(vhdi_fn, libvhdi_file_get_utf8_parent_filename) \
	X(vhdi_fn, libvhdi_file_get_utf8_parent_filename_size) \
	X(vhdi_fn, libvhdi_file_initialize) \
	X(vhdi_fn, libvhdi_file_open) \
	X(vhdi_fn, libvhdi_file_read_buffer_at_offset) \
	X(vhdi_fn, libvhdi_file_set_parent_file)

#define EWF_FNS(X) \
	X(ewf_fn, libewf_error_free) \
	X(ewf_fn, libewf_error_sprint) \
	X(ewf_fn, libewf_glob) \
	X(ewf_fn, libewf_glob_free) \
	X(ewf_fn, libewf_handle_close) \
	X(ewf_fn, libewf_handle_free) \
	X(ewf_fn, libewf_handle_get_media_size) \
	X(ewf_fn, libewf_handle_initialize) \
	X(ewf_fn, libewf_handle_open) \
	X(ewf_fn, libewf_handle_read_random) \
	X(ewf_fn, libewf_handle_segment_files_corrupted)

#define FN_PTR(tab, f) __typeof__(f) *f;
#define FN_SYM(tab, f) { #f, &tab.f },

static struct { VMDK_FNS(FN_PTR) } vmdk_fn;
static const struct dl_sym vmdk_syms[] = { VMDK_FNS(FN_SYM) };
static struct { VHDI_FNS(FN_PTR) } vhdi_fn;
static const struct dl_sym vhdi_syms[] = { VHDI_FNS(FN_SYM) };
static struct { EWF_FNS(FN_PTR) } ewf_fn;
static const struct dl_sym ewf_syms[] = { EWF_FNS(FN_SYM) };

/* Indexed by enum yal_kind. */
static struct dl_lib yal_libs[] = {
	{ SONAME_LIBVMDK, "VMDK images", vmdk_syms, sizeof(vmdk_syms) / sizeof(vmdk_syms[0]), 0, "" },
	{ SONAME_LIBVHDI, "VHD and VHDX images", vhdi_syms, sizeof(vhdi_syms) / sizeof(vhdi_syms[0]), 0, "" },
	{ SONAME_LIBEWF, "E01 images", ewf_syms, sizeof(ewf_syms) / sizeof(ewf_syms[0]), 0, "" },
};

/* The library's error, as one line (the last of its backtrace). */
static void yal_error(char *buf, size_t len, void *err, enum yal_kind kind)
{
	char text[512] = "";
	char *nl;

	if (!err)
		return;
	if (kind == YAL_VMDK) {
		vmdk_fn.libvmdk_error_sprint(err, text, sizeof(text));
		vmdk_fn.libvmdk_error_free((libvmdk_error_t **)&err);
	} else if (kind == YAL_VHDI) {
		vhdi_fn.libvhdi_error_sprint(err, text, sizeof(text));
		vhdi_fn.libvhdi_error_free((libvhdi_error_t **)&err);
	} else {
		ewf_fn.libewf_error_sprint(err, text, sizeof(text));
		ewf_fn.libewf_error_free((libewf_error_t **)&err);
	}
	while ((nl = strrchr(text, '\n')) && nl[1] == '\0')
		*nl = '\0';
	nl = strrchr(text, '\n');
	if (buf && len)
		snprintf(buf, len, "%s", nl ? nl + 1 : text);
}

static void yal_free(struct yal *y)
{
	if (!y)
		return;
	if (y->h) {
		if (y->kind == YAL_VMDK) {
			vmdk_fn.libvmdk_handle_close(y->h, NULL);
			vmdk_fn.libvmdk_handle_free((libvmdk_handle_t **)&y->h, NULL);
		} else if (y->kind == YAL_VHDI) {
			vhdi_fn.libvhdi_file_close(y->h, NULL);
			vhdi_fn.libvhdi_file_free((libvhdi_file_t **)&y->h, NULL);
		} else {
			ewf_fn.libewf_handle_close(y->h, NULL);
			ewf_fn.libewf_handle_free((libewf_handle_t **)&y->h, NULL);
		}
	}
	yal_free(y->parent);
	image_meta_free(&y->meta);
	pthread_mutex_destroy(&y->lock);
	free(y);
}

static int y_read(void *priv, void *buf, size_t len, uint64_t off)
{
	struct yal *y = priv;
	ssize_t n;

	if (off > y->size || len > y->size - off)
		return FSIMG_EIO;
	if (len == 0)
		return 0;
	pthread_mutex_lock(&y->lock);
	if (y->kind == YAL_VMDK)
		n = vmdk_fn.libvmdk_handle_read_buffer_at_offset(y->h, buf, len, (off64_t)off, NULL);
	else if (y->kind == YAL_VHDI)
		n = vhdi_fn.libvhdi_file_read_buffer_at_offset(y->h, buf, len, (off64_t)off, NULL);
	else
		n = ewf_fn.libewf_handle_read_random(y->h, buf, len, (off64_t)off, NULL);
	pthread_mutex_unlock(&y->lock);
	return n == (ssize_t)len ? 0 : FSIMG_EIO;
}

static uint64_t y_size(void *priv)
{
	return ((struct yal *)priv)->size;
}

static void y_close(void *priv)
{
	yal_free(priv);
}

/* Reads take the lock: they are safe from several threads, so they serve as pread too. */
static const struct fsimg_io_ops yal_ops = { y_read, y_size, NULL, y_close, y_read };

/*
 * A differencing disk names its parent by a path written on another
 * machine (often Windows): try it as it is, then its last component beside
 * the child, as qemu-img and libyal's tools do.
 */
static char *parent_path(const char *child, const char *name)
{
	const char *base = name, *p;
	char *dir, *out = NULL;

	if (name[0] == '/' && access(name, R_OK) == 0)
		return strdup(name);
	for (p = name; *p; p++)
		if (*p == '/' || *p == '\\')
			base = p + 1;
	dir = strdup(child);
	if (!dir)
		return NULL;
	p = strrchr(dir, '/');
	if (p)
		dir[p - dir] = '\0';
	if (asprintf(&out, "%s/%s", p ? dir : ".", base) < 0)
		out = NULL;
	free(dir);
	return out;
}

static int yal_open_one(struct yal **out, enum yal_kind kind, const char *path,
			struct image_chain *chain, char *errbuf, size_t errlen);

/* Opens the parent of a VMDK or VHD(X) differencing disk, when it has one. */
static int open_parent(struct yal *y, const char *path, struct image_chain *chain, char *errbuf,
		       size_t errlen)
{
	uint8_t name[1024];
	size_t size = 0;
	char *full;
	unsigned depth;
	int rc, err;

	if (y->kind == YAL_VMDK)
		rc = vmdk_fn.libvmdk_handle_get_utf8_parent_filename_size(y->h, &size, NULL);
	else
		rc = vhdi_fn.libvhdi_file_get_utf8_parent_filename_size(y->h, &size, NULL);
	if (rc != 1 || size <= 1)
		return 0;
	if (size > sizeof(name))
		return errbuf_fail(errbuf, errlen, FSIMG_ECORRUPT, "%s: parent file name is too long", path);
	if (y->kind == YAL_VMDK)
		rc = vmdk_fn.libvmdk_handle_get_utf8_parent_filename(y->h, name, sizeof(name), NULL);
	else
		rc = vhdi_fn.libvhdi_file_get_utf8_parent_filename(y->h, name, sizeof(name), NULL);
	if (rc != 1)
		return errbuf_fail(errbuf, errlen, FSIMG_ECORRUPT, "%s: parent file name cannot be read", path);
	full = parent_path(path, (const char *)name);
	if (!full)
		return FSIMG_ENOMEM;
	for (unsigned i = 0; i < chain->n; i++) {
		char *real = realpath(full, NULL);
		bool loop = real && !strcmp(real, chain->seen[i]);

		free(real);
		if (loop) {
			err = errbuf_fail(errbuf, errlen, FSIMG_ECORRUPT, "the backing chain loops at %s", full);
			free(full);
			return err;
		}
	}
	if (chain->n > IMAGE_MAX_CHAIN) {
		free(full);
		return errbuf_fail(errbuf, errlen, FSIMG_ELOOP, "the backing chain is deeper than %d",
				  IMAGE_MAX_CHAIN);
	}
	depth = chain->n;
	chain->seen[chain->n] = realpath(full, NULL);
	if (chain->seen[chain->n])
		chain->n++;
	err = yal_open_one(&y->parent, y->kind, full, chain, errbuf, errlen);
	if (err == 0) {
		if (y->kind == YAL_VMDK)
			rc = vmdk_fn.libvmdk_handle_set_parent_handle(y->h, y->parent->h, NULL);
		else
			rc = vhdi_fn.libvhdi_file_set_parent_file(y->h, y->parent->h, NULL);
		if (rc != 1)
			err = errbuf_fail(errbuf, errlen, FSIMG_ECORRUPT, "%s does not fit %s as its parent", full,
					 path);
	}
	if (err == 0 && chain->meta && depth >= 1 && depth - 1 < IMAGE_MAX_CHAIN) {
		chain->meta->chain[depth - 1] = full;
		if (chain->meta->info.chain_len < depth)
			chain->meta->info.chain_len = depth;
		full = NULL;
	}
	free(full);
	return err;
}

static int open_ewf(struct yal *y, const char *path, char *errbuf, size_t errlen)
{
	libewf_error_t *e = NULL;
	char **names = NULL;
	int n = 0, rc;

	if (ewf_fn.libewf_glob(path, strlen(path), LIBEWF_FORMAT_UNKNOWN, &names, &n, &e) != 1) {
		yal_error(errbuf, errlen, e, YAL_EWF);
		return FSIMG_EIO;
	}
	rc = ewf_fn.libewf_handle_initialize((libewf_handle_t **)&y->h, &e);
	if (rc == 1)
		rc = ewf_fn.libewf_handle_open(y->h, names, n, LIBEWF_OPEN_READ, &e);
	if (rc != 1) {
		char why[256] = "";

		ewf_fn.libewf_glob_free(names, n, NULL);
		yal_error(why, sizeof(why), e, YAL_EWF);
		return errbuf_fail(errbuf, errlen, FSIMG_ECORRUPT, "%s: E01 set cannot be opened (%s)", path, why);
	}
	/*
	 * The glob stops at the first segment that is not there, and libewf
	 * then reads the missing part as zeros: refuse, naming what is missing.
	 */
	if (ewf_fn.libewf_handle_segment_files_corrupted(y->h, NULL) != 0) {
		char next[1024] = "";
		const char *last = n > 0 ? names[n - 1] : path;
		size_t len = strlen(last);

		if (len >= 3 && len < sizeof(next) && last[len - 2] >= '0' && last[len - 2] <= '9' &&
		    last[len - 1] >= '0' && last[len - 1] <= '9' && strncmp(last + len - 2, "99", 2)) {
			int num = (last[len - 2] - '0') * 10 + (last[len - 1] - '0') + 1;

			snprintf(next, sizeof(next), "%.*s%02d", (int)(len - 2), last, num);
		}
		rc = errbuf_fail(errbuf, errlen, FSIMG_EIO,
				"%s: the E01 set is incomplete or damaged: %s%s%s", path,
				next[0] ? "segment " : "a segment after ", next[0] ? next : last,
				next[0] ? " is missing" : " is missing or damaged");
		ewf_fn.libewf_glob_free(names, n, NULL);
		return rc;
	}
	ewf_fn.libewf_glob_free(names, n, NULL);
	if (ewf_fn.libewf_handle_get_media_size(y->h, &y->size, NULL) != 1)
		return errbuf_fail(errbuf, errlen, FSIMG_ECORRUPT, "%s: E01 media size unknown", path);
	return 0;
}

/*
 * A VHD's footer (its last 512 bytes) carries a checksum that libvhdi does
 * not verify: the one's complement of the sum of the footer's bytes with
 * the checksum field as zeros.
 */
static int vhd_footer_ok(const char *path, char *errbuf, size_t errlen)
{
	uint8_t f[512];
	uint32_t sum = 0, stored;
	fsimg_io *io;
	uint64_t size;
	int err;

	err = fsimg_io_open_file(&io, path);
	if (err < 0)
		return err;
	size = fsimg_io_size(io);
	err = size < sizeof(f) ? FSIMG_EIO : fsimg_io_read(io, f, sizeof(f), size - sizeof(f));
	fsimg_io_close(io);
	if (err < 0)
		return err;
	/* A dynamic VHD whose footer was cut off: libvhdi decides from the header copy. */
	if (memcmp(f, "conectix", 8))
		return 0;
	stored = get_be32(f + 64);
	for (size_t i = 0; i < sizeof(f); i++)
		if (i < 64 || i > 67)
			sum += f[i];
	if ((uint32_t)~sum != stored)
		return errbuf_fail(errbuf, errlen, FSIMG_ECORRUPT,
				  "%s cannot be opened: the VHD footer checksum does not match "
				  "(0x%08x stored, 0x%08x computed)", path, stored, (uint32_t)~sum);
	return 0;
}

static int yal_open_one(struct yal **out, enum yal_kind kind, const char *path,
			struct image_chain *chain, char *errbuf, size_t errlen)
{
	struct yal *y;
	void *e = NULL;
	int rc, err = 0;

	*out = NULL;
	err = dl_load(&yal_libs[kind], errbuf, errlen);
	if (err < 0)
		return err;
	y = calloc(1, sizeof(*y));
	if (!y)
		return FSIMG_ENOMEM;
	y->kind = kind;
	pthread_mutex_init(&y->lock, NULL);
	if (kind == YAL_VMDK) {
		char *dir = strdup(path), *slash;

		rc = dir ? vmdk_fn.libvmdk_handle_initialize((libvmdk_handle_t **)&y->h, (libvmdk_error_t **)&e) : -1;
		if (rc == 1)
			rc = vmdk_fn.libvmdk_handle_open(y->h, path, LIBVMDK_OPEN_READ, (libvmdk_error_t **)&e);
		/* Extent files named by the descriptor live beside it. */
		if (rc == 1 && (slash = strrchr(dir, '/'))) {
			*slash = '\0';
			rc = vmdk_fn.libvmdk_handle_set_extent_data_files_path(y->h, dir, strlen(dir),
								       (libvmdk_error_t **)&e);
		}
		if (rc == 1)
			rc = vmdk_fn.libvmdk_handle_open_extent_data_files(y->h, (libvmdk_error_t **)&e);
		if (rc == 1)
			rc = vmdk_fn.libvmdk_handle_get_media_size(y->h, &y->size, (libvmdk_error_t **)&e);
		free(dir);
	} else if (kind == YAL_VHDI) {
		char head[8] = "";
		FILE *f = fopen(path, "rb");

		if (f) {
			if (fread(head, 1, sizeof(head), f) != sizeof(head))
				head[0] = '\0';
			fclose(f);
		}
		/* VHDX has CRC-32C on its headers, which libvhdi checks; VHD's footer is ours. */
		if (memcmp(head, "vhdxfile", 8))
			err = vhd_footer_ok(path, errbuf, errlen);
		if (err < 0) {
			yal_free(y);
			return err;
		}
		rc = vhdi_fn.libvhdi_file_initialize((libvhdi_file_t **)&y->h, (libvhdi_error_t **)&e);
		if (rc == 1)
			rc = vhdi_fn.libvhdi_file_open(y->h, path, LIBVHDI_OPEN_READ, (libvhdi_error_t **)&e);
		if (rc == 1)
			rc = vhdi_fn.libvhdi_file_get_media_size(y->h, &y->size, (libvhdi_error_t **)&e);
	} else {
		rc = 1;
		err = open_ewf(y, path, errbuf, errlen);
	}
	if (rc != 1) {
		char why[256] = "";

		yal_error(why, sizeof(why), e, kind);
		err = errbuf_fail(errbuf, errlen, FSIMG_ECORRUPT, "%s cannot be opened: %s", path,
				 why[0] ? why : "not a valid image");
	}
	if (err == 0 && !chain->meta)
		chain->meta = &y->meta;
	if (err == 0 && kind != YAL_EWF)
		err = open_parent(y, path, chain, errbuf, errlen);
	if (err < 0) {
		yal_free(y);
		return err;
	}
	*out = y;
	return 0;
}

int yal_open(fsimg_io **out, const char *format, const char *path, struct image_chain *chain,
	     char *errbuf, size_t errlen)
{
	enum yal_kind kind = !strcmp(format, "vmdk") ? YAL_VMDK : !strcmp(format, "e01") ? YAL_EWF : YAL_VHDI;
	struct yal *y;
	int err;

	*out = NULL;
	err = yal_open_one(&y, kind, path, chain, errbuf, errlen);
	if (err < 0)
		return err;
	snprintf(y->meta.info.format, sizeof(y->meta.info.format), "%s", format);
	y->meta.info.virtual_size = y->size;
	err = fsimg_io_open_ops(out, &yal_ops, y);
	if (err < 0) {
		yal_free(y);
		return err;
	}
	image_set_meta(*out, &y->meta);
	return 0;
}
#endif
