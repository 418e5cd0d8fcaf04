/* htmlpage.h - one read of an HTML page by libxml2: its title, a snippet of
 * its text and, for a job that follows links, its links.
 *
 * The body is fed as it arrives, in pieces of any size. libxml2's HTML push
 * parser calls back for start and end tags and for text; no tree is built.
 * It recovers from broken markup as browsers broadly do (HTML 4 rules, not
 * HTML5's: bench/HTML_PARSERS.md says why this parser) and decodes every
 * HTML 4 character reference, in text and in attribute values.
 *
 * What libxml2 is given
 *   - The page as UTF-8: each maximal subpart of an ill-formed sequence and
 *     each NUL byte becomes U+FFFD first (utf8_repair()), as a browser
 *     decoding UTF-8 does, and the page's own charset declarations are not
 *     acted on. Given invalid UTF-8 itself, libxml2 would read the rest of
 *     the page as Latin-1.
 *   - Pieces that never end inside a tag: libxml2 2.9's push parser misses
 *     a "</script>" or "</style>" cut between two pieces and takes the rest
 *     of the page for script (measured: every link and word after it
 *     lost), so a tag left unfinished (a '<' with no '>' after it, up to
 *     16 KiB) waits for the next piece. One the body ends in is dropped,
 *     as HTML5 drops it: a link cut short in a truncated body leads
 *     nowhere.
 *   - HTMLPAGE_MAX_BYTES of the page at most. Fed pieces that end outside
 *     tags, libxml2 lets go of what it has parsed (measured: 0.05 MiB held
 *     for a 10 MiB page); cut inside a tag it may hold everything from
 *     there on (16 MiB for a 10 MiB page fed at arbitrary cuts, and as
 *     much after a 100 KiB tag, which outgrows the wait: see
 *     bench/HTML_PARSERS.md), so the cap bounds what a hostile page
 *     costs: 3 MiB at most.
 *
 * Title and snippet
 *   - The title is the text of the first <title> element outside svg (an
 *     icon's tooltip is not the page title): NULL if none was seen, "" for
 *     an empty one, the text so far for one still open at the end. Its text,
 *     like that of any later title, is not part of the snippet.
 *   - The snippet is the first HTML_SNIPPET_CHARS characters of the text
 *     outside script, style, noscript, template and svg; "" when none.
 *   - Runs of whitespace (space, \t, \n, \r, \f, \v and U+00A0) become one
 *     space; leading and trailing whitespace is dropped. Block-level tags
 *     (p, div, br, li, h1-h6, table cells, ...) separate words, inline tags
 *     do not: "<b>Hel</b>lo" gives "Hello".
 *   - The title is cut to HTML_TITLE_MAX_BYTES, the snippet to
 *     HTML_SNIPPET_CHARS characters, never inside a character. Both are
 *     valid UTF-8, NUL-terminated.
 *
 * Links (when a sink is given)
 *   a[href] and area[href]; link[href] with rel alternate, next, prev or
 *   canonical; frame[src] and iframe[src]; a <meta http-equiv=refresh>
 *   URL; the first <base href> becomes the base of what follows. rel
 *   nofollow marks a link, <meta name=robots content=nofollow|none> the
 *   page, whose links are then dropped (pagelinks.h).
 */
#ifndef CRAWLD_HTMLPAGE_H
#define CRAWLD_HTMLPAGE_H

#include <stdbool.h>
#include <stddef.h>

#include "pagelinks.h"

#define HTMLPAGE_MAX_BYTES (2 * 1024 * 1024) /* of a page, parsed */
#define HTML_TITLE_MAX_BYTES 2048            /* of the title, kept */
#define HTML_SNIPPET_CHARS 100               /* of the snippet, kept */

struct htmlpage;

/* NULL when memory runs out. */
struct htmlpage *htmlpage_new(void);
/* Starts a page; its links go to sink, or nowhere when sink is NULL. -1
 * when memory runs out. */
int htmlpage_start(struct htmlpage *page, struct pagelinks *sink);
/* The next len bytes of the body. */
void htmlpage_feed(struct htmlpage *page, const char *data, size_t len);
/* True once the rest of the page can change nothing: title and snippet are
 * complete and no links are wanted. A page without a title is never done
 * before its end, as a title may come anywhere. */
bool htmlpage_done(const struct htmlpage *page);
/* The end of the body, however it ended: what is held is parsed, and a
 * page that said nofollow has its links dropped. */
void htmlpage_finish(struct htmlpage *page);

/* The title (NULL when none) and the snippet (never NULL), valid until the
 * next start; *len, if len is not NULL, gets the length. */
const char *htmlpage_title(const struct htmlpage *page, size_t *len);
const char *htmlpage_snippet(const struct htmlpage *page, size_t *len);
/* Whether the title or the snippet holds a U+FFFD that stands for invalid
 * bytes of the page (the record's utf8_repaired). */
bool htmlpage_repaired(const struct htmlpage *page);
void htmlpage_free(struct htmlpage *page);

#endif
