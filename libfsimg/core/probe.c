/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libblkid's name for what a source holds, on its file descriptor (or a
 * temporary one for a container): the front (fsimg_probe) asks the
 * backends first, whose checks work on every source, memory included, and
 * comes here for everything else (btrfs, vfat...), so that a refusal can
 * say what the image is instead of "no filesystem".
 */
#include "config.h"

#include <blkid.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/image.h"
#include "core/io.h"
#include "core/probe.h"

static int set_name(char *name, size_t namelen, const char *type)
{
	if (!name || namelen == 0)
		return FSIMG_EINVAL;
	if ((size_t)snprintf(name, namelen, "%s", type) >= namelen)
		return FSIMG_ERANGE;
	return 0;
}

int core_blkid_probe(char *name, size_t namelen, fsimg_io *io)
{
	const char *data = NULL;
	blkid_probe pr;
	size_t len = 0;
	int fd, rc, err = FSIMG_ENOFS;
	bool temp;

	if (!name || namelen == 0 || !io)
		return FSIMG_EINVAL;
	name[0] = '\0';
	if (io_probe_fd(io, &fd, &temp) < 0 || fd < 0)
		return FSIMG_ENOFS;
	pr = blkid_new_probe();
	if (!pr) {
		if (temp)
			close(fd);
		return FSIMG_ENOMEM;
	}
	if (blkid_probe_set_device(pr, fd, 0, 0) != 0)
		goto out;
	blkid_probe_enable_superblocks(pr, 1);
	blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_TYPE);
	/* safeprobe: 1 nothing found, -2 ambiguous (two signatures), -1 error. */
	rc = blkid_do_safeprobe(pr);
	if (rc != 0)
		goto out;
	if (blkid_probe_lookup_value(pr, "TYPE", &data, &len) == 0 && data && data[0])
		err = set_name(name, namelen, data);
out:
	blkid_free_probe(pr);
	if (temp)
		close(fd);
	return err;
}
