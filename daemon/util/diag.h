/* Diagnostics: a list of "file:line: message" errors collected in one pass.
 *
 * Parsers (configuration, rule files) never stop at the first mistake: they
 * add each one here and the caller prints them all, like OpenBSD's daemons
 * do in check-only mode. */
#pragma once

#include <stddef.h>
#include <stdio.h>

struct diag {
	char *file;    /* may be NULL when the error is not tied to a file */
	unsigned line; /* 0 when not tied to a line */
	char *msg;
};

struct diag_list {
	struct diag *v;
	size_t n;
	size_t cap;
};

/* Add one error.  Allocation failure is remembered as a final entry, never
 * lost silently. */
void diag_add(struct diag_list *dl, const char *file, unsigned line, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

/* Print every entry as "file:line: message\n" (or "file: message"). */
void diag_print(const struct diag_list *dl, FILE *out);

/* Format entry i into buf like diag_print does; returns buf. */
char *diag_format(const struct diag *d, char *buf, size_t len);

/* Move all entries of src to the end of dst; src is left empty. */
void diag_move(struct diag_list *dst, struct diag_list *src);

void diag_list_clear(struct diag_list *dl);
