/*
 * The crash workload's quota ops (workload quota, for XFS mounted with
 * usrquota,grpquota,prjquota): owners and project ids changed (the dquots
 * of both ids logged), limits set, and enforcement turned off and on again
 * with quotactl.  Linux 6.1 cannot turn accounting off on a mounted XFS
 * (removed in 5.16, with the quotaoff log item's last writer): Q_XQUOTAOFF
 * of enforcement only rewrites the superblock's quota flags.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/dqblk_xfs.h>
#include <linux/fs.h>
#include <linux/quota.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "workload.h"

#ifndef SYS_quotactl_fd
#define SYS_quotactl_fd 443
#endif

/* quotactl on the filesystem under ROOT (quotactl_fd: no device name needed) */
static int fs_quotactl(int cmd, int type, unsigned id, void *addr)
{
	int dfd = open(root, O_RDONLY | O_DIRECTORY), r;

	if (dfd < 0)
		return -1;
	r = (int)syscall(SYS_quotactl_fd, dfd, QCMD(cmd, type), id, addr);
	if (r != 0) {
		int e = errno;
		close(dfd);
		errno = e;
		return -1;
	}
	close(dfd);
	return 0;
}

/* chown, projid, qlimit, qenforce */
int quota_op(int op, enum kind k, int slot, const char *rel, off_t size, int *rc,
	     const char **relp)
{
	static const int types[3] = { USRQUOTA, GRPQUOTA, PRJQUOTA };
	char p[256];
	int fd = -1;

	(void)slot, (void)size, (void)relp;
	switch (k) {
	case K_CHOWN: {
		unsigned uid = below(3) ? 1000 + below(4) : 0, gid = below(3) ? 1000 + below(4) : 0;
		record("op %d chown %s %u %u", op, rel, uid, gid);
		touch(op, rel);
		abs_path(p, sizeof(p), rel);
		if (chown(p, uid, gid) != 0)
			*rc = -1;
		break;
	}
	case K_PROJID: {
		struct fsxattr fa;
		unsigned prj = below(5);
		record("op %d projid %s %u", op, rel, prj);
		touch(op, rel);
		abs_path(p, sizeof(p), rel);
		fd = open(p, O_RDWR);
		if (fd < 0 || ioctl(fd, FS_IOC_FSGETXATTR, &fa) != 0) {
			*rc = -1;
			break;
		}
		fa.fsx_projid = prj;
		if (ioctl(fd, FS_IOC_FSSETXATTR, &fa) != 0)
			*rc = -1;
		break;
	}
	case K_QLIMIT: {
		struct fs_disk_quota d;
		int t = (int)below(3);
		unsigned id = t == 2 ? below(5) : 1000 + below(4);
		memset(&d, 0, sizeof(d));
		d.d_version = FS_DQUOT_VERSION;
		d.d_fieldmask = FS_DQ_BSOFT | FS_DQ_BHARD | FS_DQ_ISOFT | FS_DQ_IHARD;
		d.d_blk_softlimit = (uint64_t)(1 + below(64)) * 1024 * 2; /* 512-byte units */
		d.d_blk_hardlimit = d.d_blk_softlimit * 2;
		d.d_ino_softlimit = 16 + below(64);
		d.d_ino_hardlimit = d.d_ino_softlimit * 2;
		record("op %d qlimit %d %u %llu", op, t, id, (unsigned long long)d.d_blk_hardlimit);
		if (fs_quotactl(Q_XSETQLIM, types[t], id, &d) != 0)
			*rc = -1;
		break;
	}
	case K_QENFORCE: {
		/* enforcement of one type off or on: the superblock's quota flags */
		int t = (int)below(3), on = (int)below(2);
		unsigned flags = t == 0 ? FS_QUOTA_UDQ_ENFD : t == 1 ? FS_QUOTA_GDQ_ENFD : FS_QUOTA_PDQ_ENFD;
		record("op %d qenforce %d %s", op, t, on ? "on" : "off");
		if (fs_quotactl(on ? Q_XQUOTAON : Q_XQUOTAOFF, types[t], 0, &flags) != 0)
			*rc = -1;
		break;
	}
	default:
		break;
	}
	return fd;
}

/*
 * qunlinked's setup, before its start record: soft limits small enough that
 * the workload's files cross them (the kernel starts a grace timer), no hard
 * limits (nothing fails): user ids 1000-1003 and project ids 1-4 their own,
 * the groups the id 0 dquot's defaults (xfs_qm_adjust_dqlimits copies them
 * into a group dquot the next time a transaction changes it).  The files
 * unlinked while open at the cut are freed by the recovery mount, which
 * lowers their dquots' counts: timers end when a count drops under.
 */
void quota_soft_limits(void)
{
	struct fs_disk_quota d;

	memset(&d, 0, sizeof(d));
	d.d_version = FS_DQUOT_VERSION;
	d.d_fieldmask = FS_DQ_BSOFT | FS_DQ_ISOFT;
	for (unsigned id = 1000; id < 1004; id++) {
		d.d_blk_softlimit = 128; /* 64 KiB in 512-byte units */
		d.d_ino_softlimit = 2;
		fs_quotactl(Q_XSETQLIM, USRQUOTA, id, &d);
	}
	for (unsigned id = 1; id < 5; id++) {
		d.d_blk_softlimit = 192;
		d.d_ino_softlimit = 2;
		fs_quotactl(Q_XSETQLIM, PRJQUOTA, id, &d);
	}
	d.d_blk_softlimit = 256;
	d.d_ino_softlimit = 3;
	fs_quotactl(Q_XSETQLIM, GRPQUOTA, 0, &d);
}
