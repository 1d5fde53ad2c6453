/* readfile_regular(): configuration, rule and token files are read without
 * blocking, only when they are regular files, and never beyond a cap. */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "t.h"
#include "tfs.h"

#include "util/readfile.h"

static int read_at(const char *dir, const char *rel, size_t max, char **buf, size_t *len)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	return readfile_regular(path, max, buf, len);
}

static void test_reads_a_regular_file_whole(void)
{
	char *dir = tfs_mkdtemp(), *buf = NULL;
	size_t len = 0;
	tfs_write(dir, "f", "hello\nworld\n");
	T_EQ_INT(0, read_at(dir, "f", 1024, &buf, &len));
	T_EQ_INT(12, len);
	T_EQ_STR("hello\nworld\n", buf);
	free(buf);
	tfs_rmrf(dir);
}

static void test_empty_file_is_an_empty_buffer(void)
{
	char *dir = tfs_mkdtemp(), *buf = NULL;
	size_t len = 99;
	tfs_write(dir, "empty", "");
	T_EQ_INT(0, read_at(dir, "empty", 1024, &buf, &len));
	T_EQ_INT(0, len);
	T_EQ_STR("", buf);
	free(buf);
	tfs_rmrf(dir);
}

static void test_size_cap_is_exact(void)
{
	char *dir = tfs_mkdtemp(), *buf = NULL;
	size_t len = 0;
	tfs_write(dir, "ten", "0123456789");
	T_EQ_INT(0, read_at(dir, "ten", 10, &buf, &len));
	T_EQ_INT(10, len);
	free(buf);
	buf = NULL;
	T_EQ_INT(-EFBIG, read_at(dir, "ten", 9, &buf, &len));
	T_ASSERT(buf == NULL);
	tfs_rmrf(dir);
}

/* A file whose size says 0 but that holds data (as in /proc) is read, and
 * still capped. */
static void test_proc_file_with_size_zero_is_read_and_capped(void)
{
	char *buf = NULL;
	size_t len = 0;
	struct stat st;
	if (stat("/proc/self/status", &st) < 0 || st.st_size != 0) {
		printf("# skipped: no /proc/self/status of size 0\n");
		return;
	}
	T_EQ_INT(0, readfile_regular("/proc/self/status", 1 << 20, &buf, &len));
	T_ASSERT(len > 0);
	T_CONTAINS(buf, "Name:");
	free(buf);
	buf = NULL;
	T_EQ_INT(-EFBIG, readfile_regular("/proc/self/status", 16, &buf, &len));
}

static void test_fifo_is_refused_without_blocking(void)
{
	char *dir = tfs_mkdtemp(), *buf = NULL, path[4096];
	size_t len = 0;
	snprintf(path, sizeof(path), "%s/fifo", dir);
	T_EQ_INT(0, mkfifo(path, 0600));
	/* No writer: a blocking open would never return. */
	T_EQ_INT(-EBADFD, readfile_regular(path, 1024, &buf, &len));
	T_ASSERT(buf == NULL);
	tfs_rmrf(dir);
}

static void test_devices_and_directories_are_refused(void)
{
	char *dir = tfs_mkdtemp(), *buf = NULL, path[4096];
	size_t len = 0;
	T_EQ_INT(-EBADFD, readfile_regular("/dev/zero", 1 << 20, &buf, &len));
	T_EQ_INT(-EBADFD, readfile_regular("/dev/urandom", 1 << 20, &buf, &len));
	T_EQ_INT(-EISDIR, readfile_regular(dir, 1 << 20, &buf, &len));
	/* Through a symbolic link too: the opened file is what is checked. */
	snprintf(path, sizeof(path), "%s/zero.conf", dir);
	T_EQ_INT(0, symlink("/dev/zero", path));
	T_EQ_INT(-EBADFD, readfile_regular(path, 1 << 20, &buf, &len));
	T_ASSERT(buf == NULL);
	T_CONTAINS(readfile_strerror(-EBADFD), "not a regular file");
	T_CONTAINS(readfile_strerror(-EISDIR), "directory");
	tfs_rmrf(dir);
}

static void test_symlink_to_regular_file_is_followed(void)
{
	char *dir = tfs_mkdtemp(), *buf = NULL, target[4096], link[4096];
	size_t len = 0;
	tfs_write(dir, "real", "content");
	snprintf(target, sizeof(target), "%s/real", dir);
	snprintf(link, sizeof(link), "%s/link", dir);
	T_EQ_INT(0, symlink(target, link));
	T_EQ_INT(0, readfile_regular(link, 1024, &buf, &len));
	T_EQ_STR("content", buf);
	free(buf);
	tfs_rmrf(dir);
}

static void test_missing_file_is_enoent(void)
{
	char *buf = NULL;
	size_t len = 0;
	T_EQ_INT(-ENOENT, readfile_regular("/nonexistent/vakt", 1024, &buf, &len));
}

int main(void)
{
	T_RUN(test_reads_a_regular_file_whole);
	T_RUN(test_empty_file_is_an_empty_buffer);
	T_RUN(test_size_cap_is_exact);
	T_RUN(test_proc_file_with_size_zero_is_read_and_capped);
	T_RUN(test_fifo_is_refused_without_blocking);
	T_RUN(test_devices_and_directories_are_refused);
	T_RUN(test_symlink_to_regular_file_is_followed);
	T_RUN(test_missing_file_is_enoent);
	return t_done();
}
