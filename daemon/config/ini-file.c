/* Line-tracking INI reader on top of libinih. */
#include "config/ini-file.h"

#include <errno.h>
#include <ini.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ini_stream {
	FILE *f;
	const char *path;
	unsigned line;   /* the line inih is looking at now */
	bool section_ok; /* current section is known */
	bool in_section;
	char section[256];
	ini_section_fn on_section;
	ini_value_fn on_value;
	void *user;
	struct diag_list *diags;
	int read_error; /* errno of a read that failed before the end */
};

static const char *skip_ws(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

/* Check one raw line; returns false when inih should not see it. */
static bool check_line(struct ini_stream *st, char *s)
{
	size_t n = strlen(s);
	while (n && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
	const char *p = skip_ws(s);
	if (st->line == 1 && (unsigned char)p[0] == 0xEF && (unsigned char)p[1] == 0xBB &&
	    (unsigned char)p[2] == 0xBF)
		p += 3;
	if (*p == '\0' || *p == '#' || *p == ';')
		return true;
	if (*p == '[') {
		const char *end = strchr(p, ']');
		if (!end || end[1] != '\0' || end == p + 1) {
			diag_add(st->diags, st->path, st->line, "malformed section header");
			st->in_section = true;
			st->section_ok = false;
			return false;
		}
		size_t len = (size_t)(end - p - 1);
		if (len >= sizeof(st->section)) {
			diag_add(st->diags, st->path, st->line, "section name too long");
			st->in_section = true;
			st->section_ok = false;
			return false;
		}
		memcpy(st->section, p + 1, len);
		st->section[len] = '\0';
		st->in_section = true;
		st->section_ok =
		        st->on_section(st->user, st->section, st->path, st->line, st->diags) == 0;
		return true;
	}
	const char *eq = strchr(p, '=');
	if (!eq) {
		diag_add(st->diags, st->path, st->line,
		         "expected 'Key=Value', '[Section]' or a comment");
		return false;
	}
	if (eq == p) {
		diag_add(st->diags, st->path, st->line, "missing key before '='");
		return false;
	}
	if (!st->in_section) {
		diag_add(st->diags, st->path, st->line, "key outside of any [Section]");
		return false;
	}
	return true;
}

static char *reader(char *str, int num, void *stream)
{
	struct ini_stream *st = stream;
	char *line = NULL;
	size_t cap = 0;

	for (;;) {
		ssize_t n = getline(&line, &cap, st->f);
		if (n < 0) {
			/* Not the end: the rest of the file would silently be
			 * missing from the configuration. */
			if (!feof(st->f))
				st->read_error = errno ? errno : EIO;
			free(line);
			return NULL;
		}
		st->line++;
		if ((size_t)n >= INI_FILE_MAX_LINE || n >= num - 1) {
			diag_add(st->diags, st->path, st->line, "line longer than %d bytes",
			         INI_FILE_MAX_LINE);
			continue;
		}
		if (memchr(line, '\0', (size_t)n)) {
			diag_add(st->diags, st->path, st->line, "NUL byte in line");
			continue;
		}
		if (!check_line(st, line)) {
			/* Hand inih a blank line so its own line count stays ours. */
			strcpy(str, "\n");
			free(line);
			return str;
		}
		memcpy(str, line, strlen(line) + 1);
		free(line);
		return str;
	}
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
	struct ini_stream *st = user;
	if (!st->section_ok)
		return 1;
	st->on_value(st->user, section, name, value ? value : "", st->path, st->line, st->diags);
	return 1;
}

int ini_file_parse(const char *path, ini_section_fn on_section, ini_value_fn on_value, void *user,
                   struct diag_list *diags)
{
	struct ini_stream st = {
		.path = path,
		.on_section = on_section,
		.on_value = on_value,
		.user = user,
		.diags = diags,
	};

	/* systemd style: no inline comments (values may contain ';'), no
	 * Python-style continuation lines, long lines allowed up to our cap. */
	ini_allow_inline_comments = false;
	ini_allow_multiline = false;
	ini_use_stack = false;
	ini_allow_realloc = false;
	ini_max_line = INI_FILE_MAX_LINE + 3;

	st.f = fopen(path, "re");
	if (!st.f) {
		int err = errno;
		diag_add(diags, path, 0, "cannot open: %s", strerror(err));
		return -err;
	}
	int rc = ini_parse_stream(reader, &st, handler, &st);
	fclose(st.f);
	if (st.read_error) {
		diag_add(diags, path, st.line + 1, "cannot read: %s", strerror(st.read_error));
		return -st.read_error;
	}
	if (rc == -2) {
		diag_add(diags, path, 0, "out of memory while parsing");
		return -ENOMEM;
	}
	/* rc > 0 is a syntax error inih saw; check_line already reported every
	 * malformed line with its number, so nothing is added here. */
	return 0;
}
