/*
 * EFI items as a log holds them (libfsimg/xlog/item.c): the extent records
 * of the 64-bit format (struct xfs_extent_64, 16 bytes: what Linux writes
 * on 64-bit hosts, v4 and v5) or of the 32-bit one (struct xfs_extent_32,
 * packed, 12 bytes: a 32-bit host's v4 log), told apart by the format
 * region's size as xfs_efi_copy_format does (16 + n records); a region
 * neither size fills is corrupt. Items in the log's byte order (h_fmt: a
 * little-endian host's here).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/cursor.h"
#include "xlog/format.h"
#include "xlog/xlog.h"

/* An EFI of two extents (fsb 0x1122334455+7, fsb 9+1) with records of esize bytes. */
static size_t efi(uint8_t *b, uint32_t esize)
{
	static const uint64_t start[] = { 0x1122334455ull, 9 };
	static const uint32_t len[] = { 7, 1 };

	memset(b, 0xee, 64);
	put_le16(b, XFS_LI_EFI);
	put_le16(b + 2, 1);
	put_le32(b + 4, 2);
	put_le64(b + 8, 0xffff888812345678ull);
	for (uint32_t i = 0; i < 2; i++) {
		put_le64(b + 16 + i * esize, start[i]);
		put_le32(b + 24 + i * esize, len[i]);
	}
	return 16 + 2 * esize;
}

static void decode(uint32_t esize, size_t len_delta, int want)
{
	uint8_t b[64];
	struct xlog_region r = { b, 0 };
	struct xlog_item it;
	struct xlog_item_info o;
	struct xlog_ext e;
	xlog log;

	memset(&log, 0, sizeof log);
	log.le = true;
	memset(&it, 0, sizeof it);
	r.len = (uint32_t)(efi(b, esize) + len_delta);
	it.total = it.cnt = 1;
	it.reg = &r;
	assert_int_equal(xlog_item_decode(&o, &log, &it), want);
	if (want)
		return;
	assert_int_equal(o.type, XFS_LI_EFI);
	assert_int_equal(o.nextents, 2);
	assert_int_equal(o.ext_size, esize);
	xlog_item_extent(&e, &log, &it, &o, 0);
	assert_true(e.startblock == 0x1122334455ull);
	assert_int_equal(e.len, 7);
	xlog_item_extent(&e, &log, &it, &o, 1);
	assert_true(e.startblock == 9);
	assert_int_equal(e.len, 1);
}

static void efi_64(void **state)
{
	(void)state;
	decode(16, 0, 0);
}

static void efi_32(void **state)
{
	(void)state;
	decode(12, 0, 0);
}

static void efi_neither(void **state)
{
	(void)state;
	decode(16, 4, FSIMG_ECORRUPT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(efi_64),
		cmocka_unit_test(efi_32),
		cmocka_unit_test(efi_neither),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
