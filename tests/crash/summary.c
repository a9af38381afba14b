/*
 * The crash harness's guest program, its summary part: one JSON line per path
 * under a directory (lstat, FIEMAP, crc32 of the contents), the kernel's view
 * of a recovered filesystem for the host to compare fsimg against.  Built
 * with workload.c (tests/crash/lib.sh).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "workload.h"

static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void fiemap_json(int fd)
{
	enum { N = 256 };
	static char fbuf[sizeof(struct fiemap) + N * sizeof(struct fiemap_extent)];
	struct fiemap *fm = (struct fiemap *)fbuf;
	unsigned long long start = 0;
	int first = 1, last = 0;

	printf(",\"fiemap\":[");
	while (!last) {
		memset(fbuf, 0, sizeof(fbuf));
		fm->fm_start = start;
		fm->fm_length = ~0ull - start;
		fm->fm_flags = FIEMAP_FLAG_SYNC;
		fm->fm_extent_count = N;
		if (ioctl(fd, FS_IOC_FIEMAP, fm) != 0) {
			printf("],\"fiemap_errno\":%d", errno);
			return;
		}
		if (fm->fm_mapped_extents == 0)
			break;
		for (unsigned i = 0; i < fm->fm_mapped_extents; i++) {
			struct fiemap_extent *e = &fm->fm_extents[i];
			printf("%s[%llu,%llu,%llu,%u]", first ? "" : ",",
			       (unsigned long long)e->fe_logical, (unsigned long long)e->fe_physical,
			       (unsigned long long)e->fe_length, e->fe_flags);
			first = 0;
			start = e->fe_logical + e->fe_length;
			if (e->fe_flags & FIEMAP_EXTENT_LAST)
				last = 1;
		}
	}
	printf("]");
}

int summarise(const char *path, const char *rel, int depth)
{
	struct stat st;
	if (lstat(path, &st) != 0) {
		printf("{\"path\":");
		json_str(rel);
		printf(",\"errno\":%d}\n", errno);
		return 1;
	}
	printf("{\"path\":");
	json_str(rel);
	printf(",\"inode\":%llu,\"mode\":%u,\"links\":%lu,\"size\":%lld,\"blocks512\":%lld",
	       (unsigned long long)st.st_ino, (unsigned)st.st_mode, (unsigned long)st.st_nlink,
	       (long long)st.st_size, (long long)st.st_blocks);
	if (S_ISREG(st.st_mode)) {
		int fd = open(path, O_RDONLY);
		uint32_t crc;
		long long got;
		if (fd >= 0 && crc_fd(fd, -1, &crc, &got) == 0)
			printf(",\"crc32\":%u,\"read\":%lld", crc, got);
		else
			printf(",\"read_errno\":%d", errno);
		if (fd >= 0) {
			fiemap_json(fd);
			close(fd);
		}
	} else if (S_ISLNK(st.st_mode)) {
		char t[4096];
		ssize_t n = readlink(path, t, sizeof(t) - 1);
		if (n >= 0) {
			t[n] = 0;
			printf(",\"target\":");
			json_str(t);
		}
	}
	printf("}\n");
	if (S_ISDIR(st.st_mode) && depth < 64) {
		struct dirent **names;
		int n = scandir(path, &names, NULL, alphasort);
		for (int i = 0; i < n; i++) {
			const char *nm = names[i]->d_name;
			if (strcmp(nm, ".") && strcmp(nm, "..")) {
				char sub[4096], subrel[4096];
				snprintf(sub, sizeof(sub), "%s/%s", path, nm);
				snprintf(subrel, sizeof(subrel), "%s/%s", strcmp(rel, "/") ? rel : "", nm);
				summarise(sub, subrel, depth + 1);
			}
			free(names[i]);
		}
		if (n >= 0)
			free(names);
	}
	return 0;
}

