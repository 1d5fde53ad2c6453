/* Fewer rounds of random and exhaustive loops under AddressSanitizer.
 *
 * GCC defines __SANITIZE_ADDRESS__, clang answers __has_feature.  A loop
 * whose every round checks the same property on new random input runs
 * T_ROUNDS(full, sanitized) rounds: the full count in the plain build, the
 * smaller one in the sanitizer build of ./scripts/test.sh, which looks for
 * memory errors (any round finds those) rather than rare inputs. */
#pragma once

#if defined(__SANITIZE_ADDRESS__)
#define T_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define T_SANITIZED 1
#endif
#endif
#ifndef T_SANITIZED
#define T_SANITIZED 0
#endif

#define T_ROUNDS(full, sanitized) (T_SANITIZED ? (sanitized) : (full))
