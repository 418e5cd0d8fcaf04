#ifndef CRAWLD_ROBOTS_H
#define CRAWLD_ROBOTS_H
/*
 * robots.txt (RFC 9309): the rules of one product token, and whether a path
 * may be fetched.
 *
 * Parsing takes any bytes and never fails except for want of memory; what
 * is not a line of the protocol is skipped. Only the rules that apply to
 * the crawler are kept, normalised once, so that robots_allowed()
 * normalises only the path, on the stack, and allocates nothing.
 *
 * Where the RFC leaves a choice, or says nothing, this module decides:
 *
 *  - Lines end at LF, CR or CRLF (the NL of the grammar in 2.2). A UTF-8
 *    byte order mark at the very start is skipped. '#' starts a comment
 *    anywhere in a line. Keys are compared without regard to letter case;
 *    spaces and tabs around keys and values are trimmed. Any other byte,
 *    NUL included, is an ordinary byte: it never ends a line or the file.
 *  - Keys are "user-agent", "allow", "disallow", "crawl-delay" and
 *    "sitemap", spelt exactly; misspellings ("useragent", "dissalow") are
 *    unknown keys, and unknown keys are ignored.
 *  - A line without ':' that holds exactly two words is read as key and
 *    value ("Disallow /private"), as Google does, since the people who
 *    forget the colon mean the rule; with any other number of words it
 *    is ignored, so prose and HTML rarely turn into rules.
 *  - A group is one or more user-agent lines and the lines after them.
 *    An allow, disallow (even with an empty value) or crawl-delay line
 *    ends the run of user-agent lines, so the next user-agent line starts
 *    a new group; sitemap and unknown lines do not (2.2.4). Crawl-delay
 *    counts as a group member because a group holding only a crawl-delay
 *    is common, and would otherwise merge with the group after it. Rules
 *    and crawl-delays before the first user-agent line are ignored.
 *  - A user-agent value names us when its leading run of [A-Za-z_-]
 *    (the product token of 2.2.1; "crawld/1.0" gives "crawld") equals our
 *    token in any letter case. A value that is '*' alone, or '*' and
 *    then whitespace, is the wildcard. Every group that names us applies,
 *    merged; only when none does, every '*' group applies, merged; with
 *    neither, nothing applies and everything is allowed. A group that
 *    names us with no rules therefore allows everything (quxbot in 5.1).
 *  - Patterns and paths are compared in one normal form (2.2.2): bytes
 *    at or below space, DEL and bytes >= 0x80 are percent-encoded; "%xx"
 *    of an unreserved character (ALPHA DIGIT - . _ ~) is decoded; any
 *    other "%xx" is kept with upper-case hex; a '%' without two hex
 *    digits after it becomes "%25". Reserved characters are not encoded,
 *    so "/a%2Fb" and "/a/b" differ, as RFC 3986 2.2 says they do; the
 *    table of 2.2.2 encodes the query's ':' and '/' as a URL library
 *    would, and a pattern written in that encoded form matches a path
 *    in that form, but not the raw one.
 *  - In a pattern '*' matches any run of bytes, and a '$' that ends the
 *    pattern anchors it at the end of the path; a '$' anywhere else is a
 *    literal. "%2A" and "%24" in a pattern are a literal '*' and '$'
 *    (2.2.3), which matches both a raw and an encoded '*' or '$' in the
 *    path. Runs of '*' are one '*'.
 *  - A pattern that starts with neither '/' nor '*' gets a '/' in front,
 *    as Google does: the author meant a path, and ignoring the rule could
 *    fetch what was meant to be refused. An empty pattern, allow or
 *    disallow, is no rule.
 *  - The most specific rule is the one with the longest pattern in normal
 *    form, a '*' and a final '$' counting one octet each (2.2.2); on a
 *    tie allow wins, and among equal rules the first in the file is
 *    reported. Matching is case-sensitive (2.2.2).
 *  - The path is what follows the authority: path and query. One that
 *    does not start with '/' is matched as if it did ("" is "/", "?q" is
 *    "/?q"). "/robots.txt" itself is always allowed (2.2.2).
 *  - A path longer than ROBOTS_PATH_MAX bytes (the longest URL crawld
 *    reads) is refused whenever there are rules, with the rule text
 *    ROBOTS_RULE_PATH_TOO_LONG: matching it would need memory this
 *    function does not take, and refusing is the safe side.
 *  - Crawl-delay (not in the RFC; 2.2.4 lets us read it): seconds, digits
 *    with at most one '.', fractions truncated to whole milliseconds.
 *    Anything else (negative, "5s", empty) is malformed and ignored. A
 *    delay above ROBOTS_CRAWL_DELAY_MAX_MS is read as that maximum, so
 *    the caller's arithmetic stays in range. Of merged groups the first
 *    valid crawl-delay in the file wins.
 *  - Sitemap lines are global: kept from anywhere in the file, in order,
 *    with bytes outside printable ASCII percent-encoded so that each is a
 *    clean C string. Empty values are dropped.
 *  - Rule texts are "Allow: " or "Disallow: " and the pattern in normal
 *    form (with its '$'), so they are printable ASCII and safe to log.
 *  - No parse limit: the caller caps the body (2.5 asks for at least
 *    500 KiB). Parsing is one pass, and memory linear in the input.
 *    robots_allowed() tries the rules most specific first and stops at
 *    the first match; a try looks for each piece between wildcards once,
 *    left to right, never backtracking, so no pattern costs more than
 *    path times pattern.
 */

#include <stdbool.h>
#include <stddef.h>

/* Longest path (and query) robots_allowed() matches, in bytes as given. */
#define ROBOTS_PATH_MAX 8192
/* The rule text of a path refused for being longer than that. */
#define ROBOTS_RULE_PATH_TOO_LONG "path longer than 8192 bytes"
/* One day: a longer crawl-delay is read as this. */
#define ROBOTS_CRAWL_DELAY_MAX_MS 86400000L

/* The rules that apply to one product token. */
struct robots;

/* Parses a robots.txt body (len bytes, any content) for product_token
 * (e.g. "crawld"; an empty one matches only '*' groups). NULL only when
 * memory runs out. The caller frees the result with robots_free(). */
struct robots *robots_parse(const char *body, size_t len,
                            const char *product_token);
/* Rules for a robots.txt answered with 4xx (allow everything, 2.3.1.3) and
 * for one that is unreachable or answered with 5xx (disallow everything,
 * 2.3.1.4). NULL only when memory runs out. */
struct robots *robots_allow_all(void);
struct robots *robots_disallow_all(void);

/* Whether path (path_len bytes: the URL's path and query, fragment
 * removed) may be fetched. When rule is not NULL it gets the deciding
 * rule's text ("Disallow: /private"), "" when no rule decided, or
 * ROBOTS_RULE_PATH_TOO_LONG; it lives as long as robots. Allocates
 * nothing. */
bool robots_allowed(const struct robots *robots, const char *path,
                    size_t path_len, const char **rule);
/* Crawl-delay of the applying groups in milliseconds, or -1 when they have
 * no valid one. */
long robots_crawl_delay_ms(const struct robots *robots);
/* Sitemap URLs in file order; robots_sitemap() returns NULL past the end. */
size_t robots_sitemap_count(const struct robots *robots);
const char *robots_sitemap(const struct robots *robots, size_t index);
/* Number of allow and disallow rules kept. */
size_t robots_rule_count(const struct robots *robots);

/* Writes the product token of a User-Agent header to buf: its first word,
 * up to '/' or whitespace ("crawld/0.1.0 (+https://x)" gives "crawld"),
 * cut to size - 1 bytes. Nothing is written when size is 0. */
void robots_product_token(const char *user_agent, char *buf, size_t size);

void robots_free(struct robots *robots);

#endif /* CRAWLD_ROBOTS_H */
