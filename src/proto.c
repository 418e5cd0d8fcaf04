/* proto.c - supervisor <-> worker line protocol; see proto.h. */
#include "config.h"

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "proto.h"

/* Twelve significant digits print the statistics' reals (milliseconds to the
 * microsecond) exactly, without jansson's 17-digit noise. */
#define PROTO_DUMP_FLAGS (JSON_COMPACT | JSON_REAL_PRECISION(12))

char *proto_dump_line(const json_t *value, size_t *len)
{
  /* One pass: json_dumps() sizes its buffer as it goes, where json_dumpb()
   * would serialize twice, once to learn the size. */
  char *text = json_dumps(value, PROTO_DUMP_FLAGS);
  size_t text_len;
  char *line;

  if(text == NULL)
    return NULL;
  text_len = strlen(text);
  line = realloc(text, text_len + 2);
  if(line == NULL) {
    free(text);
    return NULL;
  }
  line[text_len] = '\n';
  line[text_len + 1] = '\0';
  *len = text_len + 1;
  return line;
}

void proto_task_encode(struct jsonw *out, uint64_t id, const char *url,
                       int attempt, bool robots, bool links)
{
  jsonw_lit(out, "{\"v\":");
  jsonw_int(out, PROTO_VERSION);
  jsonw_lit(out, ",\"id\":");
  jsonw_uint(out, id);
  jsonw_lit(out, ",\"url\":");
  jsonw_string(out, url, strlen(url));
  jsonw_lit(out, ",\"attempt\":");
  jsonw_int(out, attempt);
  if(robots)
    jsonw_lit(out, ",\"robots\":true");
  if(links)
    jsonw_lit(out, ",\"links\":true");
  jsonw_lit(out, "}\n");
}

/* A cursor over one line, for the shapes this file writes itself. */
struct scan {
  const char *at;
  const char *end;
};

static bool scan_literal(struct scan *scan, const char *literal, size_t len)
{
  if((size_t)(scan->end - scan->at) < len || memcmp(scan->at, literal, len))
    return false;
  scan->at += len;
  return true;
}
#define SCAN_LIT(scan, literal) \
  scan_literal((scan), (literal), sizeof(literal) - 1)

/* Decimal digits, no sign, no leading zero, no overflow. */
static bool scan_uint(struct scan *scan, uint64_t max, uint64_t *value)
{
  const char *start = scan->at;
  uint64_t n = 0;

  while(scan->at < scan->end && *scan->at >= '0' && *scan->at <= '9') {
    unsigned digit = (unsigned)(*scan->at - '0');

    if(n > (max - digit) / 10)
      return false;
    n = n * 10 + digit;
    scan->at++;
  }
  if(scan->at == start || (*start == '0' && scan->at - start > 1))
    return false;
  *value = n;
  return true;
}

/* jsonw_ms's text and no other spelling of the same number: digits, '.', one
 * to three digits without a trailing zero (a lone "0" apart), a '-' only
 * before a number that is not zero, at most 2^53 microseconds. */
static bool scan_ms(struct scan *scan, double *ms)
{
  bool negative = SCAN_LIT(scan, "-");
  uint64_t whole;
  unsigned fraction = 0;
  int digits = 0;

  if(!scan_uint(scan, (UINT64_C(1) << 53) / 1000, &whole) ||
     !SCAN_LIT(scan, "."))
    return false;
  while(scan->at < scan->end && *scan->at >= '0' && *scan->at <= '9' &&
        digits < 3) {
    fraction = fraction * 10 + (unsigned)(*scan->at++ - '0');
    digits++;
  }
  if(digits == 0 || (fraction % 10 == 0 && !(digits == 1 && fraction == 0)))
    return false;
  for(int i = digits; i < 3; i++)
    fraction *= 10;
  if(whole * 1000 + fraction > UINT64_C(1) << 53 ||
     (negative && whole == 0 && fraction == 0))
    return false;
  *ms = ((double)whole * 1000.0 + fraction) / 1000.0;
  if(negative)
    *ms = -*ms;
  return true;
}

/* A JSON string of printable ASCII with only \" and \\ escaped, as a URL
 * from a URL file is written (urlfile.h allows nothing else in one). Copied
 * unescaped into a new string; NULL when the text is not of that kind. */
static char *scan_plain_string(struct scan *scan)
{
  const char *start;
  size_t escapes = 0;
  char *copy;
  char *to;

  if(!SCAN_LIT(scan, "\""))
    return NULL;
  start = scan->at;
  while(scan->at < scan->end && *scan->at != '"') {
    unsigned char c = (unsigned char)*scan->at;

    if(c == '\\') {
      if(scan->end - scan->at < 2 ||
         (scan->at[1] != '"' && scan->at[1] != '\\'))
        return NULL;
      escapes++;
      scan->at++;
    }
    else if(c < 0x21 || c > 0x7E) {
      return NULL;
    }
    scan->at++;
  }
  if(scan->at == scan->end)
    return NULL;
  copy = malloc((size_t)(scan->at - start) - escapes + 1);
  if(copy == NULL)
    return NULL;
  to = copy;
  for(const char *from = start; from < scan->at; from++) {
    if(*from == '\\')
      from++;
    *to++ = *from;
  }
  *to = '\0';
  scan->at++;
  return copy;
}

/* The line exactly as proto_task_encode writes it: 1 when it was, 0 when it
 * is not of that shape (the caller then parses it as any JSON). */
static int task_decode_fast(const char *line, size_t len,
                            struct proto_task *task)
{
  struct scan scan = { line, line + len };
  uint64_t id;
  uint64_t attempt;
  char *url;

  if(!SCAN_LIT(&scan, "{\"v\":1,\"id\":") ||
     !scan_uint(&scan, INT64_MAX, &id) || !SCAN_LIT(&scan, ",\"url\":"))
    return 0;
  url = scan_plain_string(&scan);
  if(url == NULL)
    return 0;
  if(!SCAN_LIT(&scan, ",\"attempt\":") || !scan_uint(&scan, 1000, &attempt) ||
     attempt < 1) {
    free(url);
    return 0;
  }
  task->robots = SCAN_LIT(&scan, ",\"robots\":true");
  task->links = SCAN_LIT(&scan, ",\"links\":true");
  if(!SCAN_LIT(&scan, "}") || scan.at != scan.end) {
    free(url);
    return 0;
  }
  task->id = id;
  task->attempt = (int)attempt;
  task->url = url;
  return 1;
}

int proto_task_decode(const char *line, size_t len, struct proto_task *task,
                      char *err, size_t err_size)
{
  json_error_t error;
  json_int_t version;
  json_int_t id;
  json_int_t attempt;
  int robots = 0;
  int links = 0;
  const char *url;
  json_t *root;

  memset(task, 0, sizeof(*task));
  if(task_decode_fast(line, len, task))
    return 0;
  root = json_loadb(line, len, JSON_REJECT_DUPLICATES, &error);
  if(root == NULL) {
    snprintf(err, err_size, "task is not JSON: %s", error.text);
    return -1;
  }
  if(json_unpack_ex(root, &error, 0, "{s:I, s:I, s:s, s:I, s?b, s?b}", "v",
                    &version, "id", &id, "url", &url, "attempt", &attempt,
                    "robots", &robots, "links", &links) < 0) {
    snprintf(err, err_size, "task lacks a field: %s", error.text);
    json_decref(root);
    return -1;
  }
  if(version != PROTO_VERSION || id < 0 || attempt < 1 || attempt > 1000) {
    snprintf(err, err_size, "task has version %lld, id %lld, attempt %lld",
             (long long)version, (long long)id, (long long)attempt);
    json_decref(root);
    return -1;
  }
  task->id = (uint64_t)id;
  task->attempt = (int)attempt;
  task->robots = robots != 0;
  task->links = links != 0;
  task->url = strdup(url);
  json_decref(root);
  if(task->url == NULL) {
    snprintf(err, err_size, "out of memory");
    return -1;
  }
  return 0;
}

void proto_task_clear(struct proto_task *task)
{
  free(task->url);
  task->url = NULL;
}

void proto_result_encode(struct jsonw *out, uint64_t id,
                         const struct result_record *record)
{
  proto_result_encode_body(out, id, record, NULL, 0);
}

/* Appends the base64 of bytes (RFC 4648, with padding). */
static void base64_append(struct jsonw *out, const char *bytes, size_t len)
{
  /* 3 bytes become 4 characters; EVP_EncodeBlock adds a NUL. */
  size_t text_len = 4 * ((len + 2) / 3);
  unsigned char *text = malloc(text_len + 1);

  if(text == NULL) {
    out->failed = true;
    return;
  }
  EVP_EncodeBlock(text, (const unsigned char *)bytes, (int)len);
  jsonw_raw(out, (const char *)text, text_len);
  free(text);
}

void proto_result_encode_body(struct jsonw *out, uint64_t id,
                              const struct result_record *record,
                              const char *body, size_t body_len)
{
  const char *error = result_error_name(record->error);

  jsonw_lit(out, "{\"id\":");
  jsonw_uint(out, id);
  jsonw_lit(out, ",\"error\":");
  if(error != NULL)
    jsonw_string(out, error, strlen(error));
  else
    jsonw_lit(out, "null");
  jsonw_lit(out, ",\"status\":");
  jsonw_int(out, record->status > 0 ? record->status : 0);
  jsonw_lit(out, ",\"bytes\":");
  jsonw_uint(out, record->bytes);
  jsonw_lit(out, ",\"truncated\":");
  jsonw_bool(out, record->truncated);
  jsonw_lit(out, ",\"total_ms\":");
  jsonw_ms(out, record->timing.total_ms);
  jsonw_lit(out, ",\"retry_after\":");
  jsonw_int(out, record->retry_after_s > 0 ? record->retry_after_s : 0);
  if(body != NULL) {
    jsonw_lit(out, ",\"body\":\"");
    base64_append(out, body,
                  body_len < PROTO_ROBOTS_MAX_BYTES ? body_len
                                                    : PROTO_ROBOTS_MAX_BYTES);
    jsonw_lit(out, "\"");
  }
  if(record->has_links) {
    jsonw_lit(out, ",\"links\":{\"found\":");
    jsonw_int(out, record->links_found);
    jsonw_lit(out, ",\"dropped\":");
    jsonw_int(out, record->links_dropped);
    jsonw_lit(out, ",\"location\":");
    if(record->location != NULL)
      jsonw_string(out, record->location, strlen(record->location));
    else
      jsonw_lit(out, "null");
    jsonw_lit(out, ",\"urls\":[");
    jsonw_raw(out, record->links != NULL ? record->links : "",
              record->links_len);
    jsonw_lit(out, "]}");
  }
  jsonw_lit(out, ",\"record\":");
  result_encode(record, out);
  jsonw_lit(out, "}\n");
}

/* Base64 as EVP_EncodeBlock writes it: the alphabet in groups of four, '='
 * padding only at the very end. */
static bool scan_base64(struct scan *scan)
{
  const char *start = scan->at;
  size_t padding = 0;

  while(scan->at < scan->end) {
    char c = *scan->at;

    if(c == '=' && padding < 2)
      padding++;
    else if(padding == 0 &&
            ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
             (c >= '0' && c <= '9') || c == '+' || c == '/'))
      ;
    else
      break;
    scan->at++;
  }
  return (size_t)(scan->at - start) % 4 == 0;
}

/* A URL in quotes as a link travels: printable ASCII, no quote or
 * backslash inside, so nothing to unescape. */
static bool scan_link(struct scan *scan)
{
  if(!SCAN_LIT(scan, "\""))
    return false;
  while(scan->at < scan->end && *scan->at != '"') {
    unsigned char c = (unsigned char)*scan->at;

    if(c < 0x21 || c > 0x7E || c == '\\')
      return false;
    scan->at++;
  }
  return SCAN_LIT(scan, "\"");
}

/* ,"links":{"found":N,"dropped":N,"location":"u"|null,"urls":["u",...]} */
static bool scan_links(struct scan *scan, struct result_summary *summary)
{
  uint64_t found, dropped;
  const char *start;

  if(!scan_uint(scan, INT64_MAX, &found) || !SCAN_LIT(scan, ",\"dropped\":") ||
     !scan_uint(scan, INT64_MAX, &dropped) ||
     !SCAN_LIT(scan, ",\"location\":"))
    return false;
  summary->links_found = (long long)found;
  summary->links_dropped = (long long)dropped;
  start = scan->at;
  if(!SCAN_LIT(scan, "null")) {
    if(!scan_link(scan))
      return false;
    summary->location = start;
    summary->location_len = (size_t)(scan->at - start);
  }
  if(!SCAN_LIT(scan, ",\"urls\":["))
    return false;
  start = scan->at;
  while(scan->at < scan->end && *scan->at == '"') {
    if(!scan_link(scan))
      return false;
    if(!SCAN_LIT(scan, ","))
      break;
    if(scan->at < scan->end && *scan->at != '"')
      return false;
  }
  summary->links = start;
  summary->links_len = (size_t)(scan->at - start);
  return SCAN_LIT(scan, "]}");
}

/* "null", or one of our error codes in quotes. */
static bool scan_error(struct scan *scan, enum result_error *error)
{
  const char *name;
  const char *quote;
  char copy[32];

  if(SCAN_LIT(scan, "null")) {
    *error = RESULT_OK;
    return true;
  }
  if(!SCAN_LIT(scan, "\""))
    return false;
  name = scan->at;
  quote = memchr(name, '"', (size_t)(scan->end - name));
  /* a NUL would end the name early for result_error_from_name() */
  if(quote == NULL || (size_t)(quote - name) >= sizeof(copy) ||
     memchr(name, '\0', (size_t)(quote - name)) != NULL)
    return false;
  memcpy(copy, name, (size_t)(quote - name));
  copy[quote - name] = '\0';
  *error = result_error_from_name(copy);
  scan->at = quote + 1;
  return *error != RESULT_OK;
}

int proto_result_decode(const char *line, size_t len, uint64_t *id,
                        struct result_summary *summary, char *err,
                        size_t err_size)
{
  struct scan scan = { line, line + len };
  uint64_t task_id;
  uint64_t status;
  uint64_t retry_after;
  const char *failed_at;

  memset(summary, 0, sizeof(*summary));
  if(!SCAN_LIT(&scan, "{\"id\":") || !scan_uint(&scan, INT64_MAX, &task_id)) {
    snprintf(err, err_size, "result has no task id");
    return -1;
  }
  if(!SCAN_LIT(&scan, ",\"error\":") || !scan_error(&scan, &summary->error) ||
     !SCAN_LIT(&scan, ",\"status\":") || !scan_uint(&scan, 999, &status) ||
     !SCAN_LIT(&scan, ",\"bytes\":") ||
     !scan_uint(&scan, UINT64_MAX, &summary->bytes) ||
     !SCAN_LIT(&scan, ",\"truncated\":"))
    goto malformed;
  if(SCAN_LIT(&scan, "true"))
    summary->truncated = true;
  else if(!SCAN_LIT(&scan, "false"))
    goto malformed;
  if(!SCAN_LIT(&scan, ",\"total_ms\":") ||
     !scan_ms(&scan, &summary->total_ms) ||
     !SCAN_LIT(&scan, ",\"retry_after\":") ||
     !scan_uint(&scan, LONG_MAX, &retry_after))
    goto malformed;
  summary->retry_after_s = (long)retry_after;
  if(SCAN_LIT(&scan, ",\"body\":\"")) {
    summary->body = scan.at;
    if(!scan_base64(&scan))
      goto malformed;
    summary->body_len = (size_t)(scan.at - summary->body);
    if(!SCAN_LIT(&scan, "\""))
      goto malformed;
  }
  if(SCAN_LIT(&scan, ",\"links\":{\"found\":") && !scan_links(&scan, summary))
    goto malformed;
  if(!SCAN_LIT(&scan, ",\"record\":{"))
    goto malformed;
  /* The record runs to the envelope's closing brace at the end. */
  if(scan.end - scan.at < 2 || memcmp(scan.end - 2, "}}", 2) != 0)
    goto malformed;
  summary->status = (long)status;
  summary->record = scan.at - 1;
  summary->record_len = (size_t)(scan.end - 1 - summary->record);
  *id = task_id;
  return 0;

malformed:
  failed_at = scan.at;
  snprintf(err, err_size, "result %llu is malformed at byte %zu",
           (unsigned long long)task_id, (size_t)(failed_at - line));
  return -1;
}

char *proto_body_decode(const char *base64, size_t base64_len, size_t *len)
{
  unsigned char *bytes;
  int decoded;

  if(base64_len % 4 != 0 || base64_len > (size_t)INT_MAX)
    return NULL;
  bytes = malloc(base64_len / 4 * 3 + 1);
  if(bytes == NULL)
    return NULL;
  decoded = base64_len == 0
                ? 0
                : EVP_DecodeBlock(bytes, (const unsigned char *)base64,
                                  (int)base64_len);
  if(decoded < 0) {
    free(bytes);
    return NULL;
  }
  /* EVP_DecodeBlock counts the padding's zero bytes in. */
  if(base64_len >= 1 && base64[base64_len - 1] == '=')
    decoded--;
  if(base64_len >= 2 && base64[base64_len - 2] == '=')
    decoded--;
  *len = (size_t)decoded;
  return (char *)bytes;
}

enum proto_read proto_read_line(struct evbuffer *input, char **line,
                                size_t *len)
{
  struct evbuffer_ptr eol =
      evbuffer_search_eol(input, NULL, NULL, EVBUFFER_EOL_LF);

  if(eol.pos < 0)
    return evbuffer_get_length(input) > PROTO_LINE_MAX ? PROTO_TOO_LONG
                                                       : PROTO_NEED_MORE;
  if((size_t)eol.pos > PROTO_LINE_MAX)
    return PROTO_TOO_LONG;
  *line = evbuffer_readln(input, len, EVBUFFER_EOL_LF);
  return *line != NULL ? PROTO_LINE : PROTO_NEED_MORE;
}
