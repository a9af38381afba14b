/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The one table of error texts. */
#include "config.h"

#include "fsimg/fsimg.h"

static const char *const error_text[] = {
	[0] = "success",
	[-FSIMG_ECORRUPT] = "filesystem structure is corrupt",
	[-FSIMG_ECSUM] = "checksum does not match",
	[-FSIMG_EUNSUPP] = "unsupported filesystem or feature",
	[-FSIMG_EIO] = "read error (image truncated?)",
	[-FSIMG_ENOMEM] = "out of memory",
	[-FSIMG_EINVAL] = "invalid argument",
	[-FSIMG_ENOENT] = "no such file or directory",
	[-FSIMG_ENOTDIR] = "not a directory",
	[-FSIMG_ENOFS] = "no filesystem found",
	[-FSIMG_ELOOP] = "too many levels (loop or depth bound)",
	[-FSIMG_ERANGE] = "value out of range",
	[-FSIMG_ENOTSUP_OP] = "operation does not apply to this file",
};

const char *fsimg_strerror(int err)
{
	if (err > 0 || -err >= (int)(sizeof(error_text) / sizeof(error_text[0])) ||
	    !error_text[-err])
		return "unknown error";
	return error_text[-err];
}
