/*
 * The crash workload's namespace ops: create, rename (to a new name or over
 * another file), link, unlink, and the pause between ops.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "workload.h"

/* create, rename, link, unlink, pause */
int meta_op(int op, enum kind k, int slot, const char *rel, off_t size, int *rc,
	    const char **relp)
{
	char p[256], q[256];
	int fd = -1;
	size_t len;

	(void)size;
	switch (k) {
	case K_CREATE:
		slot = free_slot();
		new_name(files[slot], sizeof(files[slot]));
		rel = files[slot];
		*relp = rel;
		len = below(3) ? below(4 * BIG * 4) : 0;
		record("op %d create %s %zu", op, rel, len);
		touch(op, rel);
		abs_path(p, sizeof(p), rel);
		fd = open(p, O_RDWR | O_CREAT | O_EXCL, 0600 + 044 * below(2));
		if (fd < 0) {
			*rc = -1;
			files[slot][0] = 0;
			*relp = NULL;
			break;
		}
		nfiles++;
		fill(len);
		if (len && pwrite(fd, buf, len, 0) != (ssize_t)len)
			*rc = -1;
		break;
	case K_RENAME: {
		/* to a new name, or over another file */
		int over = below(3) == 0 ? pick_file() : -1;
		char to[200];
		if (over == slot)
			over = -1;
		if (over >= 0)
			snprintf(to, sizeof(to), "%s", files[over]);
		else
			new_name(to, sizeof(to));
		record("op %d rename %s %s", op, rel, to);
		touch(op, rel);
		touch(op, to);
		abs_path(p, sizeof(p), rel);
		abs_path(q, sizeof(q), to);
		if (rename(p, q) != 0) {
			*rc = -1;
			break;
		}
		if (over >= 0) {
			files[over][0] = 0;
			nfiles--;
		}
		snprintf(files[slot], sizeof(files[slot]), "%s", to);
		*relp = files[slot];
		break;
	}
	case K_LINK: {
		int s = free_slot();
		if (s < 0) {
			k = K_PAUSE;
			goto pause;
		}
		new_name(files[s], sizeof(files[s]));
		record("op %d link %s %s", op, rel, files[s]);
		touch(op, rel);
		touch(op, files[s]);
		abs_path(p, sizeof(p), rel);
		abs_path(q, sizeof(q), files[s]);
		if (link(p, q) != 0) {
			*rc = -1;
			files[s][0] = 0;
		} else {
			nfiles++;
		}
		break;
	}
	case K_UNLINK:
		record("op %d unlink %s", op, rel);
		touch(op, rel);
		abs_path(p, sizeof(p), rel);
		if (unlink(p) != 0)
			*rc = -1;
		files[slot][0] = 0;
		nfiles--;
		*relp = NULL;
		break;
	case K_PAUSE:
pause:
		len = 100 + below(2000);
		record("op %d pause %zu", op, len);
		usleep((useconds_t)len * 1000);
		break;
	default:
		break;
	}
	return fd;
}
