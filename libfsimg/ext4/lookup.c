/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Path resolution: "/a/b/c" from the root (a relative path too: there is no
 * current directory), "#N" or "<N>" (debugfs' spelling) for inode N, either
 * optionally followed by "/rest" resolved from that inode. Each component is
 * looked up in its directory's own entries, "." and ".." included. A symlink
 * met before the last component is followed (relative to its directory, or
 * from the root when absolute), at most FSIMG_MAX_SYMLINK_FOLLOW times; the
 * last component is not followed unless a slash comes after it (POSIX).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "ext4/ext4.h"

#define S_IFMT_ 0xF000u
#define S_IFDIR_ 0x4000u
#define S_IFLNK_ 0xA000u

/* "#N" / "<N>": the inode number and where the rest of the path starts. */
static int parse_ino(struct fsimg_fs *fs, const char *path, fsimg_ino_t *ino, const char **rest)
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
		v = v * base + dgt;
		if (v > UINT32_MAX)
			return fs_error(fs, FSIMG_ERANGE, "'%s': inode number out of range", path);
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
	if (!fs_ino_ok(fs, (fsimg_ino_t)v))
		return fs_error(fs, FSIMG_ERANGE, "'%s': inode %llu out of range (1..%u)", path,
				(unsigned long long)v, fs->sb.inodes_count);
	*ino = (fsimg_ino_t)v;
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

int fsimg_path_lookup(fsimg_ino_t *out, fsimg_fs *fs, const char *path)
{
	struct fsimg_inode inode;
	fsimg_ino_t cur = EXT4_ROOT_INO, next;
	char *work = NULL, *target = NULL;
	const char *p;
	unsigned follows = 0, steps = 0;
	int err;

	if (!out || !fs || !path)
		return FSIMG_EINVAL;
	*out = 0;
	if (!*path)
		return fs_error(fs, FSIMG_EINVAL, "empty path");
	p = path;
	if (path[0] == '#' || path[0] == '<') {
		err = parse_ino(fs, path, &cur, &p);
		if (err < 0)
			return err;
	}

	for (;;) {
		const char *name, *q;
		size_t len;
		bool more;

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
		if (++steps > FSIMG_MAX_PATH_DEPTH) {
			err = fs_error(fs, FSIMG_ELOOP, "more than %d components (path '%s')",
				       FSIMG_MAX_PATH_DEPTH, path);
			goto out;
		}
		if (len > FSIMG_NAME_MAX) {
			err = fs_error(fs, FSIMG_ENOENT, "component '%.32s...' is longer than %d bytes (path '%s')",
				       name, FSIMG_NAME_MAX, path);
			goto out;
		}

		err = fsimg_dir_lookup(&next, fs, cur, name, len);
		if (err == FSIMG_ENOENT) {
			err = fs_error(fs, FSIMG_ENOENT, "'%.*s' not found in directory inode %u (path '%s')",
				       (int)len, name, cur, path);
			goto out;
		}
		if (err == FSIMG_ENOTDIR) {
			err = fs_error(fs, FSIMG_ENOTDIR, "inode %u before '%.*s' is not a directory (path '%s')",
				       cur, (int)len, name, path);
			goto out;
		}
		if (err < 0)
			goto out;
		if (!more) {
			cur = next;
			break;
		}

		err = fsimg_inode_read(&inode, fs, next);
		if (err < 0)
			goto out;
		if ((inode.mode & S_IFMT_) == S_IFLNK_) {
			char *nw;
			int tlen;

			if (++follows > FSIMG_MAX_SYMLINK_FOLLOW) {
				err = fs_error(fs, FSIMG_ELOOP, "more than %d symlinks at '%.*s' (path '%s')",
					       FSIMG_MAX_SYMLINK_FOLLOW, (int)len, name, path);
				goto out;
			}
			if (!target) {
				target = malloc((size_t)fs->block_size + 1);
				if (!target) {
					err = fs_error(fs, FSIMG_ENOMEM, "out of memory");
					goto out;
				}
			}
			tlen = fsimg_symlink_read(target, (size_t)fs->block_size + 1, fs, &inode);
			if (tlen < 0) {
				err = tlen;
				goto out;
			}
			if (tlen == 0) {
				err = fs_error(fs, FSIMG_ENOENT, "symlink '%.*s' (inode %u) is empty (path '%s')",
					       (int)len, name, next, path);
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
				cur = EXT4_ROOT_INO;
			continue;
		}
		if ((inode.mode & S_IFMT_) != S_IFDIR_) {
			err = fs_error(fs, FSIMG_ENOTDIR, "'%.*s' (inode %u) is not a directory (path '%s')",
				       (int)len, name, next, path);
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
