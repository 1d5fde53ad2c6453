/* Worker threads that leave signals to the daemon's loop. */
#pragma once

#include <pthread.h>

/* pthread_create(ret, NULL, fn, arg) with every signal blocked in the new
 * thread: signals (SIGHUP, SIGTERM, SIGINT) are the event loop's
 * (libevent's evsignal), and a handler run on a worker would race it.
 * 0 or a negative errno. */
int thread_start_quiet(pthread_t *ret, void *(*fn)(void *), void *arg);
