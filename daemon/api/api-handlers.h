/* The handlers behind the control API's routes, one per endpoint. */
#pragma once

#include "calendar/pacific.h"
#include "api/api.h"

struct cal;

typedef void (*api_handler_fn)(const struct api_env *env, const struct api_req *req,
                               struct api_response *ret);

void api_get_status(const struct api_env *env, const struct api_req *req, struct api_response *ret);
/* api-audit.c: the audit log's verification (on the worker) and export */
void api_get_audit_verify(const struct api_env *env, const struct api_req *req,
                          struct api_response *ret);
void api_post_audit_verify(const struct api_env *env, const struct api_req *req,
                           struct api_response *ret);
void api_delete_audit_verify(const struct api_env *env, const struct api_req *req,
                             struct api_response *ret);
void api_get_audit_verify_status(const struct api_env *env, const struct api_req *req,
                                 struct api_response *ret);
void api_get_audit_export(const struct api_env *env, const struct api_req *req,
                          struct api_response *ret);
/* api-reload.c: POST /v1/reload */
void api_post_reload(const struct api_env *env, const struct api_req *req,
                     struct api_response *ret);
/* api-accounts.c */
void api_get_accounts(const struct api_env *env, const struct api_req *req,
                      struct api_response *ret);
void api_get_account_schedule(const struct api_env *env, const struct api_req *req,
                              struct api_response *ret);
void api_post_account_crisis(const struct api_env *env, const struct api_req *req,
                             struct api_response *ret);
void api_delete_account_crisis(const struct api_env *env, const struct api_req *req,
                               struct api_response *ret);

/* api-deadlines.c */
void api_get_queue(const struct api_env *env, const struct api_req *req, struct api_response *ret);
void api_post_item_deadline(const struct api_env *env, const struct api_req *req,
                            struct api_response *ret);
/* POST /v1/deadlines/{id}/ACTION; req->arg is pause, resume, met or cancel. */
void api_post_deadline_action(const struct api_env *env, const struct api_req *req,
                              struct api_response *ret);
void api_post_item_case(const struct api_env *env, const struct api_req *req,
                        struct api_response *ret);
void api_post_item_case_demand(const struct api_env *env, const struct api_req *req,
                               struct api_response *ret);
void api_delete_item_case(const struct api_env *env, const struct api_req *req,
                          struct api_response *ret);

/* api-filters.c */
void api_get_filter_stats(const struct api_env *env, const struct api_req *req,
                          struct api_response *ret);
void api_post_verdict_feedback(const struct api_env *env, const struct api_req *req,
                               struct api_response *ret);
void api_get_item(const struct api_env *env, const struct api_req *req, struct api_response *ret);
void api_post_item_evaluate(const struct api_env *env, const struct api_req *req,
                            struct api_response *ret);

/* api-fetch.c */
void api_post_poll(const struct api_env *env, const struct api_req *req, struct api_response *ret);
void api_post_account_poll(const struct api_env *env, const struct api_req *req,
                           struct api_response *ret);
void api_get_poll(const struct api_env *env, const struct api_req *req, struct api_response *ret);
void api_get_items(const struct api_env *env, const struct api_req *req, struct api_response *ret);

/* api-actions.c: a moderator's action on an item, and the list */
void api_get_actions(const struct api_env *env, const struct api_req *req,
                     struct api_response *ret);
void api_post_item_action(const struct api_env *env, const struct api_req *req,
                          struct api_response *ret);

/* api-testclock.c */
void api_get_testclock(const struct api_env *env, const struct api_req *req,
                       struct api_response *ret);
void api_post_testclock(const struct api_env *env, const struct api_req *req,
                        struct api_response *ret);

/* api-escalations.c */
void api_get_escalations(const struct api_env *env, const struct api_req *req,
                         struct api_response *ret);
void api_post_escalation_ack(const struct api_env *env, const struct api_req *req,
                             struct api_response *ret);
/* GET and POST /v1/ack/{token}: the signed link. */
void api_ack_link(const struct api_env *env, const struct api_req *req, struct api_response *ret);
void api_get_oncall(const struct api_env *env, const struct api_req *req, struct api_response *ret);
void api_post_oncall(const struct api_env *env, const struct api_req *req,
                     struct api_response *ret);
void api_post_account_test_route(const struct api_env *env, const struct api_req *req,
                                 struct api_response *ret);

/* api-accounts.c: a YouTube account's quota this Pacific day (the same
 * rule as the fetch driver's): 0 (zeros when the account has none) or a
 * store error. */
struct api_quota {
	bool deferred; /* polls wait for the next Pacific day */
	int64_t used, poll_budget, resets_at;
	struct pacific_day day;
};
int api_quota_of(const struct api_env *env, const struct config_account *a, int64_t now,
                 struct api_quota *ret);

/* api-util.c: "2026-06-18T08:30:00+02:00" in c's zone, or null when t is 0. */
void api_add_instant(cJSON *o, const char *key, const struct cal *c, int64_t t);
/* A positive decimal id from a path segment: 0 or -EINVAL (also on overflow). */
int api_parse_id(const char *s, int64_t *ret);

/* Fill ret with an error (status, code, message). */
void api_fail(struct api_response *ret, int status, const char *code, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));
