/* result.h - the result record: one per URL, one compact JSON line.
 *
 * Workers encode a record without "job" and "seq" and send it up with the
 * task id (proto.h); the supervisor, which alone knows which job line a task
 * came from, writes the final record with "job" and "seq" first
 * (result_finish), copying the worker's text rather than parsing it.
 * Strings in a record come from other people's servers, so every one of them
 * is made valid UTF-8 here (U+FFFD for each invalid byte) and "utf8_repaired"
 * says when that happened. */
#ifndef CRAWLD_RESULT_H
#define CRAWLD_RESULT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "jsonw.h"

/* The closed set of error codes; crawld(8) documents each one. */
#define RESULT_ERRORS(X)                      \
  X(BAD_URL, "bad_url")                       \
  X(DNS, "dns")                               \
  X(CONNECT, "connect")                       \
  X(TLS, "tls")                               \
  X(TIMEOUT, "timeout")                       \
  X(TOO_LARGE, "too_large")                   \
  X(TOO_MANY_REDIRECTS, "too_many_redirects") \
  X(PROTOCOL_DENIED, "protocol_denied")       \
  X(ADDRESS_DENIED, "address_denied")         \
  X(HTTP_ERROR, "http_error")                 \
  X(RECV, "recv")                             \
  X(SEND, "send")                             \
  X(PARTIAL, "partial")                       \
  X(EMPTY_REPLY, "empty_reply")               \
  X(BAD_RESPONSE, "bad_response")             \
  X(BAD_ENCODING, "bad_encoding")             \
  X(WORKER_CRASH, "worker_crash")             \
  X(ROBOTS_DENIED, "robots_denied")           \
  X(ROBOTS_UNAVAILABLE, "robots_unavailable") \
  X(INTERNAL, "internal")

enum result_error {
  RESULT_OK = 0,
#define RESULT_ERROR_ENUM(name, text) RESULT_ERR_##name,
  RESULT_ERRORS(RESULT_ERROR_ENUM)
#undef RESULT_ERROR_ENUM
      RESULT_ERROR_COUNT
};

/* "bad_url" for RESULT_ERR_BAD_URL ...; NULL for RESULT_OK. */
const char *result_error_name(enum result_error error);
/* The code for a name, or RESULT_OK if the name is not one of ours. */
enum result_error result_error_from_name(const char *name);

#define RESULT_SNIPPET_CHARS 100
#define RESULT_TITLE_CHARS 512

enum worker_kind { WORKER_THREAD, WORKER_PROCESS };
const char *worker_kind_name(enum worker_kind kind);

struct result_timing {
  double dns_ms;     /* name resolution */
  double connect_ms; /* TCP connect, after DNS */
  double tls_ms;     /* TLS handshake, after connect; 0 for http */
  double ttfb_ms;    /* from start to the first response byte */
  double total_ms;   /* from start to the end, redirects included */
};

/* A record as C sees it. Byte strings may hold anything (they are sanitized
 * when encoded); NULL means JSON null. */
struct result_record {
  const char *url;
  const char *final_url;
  enum result_error error;
  const char *error_message;
  long status; /* last HTTP status; 0 when no response came */
  const char *content_type;
  uint64_t bytes;    /* decoded body bytes received (kept) */
  bool truncated;    /* body cut at max_body_bytes */
  const char *title; /* htmlpage.h: UTF-8, sanitised again */
  size_t title_len;
  const char *snippet;
  size_t snippet_len;
  bool text_repaired; /* title or snippet had invalid bytes, replaced */
  const char
      *sha256; /* lowercase hex of the kept body; NULL when no response */
  long redirects;
  const char *http_version; /* "1.0", "1.1", "2", "3"; NULL when no response */
  struct result_timing timing;
  bool has_worker; /* false for records the supervisor writes itself */
  enum worker_kind worker_kind;
  int worker_id;
  pid_t worker_pid;
  long retry_after_s; /* the answer's Retry-After, in seconds; 0: none. Not
                         in the record: the frontier's, for backoff */
  int attempt;
  struct timespec fetched_at;
  /* Not in the record either: the page's links, for a job that follows
   * them (proto.h says how they travel). */
  bool has_links;          /* the task asked for them */
  long long links_found;   /* link elements met, and a redirect's target */
  long long links_dropped; /* of those, URLs refused (urlnorm.h) */
  const char *links;       /* "u1","u2",... normalised, each once */
  size_t links_len;
  const char *location; /* a redirect's target, normalised; or NULL */
};

/* What the supervisor needs of a record for its counts and statistics, so
 * that it never parses a record: the worker sends these beside it. */
struct result_summary {
  enum result_error error;
  long status; /* 0 when no response came */
  uint64_t bytes;
  bool truncated;
  double total_ms;
  long retry_after_s; /* Retry-After of a 429 or 503, in seconds; 0: none */
  const char *body;   /* a robots.txt fetch's body, base64; NULL: none */
  size_t body_len;
  bool has_worker; /* false for records the supervisor writes itself */
  enum worker_kind worker_kind;
  int worker_id;
  int attempt;
  const char *record; /* the record as result_encode wrote it */
  size_t record_len;
  /* The page's links for a job that follows them; links_len 0 and
   * location NULL when none came. */
  long long links_found;
  long long links_dropped;
  const char *links; /* "u1","u2",...: URLs without quotes or backslashes */
  size_t links_len;
  const char *location; /* "u": a redirect's target; or NULL */
  size_t location_len;
};

/* Appends the record as one compact JSON object, without job and seq and
 * without a newline, its keys in the order of DESIGN.md with
 * "utf8_repaired" last. out->failed tells of an allocation failure. */
void result_encode(const struct result_record *record, struct jsonw *out);
/* The last key of every record result_encode writes; result_finish relies on
 * it. */
#define RESULT_REPAIRED_KEY ",\"utf8_repaired\":"
/* Appends the final line: "job" and "seq" first, then fields (members a
 * job that follows links adds, each after a comma; NULL: none), then every
 * field of the record text (as result_encode wrote it, copied without
 * parsing), then a newline. The job name is sanitized like any other string,
 * and when that repaired it the record's "utf8_repaired" becomes true. -1 when
 * record is not an object's text or memory ran out. */
int result_finish(const char *job, long long seq, const char *fields,
                  size_t fields_len, const char *record, size_t record_len,
                  struct jsonw *out);
/* The record of a URL the supervisor answers itself, without a fetch
 * (robots_denied, worker_crash, ...): url, attempt, error and message, the
 * time now. text gets the record (the caller frees it with jsonw_free) and
 * answer what it says, pointing into text. */
void result_supervisor_answer(const char *url, int attempt,
                              enum result_error error, const char *message,
                              struct jsonw *text,
                              struct result_summary *answer);
/* Writes "2026-11-22T01:50:38.123Z" into buf (at least 32 bytes). */
void result_format_time(const struct timespec *when, char *buf, size_t size);

#endif
