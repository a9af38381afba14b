/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Log items decoded: the format region of each type checked against its
 * own counts as the kernel's *_commit_pass1/2 and xfs_*_copy_format do,
 * and what the item touches (buffer, inode, dquot, inode chunk, extents).
 * Item bytes are in the byte order of the host that wrote the log.
 */
#include "config.h"

#include <string.h>

#include "xlog/xlog.h"

static const struct {
	uint16_t type;
	const char *name, *li;
} types[] = {
	{ XFS_LI_EFI, "efi", "XFS_LI_EFI" },	 { XFS_LI_EFD, "efd", "XFS_LI_EFD" },
	{ XFS_LI_IUNLINK, "iunlink", "XFS_LI_IUNLINK" },
	{ XFS_LI_INODE, "inode", "XFS_LI_INODE" }, { XFS_LI_BUF, "buf", "XFS_LI_BUF" },
	{ XFS_LI_DQUOT, "dquot", "XFS_LI_DQUOT" }, { XFS_LI_QUOTAOFF, "quotaoff", "XFS_LI_QUOTAOFF" },
	{ XFS_LI_ICREATE, "icreate", "XFS_LI_ICREATE" }, { XFS_LI_RUI, "rui", "XFS_LI_RUI" },
	{ XFS_LI_RUD, "rud", "XFS_LI_RUD" },	 { XFS_LI_CUI, "cui", "XFS_LI_CUI" },
	{ XFS_LI_CUD, "cud", "XFS_LI_CUD" },	 { XFS_LI_BUI, "bui", "XFS_LI_BUI" },
	{ XFS_LI_BUD, "bud", "XFS_LI_BUD" },	 { XFS_LI_ATTRI, "attri", "XFS_LI_ATTRI" },
	{ XFS_LI_ATTRD, "attrd", "XFS_LI_ATTRD" }, { XFS_LI_XMI, "xmi", "XFS_LI_XMI" },
	{ XFS_LI_XMD, "xmd", "XFS_LI_XMD" },
};

const char *xlog_item_type_name(uint16_t type)
{
	size_t i;

	for (i = 0; i < sizeof types / sizeof types[0]; i++)
		if (types[i].type == type)
			return types[i].li;
	return NULL;
}

static const char *short_name(uint16_t type)
{
	size_t i;

	for (i = 0; i < sizeof types / sizeof types[0]; i++)
		if (types[i].type == type)
			return types[i].name;
	return "unknown";
}

bool xlog_item_is_intent(uint16_t type)
{
	return xlog_item_done_of(type) != 0;
}

uint16_t xlog_item_done_of(uint16_t t)
{
	switch (t) {
	case XFS_LI_EFI: return XFS_LI_EFD;
	case XFS_LI_RUI: return XFS_LI_RUD;
	case XFS_LI_CUI: return XFS_LI_CUD;
	case XFS_LI_BUI: return XFS_LI_BUD;
	case XFS_LI_ATTRI: return XFS_LI_ATTRD;
	case XFS_LI_XMI: return XFS_LI_XMD;
	default: return 0;
	}
}

#define CORRUPT(...) return xlog_error(log, FSIMG_ECORRUPT, __VA_ARGS__)

static int decode_buf(struct xlog_item_info *o, xlog *log, const struct xlog_item *it)
{
	const struct xlog_region *r = &it->reg[0];
	uint32_t i, bits = 0;

	if (r->len < offsetof(struct xfs_dbuf_log_format, blf_data_map))
		CORRUPT("buf item: format region of %u bytes", r->len);
	o->flags = xlog_r16(log, r->p + 4);
	o->bblen = xlog_r16(log, r->p + 6);
	o->blkno = (int64_t)xlog_r64(log, r->p + 8);
	o->map_size = xlog_r32(log, r->p + 16);
	/* xfs_buf_log_check_iovec: the bitmap lies inside the region */
	if (o->map_size > XFS_BLF_DATAMAP_SIZE ||
	    offsetof(struct xfs_dbuf_log_format, blf_data_map) + 4 * (size_t)o->map_size > r->len)
		CORRUPT("buf item at daddr %lld: bitmap of %u words overruns its region of %u bytes",
			(long long)o->blkno, o->map_size, r->len);
	for (i = 0; i < o->map_size; i++) {
		o->map[i] = xlog_r32(log, r->p + 20 + 4 * i);
		bits += (uint32_t)__builtin_popcount(o->map[i]);
	}
	if (o->blkno < 0 || o->bblen == 0)
		CORRUPT("buf item: daddr %lld length %u", (long long)o->blkno, o->bblen);
	/* a dirty chunk past the buffer's end cannot be applied: the last set bit decides */
	for (i = o->map_size; i-- > 0;)
		if (o->map[i]) {
			uint32_t last = i * 32 + 31 - (uint32_t)__builtin_clz(o->map[i]);
			if ((uint64_t)(last + 1) * XFS_BLF_CHUNK > (uint64_t)o->bblen * XLOG_BBSIZE)
				CORRUPT("buf item at daddr %lld: dirty chunk %u past its %u blocks",
					(long long)o->blkno, last, o->bblen);
			break;
		}
	(void)bits;
	return 0;
}

static int decode_inode(struct xlog_item_info *o, xlog *log, const struct xlog_item *it)
{
	const struct xlog_region *r = &it->reg[0];

	if (r->len == sizeof(struct xfs_dinode_log_format)) {
		o->ino = xlog_r64(log, r->p + offsetof(struct xfs_dinode_log_format, ilf_ino));
		o->blkno = (int64_t)xlog_r64(log, r->p + offsetof(struct xfs_dinode_log_format, ilf_blkno));
		o->bblen = xlog_r32(log, r->p + offsetof(struct xfs_dinode_log_format, ilf_len));
		o->boffset = (int32_t)xlog_r32(log, r->p + offsetof(struct xfs_dinode_log_format, ilf_boffset));
	} else if (r->len == XFS_INODE_LOG_FORMAT_32_SIZE) {
		o->fmt32 = true;
		o->ino = xlog_r64(log, r->p + XFS_ILF32_INO);
		o->blkno = (int64_t)xlog_r64(log, r->p + XFS_ILF32_BLKNO);
		o->bblen = xlog_r32(log, r->p + XFS_ILF32_LEN);
		o->boffset = (int32_t)xlog_r32(log, r->p + XFS_ILF32_BOFFSET);
	} else {
		CORRUPT("inode item: format region of %u bytes", r->len);
	}
	o->fields = xlog_r32(log, r->p + 4);
	o->asize = xlog_r16(log, r->p + 8);
	o->dsize = xlog_r16(log, r->p + 10);
	if (o->blkno < 0 || o->boffset < 0 || o->bblen == 0 || o->bblen > 0x10000 ||
	    (uint64_t)o->boffset >= (uint64_t)o->bblen * XLOG_BBSIZE)
		CORRUPT("inode %llu item: buffer daddr %lld length %u offset %d",
			(unsigned long long)o->ino, (long long)o->blkno, o->bblen, o->boffset);
	return 0;
}

/* Intent/done items whose extents follow a 16-byte head: the size must match exactly. */
static int decode_extents(struct xlog_item_info *o, xlog *log, const struct xlog_item *it,
			  uint32_t esize, uint32_t esize_alt)
{
	const struct xlog_region *r = &it->reg[0];

	if (r->len < 16)
		CORRUPT("%s item: format region of %u bytes", o->name, r->len);
	o->nextents = xlog_r32(log, r->p + 4);
	o->id = xlog_r64(log, r->p + 8);
	if ((uint64_t)16 + (uint64_t)o->nextents * esize == r->len)
		o->ext_size = esize;
	else if (esize_alt && (uint64_t)16 + (uint64_t)o->nextents * esize_alt == r->len)
		o->ext_size = esize_alt;
	else
		CORRUPT("%s item %#llx: %u extents do not fill its region of %u bytes", o->name,
			(unsigned long long)o->id, o->nextents, r->len);
	return 0;
}

static int decode_done(struct xlog_item_info *o, xlog *log, const struct xlog_item *it)
{
	if (it->reg[0].len != sizeof(struct xfs_ddone_log_format))
		CORRUPT("%s item: format region of %u bytes", o->name, it->reg[0].len);
	o->id = xlog_r64(log, it->reg[0].p + 8);
	return 0;
}

int xlog_item_decode(struct xlog_item_info *o, xlog *log, const struct xlog_item *it)
{
	const struct xlog_region *r;

	memset(o, 0, sizeof *o);
	if (!it->cnt || it->reg[0].len < 4)
		CORRUPT("log item without a format region");
	r = &it->reg[0];
	o->type = xlog_r16(log, r->p);
	o->name = short_name(o->type);
	o->nregions = it->cnt;
	switch (o->type) {
	case XFS_LI_BUF:
		return decode_buf(o, log, it);
	case XFS_LI_INODE:
		return decode_inode(o, log, it);
	case XFS_LI_DQUOT:
		if (r->len < sizeof(struct xfs_ddq_logformat))
			CORRUPT("dquot item: format region of %u bytes", r->len);
		o->dq_id = xlog_r32(log, r->p + 4);
		o->blkno = (int64_t)xlog_r64(log, r->p + 8);
		/* qlf_len counts filesystem blocks (always one: a dquot chunk's block) */
		if (xlog_r32(log, r->p + 16) != 1)
			CORRUPT("dquot item %u: a buffer of %u blocks", o->dq_id, xlog_r32(log, r->p + 16));
		o->bblen = log->fs->blocksize / XLOG_BBSIZE;
		o->boffset = (int32_t)xlog_r32(log, r->p + 20);
		if (it->cnt < 2)
			CORRUPT("dquot item %u: no dquot region", o->dq_id);
		return 0;
	case XFS_LI_QUOTAOFF:
		if (r->len < 8)
			CORRUPT("quotaoff item: format region of %u bytes", r->len);
		o->qflags = xlog_r32(log, r->p + 4);
		return 0;
	case XFS_LI_ICREATE: {
		struct cur c = cur_init(r->p, r->len);
		if (r->len != sizeof(struct xfs_dicreate_log))
			CORRUPT("icreate item: format region of %u bytes", r->len);
		/* icreate's fields after type and size are big-endian whatever the host */
		o->agno = cur_be32(&c, 4);
		o->agbno = cur_be32(&c, 8);
		o->count = cur_be32(&c, 12);
		o->isize = cur_be32(&c, 16);
		o->length = cur_be32(&c, 20);
		o->gen = cur_be32(&c, 24);
		return 0;
	}
	case XFS_LI_EFI:
		return decode_extents(o, log, it, XFS_EXTENT_64_SIZE, XFS_EXTENT_32_SIZE);
	case XFS_LI_EFD:
		return decode_extents(o, log, it, XFS_EXTENT_64_SIZE, XFS_EXTENT_32_SIZE);
	case XFS_LI_RUI:
	case XFS_LI_BUI:
		if (decode_extents(o, log, it, sizeof(struct xfs_dmap_extent), 0))
			return FSIMG_ECORRUPT;
		if (o->type == XFS_LI_BUI && o->nextents != 1)
			CORRUPT("bui item %#llx: %u extents (one allowed)", (unsigned long long)o->id,
				o->nextents);
		return 0;
	case XFS_LI_CUI:
		return decode_extents(o, log, it, sizeof(struct xfs_dphys_extent), 0);
	case XFS_LI_RUD:
	case XFS_LI_CUD:
	case XFS_LI_BUD:
	case XFS_LI_ATTRD:
	case XFS_LI_XMD:
		return decode_done(o, log, it);
	case XFS_LI_ATTRI:
		if (r->len != sizeof(struct xfs_dattri_log_format))
			CORRUPT("attri item: format region of %u bytes", r->len);
		o->id = xlog_r64(log, r->p + 8);
		o->ino = xlog_r64(log, r->p + 16);
		o->op_flags = xlog_r32(log, r->p + 24);
		o->name_len = xlog_r32(log, r->p + 28);
		o->value_len = xlog_r32(log, r->p + 32);
		o->attr_filter = xlog_r32(log, r->p + 36);
		if (o->name_len == 0 || o->name_len > 255 || o->value_len > 65536)
			CORRUPT("attri item %#llx: name of %u bytes, value of %u",
				(unsigned long long)o->id, o->name_len, o->value_len);
		return 0;
	case XFS_LI_XMI:
		if (r->len != sizeof(struct xfs_dxmi_log_format))
			CORRUPT("xmi item: format region of %u bytes", r->len);
		o->id = xlog_r64(log, r->p + 8);
		o->ino = xlog_r64(log, r->p + 16);
		o->ino2 = xlog_r64(log, r->p + 24);
		o->nextents = 1;
		return 0;
	default:
		return xlog_error(log, FSIMG_EUNSUPP, "log item of unknown type %#x (%s)", o->type,
				  xlog_item_type_name(o->type) ? xlog_item_type_name(o->type)
							       : "not an XFS_LI_* type");
	}
}

void xlog_item_extent(struct xlog_ext *e, const xlog *log, const struct xlog_item *it,
		      const struct xlog_item_info *o, uint32_t i)
{
	const uint8_t *p;

	memset(e, 0, sizeof *e);
	if (i >= o->nextents || !o->ext_size)
		return;
	p = it->reg[0].p + 16 + (size_t)i * o->ext_size;
	switch (o->type) {
	case XFS_LI_EFI:
	case XFS_LI_EFD:
		e->startblock = xlog_r64(log, p);
		e->len = xlog_r32(log, p + 8);
		break;
	case XFS_LI_RUI:
	case XFS_LI_BUI:
		e->owner = xlog_r64(log, p);
		e->startblock = xlog_r64(log, p + 8);
		e->startoff = xlog_r64(log, p + 16);
		e->len = xlog_r32(log, p + 24);
		e->flags = xlog_r32(log, p + 28);
		break;
	case XFS_LI_CUI:
		e->startblock = xlog_r64(log, p);
		e->len = xlog_r32(log, p + 8);
		e->flags = xlog_r32(log, p + 12);
		break;
	default:
		break;
	}
}
