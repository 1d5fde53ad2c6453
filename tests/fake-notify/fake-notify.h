/* The fake notify's controls for unit tests (notify-fake.c). */
#pragma once

#include <stddef.h>

#include "notify/notify.h"

enum fake_mode { FAKE_OK, FAKE_RETRY, FAKE_FAIL, FAKE_HANG };

#define FAKE_NOTIFY_MAX 256

struct fake_sent {
	char recipient[300];
	char key[160];
	char kind[16];
	char subject[256];
	char text[2048];
	int count, level;
	int has_ack_url;
};

struct fake_notify_state {
	enum fake_mode mode;                    /* how the next attempts end */
	struct fake_sent sent[FAKE_NOTIFY_MAX]; /* every attempt, in order */
	size_t n;
};

struct fake_notify_state *fake_notify(void);
