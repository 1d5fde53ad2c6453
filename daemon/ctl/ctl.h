/* vaktctl: one table of subcommands (tmux's cmd-<name>.c shape).
 *
 * Each command lives in cmd-<name>.c and exports one `const struct ctl_cmd`.
 * main.c strips the global options (--socket PATH, --json anywhere) and
 * calls the command with the remaining arguments, argv[0] being the
 * command's name.  Exit codes: 0 ok, 1 error, 2 usage.
 */
#pragma once

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdio.h>

struct cal;

enum {
	CTL_EXIT_OK = 0,
	CTL_EXIT_ERROR = 1,
	CTL_EXIT_USAGE = 2,
};

struct ctl_ctx {
	const char *socket_path; /* the daemon's API socket */
	bool json;               /* --json: machine-readable output */
	const char *config_dir;  /* --config DIR or $VAKT_CONFIG; NULL: built-in defaults */
	const char *calendar;    /* --calendar NAME; NULL: "default" */
	long timeout_sec;        /* ctl_api_call's limit; 0: 30 s */
};

struct ctl_cmd {
	const char *name;
	const char *usage;   /* arguments, e.g. "YEAR [--json]" */
	const char *summary; /* one line for `vaktctl help` */
	int (*run)(struct ctl_ctx *ctx, int argc, char **argv);
};

/* The table, NULL-terminated, in ctl-commands.c. */
extern const struct ctl_cmd *const ctl_commands[];

/* One per cmd-<name>.c; add new ones here and to ctl-commands.c. */
extern const struct ctl_cmd ctl_cmd_status;
extern const struct ctl_cmd ctl_cmd_accounts;
extern const struct ctl_cmd ctl_cmd_schedule;
extern const struct ctl_cmd ctl_cmd_crisis;
extern const struct ctl_cmd ctl_cmd_escalations;
extern const struct ctl_cmd ctl_cmd_ack;
extern const struct ctl_cmd ctl_cmd_action;
extern const struct ctl_cmd ctl_cmd_actions;
extern const struct ctl_cmd ctl_cmd_oncall;
extern const struct ctl_cmd ctl_cmd_test_route;
extern const struct ctl_cmd ctl_cmd_queue;
extern const struct ctl_cmd ctl_cmd_clock;
extern const struct ctl_cmd ctl_cmd_case;

extern const struct ctl_cmd ctl_cmd_item;
extern const struct ctl_cmd ctl_cmd_feedback;

/* vaktctl filters stats (cmd-filters-stats.c). */
int ctl_filters_stats(struct ctl_ctx *ctx);

/* vaktctl filters eval FILE … (cmd-filters-eval.c); argv[1] is "eval". */
int ctl_filters_eval(struct ctl_ctx *ctx, const struct ctl_cmd *cmd, int argc, char **argv);

/* The offline filters commands' rule directory and engine (cmd-filters.c):
 * --rules DIR (opt), else $VAKT_RULES_DIR, else the installed rules.  The
 * engine is loaded with default options; every warning and error is said
 * on stderr; 0 or -1. */
struct filter_engine;
const char *ctl_filters_rules_dir(const char *opt);
int ctl_filters_load_engine(const char *dir, struct filter_engine **ret);

/* A JSON body carrying "by": the invoking user, for the audit log. */
cJSON *ctl_body_with_actor(void);
extern const struct ctl_cmd ctl_cmd_calendar;
extern const struct ctl_cmd ctl_cmd_deadline;
extern const struct ctl_cmd ctl_cmd_filters;
extern const struct ctl_cmd ctl_cmd_testclock;
extern const struct ctl_cmd ctl_cmd_reload;
extern const struct ctl_cmd ctl_cmd_audit;
extern const struct ctl_cmd ctl_cmd_poll;
extern const struct ctl_cmd ctl_cmd_items;

/* Print "usage: vaktctl NAME USAGE" to stderr and return CTL_EXIT_USAGE. */
int ctl_usage(const struct ctl_cmd *cmd);

/* Call the daemon's API: method "GET"/"POST", path "/v1/status", optional
 * JSON body.  On success (2xx) *ret_json holds the parsed response (caller
 * frees) and 0 is returned.  On an API error the error message is printed to
 * stderr and CTL_EXIT_ERROR returned; on a connection failure, too, with a
 * hint about the socket path. */
int ctl_api_call(struct ctl_ctx *ctx, const char *method, const char *path, const cJSON *body,
                 cJSON **ret_json);

/* Prints the human form of an API answer (argv: the command's arguments,
 * or what the command passed); returns a CTL_EXIT_* code. */
typedef int (*ctl_show_fn)(const cJSON *res, void *userdata);

/* The shape of every online command: call the API (ctl_api_call()), then
 * print the answer as one line of JSON with --json, through show()
 * otherwise.  Returns a CTL_EXIT_* code. */
int ctl_api_show(struct ctl_ctx *ctx, const char *method, const char *path, const cJSON *body,
                 ctl_show_fn show, void *userdata);

/* The same call, answering with any HTTP status: 0 with the status and the
 * parsed JSON body (caller frees), for commands that read the error body
 * themselves; CTL_EXIT_ERROR (said on stderr) when the daemon cannot be
 * reached or does not answer JSON. */
int ctl_api_request(struct ctl_ctx *ctx, const char *method, const char *path, const cJSON *body,
                    long *ret_status, cJSON **ret_json);

/* The business calendar of the offline commands (calendar, deadline):
 * today the built-in defaults, later the site's configuration.  Prints why
 * on failure and returns a negative errno; 0 and *ret (cal_free) on
 * success. */
int ctl_calendar_load(struct ctl_ctx *ctx, struct cal **ret);

/* A member of an API answer: its string or number, dflt when it is
 * missing or of another type (never NULL for a string to print). */
const char *ctl_json_str(const cJSON *o, const char *key, const char *dflt);
double ctl_json_num(const cJSON *o, const char *key, double dflt);

/* Print a cJSON value as one line of JSON followed by a newline.
 * CTL_EXIT_OK, or CTL_EXIT_ERROR (said on stderr) when out of memory. */
int ctl_print_json(const cJSON *v);
