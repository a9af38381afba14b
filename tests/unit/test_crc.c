/*
 * crc32c and crc16: published check values, chaining (no inversion inside),
 * and the SSE4.2 and slice-by-8 paths agreeing on every length and alignment.
 */
#include "fixture.h"

#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ext4/ext4.h"

static const char check[] = "123456789";

static void test_crc32c_check_value(void **state)
{
	(void)state;
	/* CRC-32C check value: seed ~0, final xor ~0 done by the caller. */
	assert_int_equal(fsimg_crc32c(~0u, check, 9) ^ ~0u, 0xE3069283u);
	assert_int_equal(crc32c_soft(~0u, check, 9) ^ ~0u, 0xE3069283u);
	assert_int_equal(crc32c_hw(~0u, check, 9) ^ ~0u, 0xE3069283u);
}

static void test_crc32c_rfc3720_vectors(void **state)
{
	uint8_t buf[32];
	unsigned i;

	(void)state;
	/* RFC 3720 (iSCSI) appendix B.4. */
	memset(buf, 0, sizeof(buf));
	assert_int_equal(fsimg_crc32c(~0u, buf, 32) ^ ~0u, 0x8A9136AAu);
	memset(buf, 0xff, sizeof(buf));
	assert_int_equal(fsimg_crc32c(~0u, buf, 32) ^ ~0u, 0x62A8AB43u);
	for (i = 0; i < 32; i++)
		buf[i] = (uint8_t)i;
	assert_int_equal(fsimg_crc32c(~0u, buf, 32) ^ ~0u, 0x46DD794Eu);
	for (i = 0; i < 32; i++)
		buf[i] = (uint8_t)(31 - i);
	assert_int_equal(fsimg_crc32c(~0u, buf, 32) ^ ~0u, 0x113FDB5Cu);
}

static void test_crc32c_chains_without_inversion(void **state)
{
	uint32_t whole, parts;

	(void)state;
	/* ext4 chains: seed -> inode number -> generation -> record. */
	whole = fsimg_crc32c(~0u, check, 9);
	parts = fsimg_crc32c(fsimg_crc32c(~0u, check, 4), check + 4, 5);
	assert_int_equal(whole, parts);
	assert_int_equal(fsimg_crc32c(0x12345678u, NULL, 0), 0x12345678u);
	assert_int_equal(fsimg_crc32c(0x12345678u, check, 0), 0x12345678u);
}

static void test_crc32c_paths_agree(void **state)
{
	static uint8_t buf[16384 + 64];
	size_t len, align;
	uint32_t seed = 0x9e3779b9u;
	unsigned rnd = 12345;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(buf); i++) {
		rnd = rnd * 1103515245u + 12345u;
		buf[i] = (uint8_t)(rnd >> 16);
	}
	if (!crc32c_hw_available())
		skip();
	for (align = 0; align < 16; align++) {
		/* every length to past 3 x 336, through 3 x 168 (an XFS inode) */
		for (len = 0; len <= 1100; len++) {
			seed = seed * 2654435761u + (uint32_t)len;
			assert_int_equal(crc32c_hw(seed, buf + align, len),
					 crc32c_soft(seed, buf + align, len));
		}
		for (len = 1000; len <= 4096; len += 513)
			assert_int_equal(crc32c_hw(~0u, buf + align, len),
					 crc32c_soft(~0u, buf + align, len));
		/* Around the three-stripe lengths (3 x 336, 3 x 1360) and their multiples. */
		for (len = 1000; len <= 16384; len += len < 4200 ? 1 : 89) {
			seed = seed * 2654435761u + (uint32_t)len;
			assert_int_equal(crc32c_hw(seed, buf + align, len),
					 crc32c_soft(seed, buf + align, len));
		}
	}
	assert_int_equal(fsimg_crc32c(~0u, buf, 4096), crc32c_soft(~0u, buf, 4096));
}

static void test_crc32c_impl_name(void **state)
{
	const char *impl = fsimg_crc32c_impl();

	(void)state;
	assert_non_null(impl);
	assert_true(strcmp(impl, "sse4.2") == 0 || strcmp(impl, "slice8") == 0);
	if (crc32c_hw_available() && !getenv("FSIMG_CRC32C"))
		assert_string_equal(impl, "sse4.2");
}

/* The choice is made once per process, so the override is checked in a child. */
static void test_crc32c_env_forces_soft(void **state)
{
	pid_t pid;
	int status;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		setenv("FSIMG_CRC32C", "soft", 1);
		execl("/proc/self/exe", "test_crc", "--print-impl", (char *)NULL);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_crc16_check_values(void **state)
{
	(void)state;
	/* CRC-16/ARC (seed 0) and CRC-16/MODBUS (seed ~0): poly 0x8005 reflected. */
	assert_int_equal(fsimg_crc16(0, check, 9), 0xBB3D);
	assert_int_equal(fsimg_crc16(0xFFFF, check, 9), 0x4B37);
	assert_int_equal(fsimg_crc16(fsimg_crc16(0xFFFF, check, 3), check + 3, 6), 0x4B37);
	assert_int_equal(fsimg_crc16(0xBEEF, check, 0), 0xBEEF);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crc32c_check_value),
		cmocka_unit_test(test_crc32c_rfc3720_vectors),
		cmocka_unit_test(test_crc32c_chains_without_inversion),
		cmocka_unit_test(test_crc32c_paths_agree),
		cmocka_unit_test(test_crc32c_impl_name),
		cmocka_unit_test(test_crc32c_env_forces_soft),
		cmocka_unit_test(test_crc16_check_values),
	};

	if (argc > 1 && strcmp(argv[1], "--print-impl") == 0) {
		const char *impl = fsimg_crc32c_impl();

		return strcmp(impl, "slice8") == 0 &&
			       (fsimg_crc32c(~0u, check, 9) ^ ~0u) == 0xE3069283u
			       ? 0
			       : 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
