/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The one table of error texts, and the one way of filling an error buffer. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>

#include "core/io.h"

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

int errbuf_vfail(char *errbuf, size_t errlen, int err, const char *fmt, va_list ap)
{
	if (errbuf && errlen)
		vsnprintf(errbuf, errlen, fmt, ap);
	return err;
}

void notice_vsend(fsimg_notice_fn fn, void *ctx, int err, const char *fmt, va_list ap)
{
	char msg[256];

	if (!fn)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	fn(ctx, err, msg);
}

int errbuf_fail(char *errbuf, size_t errlen, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	err = errbuf_vfail(errbuf, errlen, err, fmt, ap);
	va_end(ap);
	return err;
}
