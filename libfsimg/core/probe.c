/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What does a source hold? Our own ext2/3/4 check first (it works on every
 * backend, memory included, and names the type by the same rule as
 * fsimg_fs_type), then libblkid on the source's file descriptor for
 * everything else (xfs, btrfs, vfat...), so that a refusal can say what the
 * image is instead of "no filesystem".
 */
#include "config.h"

#include <blkid.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/image.h"
#include "core/io.h"
#include "ext4/ext4.h"

static int set_name(char *name, size_t namelen, const char *type)
{
	if (!name || namelen == 0)
		return FSIMG_EINVAL;
	if ((size_t)snprintf(name, namelen, "%s", type) >= namelen)
		return FSIMG_ERANGE;
	return 0;
}

static const char *probe_ext(fsimg_io *io)
{
	uint8_t raw[EXT4_SUPER_SIZE];
	struct cur c;
	uint32_t compat, incompat, ro_compat;

	if (fsimg_io_size(io) < EXT4_SUPER_OFFSET + EXT4_SUPER_SIZE ||
	    fsimg_io_read(io, raw, sizeof(raw), EXT4_SUPER_OFFSET) < 0)
		return NULL;
	c = cur_init(raw, sizeof(raw));
	if (CUR_LE16(&c, 0, struct ext4_dsuper, s_magic) != EXT4_SUPER_MAGIC)
		return NULL;
	compat = CUR_LE32(&c, 0, struct ext4_dsuper, s_feature_compat);
	incompat = CUR_LE32(&c, 0, struct ext4_dsuper, s_feature_incompat);
	ro_compat = CUR_LE32(&c, 0, struct ext4_dsuper, s_feature_ro_compat);
	if (c.err)
		return NULL;
	/* An external jbd2 journal carries an ext superblock with JOURNAL_DEV. */
	if (incompat & EXT4_FEATURE_INCOMPAT_JOURNAL_DEV)
		return "jbd";
	return ext4_type_name(compat, incompat, ro_compat);
}

int fsimg_probe(char *name, size_t namelen, fsimg_io *io)
{
	const char *type;
	const char *data = NULL;
	blkid_probe pr;
	size_t len = 0;
	int fd, rc, err = FSIMG_ENOFS;
	bool temp;

	if (!name || namelen == 0 || !io)
		return FSIMG_EINVAL;
	name[0] = '\0';
	type = probe_ext(io);
	if (type)
		return set_name(name, namelen, type);

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
