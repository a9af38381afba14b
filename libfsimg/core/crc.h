/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Both crc32c paths by name (tests, benchmarks); crc32c_hw falls back to soft. */
#ifndef FSIMG_CORE_CRC_H
#define FSIMG_CORE_CRC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifndef FSIMG_HIDDEN
#define FSIMG_HIDDEN __attribute__((visibility("hidden")))
#endif

FSIMG_HIDDEN uint32_t crc32c_soft(uint32_t crc, const void *buf, size_t len);
FSIMG_HIDDEN uint32_t crc32c_hw(uint32_t crc, const void *buf, size_t len);
FSIMG_HIDDEN bool crc32c_hw_available(void);

#endif /* FSIMG_CORE_CRC_H */
