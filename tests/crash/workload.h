/* The crash harness's guest program: what workload.c and summary.c share. */
#ifndef FSIMG_CRASH_WORKLOAD_H
#define FSIMG_CRASH_WORKLOAD_H

#include <stdint.h>

/* crc32 (zlib's) of the first LEN bytes of FD (LEN < 0: all of it); -1 on error */
int crc_fd(int fd, long long len, uint32_t *crc, long long *got);

/* one JSON line per path under PATH (shown as REL), recursing to depth 64 */
int summarise(const char *path, const char *rel, int depth);

#endif
