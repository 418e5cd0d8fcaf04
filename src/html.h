#ifndef CRAWLD_HTML_H
#define CRAWLD_HTML_H
/*
 * Streaming extraction of a page's title and a snippet of its text.
 *
 * The response body is fed as it arrives, in chunks of any size: a chunk may
 * end inside a tag, a comment, a character reference or a UTF-8 character.
 * The extractor never buffers the body. It is a byte-at-a-time state machine
 * over fixed-size buffers, so memory is constant and time is linear, and it
 * accepts any bytes at all.
 *
 * Output
 *   - The title is the text of the first <title> element: NULL if none was
 *     seen, "" for an empty one. A title still open when the feeding stops
 *     gives the text collected so far.
 *   - The snippet is the first HTML_SNIPPET_CHARS characters of visible
 *     text, "" if there is none. Title text is not part of it.
 *   - Both are the page's raw bytes, which may be invalid UTF-8 or another
 *     encoding: pass them through utf8_sanitize() before use. They are
 *     NUL-terminated and never contain a NUL (NUL bytes are dropped).
 *   - Runs of whitespace (space, \t, \n, \r, \f, \v, &nbsp; and a UTF-8
 *     U+00A0) become a single space; leading and trailing whitespace is
 *     removed.
 *   - The title is cut to HTML_TITLE_MAX_BYTES bytes, never inside a UTF-8
 *     character. The snippet is cut to HTML_SNIPPET_CHARS characters, a
 *     character being a byte that is not a UTF-8 continuation byte
 *     (10xxxxxx), and to 4 * HTML_SNIPPET_CHARS bytes.
 *
 * Markup
 *   - Tag names are case-insensitive. Quoted attribute values may contain
 *     '>'. Comments <!-- ... --> may contain '>' and "--", and end at "-->"
 *     or "--!>". <!DOCTYPE>, <?...>, <![CDATA[...]]> produce no text: as in
 *     HTML5, "<?" or a "<!" that does not open a comment starts a bogus
 *     comment that ends at the first '>' (so "<![CDATA[a>b]]>" shows
 *     "b]]>", as a browser does).
 *   - A '<' that does not start a tag ("a < b") is text.
 *   - script and style are raw text: they end only at their own end tag
 *     ("</script" in any case, followed by whitespace, '/' or '>'),
 *     whatever comes before.
 *   - title is RCDATA: tags inside it are literal text up to "</title", and
 *     character references are decoded. Only the first title is kept; later
 *     ones are hidden like the first. A <title> inside a hidden element (an
 *     SVG icon's tooltip, say) is not the page title.
 *   - The content of noscript, template and svg is hidden. They nest; an
 *     element written self-closing (<svg/>) has no content.
 *   - Block-level tags (p, div, br, li, h1-h6, table cells, title, ...)
 *     separate words in the snippet; inline tags do not, so "<b>Hel</b>lo"
 *     gives "Hello".
 *
 * Character references, in the title and the snippet
 *   - &amp; &lt; &gt; &quot; &apos; &nbsp; (the ';' is required, names are
 *     case-sensitive), and &#NNN; &#xHH; in UTF-8. The ';' of a numeric
 *     reference may be missing when a byte that is not a digit follows.
 *     Code point 0, surrogates and anything above U+10FFFF give U+FFFD.
 *   - Anything else, such as an unknown name, a bare '&' or a reference
 *     longer than 32 bytes, stays literal.
 */

#include <stdbool.h>
#include <stddef.h>

#define HTML_TITLE_MAX_BYTES 2048 /* raw bytes kept for the title */
#define HTML_SNIPPET_CHARS 100    /* characters kept for the snippet */

struct html_extract; /* opaque; fixed-size, no allocation after _new */

/* NULL on allocation failure. */
struct html_extract *html_extract_new(void);
/* Makes hx what html_extract_new() returned, for the next body. */
void html_extract_reset(struct html_extract *hx);

/* Feeds the next len bytes of the body. Once html_extract_done() is true,
   further bytes are ignored. */
void html_extract_feed(struct html_extract *hx, const char *data, size_t len);

/* True once title and snippet are both complete, so the caller can stop
   feeding. A page without a <title> is never done: a title may come at any
   point, so the caller's own body limit ends the feeding. */
bool html_extract_done(const struct html_extract *hx);

/* The title, or NULL if no <title> was seen. *len, if len is not NULL, gets
   its length (0 for NULL). Valid until html_extract_free(). */
const char *html_extract_title(const struct html_extract *hx, size_t *len);

/* The snippet, never NULL. *len, if len is not NULL, gets its length. Valid
   until html_extract_free(). */
const char *html_extract_snippet(const struct html_extract *hx, size_t *len);

void html_extract_free(struct html_extract *hx);

#endif /* CRAWLD_HTML_H */
