/* A minimal test harness: CHECK records a failure with file:line and goes
 * on; TEST_MAIN runs the listed tests by name and returns non-zero if any
 * check failed, printing "N passed, N failed". */
#ifndef OMEN_TEST_H
#define OMEN_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int test_failures;

#define CHECK(cond)                                                                                          \
	do {                                                                                                 \
		if (!(cond)) {                                                                               \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);             \
			test_failures++;                                                                     \
		}                                                                                            \
	} while (0)

#define CHECK_EQ_INT(a, b)                                                                                   \
	do {                                                                                                 \
		long long a_ = (long long)(a), b_ = (long long)(b);                                          \
		if (a_ != b_) {                                                                              \
			fprintf(stderr, "%s:%d: CHECK failed: %s == %s (%lld vs %lld)\n", __FILE__,          \
				__LINE__, #a, #b, a_, b_);                                                   \
			test_failures++;                                                                     \
		}                                                                                            \
	} while (0)

typedef struct test_case {
	const char *name;
	void (*fn)(void);
} test_case;

static inline int test_run(const test_case *tests, size_t n, int argc, char **argv)
{
	int passed = 0, failed = 0;
	for (size_t i = 0; i < n; i++) {
		if (argc > 1 && strcmp(argv[1], tests[i].name) != 0)
			continue;
		int before = test_failures;
		tests[i].fn();
		if (test_failures == before) {
			printf("ok   %s\n", tests[i].name);
			passed++;
		} else {
			printf("FAIL %s\n", tests[i].name);
			failed++;
		}
		fflush(stdout);
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed == 0 && passed > 0 ? 0 : 1;
}

#define TEST_MAIN(...)                                                                                       \
	int main(int argc, char **argv)                                                                      \
	{                                                                                                    \
		static const test_case tests_[] = {__VA_ARGS__};                                             \
		return test_run(tests_, sizeof(tests_) / sizeof(tests_[0]), argc, argv);                     \
	}

#define TEST(fn)                                                                                             \
	{                                                                                                    \
#fn, fn                                                                                      \
	}

#endif
