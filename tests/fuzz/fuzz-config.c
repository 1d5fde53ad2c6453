/* The configuration loader on a whole configuration directory.
 *
 * Framing: the input is split into files at lines "@@ NAME" (NAME is
 * vaktd.conf, vaktd.conf.d/X.conf or accounts.d/X.conf; X is made of
 * [A-Za-z0-9._-]); text before the first such line is vaktd.conf.  A name
 * outside that set, or repeated, is skipped.  Each input gets a fresh
 * temporary directory, so nothing carries over between inputs. */
#include "fuzz.h"

#include <fcntl.h>

#include "config/config.h"

static char *root;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	root = fuzz_mkdtemp();
	return 0;
}

static int name_ok(const char *n, size_t len)
{
	const char *base = n;
	if (len == 10 && memcmp(n, "vaktd.conf", 10) == 0)
		return 1;
	if (len > 13 && memcmp(n, "vaktd.conf.d/", 13) == 0)
		base = n + 13;
	else if (len > 11 && memcmp(n, "accounts.d/", 11) == 0)
		base = n + 11;
	else
		return 0;
	size_t blen = len - (size_t)(base - n);
	if (blen > 64 || base[0] == '.')
		return 0;
	for (size_t i = 0; i < blen; i++)
		if (!((base[i] >= 'a' && base[i] <= 'z') || (base[i] >= 'A' && base[i] <= 'Z') ||
		      (base[i] >= '0' && base[i] <= '9') || base[i] == '.' || base[i] == '_' ||
		      base[i] == '-'))
			return 0;
	return 1;
}

static void write_file(const char *dir, const char *name, size_t nlen, const uint8_t *p, size_t len)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%.*s", dir, (int)nlen, name);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return; /* repeated name */
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n <= 0)
			abort();
		p += n, len -= (size_t)n;
	}
	close(fd);
}

/* The offset of the first "@@ " line at or after pos, or size. */
static size_t next_header(const uint8_t *data, size_t size, size_t pos)
{
	for (size_t p = pos; p + 3 <= size; p++)
		if ((p == 0 || data[p - 1] == '\n') && memcmp(data + p, "@@ ", 3) == 0)
			return p;
	return size;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char dir[512], sub[600];
	static unsigned long seq;
	snprintf(dir, sizeof(dir), "%s/%lu", root, seq++);
	if (mkdir(dir, 0700) < 0)
		abort();
	snprintf(sub, sizeof(sub), "%s/vaktd.conf.d", dir);
	mkdir(sub, 0700);
	snprintf(sub, sizeof(sub), "%s/accounts.d", dir);
	mkdir(sub, 0700);

	const char *name = "vaktd.conf";
	size_t nlen = 10, start = 0;
	int explicit_name = 0;
	for (;;) {
		size_t h = next_header(data, size, start);
		if ((h > start || explicit_name) && name_ok(name, nlen))
			write_file(dir, name, nlen, data + start, h - start);
		if (h == size)
			break;
		const uint8_t *nl = memchr(data + h, '\n', size - h);
		size_t end = nl ? (size_t)(nl - data) : size;
		name = (const char *)data + h + 3;
		nlen = end - h - 3;
		start = nl ? end + 1 : size;
		explicit_name = 1;
	}

	struct config *c = NULL;
	struct diag_list dl = { 0 };
	char state[600], sock[600];
	snprintf(state, sizeof(state), "%s/state", dir);
	snprintf(sock, sizeof(sock), "%s/api.sock", dir);
	struct config_overrides ovr = { .state_dir = state, .api_socket = sock };
	if (config_load(dir, &ovr, &c, &dl) == 0) {
		config_count_enabled(c);
		config_free(c);
	}
	/* Format every diagnostic: they quote the input. */
	for (size_t i = 0; i < dl.n; i++) {
		char buf[1024];
		diag_format(&dl.v[i], buf, sizeof(buf));
	}
	diag_list_clear(&dl);
	fuzz_rmrf(dir);
	return 0;
}
