/* The handlers behind the control API's routes, one per endpoint. */
#pragma once

#include "api/api.h"

typedef void (*api_handler_fn)(const struct api_env *env, const char *body, size_t body_len,
                               struct api_response *ret);

void api_get_status(const struct api_env *env, const char *body, size_t body_len,
                    struct api_response *ret);
void api_get_accounts(const struct api_env *env, const char *body, size_t body_len,
                      struct api_response *ret);
void api_get_audit_verify(const struct api_env *env, const char *body, size_t body_len,
                          struct api_response *ret);
