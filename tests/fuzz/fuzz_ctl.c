/* fuzz_ctl.c - libFuzzer target for the control-socket request parser
 * (ctl_parse_request in src/ctl.h).
 *
 * Anyone who may connect to status.sock (mode 0666) can send these lines,
 * so the input is a client's byte stream: it is cut at each "\n" as the
 * server cuts it and every line is parsed. The parser must classify as
 * ctl.h says (an object with an integer id, then a string cmd and an
 * object args or none), hand out fields that belong to the parsed request,
 * and give the same answer for the request written back out compactly. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ctl.h"
#include "fuzz_check.h"
#include "proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_fields(enum ctl_parse parsed,
                         const struct ctl_request *request)
{
  json_t *cmd = json_object_get(request->root, "cmd");
  json_t *args = json_object_get(request->root, "args");

  switch(parsed) {
    case CTL_REQUEST_OK:
      CHECK(json_is_object(request->root));
      CHECK(json_is_string(cmd));
      CHECK(request->cmd == json_string_value(cmd));
      CHECK(request->args == args);
      CHECK(args == NULL || json_is_object(args));
      CHECK(request->id ==
            json_integer_value(json_object_get(request->root, "id")));
      break;
    case CTL_REQUEST_BAD:
      CHECK(json_is_object(request->root));
      CHECK(!json_is_string(cmd) || (args != NULL && !json_is_object(args)));
      CHECK(request->cmd == NULL && request->args == NULL);
      CHECK(request->id ==
            json_integer_value(json_object_get(request->root, "id")));
      break;
    case CTL_REQUEST_INVALID:
      CHECK(!json_is_object(request->root) ||
            !json_is_integer(json_object_get(request->root, "id")));
      CHECK(request->cmd == NULL && request->args == NULL);
      break;
    default:
      CHECK(!"ctl_parse_request returned no ctl_parse value");
  }
}

static void check_line(const char *line, size_t len)
{
  struct ctl_request request;
  struct ctl_request again;
  enum ctl_parse parsed = ctl_parse_request(line, len, &request);
  enum ctl_parse reparsed;
  char *dumped;
  size_t dumped_len = 0;

  check_fields(parsed, &request);
  if(parsed != CTL_REQUEST_INVALID) {
    dumped = proto_dump_line(request.root, &dumped_len);
    CHECK(dumped != NULL);
    CHECK(memchr(dumped, '\n', dumped_len - 1) == NULL);
    reparsed = ctl_parse_request(dumped, dumped_len - 1, &again);
    check_fields(reparsed, &again);
    CHECK(reparsed == parsed);
    CHECK(again.id == request.id);
    CHECK(parsed != CTL_REQUEST_OK || strcmp(again.cmd, request.cmd) == 0);
    CHECK((again.args == NULL) == (request.args == NULL));
    ctl_request_clear(&again);
    free(dumped);
  }
  ctl_request_clear(&request);
  CHECK(request.root == NULL && request.cmd == NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  const char *stream = (const char *)data;
  size_t start = 0;

  /* Like the server, which reads each line into its own buffer, parse a
   * copy of exactly the line's bytes, so that reading past it is caught. */
  while(start < size) {
    const char *newline = memchr(stream + start, '\n', size - start);
    size_t len =
        newline != NULL ? (size_t)(newline - stream) - start : size - start;
    char *line = malloc(len + 1);

    if(line == NULL)
      abort();
    memcpy(line, stream + start, len);
    line[len] = '\0';
    check_line(line, len);
    free(line);
    start += len + 1;
  }
  return 0;
}
