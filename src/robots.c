/* robots.c - robots.txt parsing and matching; see robots.h. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "robots.h"

/* A rule's strings are offsets into the arena, which moves while the file
 * is parsed. */
struct robots_rule {
  size_t text;    /* "Disallow: /x$" */
  size_t pattern; /* the pattern in normal form, without its '$' */
  size_t pattern_len;
  size_t specificity; /* octets of the pattern, its '$' included */
  size_t literal_len; /* octets other than '*': the shortest path it fits */
  size_t order;       /* position in the file */
  bool allow;
  bool anchored;
};

struct robots {
  char *arena;               /* every rule text and sitemap URL */
  struct robots_rule *rules; /* most specific first, allow before disallow */
  size_t rule_count;
  size_t *sitemaps; /* offsets into the arena */
  size_t sitemap_count;
  long crawl_delay_ms;
};

struct arena {
  char *bytes;
  size_t len;
  size_t size;
};

struct rule_list {
  struct robots_rule *rules;
  size_t count;
  size_t size;
};

struct parser {
  const char *token;
  size_t token_len;
  struct arena arena;
  /* Rules of the groups that name us and of the '*' groups: which of the
   * two applies is known only at the end of the file. */
  struct rule_list ours;
  struct rule_list star;
  size_t *sitemaps;
  size_t sitemap_count;
  size_t sitemap_size;
  long delay_ours;
  long delay_star;
  /* The group being read: no group member yet since the last user-agent
   * line, and whom it names. */
  bool in_agents;
  bool group_ours;
  bool group_star;
  bool named_us; /* some group names our token */
  size_t rule_order;
  bool oom;
};

static const char hex_digits[] = "0123456789ABCDEF";

static bool is_blank(char c)
{
  return c == ' ' || c == '\t';
}

static bool is_digit(char c)
{
  return c >= '0' && c <= '9';
}

static char ascii_lower(char c)
{
  return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static bool is_alpha(unsigned char c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* The characters of a product token (RFC 9309 2.2.1). */
static bool is_token_char(char c)
{
  return is_alpha((unsigned char)c) || c == '_' || c == '-';
}

/* RFC 3986 2.3. */
static bool is_unreserved(unsigned char c)
{
  return is_alpha(c) || is_digit((char)c) || c == '-' || c == '.' ||
         c == '_' || c == '~';
}

static int hex_value(char c)
{
  if(is_digit(c))
    return c - '0';
  c = ascii_lower(c);
  if(c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  return -1;
}

static bool same_letters(const char *a, const char *b, size_t len)
{
  for(size_t i = 0; i < len; i++) {
    if(ascii_lower(a[i]) != ascii_lower(b[i]))
      return false;
  }
  return true;
}

static size_t put_encoded(char *out, unsigned char c)
{
  out[0] = '%';
  out[1] = hex_digits[c >> 4];
  out[2] = hex_digits[c & 0x0F];
  return 3;
}

/* Writes in[0..len) in the normal form of robots.h to out, which has room
 * for 3 * len bytes, and returns its length. In a pattern '*' is the
 * wildcard and a run of them is one; in a path '*' is a literal. Literal
 * '*' and '$' are always written encoded, so that in normal form a raw
 * '*' is the wildcard and nothing else. */
static size_t normalise(const char *in, size_t len, bool pattern, char *out)
{
  size_t n = 0;

  for(size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)in[i];

    if(c == '%') {
      int high = i + 2 < len ? hex_value(in[i + 1]) : -1;
      int low = high >= 0 ? hex_value(in[i + 2]) : -1;

      if(low < 0) {
        n += put_encoded(out + n, '%');
        continue;
      }
      c = (unsigned char)(high << 4 | low);
      i += 2;
      if(is_unreserved(c))
        out[n++] = (char)c;
      else
        n += put_encoded(out + n, c);
    }
    else if(c == '*' && pattern) {
      if(n == 0 || out[n - 1] != '*')
        out[n++] = '*';
    }
    else if(c <= 0x20 || c >= 0x7F || c == '*' || c == '$') {
      n += put_encoded(out + n, c);
    }
    else {
      out[n++] = (char)c;
    }
  }
  return n;
}

/* Room for more bytes at the end of the arena, or NULL when memory runs
 * out. The caller adds what it wrote to arena->len. */
static char *arena_reserve(struct arena *arena, size_t more)
{
  if(more > SIZE_MAX / 2 - arena->len)
    return NULL;
  if(arena->len + more > arena->size) {
    size_t size = arena->size > 0 ? arena->size : 1024;
    char *bytes;

    while(size < arena->len + more)
      size *= 2;
    bytes = realloc(arena->bytes, size);
    if(bytes == NULL)
      return NULL;
    arena->bytes = bytes;
    arena->size = size;
  }
  return arena->bytes + arena->len;
}

/* Makes room for one more item in *items (*size of them allocated). */
static bool grow(void **items, size_t *size, size_t count, size_t item_size)
{
  size_t new_size;
  void *bigger;

  if(count < *size)
    return true;
  new_size = *size > 0 ? *size * 2 : 16;
  if(new_size > SIZE_MAX / item_size)
    return false;
  bigger = realloc(*items, new_size * item_size);
  if(bigger == NULL)
    return false;
  *items = bigger;
  *size = new_size;
  return true;
}

static bool push_rule(struct rule_list *list, const struct robots_rule *rule)
{
  if(!grow((void **)&list->rules, &list->size, list->count,
           sizeof(*list->rules)))
    return false;
  list->rules[list->count++] = *rule;
  return true;
}

/* Reads a crawl-delay in seconds ("10", "0.5") as milliseconds, or -1. */
static long parse_delay(const char *value, size_t len)
{
  long seconds = 0;
  long fraction = 0;
  long scale = 100;
  bool digits = false;
  size_t i = 0;

  for(; i < len && is_digit(value[i]); i++) {
    digits = true;
    /* Past the maximum the value no longer matters: stop before it can
     * overflow. */
    if(seconds <= ROBOTS_CRAWL_DELAY_MAX_MS / 1000)
      seconds = seconds * 10 + (value[i] - '0');
  }
  if(i < len && value[i] == '.') {
    for(i++; i < len && is_digit(value[i]); i++) {
      digits = true;
      fraction += (value[i] - '0') * scale;
      scale /= 10;
    }
  }
  if(!digits || i < len)
    return -1;
  if(seconds > ROBOTS_CRAWL_DELAY_MAX_MS / 1000)
    return ROBOTS_CRAWL_DELAY_MAX_MS;
  if(seconds * 1000 + fraction > ROBOTS_CRAWL_DELAY_MAX_MS)
    return ROBOTS_CRAWL_DELAY_MAX_MS;
  return seconds * 1000 + fraction;
}

static void on_user_agent(struct parser *p, const char *value, size_t len)
{
  size_t name_len = 0;

  if(!p->in_agents) {
    p->in_agents = true;
    p->group_ours = false;
    p->group_star = false;
  }
  if(len > 0 && value[0] == '*' && (len == 1 || is_blank(value[1]))) {
    p->group_star = true;
    return;
  }
  while(name_len < len && is_token_char(value[name_len]))
    name_len++;
  if(name_len > 0 && name_len == p->token_len &&
     same_letters(value, p->token, name_len)) {
    p->group_ours = true;
    p->named_us = true;
  }
}

static void on_rule(struct parser *p, bool allow, const char *value,
                    size_t len)
{
  const char *prefix = allow ? "Allow: " : "Disallow: ";
  size_t prefix_len = strlen(prefix);
  struct robots_rule rule = { 0 };
  size_t pattern_len = 0;
  char *out;

  p->in_agents = false;
  if(len == 0 || !(p->group_ours || p->group_star))
    return;
  rule.anchored = value[len - 1] == '$';
  if(rule.anchored)
    len--;
  /* The prefix, a '/', every byte encoded, '$' and NUL. */
  if(len > (SIZE_MAX / 2 - prefix_len - 3) / 3) {
    p->oom = true;
    return;
  }
  out = arena_reserve(&p->arena, prefix_len + 3 * len + 3);
  if(out == NULL) {
    p->oom = true;
    return;
  }
  memcpy(out, prefix, prefix_len);
  out += prefix_len;
  if(len == 0 || (value[0] != '/' && value[0] != '*'))
    out[pattern_len++] = '/';
  pattern_len += normalise(value, len, true, out + pattern_len);
  rule.literal_len = pattern_len;
  for(size_t i = 0; i < pattern_len; i++)
    rule.literal_len -= out[i] == '*';
  if(rule.anchored)
    out[pattern_len] = '$';
  out[pattern_len + rule.anchored] = '\0';

  rule.text = p->arena.len;
  rule.pattern = p->arena.len + prefix_len;
  rule.pattern_len = pattern_len;
  rule.specificity = pattern_len + rule.anchored;
  rule.allow = allow;
  rule.order = p->rule_order++;
  p->arena.len += prefix_len + pattern_len + rule.anchored + 1;
  if((p->group_ours && !push_rule(&p->ours, &rule)) ||
     (p->group_star && !push_rule(&p->star, &rule)))
    p->oom = true;
}

/* A crawl-delay belongs to its group like a rule, and ends the run of
 * user-agent lines too: a group holding only a crawl-delay, followed by
 * another group, is common, and would otherwise swallow that group. */
static void on_crawl_delay(struct parser *p, const char *value, size_t len)
{
  long delay;

  p->in_agents = false;
  if(!(p->group_ours || p->group_star))
    return;
  delay = parse_delay(value, len);
  if(p->group_ours && p->delay_ours < 0)
    p->delay_ours = delay;
  if(p->group_star && p->delay_star < 0)
    p->delay_star = delay;
}

static void on_sitemap(struct parser *p, const char *value, size_t len)
{
  size_t n = 0;
  char *out;

  if(len == 0)
    return;
  if(len > (SIZE_MAX / 2 - 1) / 3 ||
     !grow((void **)&p->sitemaps, &p->sitemap_size, p->sitemap_count,
           sizeof(*p->sitemaps))) {
    p->oom = true;
    return;
  }
  out = arena_reserve(&p->arena, 3 * len + 1);
  if(out == NULL) {
    p->oom = true;
    return;
  }
  for(size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)value[i];

    if(c <= 0x20 || c >= 0x7F)
      n += put_encoded(out + n, c);
    else
      out[n++] = (char)c;
  }
  out[n] = '\0';
  p->sitemaps[p->sitemap_count++] = p->arena.len;
  p->arena.len += n + 1;
}

static void trim(const char **text, size_t *len)
{
  while(*len > 0 && is_blank(**text)) {
    (*text)++;
    (*len)--;
  }
  while(*len > 0 && is_blank((*text)[*len - 1]))
    (*len)--;
}

static bool key_is(const char *key, size_t key_len, const char *name)
{
  return key_len == strlen(name) && same_letters(key, name, key_len);
}

/* A line without ':' is key and value when it holds exactly two words. */
static bool split_words(const char *line, size_t len, const char **key,
                        size_t *key_len, const char **value, size_t *value_len)
{
  size_t end = 0;
  size_t start;

  trim(&line, &len);
  while(end < len && !is_blank(line[end]))
    end++;
  if(end == len)
    return false;
  start = end;
  while(is_blank(line[start]))
    start++;
  for(size_t i = start; i < len; i++) {
    if(is_blank(line[i]))
      return false;
  }
  *key = line;
  *key_len = end;
  *value = line + start;
  *value_len = len - start;
  return true;
}

static void parse_line(struct parser *p, const char *line, size_t len)
{
  const char *hash = memchr(line, '#', len);
  const char *colon;
  const char *key;
  const char *value;
  size_t key_len;
  size_t value_len;

  if(hash != NULL)
    len = (size_t)(hash - line);
  colon = memchr(line, ':', len);
  if(colon != NULL) {
    key = line;
    key_len = (size_t)(colon - line);
    value = colon + 1;
    value_len = len - key_len - 1;
  }
  else if(!split_words(line, len, &key, &key_len, &value, &value_len)) {
    return;
  }
  trim(&key, &key_len);
  trim(&value, &value_len);
  if(key_is(key, key_len, "user-agent"))
    on_user_agent(p, value, value_len);
  else if(key_is(key, key_len, "allow"))
    on_rule(p, true, value, value_len);
  else if(key_is(key, key_len, "disallow"))
    on_rule(p, false, value, value_len);
  else if(key_is(key, key_len, "crawl-delay"))
    on_crawl_delay(p, value, value_len);
  else if(key_is(key, key_len, "sitemap"))
    on_sitemap(p, value, value_len);
}

static int more_specific_first(const void *a, const void *b)
{
  const struct robots_rule *x = a;
  const struct robots_rule *y = b;

  if(x->specificity != y->specificity)
    return x->specificity > y->specificity ? -1 : 1;
  if(x->allow != y->allow)
    return x->allow ? -1 : 1;
  return x->order < y->order ? -1 : x->order > y->order;
}

struct robots *robots_parse(const char *body, size_t len,
                            const char *product_token)
{
  struct parser p = { 0 };
  struct robots *robots;
  struct rule_list *kept;
  size_t pos = 0;

  p.token = product_token;
  p.token_len = strlen(product_token);
  p.delay_ours = -1;
  p.delay_star = -1;
  if(len >= 3 && memcmp(body, "\xEF\xBB\xBF", 3) == 0)
    pos = 3;
  while(pos < len && !p.oom) {
    size_t end = pos;

    /* CRLF reads as a line and an empty one, which changes nothing. */
    while(end < len && body[end] != '\n' && body[end] != '\r')
      end++;
    parse_line(&p, body + pos, end - pos);
    pos = end + 1;
  }

  robots = calloc(1, sizeof(*robots));
  if(robots == NULL || p.oom) {
    free(robots);
    free(p.arena.bytes);
    free(p.ours.rules);
    free(p.star.rules);
    free(p.sitemaps);
    return NULL;
  }
  kept = p.named_us ? &p.ours : &p.star;
  free(p.named_us ? p.star.rules : p.ours.rules);
  if(kept->count > 0)
    qsort(kept->rules, kept->count, sizeof(*kept->rules), more_specific_first);
  robots->arena = p.arena.bytes;
  robots->rules = kept->rules;
  robots->rule_count = kept->count;
  robots->sitemaps = p.sitemaps;
  robots->sitemap_count = p.sitemap_count;
  robots->crawl_delay_ms = p.named_us ? p.delay_ours : p.delay_star;
  return robots;
}

struct robots *robots_allow_all(void)
{
  return robots_parse("", 0, "");
}

struct robots *robots_disallow_all(void)
{
  static const char all[] = "User-agent: *\nDisallow: /\n";

  return robots_parse(all, sizeof(all) - 1, "");
}

/* Whether a pattern in normal form matches path, also in normal form.
 * Between wildcards the pattern is a list of literal pieces; taking each
 * piece at its leftmost place in the path leaves the most path for the
 * rest, so no choice is ever undone, and memmem() keeps each search
 * linear however many wildcards there are. */
static bool pattern_matches(const char *pattern, size_t pattern_len,
                            bool anchored, const char *path, size_t path_len)
{
  const char *star = memchr(pattern, '*', pattern_len);
  size_t piece_len;
  size_t pos;

  if(star == NULL) {
    if(anchored)
      return pattern_len == path_len && memcmp(pattern, path, path_len) == 0;
    return pattern_len <= path_len && memcmp(pattern, path, pattern_len) == 0;
  }
  /* The piece before the first '*' starts at the first octet. */
  piece_len = (size_t)(star - pattern);
  if(piece_len > path_len || memcmp(pattern, path, piece_len) != 0)
    return false;
  pos = piece_len;
  pattern_len -= piece_len + 1;
  pattern = star + 1;
  for(;;) {
    const char *found;

    star = memchr(pattern, '*', pattern_len);
    piece_len = star != NULL ? (size_t)(star - pattern) : pattern_len;
    if(star == NULL && anchored) {
      /* The last piece has to end the path. */
      return piece_len <= path_len - pos &&
             memcmp(path + path_len - piece_len, pattern, piece_len) == 0;
    }
    if(piece_len > 0) {
      found = memmem(path + pos, path_len - pos, pattern, piece_len);
      if(found == NULL)
        return false;
      pos = (size_t)(found - path) + piece_len;
    }
    if(star == NULL)
      return true;
    pattern_len -= piece_len + 1;
    pattern = star + 1;
  }
}

bool robots_allowed(const struct robots *robots, const char *path,
                    size_t path_len, const char **rule)
{
  /* Every byte may take three, and a '/' may be put in front. */
  char normal[3 * ROBOTS_PATH_MAX + 1];
  const char *decided = "";
  bool allowed = true;
  size_t len = 0;

  if(robots->rule_count == 0)
    goto done;
  if(path_len > ROBOTS_PATH_MAX) {
    decided = ROBOTS_RULE_PATH_TOO_LONG;
    allowed = false;
    goto done;
  }
  if(path_len == 0 || path[0] != '/')
    normal[len++] = '/';
  len += normalise(path, path_len, false, normal + len);
  if(len == strlen("/robots.txt") && memcmp(normal, "/robots.txt", len) == 0)
    goto done;
  for(size_t i = 0; i < robots->rule_count; i++) {
    const struct robots_rule *r = &robots->rules[i];

    if(r->literal_len <= len &&
       pattern_matches(robots->arena + r->pattern, r->pattern_len, r->anchored,
                       normal, len)) {
      decided = robots->arena + r->text;
      allowed = r->allow;
      break;
    }
  }
done:
  if(rule != NULL)
    *rule = decided;
  return allowed;
}

long robots_crawl_delay_ms(const struct robots *robots)
{
  return robots->crawl_delay_ms;
}

size_t robots_sitemap_count(const struct robots *robots)
{
  return robots->sitemap_count;
}

const char *robots_sitemap(const struct robots *robots, size_t index)
{
  if(index >= robots->sitemap_count)
    return NULL;
  return robots->arena + robots->sitemaps[index];
}

size_t robots_rule_count(const struct robots *robots)
{
  return robots->rule_count;
}

void robots_product_token(const char *user_agent, char *buf, size_t size)
{
  size_t n = 0;

  if(size == 0)
    return;
  while(is_blank(*user_agent))
    user_agent++;
  while(n < size - 1 && user_agent[n] != '\0' && user_agent[n] != '/' &&
        !is_blank(user_agent[n])) {
    buf[n] = user_agent[n];
    n++;
  }
  buf[n] = '\0';
}

void robots_free(struct robots *robots)
{
  if(robots == NULL)
    return;
  free(robots->arena);
  free(robots->rules);
  free(robots->sitemaps);
  free(robots);
}
