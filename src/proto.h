/* proto.h - the lines between the supervisor and its workers.
 *
 * Tasks go down and results come up each worker's own pipe pair as compact
 * JSON objects, one per line: task:
 * {"v":1,"id":17,"url":"https://example.org/a","attempt":1} result: the record
 * of result.h plus "id", the id of the task it answers. Bump PROTO_VERSION
 * when a field changes meaning; a worker refuses a task of another version
 * (the supervisor and its processes are the same binary, so this only guards
 * against an upgrade that replaced the binary under a running daemon). */
#ifndef CRAWLD_PROTO_H
#define CRAWLD_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include <event2/buffer.h>
#include <jansson.h>

#define PROTO_VERSION 1
/* The longest line either side accepts. A longer one (or one cut short by EOF)
 * means the peer is broken: the reader treats it as that worker's crash. */
#define PROTO_LINE_MAX (1024 * 1024)

struct proto_task {
  uint64_t id;
  int attempt;
  char *url; /* malloc'd; freed by proto_task_clear */
};

/* Serializes value as one compact line ending in '\n'. Malloc'd, caller frees;
 * NULL on allocation failure. *len gets the length including the newline. */
char *proto_dump_line(const json_t *value, size_t *len);

char *proto_task_encode(uint64_t id, const char *url, int attempt,
                        size_t *len);
/* Parses one task line (without its newline). 0, or -1 with a reason in err.
 */
int proto_task_decode(const char *line, size_t len, struct proto_task *task,
                      char *err, size_t err_size);
void proto_task_clear(struct proto_task *task);

/* Adds "id" to a worker's record and serializes it; see proto_dump_line. */
char *proto_result_encode(uint64_t id, json_t *record, size_t *len);
/* Parses one result line: the record (new reference, caller decrefs) and its
 * id. NULL with a reason in err when the line is not a JSON object with an
 * unsigned "id". */
json_t *proto_result_decode(const char *line, size_t len, uint64_t *id,
                            char *err, size_t err_size);

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
