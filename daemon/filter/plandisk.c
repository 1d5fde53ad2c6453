/* The prefilter plan on disk (see plandisk.h). */
#include "filter/plandisk.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "filter/aho.h"
#include "filter/prefcache.h"
#include "filter/prefilter.h"
#include "filter/reach.h"
#include "filter/rules.h" /* pcre2.h */
#include "util/buildid.h"

/* The header, PLAN_DISK_HEADER bytes, in the host's order:
 *   magic[8] format(u32) byte_order(u32) sizes(3 x u32) key[32]
 *   payload_len(u64) payload_sha256[32]
 * then the payload:
 *   nslots nsets nprimary nfan (u64 each), the slots (SLOT_BYTES each,
 *   field by field: no padding on disk), fan_off (nsets + 2 x u32), the
 *   fan (nfan x struct plan_fan), the two automata (aho_image_write()). */
static const char MAGIC[8] = "VAKTPLN";
#define BYTE_ORDER_MARK 0x01020304u
#define OFF_ORDER 12
#define OFF_SIZES 16
#define OFF_KEY 28
#define OFF_LEN 60
#define OFF_SUM 68
_Static_assert(OFF_SUM + 32 == PLAN_DISK_HEADER, "header layout");
_Static_assert(PLAN_DISK_OFF_FORMAT + 4 == OFF_ORDER, "header layout");
#define SLOT_BYTES 57
/* A file larger than this is not a plan (ten times the shipped rules'
 * plan is about 40 MB). */
#define MAX_FILE (1024ull * 1024 * 1024)

static void say(char *why, size_t whylen, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
static void say(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
}

static void sizes_of(uint32_t v[3])
{
	v[0] = (uint32_t)sizeof(size_t);
	v[1] = (uint32_t)sizeof(struct plan_slot);
	v[2] = (uint32_t)sizeof(struct plan_fan);
}

static int sha256(const void *buf, size_t len, unsigned char out[32])
{
	unsigned int n = 0;
	return EVP_Digest(buf, len, out, &n, EVP_sha256(), NULL) && n == 32 ? 0 : -ENOMEM;
}

static int feed(EVP_MD_CTX *ctx, const void *v, size_t n)
{
	return EVP_DigestUpdate(ctx, v, n) ? 0 : -ENOMEM;
}

static int feed_str(EVP_MD_CTX *ctx, const char *s)
{
	const uint64_t n = strlen(s);
	return feed(ctx, &n, sizeof(n)) < 0 || feed(ctx, s, n) < 0 ? -ENOMEM : 0;
}

int plan_disk_key(const char *const *src, const uint32_t *first, const uint8_t *tag, size_t n,
                  unsigned char key[PLAN_DISK_KEY_LEN])
{
	char id[256], pcre[64] = "";
	const uint32_t format = PLAN_DISK_FORMAT, order = BYTE_ORDER_MARK;
	const uint64_t nslots = n;
	uint32_t sizes[3];
	unsigned int len = 0;
	int r = vakt_build_id(id, sizeof(id));
	if (r < 0)
		return r;
	if (pcre2_config(PCRE2_CONFIG_VERSION, pcre) < 0)
		return -ENOENT;
	sizes_of(sizes);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	r = -ENOMEM;
	if (!ctx || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) ||
	    feed_str(ctx, "vakt prefilter plan") < 0 || feed(ctx, &format, sizeof(format)) < 0 ||
	    feed(ctx, &order, sizeof(order)) < 0 || feed(ctx, sizes, sizeof(sizes)) < 0 ||
	    feed_str(ctx, id) < 0 || feed_str(ctx, pcre) < 0 ||
	    feed(ctx, &nslots, sizeof(nslots)) < 0)
		goto out;
	for (size_t s = 0; s < n; s++) {
		/* a repeat: a mark no text's length can be, and the slot */
		const uint64_t again[2] = { UINT64_MAX, first[s] };
		if (first[s] != s && first[s] < s ? feed(ctx, again, sizeof(again)) < 0
		                                  : feed_str(ctx, src[s]) < 0)
			goto out;
		if (feed(ctx, &tag[s], 1) < 0)
			goto out;
	}
	if (EVP_DigestFinal_ex(ctx, key, &len) && len == PLAN_DISK_KEY_LEN)
		r = 0;
out:
	EVP_MD_CTX_free(ctx);
	return r;
}

/* ---- writing ---- */

static unsigned char *put(unsigned char *out, const void *v, size_t n)
{
	memcpy(out, v, n);
	return out + n;
}

static unsigned char *put_u64(unsigned char *out, uint64_t v)
{
	return put(out, &v, sizeof(v));
}

static unsigned char *put_slot(unsigned char *out, const struct plan_slot *ps)
{
	const unsigned char *start = out;
	out = put(out, &ps->full, 1);
	out = put(out, &ps->wset, 1);
	out = put(out, &ps->spaces, 1);
	out = put(out, &ps->primary, 1);
	out = put(out, &ps->reach, 4);
	out = put(out, &ps->nseg, 1);
	out = put(out, &ps->alt_nseg, 1);
	out = put(out, ps->seg, 8);
	out = put(out, ps->alt_seg, 8);
	out = put(out, &ps->behind, 2);
	out = put(out, &ps->alt_reach, 4);
	out = put(out, &ps->look_nseg, 1);
	out = put(out, ps->look_seg, 8);
	out = put(out, ps->set, 16);
	(void)start; /* SLOT_BYTES: out - start */
	return out;
}

static size_t nfan_of(const struct prefilter_plan *p)
{
	return p->fan_off[p->nsets];
}

static size_t payload_size(const struct prefilter_plan *p)
{
	return 4 * sizeof(uint64_t) + p->nslots * SLOT_BYTES + (p->nsets + 2) * sizeof(uint32_t) +
	       nfan_of(p) * sizeof(struct plan_fan) + aho_image_size(p->aho[0]) +
	       aho_image_size(p->aho[1]);
}

static void write_payload(const struct prefilter_plan *p, unsigned char *out)
{
	out = put_u64(out, p->nslots);
	out = put_u64(out, p->nsets);
	out = put_u64(out, p->nprimary);
	out = put_u64(out, nfan_of(p));
	for (size_t s = 0; s < p->nslots; s++)
		out = put_slot(out, &p->slot[s]);
	out = put(out, p->fan_off, (p->nsets + 2) * sizeof(uint32_t));
	if (nfan_of(p))
		out = put(out, p->fan, nfan_of(p) * sizeof(struct plan_fan));
	aho_image_write(p->aho[0], out);
	aho_image_write(p->aho[1], out + aho_image_size(p->aho[0]));
}

static void write_header(unsigned char *h, const unsigned char *key, uint64_t len,
                         const unsigned char *sum)
{
	const uint32_t format = PLAN_DISK_FORMAT, order = BYTE_ORDER_MARK;
	uint32_t sizes[3];
	sizes_of(sizes);
	memcpy(h, MAGIC, sizeof(MAGIC));
	memcpy(h + PLAN_DISK_OFF_FORMAT, &format, 4);
	memcpy(h + OFF_ORDER, &order, 4);
	memcpy(h + OFF_SIZES, sizes, sizeof(sizes));
	memcpy(h + OFF_KEY, key, PLAN_DISK_KEY_LEN);
	memcpy(h + OFF_LEN, &len, 8);
	memcpy(h + OFF_SUM, sum, 32);
}

static int write_all(int fd, const unsigned char *buf, size_t len)
{
	while (len) {
		ssize_t w = write(fd, buf, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? -errno : -EIO;
		buf += w;
		len -= (size_t)w;
	}
	return 0;
}

/* The directory of path made durable after a rename (best effort: the
 * file is whole either way). */
static void sync_dir(const char *path)
{
	char *copy = strdup(path);
	if (!copy)
		return;
	int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	free(copy);
}

int plan_disk_save(const char *path, const unsigned char key[PLAN_DISK_KEY_LEN],
                   const struct prefilter_plan *p, char *why, size_t whylen)
{
	const size_t plen = payload_size(p);
	unsigned char *buf = malloc(PLAN_DISK_HEADER + plen);
	unsigned char sum[32];
	char *tmp = NULL;
	int fd = -1, r = -ENOMEM;

	if (!buf || asprintf(&tmp, "%s.XXXXXX", path) < 0) {
		tmp = NULL;
		say(why, whylen, "out of memory");
		goto out;
	}
	write_payload(p, buf + PLAN_DISK_HEADER);
	if (sha256(buf + PLAN_DISK_HEADER, plen, sum) < 0) {
		say(why, whylen, "cannot compute the checksum");
		goto out;
	}
	write_header(buf, key, plen, sum);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		say(why, whylen, "cannot create %s: %s", tmp, strerror(-r));
		goto out;
	}
	if ((r = write_all(fd, buf, PLAN_DISK_HEADER + plen)) < 0 ||
	    (fsync(fd) < 0 && (r = -errno) < 0)) {
		say(why, whylen, "cannot write %s: %s", tmp, strerror(-r));
		goto out;
	}
	if (close(fd) < 0) {
		fd = -1;
		r = -errno;
		say(why, whylen, "cannot write %s: %s", tmp, strerror(-r));
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) < 0) {
		r = -errno;
		say(why, whylen, "cannot rename %s to %s: %s", tmp, path, strerror(-r));
		goto out;
	}
	free(tmp);
	tmp = NULL;
	sync_dir(path);
	r = 0;
out:
	if (fd >= 0)
		close(fd);
	if (tmp)
		unlink(tmp);
	free(tmp);
	free(buf);
	return r;
}

/* ---- reading ---- */

struct reader {
	const unsigned char *p;
	size_t left;
};

static int get(struct reader *rd, void *v, size_t n)
{
	if (rd->left < n)
		return -1;
	memcpy(v, rd->p, n);
	rd->p += n;
	rd->left -= n;
	return 0;
}

static int get_slot(struct reader *rd, struct plan_slot *ps)
{
	if (rd->left < SLOT_BYTES)
		return -1;
	return get(rd, &ps->full, 1) | get(rd, &ps->wset, 1) | get(rd, &ps->spaces, 1) |
	       get(rd, &ps->primary, 1) | get(rd, &ps->reach, 4) | get(rd, &ps->nseg, 1) |
	       get(rd, &ps->alt_nseg, 1) | get(rd, ps->seg, 8) | get(rd, ps->alt_seg, 8) |
	       get(rd, &ps->behind, 2) | get(rd, &ps->alt_reach, 4) | get(rd, &ps->look_nseg, 1) |
	       get(rd, ps->look_seg, 8) | get(rd, ps->set, 16);
}

static int set_ok(uint32_t g, size_t nsets)
{
	return g < nsets;
}

/* What the scans index with a slot's plan (engine.c: sets_seen(),
 * rarest_own(), window_set(), short_start(), the long texts' want[])
 * lies within the sets; a slot's required sets are its first ones. */
static const char *check_slot(const struct plan_slot *ps, size_t nsets)
{
	if (ps->full >> PREFILTER_MAX_CONJ || ps->full & (ps->full + 1u))
		return "slot: bad required sets";
	if (ps->primary >= PREFILTER_MAX_CONJ || (ps->full && !(ps->full >> ps->primary & 1)))
		return "slot: bad primary set";
	for (unsigned c = 0; c < PREFILTER_MAX_CONJ; c++)
		if ((ps->full >> c & 1) ? !set_ok(ps->set[c], nsets) : ps->set[c] != PLAN_NO_SET)
			return "slot: set out of range";
	if (ps->set[3] != PLAN_NO_SET && !set_ok(ps->set[3], nsets))
		return "slot: prefix set out of range";
	if (ps->wset < -1 || ps->wset > 3)
		return "slot: bad window set";
	if (ps->reach && ps->wset >= 0 && !set_ok(ps->set[ps->wset], nsets))
		return "slot: window set out of range";
	if (ps->nseg > REACH_MAX_SEGS || ps->alt_nseg > REACH_MAX_SEGS ||
	    ps->look_nseg > REACH_MAX_SEGS)
		return "slot: bad segments";
	return NULL;
}

/* The fan: offsets ascend within it, entries name slots and sets. */
static const char *check_fan(const struct prefilter_plan *p, size_t nfan)
{
	if (p->nprimary > p->nsets)
		return "fan: more primary sets than sets";
	if (p->fan_off[0] != 0 || p->fan_off[p->nsets] != nfan || p->fan_off[p->nsets + 1] != nfan)
		return "fan: bad offsets";
	for (size_t g = 0; g < p->nsets; g++)
		if (p->fan_off[g] > p->fan_off[g + 1])
			return "fan: offsets descend";
	for (size_t j = 0; j < nfan; j++) {
		const struct plan_fan *f = &p->fan[j];
		if (f->slot >= p->nslots)
			return "fan: slot out of range";
		for (unsigned c = 0; c < PLAN_FAN_OTHERS; c++)
			if (f->other[c] != PLAN_NO_SET && !set_ok(f->other[c], p->nsets))
				return "fan: set out of range";
	}
	return NULL;
}

/* The payload into p; 0, -EINVAL (*why) or -ENOMEM. */
static int read_payload(struct reader *rd, struct prefilter_plan *p, const char **why)
{
	uint64_t n[4];
	*why = NULL;
	if (get(rd, n, sizeof(n)) < 0) {
		*why = "payload truncated";
		return -EINVAL;
	}
	/* nslots, nsets, nprimary, nfan; at most a slot's sets a set */
	if (n[0] != p->nslots || n[1] > 4 * n[0] + 1 || n[1] >= UINT32_MAX || n[2] > n[1] ||
	    n[3] > n[0]) {
		*why = "payload counts wrong";
		return -EINVAL;
	}
	p->nsets = n[1];
	p->nprimary = n[2];
	for (size_t s = 0; s < p->nslots; s++)
		if (get_slot(rd, &p->slot[s]) < 0) {
			*why = "payload truncated";
			return -EINVAL;
		} else if ((*why = check_slot(&p->slot[s], p->nsets))) {
			return -EINVAL;
		}
	p->fan_off = malloc((p->nsets + 2) * sizeof(uint32_t));
	p->fan = malloc((p->nslots ? p->nslots : 1) * sizeof(*p->fan));
	if (!p->fan_off || !p->fan)
		return -ENOMEM;
	if (get(rd, p->fan_off, (p->nsets + 2) * sizeof(uint32_t)) < 0 ||
	    get(rd, p->fan, n[3] * sizeof(*p->fan)) < 0) {
		*why = "payload truncated";
		return -EINVAL;
	}
	if ((*why = check_fan(p, n[3])))
		return -EINVAL;
	for (int in = 0; in < 2; in++) {
		size_t used = 0;
		int r = aho_image_read(rd->p, rd->left, (uint32_t)p->nsets, &used, &p->aho[in],
		                       why);
		if (r < 0)
			return r;
		rd->p += used;
		rd->left -= used;
	}
	if (rd->left) {
		*why = "payload too long";
		return -EINVAL;
	}
	return 0;
}

/* Undo a failed read: p as prefilter_plan_new() made it. */
static void unread(struct prefilter_plan *p)
{
	free(p->fan_off);
	free(p->fan);
	p->fan_off = NULL;
	p->fan = NULL;
	for (int in = 0; in < 2; in++) {
		aho_free(p->aho[in]);
		p->aho[in] = NULL;
	}
	memset(p->slot, 0, (p->nslots ? p->nslots : 1) * sizeof(*p->slot));
	p->nsets = p->nprimary = 0;
}

/* The whole file into *ret_buf; 0, -ENOENT, -EINVAL (too large) or -errno. */
static int read_file(const char *path, unsigned char **ret_buf, size_t *ret_len)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC), r = 0;
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		r = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size > MAX_FILE) {
		r = -EINVAL;
		goto out;
	}
	size_t len = (size_t)st.st_size, got = 0;
	unsigned char *buf = malloc(len ? len : 1);
	if (!buf) {
		r = -ENOMEM;
		goto out;
	}
	while (got < len) {
		ssize_t n = read(fd, buf + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	*ret_buf = buf;
	*ret_len = got;
out:
	close(fd);
	return r;
}

/* The header: this format, this host, this key, the payload's length and
 * checksum.  NULL or what is wrong. */
static const char *check_header(const unsigned char *buf, size_t len, const unsigned char *key)
{
	uint32_t format, order, sizes[3], want[3];
	uint64_t plen;
	unsigned char sum[32];
	if (len < PLAN_DISK_HEADER)
		return "file truncated (no header)";
	if (memcmp(buf, MAGIC, sizeof(MAGIC)) != 0)
		return "not a plan file";
	memcpy(&format, buf + PLAN_DISK_OFF_FORMAT, 4);
	memcpy(&order, buf + OFF_ORDER, 4);
	memcpy(sizes, buf + OFF_SIZES, sizeof(sizes));
	memcpy(&plen, buf + OFF_LEN, 8);
	sizes_of(want);
	if (format != PLAN_DISK_FORMAT)
		return "another format version";
	if (order != BYTE_ORDER_MARK || memcmp(sizes, want, sizeof(sizes)) != 0)
		return "written on another kind of host";
	if (memcmp(buf + OFF_KEY, key, PLAN_DISK_KEY_LEN) != 0)
		return "key differs (other rules, vaktd or PCRE2)";
	if (plen != len - PLAN_DISK_HEADER)
		return plen > len - PLAN_DISK_HEADER ? "file truncated" : "file too long";
	if (sha256(buf + PLAN_DISK_HEADER, plen, sum) < 0)
		return "cannot compute the checksum";
	if (memcmp(sum, buf + OFF_SUM, 32) != 0)
		return "checksum mismatch";
	return NULL;
}

int plan_disk_load(const char *path, const unsigned char key[PLAN_DISK_KEY_LEN],
                   struct prefilter_plan *p, char *why, size_t whylen)
{
	unsigned char *buf = NULL;
	size_t len = 0;
	const char *bad = NULL;
	int r = read_file(path, &buf, &len);
	if (r < 0) {
		say(why, whylen, "%s",
		    r == -EINVAL ? "not a regular file of plausible size" : strerror(-r));
		return r == -ENOENT ? -ENOENT : r == -ENOMEM ? -ENOMEM : -EINVAL;
	}
	if ((bad = check_header(buf, len, key))) {
		r = -EINVAL;
	} else {
		struct reader rd = { buf + PLAN_DISK_HEADER, len - PLAN_DISK_HEADER };
		r = read_payload(&rd, p, &bad);
		if (r < 0)
			unread(p);
	}
	if (r == -ENOMEM)
		say(why, whylen, "out of memory");
	else if (r < 0)
		say(why, whylen, "%s", bad ? bad : "damaged");
	free(buf);
	return r;
}
