/* The main program's GNU build ID, read from its own program headers. */
#include "util/buildid.h"

#include <elf.h>
#include <errno.h>
#include <link.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

struct find {
	const unsigned char *id;
	size_t len;
};

/* The first object dl_iterate_phdr() reports is the main program. */
static int on_object(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct find *f = arg;
	(void)size;
	for (size_t i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_NOTE)
			continue;
		const unsigned char *p = (const unsigned char *)(info->dlpi_addr + ph->p_vaddr);
		const unsigned char *end = p + ph->p_memsz;
		/* Notes are 4-byte aligned: header, name, descriptor. */
		while ((size_t)(end - p) >= sizeof(ElfW(Nhdr))) {
			ElfW(Nhdr) nh;
			memcpy(&nh, p, sizeof(nh));
			size_t name = (nh.n_namesz + 3u) & ~3u, desc = (nh.n_descsz + 3u) & ~3u;
			const unsigned char *n = p + sizeof(nh);
			if ((size_t)(end - n) < name + desc)
				break;
			if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 &&
			    memcmp(n, "GNU", 4) == 0 && nh.n_descsz > 0) {
				f->id = n + name;
				f->len = nh.n_descsz;
				return 1;
			}
			p = n + name + desc;
		}
	}
	return 1; /* only the main program counts */
}

int vakt_build_id(char *buf, size_t len)
{
	struct find f = { 0 };
	dl_iterate_phdr(on_object, &f);
	if (!f.id)
		return -ENOENT;
	if (len < 2 * f.len + 1)
		return -ENOSPC;
	for (size_t i = 0; i < f.len; i++)
		snprintf(buf + 2 * i, 3, "%02x", f.id[i]);
	return 0;
}
