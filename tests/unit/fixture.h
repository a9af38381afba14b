/* Shared includes for the cmocka unit tests. */
#ifndef FSIMG_TEST_FIXTURE_H
#define FSIMG_TEST_FIXTURE_H
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#endif
