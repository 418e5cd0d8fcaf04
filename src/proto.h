/* proto.h - the lines between the supervisor and its workers.
 *
 * Tasks go down and results come up each worker's own pipe pair as compact
 * JSON objects, one per line:
 *   task:   {"v":1,"id":17,"url":"https://example.org/a","attempt":1}
 *   result: {"id":17,"error":null,"status":200,"bytes":1234,
 *            "truncated":false,"total_ms":1.5,"retry_after":0,
 *            "record":{...}}
 * A robots.txt fetch of the frontier's is a task with ,"robots":true before
 * its closing brace; its result carries the body (at most
 * PROTO_ROBOTS_MAX_BYTES, base64) as ,"body":"..." before "record", since the
 * supervisor parses robots.txt and no record of it is kept.
 * A result carries the id of the task it answers, the few facts the
 * supervisor counts (the record's error code, status, bytes, truncated and
 * total time), the Retry-After of a 429 or 503 (seconds, 0 for none) that
 * the frontier backs the host off by, and the record of result.h, which the
 * supervisor copies into its output without parsing it (result_finish). Both
 * are written by hand (jsonw.h) in exactly this shape; a result line of any
 * other shape is a broken worker. Bump PROTO_VERSION when a field changes
 * meaning; a worker refuses a task of another version (the supervisor and its
 * processes are the same binary, so this only guards against an upgrade that
 * replaced the binary under a running daemon). */
#ifndef CRAWLD_PROTO_H
#define CRAWLD_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <event2/buffer.h>
#include <jansson.h>

#include "jsonw.h"
#include "result.h"

#define PROTO_VERSION 1
/* The longest line either side accepts. A longer one (or one cut short by EOF)
 * means the peer is broken: the reader treats it as that worker's crash. */
#define PROTO_LINE_MAX (1024 * 1024)
/* robots.txt bodies are cut here (RFC 9309 2.5 asks for at least 500 KiB);
 * in base64 it fits a line. */
#define PROTO_ROBOTS_MAX_BYTES (500 * 1024)

struct proto_task {
  uint64_t id;
  int attempt;
  bool robots; /* a robots.txt fetch: the body comes back */
  bool links;  /* the page's links come back, and redirects are not
                  followed but sent up as its link */
  char *url;   /* malloc'd; freed by proto_task_clear */
};

/* Serializes value as one compact line ending in '\n' (the control sockets'
 * messages). Malloc'd, caller frees; NULL on allocation failure. *len gets
 * the length including the newline. */
char *proto_dump_line(const json_t *value, size_t *len);

/* Appends one task line, newline included. */
void proto_task_encode(struct jsonw *out, uint64_t id, const char *url,
                       int attempt, bool robots, bool links);
/* Parses one task line (without its newline): the supervisor's own shape
 * quickly, any other JSON object with the same members through jansson. 0, or
 * -1 with a reason in err. */
int proto_task_decode(const char *line, size_t len, struct proto_task *task,
                      char *err, size_t err_size);
void proto_task_clear(struct proto_task *task);

/* Appends the result line for task id (record encoded by result_encode),
 * newline included. */
void proto_result_encode(struct jsonw *out, uint64_t id,
                         const struct result_record *record);
/* The same with a robots.txt body (at most PROTO_ROBOTS_MAX_BYTES). */
void proto_result_encode_body(struct jsonw *out, uint64_t id,
                              const struct result_record *record,
                              const char *body, size_t body_len);
/* Parses one result line (without its newline) into the task id and the
 * summary's error, status, bytes, truncated, total_ms, retry_after_s, body
 * (still base64: see proto_body_decode) and record, all pointing into line. -1
 * with a reason in err when the line is not in the shape proto_result_encode
 * writes. */
int proto_result_decode(const char *line, size_t len, uint64_t *id,
                        struct result_summary *summary, char *err,
                        size_t err_size);

/* Decodes a result's base64 body into a malloc'd buffer (*len its length;
 * the caller frees). NULL when it is not base64 or memory ran out. */
char *proto_body_decode(const char *base64, size_t base64_len, size_t *len);

enum proto_read {
  PROTO_LINE, /* *line holds one line without '\n' (malloc'd, caller frees) */
  PROTO_NEED_MORE, /* no complete line buffered yet */
  PROTO_TOO_LONG   /* the peer sent more than PROTO_LINE_MAX bytes without a
                      newline */
};
/* Takes the next line out of a libevent input buffer. */
enum proto_read proto_read_line(struct evbuffer *input, char **line,
                                size_t *len);

#endif
