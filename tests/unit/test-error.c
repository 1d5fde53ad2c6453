/* The error convention: vakt_strerror() names every code. */
#include <errno.h>

#include "t.h"

#include "util/error.h"

/* Every code util/error.h lists, with a word of its text. */
static const struct {
	int code;
	const char *word;
} domain[] = {
	{ STORE_E_SQLITE, "database" },         { STORE_E_TOO_NEW, "newer" },
	{ STORE_E_CORRUPT, "damaged" },         { DEADLINE_E_EXISTS, "already has" },
	{ DEADLINE_E_STATE, "state" },          { DEADLINE_E_PASSED, "passed" },
	{ DEADLINE_E_TOO_EARLY, "six months" },
};

static void test_names_every_domain_code(void)
{
	for (size_t i = 0; i < sizeof(domain) / sizeof(domain[0]); i++) {
		T_CONTAINS(vakt_strerror(domain[i].code), domain[i].word);
		T_ASSERT(vakt_error_known(domain[i].code));
	}
}

static void test_domain_codes_are_distinct(void)
{
	size_t n = sizeof(domain) / sizeof(domain[0]);
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++) {
			T_ASSERT(domain[i].code != domain[j].code);
			T_ASSERT(strcmp(vakt_strerror(domain[i].code),
			                vakt_strerror(domain[j].code)) != 0);
		}
}

static void test_names_errno_and_success(void)
{
	T_EQ_STR("success", vakt_strerror(0));
	T_EQ_STR(strerror(ENOENT), vakt_strerror(-ENOENT));
	T_EQ_STR(strerror(EWOULDBLOCK), vakt_strerror(-EWOULDBLOCK));
	T_ASSERT(vakt_error_known(-ENOMEM));
}

static void test_unknown_code_is_named_with_its_number(void)
{
	T_EQ_STR("unknown error 9", vakt_strerror(9));
	T_EQ_STR("unknown error 100000", vakt_strerror(100000));
	T_ASSERT(!vakt_error_known(9));
	T_ASSERT(!vakt_error_known(-100000));
}

int main(void)
{
	T_RUN(test_names_every_domain_code);
	T_RUN(test_domain_codes_are_distinct);
	T_RUN(test_names_errno_and_success);
	T_RUN(test_unknown_code_is_named_with_its_number);
	return t_done();
}
