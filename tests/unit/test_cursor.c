/*
 * The cursor: byte order of every reader, and the sticky error for reads
 * that fall outside the buffer (including offsets that would wrap).
 */
#include "fixture.h"

#include "core/array.h"
#include "core/cursor.h"

static const uint8_t bytes[8] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08 };

static void test_endianness(void **state)
{
	struct cur c = cur_init(bytes, sizeof(bytes));

	(void)state;
	assert_int_equal(cur_u8(&c, 0), 0x01);
	assert_int_equal(cur_le16(&c, 0), 0x0201);
	assert_int_equal(cur_be16(&c, 0), 0x0102);
	assert_int_equal(cur_le32(&c, 0), 0x04030201u);
	assert_int_equal(cur_be32(&c, 0), 0x01020304u);
	assert_true(cur_le64(&c, 0) == 0x0807060504030201ull);
	assert_true(cur_be64(&c, 0) == 0x0102030405060708ull);
	assert_int_equal(cur_le32(&c, 4), 0x08070605u);
	assert_int_equal(c.err, 0);
}

static void test_high_bit_no_sign_extension(void **state)
{
	static const uint8_t ff[8] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x80 };
	struct cur c = cur_init(ff, sizeof(ff));

	(void)state;
	assert_int_equal(cur_le16(&c, 0), 0xffff);
	assert_int_equal(cur_le32(&c, 0), 0xffffffffu);
	assert_true(cur_le64(&c, 0) == 0x80ffffffffffffffull);
	assert_true(cur_be64(&c, 0) == 0xffffffffffffff80ull);
	assert_int_equal(c.err, 0);
}

static void test_out_of_range_is_sticky(void **state)
{
	struct cur c = cur_init(bytes, sizeof(bytes));

	(void)state;
	/* The last whole field fits; one byte more does not. */
	assert_int_equal(cur_le32(&c, 4), 0x08070605u);
	assert_int_equal(c.err, 0);
	assert_int_equal(cur_le32(&c, 5), 0);
	assert_int_equal(c.err, 1);
	/* Later in-range reads still work but the error stays. */
	assert_int_equal(cur_u8(&c, 0), 0x01);
	assert_int_equal(c.err, 1);
}

static void test_each_reader_out_of_range(void **state)
{
	struct cur c;

	(void)state;
	c = cur_init(bytes, sizeof(bytes));
	assert_int_equal(cur_u8(&c, 8), 0);
	assert_int_equal(c.err, 1);
	c = cur_init(bytes, sizeof(bytes));
	assert_int_equal(cur_le16(&c, 7), 0);
	assert_int_equal(c.err, 1);
	c = cur_init(bytes, sizeof(bytes));
	assert_int_equal(cur_be16(&c, 7), 0);
	assert_int_equal(c.err, 1);
	c = cur_init(bytes, sizeof(bytes));
	assert_int_equal(cur_be32(&c, 6), 0);
	assert_int_equal(c.err, 1);
	c = cur_init(bytes, sizeof(bytes));
	(void)cur_le64(&c, 1);
	assert_int_equal(c.err, 1);
	c = cur_init(bytes, sizeof(bytes));
	(void)cur_be64(&c, 4);
	assert_int_equal(c.err, 1);
	c = cur_init(bytes, sizeof(bytes));
	assert_true(cur_le64(&c, 8) == 0);
	assert_int_equal(c.err, 1);
}

static void test_wrapping_offsets(void **state)
{
	struct cur c = cur_init(bytes, sizeof(bytes));

	(void)state;
	/* off + n would wrap around SIZE_MAX: must not look in range. */
	assert_int_equal(cur_le32(&c, SIZE_MAX - 1), 0);
	assert_int_equal(c.err, 1);
	c = cur_init(bytes, sizeof(bytes));
	assert_null(cur_ptr(&c, 2, SIZE_MAX));
	assert_int_equal(c.err, 1);
}

static void test_empty_buffer(void **state)
{
	struct cur c = cur_init(NULL, 0);

	(void)state;
	assert_true(cur_ok(&c, 0, 0));
	assert_int_equal(c.err, 0);
	assert_int_equal(cur_u8(&c, 0), 0);
	assert_int_equal(c.err, 1);
}

/* A stand-in on-disk struct: the CUR_* macros take offsets from it. */
struct test_sb {
	uint8_t pad[0x38];
	uint16_t magic;
};

static void test_bytes_and_macros(void **state)
{
	uint8_t raw[1024] = { 0 };
	uint8_t out[4] = { 0xaa, 0xaa, 0xaa, 0xaa };
	struct cur c;

	(void)state;
	put_le16(raw + 0x38, 0xEF53);
	put_le32(raw + 0x60, 0x12345678u);
	c = cur_init(raw, sizeof(raw));
	assert_int_equal(CUR_LE16(&c, 0, struct test_sb, magic), 0xEF53);
	assert_int_equal(CUR_LE16(&c, 0x10, struct test_sb, magic), 0);
	assert_int_equal(cur_le32(&c, 0x60), 0x12345678u);
	cur_bytes(&c, 0x60, out, 4);
	assert_memory_equal(out, "\x78\x56\x34\x12", 4);
	assert_int_equal(c.err, 0);
	/* Out of range: the copy is zeros, the error is set. */
	cur_bytes(&c, 1022, out, 4);
	assert_memory_equal(out, "\0\0\0\0", 4);
	assert_int_equal(c.err, 1);
}

static void test_stores(void **state)
{
	uint8_t b[4];
	struct cur c = cur_init(b, sizeof(b));

	(void)state;
	put_le32(b, 0xdeadbeefu);
	assert_int_equal(cur_le32(&c, 0), 0xdeadbeefu);
	put_be32(b, 0xdeadbeefu);
	assert_int_equal(cur_be32(&c, 0), 0xdeadbeefu);
	put_le16(b, 0xbeef);
	assert_int_equal(cur_le16(&c, 0), 0xbeef);
}

/* The sorted-array search every lookup table shares: keys of 4 and 8 bytes, not first in the element. */
static void test_array_lower_bound(void **state)
{
	struct e32 { uint16_t pad; uint32_t key; } a[] = { { 0, 2 }, { 0, 4 }, { 0, 4 }, { 0, 9 } };
	struct e64 { uint32_t pad; uint64_t key; } b[] = { { 0, 1 }, { 0, UINT64_C(1) << 40 } };
	struct e64 *none = NULL;

	(void)state;
	assert_int_equal(ARRAY_LOWER_BOUND(a, 4, key, 0), 0);
	assert_int_equal(ARRAY_LOWER_BOUND(a, 4, key, 2), 0);
	assert_int_equal(ARRAY_LOWER_BOUND(a, 4, key, 3), 1);
	assert_int_equal(ARRAY_LOWER_BOUND(a, 4, key, 4), 1);  /* the first of equal keys */
	assert_int_equal(ARRAY_LOWER_BOUND(a, 4, key, 5), 3);
	assert_int_equal(ARRAY_LOWER_BOUND(a, 4, key, 10), 4);
	/* a 64-bit key is compared whole: a 32-bit key never matches a larger one */
	assert_int_equal(ARRAY_LOWER_BOUND(a, 4, key, UINT64_C(1) << 32 | 2), 4);
	assert_int_equal(ARRAY_LOWER_BOUND(b, 2, key, 2), 1);
	assert_int_equal(ARRAY_LOWER_BOUND(b, 2, key, (UINT64_C(1) << 40) + 1), 2);
	assert_int_equal(ARRAY_LOWER_BOUND(none, 0, key, 7), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_endianness),
		cmocka_unit_test(test_high_bit_no_sign_extension),
		cmocka_unit_test(test_out_of_range_is_sticky),
		cmocka_unit_test(test_each_reader_out_of_range),
		cmocka_unit_test(test_wrapping_offsets),
		cmocka_unit_test(test_empty_buffer),
		cmocka_unit_test(test_bytes_and_macros),
		cmocka_unit_test(test_stores),
		cmocka_unit_test(test_array_lower_bound),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
