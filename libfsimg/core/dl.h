/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Libraries only some images need (zlib and zstd for compressed qcow2
 * clusters, libyal's libvmdk, libvhdi and libewf for VMDK, VHD/VHDX and E01)
 * are opened with dlopen when such an image is opened, not linked: a
 * command on a plain image maps none of them (issue 15: fsck's peak RSS).
 * Their headers are still used at build time, for the functions' types.
 */
#ifndef FSIMG_CORE_DL_H
#define FSIMG_CORE_DL_H

#include <stddef.h>

struct dl_sym {
	const char *name;
	void *slot;                  /* where the function pointer goes: &table.fn */
};

struct dl_lib {
	const char *soname;          /* "libvmdk.so.1": configure's SONAME_* */
	const char *what;            /* what needs it, for the message: "VMDK images" */
	const struct dl_sym *syms;
	size_t nsyms;
	/* filled by dl_load */
	int state;                   /* 0 not tried, 1 loaded, <0 failed (err) */
	char err[192];
};

/*
 * Loads lib once for the process (thread-safe) and fills its function
 * pointers: 0, or FSIMG_EUNSUPP with one line in errbuf ("VMDK images need
 * libvmdk.so.1, which cannot be loaded: ..."). A failure is remembered.
 */
int dl_load(struct dl_lib *lib, char *errbuf, size_t errlen) __attribute__((visibility("hidden")));

#endif /* FSIMG_CORE_DL_H */
