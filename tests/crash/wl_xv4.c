/*
 * Two XFS workload pieces for the mount's finish after log recovery:
 *
 * K_HOLDSPECIAL (the unlinkedsp workload: unlinked's ops with it): a FIFO,
 * a character device (1:3, 1:5), a UNIX socket bound to a path, a short
 * symlink (opened O_PATH | O_NOFOLLOW) or an empty directory made, held
 * open and unlinked, then syncfs puts the unlink in the log: inodes on the
 * AGI unlinked lists whose data fork is XFS_DINODE_FMT_DEV or local, which
 * the kernel's mount frees with nothing to truncate (xfs_inactive).  In
 * the unlinkedsym workload every one is a symlink, its target 100-1024
 * bytes: past the inode's literal area a remote symlink (its target in one
 * or two blocks, freed by xfs_inactive_symlink_rmt at the mount).
 *
 * The efitrunc workload: OPS ops that make files of hundreds of one-block
 * extents (interleave), then a storm: a child forces the log (syncfs) in a
 * loop and cuts the power 30-630 ms later, while this process truncates the
 * files to 0 one after another.  Each truncate frees two extents a
 * transaction, its EFI logged in one and its EFD in the next, so the last
 * checkpoint before the cut often holds an EFI whose EFD it does not: on a
 * v4 filesystem (no rmapbt, no reflink) the only intents there are.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <unistd.h>

#include "workload.h"

int long_symlinks;

int special_op(int op, int *rc)
{
	static const char *what[] = { "fifo", "chr", "sock", "symlink", "dir" };
	unsigned w = long_symlinks ? 3 : below(5), tlen = long_symlinks ? 100 + below(925) : 0;
	char rel[200], p[256], target[1025] = "../t";
	int fd = -1, rfd, done;

	new_name(rel, sizeof(rel));
	record("op %d holdspecial %s %s", op, what[w], rel);
	touch(op, rel);
	abs_path(p, sizeof(p), rel);
	switch (w) {
	case 0:
		if (mkfifo(p, 0644) == 0)
			fd = open(p, O_RDWR | O_NONBLOCK);
		break;
	case 1:
		if (mknod(p, S_IFCHR | 0600, makedev(1, below(2) ? 3 : 5)) == 0)
			fd = open(p, O_RDWR);
		break;
	case 2: {
		struct sockaddr_un a;
		memset(&a, 0, sizeof(a));
		a.sun_family = AF_UNIX;
		if (strlen(p) >= sizeof(a.sun_path))
			break;
		strcpy(a.sun_path, p);
		fd = socket(AF_UNIX, SOCK_STREAM, 0);
		if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
			close(fd);
			fd = -1;
		}
		break;
	}
	case 3:
		/* a long target: "../" then names of 15 letters between slashes (XFS_SYMLINK_MAXLEN 1024) */
		for (unsigned i = 0; i < tlen; i++)
			target[i] = i < 3 ? "../"[i] : (i - 3) % 16 == 15 && i + 1 < tlen ? '/' : (char)('a' + (i + op) % 26);
		if (tlen)
			target[tlen] = '\0';
		if (symlink(target, p) == 0)
			fd = open(p, O_PATH | O_NOFOLLOW);
		break;
	default:
		if (mkdir(p, 0755) == 0)
			fd = open(p, O_RDONLY | O_DIRECTORY);
		break;
	}
	done = fd >= 0 && (w == 4 ? rmdir(p) : unlink(p)) == 0;
	if (!done) {
		if (fd >= 0)
			close(fd);
		*rc = -1;
		return -1;
	}
	hold(op, fd, rel);
	rfd = open(root, O_RDONLY | O_DIRECTORY);
	if (rfd < 0 || syncfs(rfd) != 0)
		*rc = -1;
	if (rfd >= 0)
		close(rfd);
	return -1;
}

/* the efitrunc storm after op OP; never returns */
void efitrunc_storm(int op)
{
	pid_t pid = storm_cutter_ms(op, 30 + below(600));
	int n = op + 1;

	for (int s = 0; pid > 0 && s < MAXFILES; s++) {
		char p[256];
		int fd, rc = 0;
		if (!files[s][0])
			continue;
		record("op %d truncate %s 0", n, files[s]);
		touch(n, files[s]);
		abs_path(p, sizeof(p), files[s]);
		fd = open(p, O_RDWR);
		if (fd < 0 || ftruncate(fd, 0) != 0)
			rc = errno ? errno : -1;
		if (fd >= 0)
			close(fd);
		record("rc %d %d", n++, rc);
	}
	power_cut();
}
