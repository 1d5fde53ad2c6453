#include "t.h"
#include "util/diag.h"

static void test_formats_file_and_line(void)
{
	struct diag_list dl = { 0 };
	char buf[256];
	diag_add(&dl, "vaktd.conf", 12, "unknown key '%s'", "Foo");
	diag_add(&dl, "vaktd.conf", 0, "cannot open");
	diag_add(&dl, NULL, 0, "plain");
	T_EQ_INT(3, dl.n);
	T_EQ_STR("vaktd.conf:12: unknown key 'Foo'", diag_format(&dl.v[0], buf, sizeof(buf)));
	T_EQ_STR("vaktd.conf: cannot open", diag_format(&dl.v[1], buf, sizeof(buf)));
	T_EQ_STR("plain", diag_format(&dl.v[2], buf, sizeof(buf)));
	diag_list_clear(&dl);
	T_EQ_INT(0, dl.n);
}

static void test_move_keeps_order(void)
{
	struct diag_list a = { 0 }, b = { 0 };
	diag_add(&a, "a", 1, "first");
	diag_add(&b, "b", 2, "second");
	diag_move(&a, &b);
	T_EQ_INT(2, a.n);
	T_EQ_INT(0, b.n);
	T_EQ_STR("second", a.v[1].msg);
	diag_list_clear(&a);
}

int main(void)
{
	T_RUN(test_formats_file_and_line);
	T_RUN(test_move_keeps_order);
	return t_done();
}
