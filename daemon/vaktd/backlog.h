/* Items stored without a verdict, evaluated on the loop in slices: those a
 * crash left between storing and filtering, and those fetched while the
 * rules' engine was still being built after READY (daemon.c, a start whose
 * rules the store vouched for).  A slice ends after BACKLOG_SLICE_USEC of
 * work so that polls, timers and the API go on between slices; the next
 * one runs from the loop at once.  Items of accounts no longer configured
 * stay unevaluated (pipeline_repair_some()). */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct config;
struct event_base;
struct pipeline_rules;
struct store;

struct backlog_env {
	struct event_base *base;
	struct store *store;
	const struct config *(*config)(void *arg);  /* the current one */
	struct pipeline_rules *(*rules)(void *arg); /* checked rules */
	/* Called after a slice that evaluated something: escalations and
	 * actions it queued may go out. */
	void (*evaluated)(void *arg);
	void *arg;
};

struct backlog;

int backlog_new(const struct backlog_env *env, struct backlog **ret);

/* Evaluate every item that waits for a verdict, from the oldest, in
 * slices; a pass already running goes on (it reaches what was stored
 * after it began: ids only grow).  An item that cannot be evaluated is
 * logged and passed over (it waits for the next pass); a pass the store
 * fails is retried from backlog_tick(). */
void backlog_start(struct backlog *b);

/* From the daemon's tick: a pass that failed (the store) is tried again
 * a minute later, then after 2, 4, ... up to 64 minutes while it keeps
 * failing. */
void backlog_tick(struct backlog *b);

/* Stopping: the pass ends after the slice that runs; what is left waits
 * for the next start. */
void backlog_stop(struct backlog *b);

bool backlog_running(const struct backlog *b);

/* Items evaluated by the passes so far. */
size_t backlog_evaluated(const struct backlog *b);

void backlog_free(struct backlog *b);
