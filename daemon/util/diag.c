/* Collected file:line diagnostics. */
#include "util/diag.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void diag_add(struct diag_list *dl, const char *file, unsigned line, const char *fmt, ...)
{
	va_list ap;
	char *msg = NULL;

	if (dl->n == dl->cap) {
		size_t cap = dl->cap ? dl->cap * 2 : 8;
		struct diag *v = realloc(dl->v, cap * sizeof(*v));
		if (!v)
			return;
		dl->v = v;
		dl->cap = cap;
	}
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	dl->v[dl->n].file = file ? strdup(file) : NULL;
	dl->v[dl->n].line = line;
	dl->v[dl->n].msg = msg ? msg : strdup("out of memory");
	dl->n++;
}

char *diag_format(const struct diag *d, char *buf, size_t len)
{
	if (d->file && d->line)
		snprintf(buf, len, "%s:%u: %s", d->file, d->line, d->msg ? d->msg : "");
	else if (d->file)
		snprintf(buf, len, "%s: %s", d->file, d->msg ? d->msg : "");
	else
		snprintf(buf, len, "%s", d->msg ? d->msg : "");
	return buf;
}

void diag_print(const struct diag_list *dl, FILE *out)
{
	char buf[2048];
	for (size_t i = 0; i < dl->n; i++)
		fprintf(out, "%s\n", diag_format(&dl->v[i], buf, sizeof(buf)));
}

void diag_move(struct diag_list *dst, struct diag_list *src)
{
	for (size_t i = 0; i < src->n; i++) {
		struct diag *d = &src->v[i];
		diag_add(dst, d->file, d->line, "%s", d->msg ? d->msg : "");
	}
	diag_list_clear(src);
}

void diag_list_clear(struct diag_list *dl)
{
	for (size_t i = 0; i < dl->n; i++) {
		free(dl->v[i].file);
		free(dl->v[i].msg);
	}
	free(dl->v);
	memset(dl, 0, sizeof(*dl));
}
