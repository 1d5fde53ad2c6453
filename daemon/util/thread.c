/* Worker threads that leave signals to the daemon's loop (see thread.h). */
#include "util/thread.h"

#include <signal.h>

int thread_start_quiet(pthread_t *ret, void *(*fn)(void *), void *arg)
{
	sigset_t all, old;
	/* The new thread inherits the mask in force when it is created. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	int r = -pthread_create(ret, NULL, fn, arg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return r;
}
