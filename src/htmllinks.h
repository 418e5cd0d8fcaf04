/* htmllinks.h - the links of an HTML page, found by libxml2's HTML parser
 * as the body streams in.
 *
 * libxml2's push parser takes the body in pieces of any size (a piece may
 * end inside a tag or an attribute) and calls back for every start tag; no
 * tree is built. It does hold every byte pushed until the page ends (its
 * HTML push parser never lets go of parsed input: 16 MiB of heap for a
 * 10 MiB page, bench/HTML_PARSERS.md), so links are looked for in the first
 * HTMLLINKS_MAX_BYTES of a page only, which bounds a transfer's memory; a
 * longer page's record counts the links before that point. It recovers from
 * broken markup as browsers broadly do (HTML 4 rules, not HTML5's: see
 * bench/HTML_PARSERS.md for why this parser) and decodes entities in attribute
 * values.
 *
 * Links go to a pagelinks (pagelinks.h), which resolves and keeps them:
 *   a[href], area[href]            with rel=nofollow honoured per link
 *   link[href]                     rel alternate, next, prev or canonical
 *   frame[src], iframe[src]
 *   meta http-equiv=refresh        the URL in its content
 *   base[href]                     the first one: later links resolve
 *                                  against it
 *   meta name=robots               "nofollow" or "none": the page's links
 *                                  are counted, none followed
 * A body cut short (a size cap, a broken transfer) gives the links before
 * the cut. On broken markup (an attribute value left open, say) what the
 * push parser recovers can depend on where the network cut the pieces:
 * libxml2's doing, found by tests/fuzz/fuzz_links; well-formed pages give
 * the same links however they arrive. */
#ifndef CRAWLD_HTMLLINKS_H
#define CRAWLD_HTMLLINKS_H

#include <stddef.h>

#include "pagelinks.h"

/* Bytes of a page searched for links. */
#define HTMLLINKS_MAX_BYTES (2 * 1024 * 1024)

struct htmllinks;

/* NULL when memory runs out. */
struct htmllinks *htmllinks_new(void);
/* Starts a page whose links go to sink. -1 when memory runs out. */
int htmllinks_start(struct htmllinks *parser, struct pagelinks *sink);
/* The next len bytes of the page's body; bytes past HTMLLINKS_MAX_BYTES
 * are not looked at. */
void htmllinks_feed(struct htmllinks *parser, const char *data, size_t len);
/* The end of the body, however it ended: what the parser holds is parsed,
 * and a page that said nofollow has its links dropped. */
void htmllinks_finish(struct htmllinks *parser);
void htmllinks_free(struct htmllinks *parser);

#endif
