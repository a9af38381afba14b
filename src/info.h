/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The views of fsimg info that are about one filesystem (src/info_FS.c). */
#ifndef FSIMG_INFO_H
#define FSIMG_INFO_H

#include <stdbool.h>
#include <stdint.h>

#include "cli.h"

/* "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" */
void info_uuid_str(char out[37], const uint8_t u[16]);

/* dumpe2fs -h's words, and --groups; text or JSON by img->common->json. */
int info_ext4(struct cli_image *img, bool groups);

#endif /* FSIMG_INFO_H */
