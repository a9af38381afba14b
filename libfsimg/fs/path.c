/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Path resolution for every backend: see fs/path.h. */
#include "config.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "fs/path.h"

int path_parse_ino(fsimg_fs *fs, const char *path, uint64_t max, uint64_t *ino, const char **rest)
{
	const char *p = path + 1;
	uint64_t v = 0;
	unsigned base = 10;

	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	}
	if (!*p)
		goto bad;
	for (; *p && *p != '/' && *p != '>'; p++) {
		unsigned dgt;

		if (*p >= '0' && *p <= '9')
			dgt = (unsigned)(*p - '0');
		else if (base == 16 && *p >= 'a' && *p <= 'f')
			dgt = (unsigned)(*p - 'a' + 10);
		else if (base == 16 && *p >= 'A' && *p <= 'F')
			dgt = (unsigned)(*p - 'A' + 10);
		else
			goto bad;
		if (dgt >= base)
			goto bad;
		if (v > (max - dgt) / base)
			return fs_error(fs, FSIMG_ERANGE, "'%s': inode number out of range", path);
		v = v * base + dgt;
	}
	if (path[0] == '<') {
		if (*p != '>')
			goto bad;
		p++;
	} else if (*p == '>') {
		goto bad;
	}
	if (p == path + 1 || (*p && *p != '/'))
		goto bad;
	*ino = v;
	*rest = p;
	return 0;
bad:
	return fs_error(fs, FSIMG_EINVAL, "'%s': not an inode number", path);
}

/* The rest of the walk as a fresh buffer: target, a slash, then tail. */
static char *splice(const char *target, size_t tlen, const char *tail)
{
	size_t rlen = strlen(tail);
	char *s = malloc(tlen + 1 + rlen + 1);

	if (!s)
		return NULL;
	memcpy(s, target, tlen);
	s[tlen] = '/';
	memcpy(s + tlen + 1, tail, rlen + 1);
	return s;
}

int path_walk(uint64_t *out, fsimg_fs *fs, const struct path_ops *ops, void *ctx, uint64_t root,
	      const char *path, int (*ino_ok)(void *ctx, const char *path, uint64_t ino))
{
	uint64_t cur = root, next;
	char *work = NULL, *target = NULL;
	const char *p;
	unsigned follows = 0, steps = 0;
	int err;

	*out = 0;
	if (!*path)
		return fs_error(fs, FSIMG_EINVAL, "empty path");
	p = path;
	if (path[0] == '#' || path[0] == '<') {
		err = path_parse_ino(fs, path, UINT64_MAX, &cur, &p);
		if (err == 0 && ino_ok)
			err = ino_ok(ctx, path, cur);
		if (err < 0)
			return err;
	}

	for (;;) {
		const char *name, *q;
		size_t len;
		bool more;
		int type;

		while (*p == '/')
			p++;
		if (!*p)
			break;
		name = p;
		for (q = p; *q && *q != '/'; q++)
			;
		len = (size_t)(q - name);
		/* A slash after the component asks for a directory, even when nothing follows. */
		more = *q == '/';
		p = q;
		if (++steps > PATH_MAX_DEPTH) {
			err = fs_error(fs, FSIMG_ELOOP, "more than %d components (path '%s')",
				       PATH_MAX_DEPTH, path);
			goto out;
		}
		if (len > FSIMG_NAME_MAX) {
			err = fs_error(fs, FSIMG_ENOENT, "component '%.32s...' is longer than %d bytes (path '%s')",
				       name, FSIMG_NAME_MAX, path);
			goto out;
		}

		err = ops->dir_lookup(ctx, &next, cur, name, len);
		if (err == FSIMG_ENOENT) {
			err = fs_error(fs, FSIMG_ENOENT, "'%.*s' not found in directory inode %llu (path '%s')",
				       (int)len, name, (unsigned long long)cur, path);
			goto out;
		}
		if (err == FSIMG_ENOTDIR) {
			err = fs_error(fs, FSIMG_ENOTDIR, "inode %llu before '%.*s' is not a directory (path '%s')",
				       (unsigned long long)cur, (int)len, name, path);
			goto out;
		}
		if (err < 0)
			goto out;
		if (!more) {
			cur = next;
			break;
		}

		type = ops->ftype(ctx, next);
		if (type < 0) {
			err = type;
			goto out;
		}
		if (type == FSIMG_FT_SYMLINK) {
			char *nw;
			int tlen;

			if (++follows > PATH_MAX_SYMLINK_FOLLOW) {
				err = fs_error(fs, FSIMG_ELOOP, "more than %d symlinks at '%.*s' (path '%s')",
					       PATH_MAX_SYMLINK_FOLLOW, (int)len, name, path);
				goto out;
			}
			if (!target && !(target = malloc(ops->link_max))) {
				err = fs_error(fs, FSIMG_ENOMEM, "out of memory");
				goto out;
			}
			tlen = ops->readlink(ctx, target, ops->link_max, next);
			if (tlen < 0) {
				err = tlen;
				goto out;
			}
			if (tlen == 0) {
				err = fs_error(fs, FSIMG_ENOENT, "symlink '%.*s' (inode %llu) is empty (path '%s')",
					       (int)len, name, (unsigned long long)next, path);
				goto out;
			}
			nw = splice(target, (size_t)tlen, p);
			if (!nw) {
				err = fs_error(fs, FSIMG_ENOMEM, "out of memory");
				goto out;
			}
			free(work);
			work = nw;
			p = work;
			/* Relative targets start in the symlink's directory: cur stays. */
			if (target[0] == '/')
				cur = root;
			continue;
		}
		if (type != FSIMG_FT_DIR) {
			err = fs_error(fs, FSIMG_ENOTDIR, "'%.*s' (inode %llu) is not a directory (path '%s')",
				       (int)len, name, (unsigned long long)next, path);
			goto out;
		}
		cur = next;
	}
	*out = cur;
	err = 0;
out:
	free(work);
	free(target);
	return err;
}
