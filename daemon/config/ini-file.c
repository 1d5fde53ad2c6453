/* Line-tracking INI reader on top of libinih. */
#include "config/ini-file.h"

#include <errno.h>
#include <ini.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "filter/utf8.h"
#include "util/readfile.h"

struct ini_stream {
	const char *buf; /* the whole file, read by readfile_regular() */
	size_t len;
	size_t pos;
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

/* Values end up in JSON answers, logs and e-mail: they must be valid UTF-8
 * without control characters (tab excepted).  Adds a diagnostic and returns
 * false otherwise. */
static bool check_text(struct ini_stream *st, const char *s)
{
	size_t len = strlen(s), pos = 0;
	while (pos < len) {
		size_t start = pos;
		uint32_t cp = utf8_next(s, len, &pos);
		if (cp == UTF8_REPLACEMENT &&
		    !(pos - start == 3 && memcmp(s + start, "\xEF\xBF\xBD", 3) == 0)) {
			diag_add(st->diags, st->path, st->line,
			         "not valid UTF-8 (byte 0x%02X at column %zu)",
			         (unsigned char)s[start], start + 1);
			return false;
		}
		if ((cp < 0x20 && cp != '\t') || (cp >= 0x7F && cp <= 0x9F)) {
			diag_add(st->diags, st->path, st->line,
			         "control character U+%04X at column %zu", (unsigned)cp, start + 1);
			return false;
		}
	}
	return true;
}

/* Check one raw line (without its newline); returns false when inih should
 * not see it. */
static bool check_line(struct ini_stream *st, char *s)
{
	size_t n = strlen(s);
	while (n && (s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
	const char *p = skip_ws(s);
	if (st->line == 1 && (unsigned char)p[0] == 0xEF && (unsigned char)p[1] == 0xBB &&
	    (unsigned char)p[2] == 0xBF)
		p += 3;
	if (*p == '\0' || *p == '#' || *p == ';')
		return true;
	if (!check_text(st, p))
		return false;
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

/* inih's reader: the next line of the buffer into str (num bytes).  A line
 * that is refused is handed on as a blank line so that inih sees one line
 * per line of the file. */
static char *reader(char *str, int num, void *stream)
{
	struct ini_stream *st = stream;

	if (st->pos >= st->len)
		return NULL;
	const char *start = st->buf + st->pos;
	const char *nl = memchr(start, '\n', st->len - st->pos);
	size_t n = nl ? (size_t)(nl - start) : st->len - st->pos;
	st->pos += n + (nl ? 1 : 0);
	st->line++;

	strcpy(str, "\n");
	if (n > INI_FILE_MAX_LINE || n + 2 > (size_t)num) {
		diag_add(st->diags, st->path, st->line, "line longer than %d bytes",
		         INI_FILE_MAX_LINE);
		return str;
	}
	if (memchr(start, '\0', n)) {
		diag_add(st->diags, st->path, st->line, "NUL byte in line");
		return str;
	}
	memcpy(str, start, n);
	str[n] = '\0';
	if (!check_line(st, str)) {
		strcpy(str, "\n");
		return str;
	}
	n = strlen(str);
	str[n] = '\n';
	str[n + 1] = '\0';
	return str;
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
	char *buf = NULL;
	size_t len = 0;

	/* systemd style: no inline comments (values may contain ';'), no
	 * Python-style continuation lines, long lines allowed up to our cap
	 * (plus newline and NUL). */
	ini_allow_inline_comments = false;
	ini_allow_multiline = false;
	ini_use_stack = false;
	ini_allow_realloc = false;
	ini_max_line = INI_FILE_MAX_LINE + 3;

	int r = readfile_regular(path, INI_FILE_MAX_SIZE, &buf, &len);
	if (r == -EFBIG) {
		diag_add(diags, path, 0, "larger than %d bytes", INI_FILE_MAX_SIZE);
		return r;
	}
	if (r < 0) {
		diag_add(diags, path, 0, "cannot open: %s", readfile_strerror(r));
		return r;
	}
	st.buf = buf;
	st.len = len;
	r = ini_parse_stream(reader, &st, handler, &st);
	free(buf);
	if (r == -2) {
		diag_add(diags, path, 0, "out of memory while parsing");
		return -ENOMEM;
	}
	/* r > 0 is a syntax error inih saw; check_line already reported every
	 * malformed line with its number, so nothing is added here. */
	return 0;
}
