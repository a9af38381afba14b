/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Field names under the hex cursor (fields.c). */
#ifndef FSIMG_BROWSE_FIELDS_H
#define FSIMG_BROWSE_FIELDS_H

#include "browse.h"

/* Names the structure at byte off of block blk (contents b, bs bytes), owned by o. */
void field_name(char *out, size_t outlen, struct app *a, const struct owner *o, fsimg_pblk_t blk,
		const uint8_t *b, uint32_t bs, uint32_t off, uint16_t owner_mode);

#endif
