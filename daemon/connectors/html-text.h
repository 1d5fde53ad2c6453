/* Plain text from the HTML some platforms send as a post's text (Mastodon's
 * `content`, YouTube's `textDisplay`): the filters must see what a reader
 * sees, not markup.  Tags are dropped, line breaks and paragraph ends
 * become newlines, character references are decoded (named ones for the
 * few entities these platforms emit, every numeric one).  Invalid or
 * surrogate code points become U+FFFD. */
#pragma once

#include <stddef.h>

/* A malloc'ed NUL-terminated text, NULL on ENOMEM. */
char *conn_html_to_text(const char *html, size_t len);
