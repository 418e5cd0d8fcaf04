/* proto.c - supervisor <-> worker line protocol; see proto.h. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"

/* Real numbers are timings in milliseconds rounded to microseconds, up to a
 * day (86400000.000 ms): twelve significant digits print them exactly without
 * jansson's 17-digit noise. */
#define PROTO_DUMP_FLAGS (JSON_COMPACT | JSON_REAL_PRECISION(12))

char *proto_dump_line(const json_t *value, size_t *len)
{
  /* One pass: json_dumps() sizes its buffer as it goes, where json_dumpb()
   * would serialize twice, once to learn the size. This runs twice per URL
   * (worker and supervisor), so it shows in profiles. */
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

char *proto_task_encode(uint64_t id, const char *url, int attempt, size_t *len)
{
  json_t *task = json_pack("{s:i, s:I, s:s, s:i}", "v", PROTO_VERSION, "id",
                           (json_int_t)id, "url", url, "attempt", attempt);
  char *line;

  if(task == NULL)
    return NULL;
  line = proto_dump_line(task, len);
  json_decref(task);
  return line;
}

int proto_task_decode(const char *line, size_t len, struct proto_task *task,
                      char *err, size_t err_size)
{
  json_error_t error;
  json_int_t version;
  json_int_t id;
  json_int_t attempt;
  const char *url;
  json_t *root;

  memset(task, 0, sizeof(*task));
  root = json_loadb(line, len, JSON_REJECT_DUPLICATES, &error);
  if(root == NULL) {
    snprintf(err, err_size, "task is not JSON: %s", error.text);
    return -1;
  }
  if(json_unpack_ex(root, &error, 0, "{s:I, s:I, s:s, s:I}", "v", &version,
                    "id", &id, "url", &url, "attempt", &attempt) < 0) {
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

char *proto_result_encode(uint64_t id, json_t *record, size_t *len)
{
  if(json_object_set_new(record, "id", json_integer((json_int_t)id)) < 0)
    return NULL;
  return proto_dump_line(record, len);
}

json_t *proto_result_decode(const char *line, size_t len, uint64_t *id,
                            char *err, size_t err_size)
{
  json_error_t error;
  json_t *root;
  json_t *id_value;

  root = json_loadb(line, len, JSON_REJECT_DUPLICATES, &error);
  if(root == NULL) {
    snprintf(err, err_size, "result is not JSON: %s", error.text);
    return NULL;
  }
  id_value = json_object_get(root, "id");
  if(!json_is_integer(id_value) || json_integer_value(id_value) < 0) {
    snprintf(err, err_size, "result has no task id");
    json_decref(root);
    return NULL;
  }
  *id = (uint64_t)json_integer_value(id_value);
  return root;
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
