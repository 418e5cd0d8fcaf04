/* fuzz_proto.c - libFuzzer target for the supervisor <-> worker line
 * protocol (src/proto.h).
 *
 * The input is a stream of pipe bytes. It is decoded whole as one task and
 * one result line, then fed to proto_read_line() through an evbuffer in
 * pieces of pseudo-random size, as a pipe delivers it: the lines that come
 * out must be exactly the input's lines, whatever the split, and each goes
 * through both decoders the way the worker and the supervisor use them.
 * Whatever a decoder accepts must survive being encoded and decoded again.
 *
 * The first byte seeds the piece sizes; when its top three bits are set,
 * the stream starts with enough NUL bytes to bring the first line near
 * PROTO_LINE_MAX, the second byte saying how near, so the limit is tested
 * without megabyte inputs. That is one input in eight, as such a line
 * costs a megabyte copy. */
#include "config.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <jansson.h>

#include "proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                    \
  do {                                                                 \
    if(!(cond)) {                                                      \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, \
              #cond);                                                  \
      abort();                                                         \
    }                                                                  \
  } while(0)

/* Bytes that bring a line close to the limit; added by reference, so
 * they are not copied in per input. NUL bytes make the decoders give up
 * at once on such a line instead of parsing a megabyte. */
static char filler[PROTO_LINE_MAX + 128];

static void check_task(const char *line, size_t len)
{
  struct proto_task task;
  struct proto_task again;
  char err[256];
  char *encoded;
  size_t encoded_len = 0;

  err[0] = '\0';
  if(proto_task_decode(line, len, &task, err, sizeof(err)) < 0) {
    CHECK(task.url == NULL);
    CHECK(err[0] != '\0');
    return;
  }
  CHECK(task.url != NULL);
  CHECK(task.attempt >= 1 && task.attempt <= 1000);
  encoded = proto_task_encode(task.id, task.url, task.attempt, &encoded_len);
  CHECK(encoded != NULL);
  CHECK(encoded_len > 0 && encoded[encoded_len - 1] == '\n');
  CHECK(proto_task_decode(encoded, encoded_len - 1, &again, err,
                          sizeof(err)) == 0);
  CHECK(again.id == task.id && again.attempt == task.attempt);
  CHECK(strcmp(again.url, task.url) == 0);
  proto_task_clear(&again);
  proto_task_clear(&task);
  free(encoded);
}

static void check_result(const char *line, size_t len)
{
  json_t *record;
  json_t *again;
  char err[256];
  char *dumped;
  char *redumped;
  size_t dumped_len = 0;
  size_t redumped_len = 0;
  uint64_t id = 0;
  uint64_t again_id = 0;

  err[0] = '\0';
  record = proto_result_decode(line, len, &id, err, sizeof(err));
  if(record == NULL) {
    CHECK(err[0] != '\0');
    return;
  }
  CHECK(id <= INT64_MAX);
  dumped = proto_dump_line(record, &dumped_len);
  CHECK(dumped != NULL);
  CHECK(dumped_len > 0 && dumped[dumped_len - 1] == '\n');
  CHECK(memchr(dumped, '\n', dumped_len - 1) == NULL);
  again =
      proto_result_decode(dumped, dumped_len - 1, &again_id, err, sizeof(err));
  CHECK(again != NULL);
  CHECK(again_id == id);
  /* Reals are written with twelve significant digits, so the first dump
   * may round; from then on the text must be stable. */
  redumped = proto_dump_line(again, &redumped_len);
  CHECK(redumped != NULL);
  CHECK(redumped_len == dumped_len &&
        memcmp(redumped, dumped, dumped_len) == 0);
  free(redumped);
  free(dumped);
  json_decref(again);
  json_decref(record);
}

/* xorshift32: piece sizes that vary within one input yet replay exactly. */
static uint32_t next_random(uint32_t *state)
{
  uint32_t x = *state;

  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  *state = x;
  return x;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  struct evbuffer *input;
  const char *stream;
  size_t stream_len;
  size_t prefix = 0;
  size_t expect_start; /* where the next expected line starts in stream */
  size_t fed = 0;
  uint32_t state;
  bool too_long = false;

  if(size < 2)
    return 0;
  state = 0x9E3779B9u ^ data[0];
  if((data[0] & 0xE0) == 0xE0)
    prefix = PROTO_LINE_MAX - 64 + data[1] % 128; /* fits filler */
  stream = (const char *)data + 2;
  stream_len = size - 2;

  check_task(stream, stream_len);
  check_result(stream, stream_len);

  input = evbuffer_new();
  CHECK(input != NULL);
  if(prefix > 0)
    CHECK(evbuffer_add_reference(input, filler, prefix, NULL, NULL) == 0);
  expect_start = 0;
  while(!too_long && fed < stream_len) {
    size_t piece = next_random(&state) % 64 + 1;

    if(piece > stream_len - fed)
      piece = stream_len - fed;
    CHECK(evbuffer_add(input, stream + fed, piece) == 0);
    fed += piece;
    for(;;) {
      char *line = NULL;
      size_t len = 0;
      enum proto_read got = proto_read_line(input, &line, &len);
      const char *newline =
          memchr(stream + expect_start, '\n', fed - expect_start);
      size_t want = newline != NULL ? (size_t)(newline - stream) - expect_start
                                    : fed - expect_start;

      if(got == PROTO_NEED_MORE) {
        CHECK(newline == NULL);
        CHECK(prefix + want <= PROTO_LINE_MAX);
        break;
      }
      if(got == PROTO_TOO_LONG) {
        CHECK(prefix + want > PROTO_LINE_MAX);
        too_long = true;
        break;
      }
      CHECK(newline != NULL);
      CHECK(len == prefix + want);
      CHECK(prefix + want <= PROTO_LINE_MAX);
      CHECK(memcmp(line + prefix, stream + expect_start, want) == 0);
      CHECK(line[len] == '\0');
      check_task(line, len);
      check_result(line, len);
      free(line);
      prefix = 0;
      expect_start += want + 1;
    }
  }
  if(!too_long)
    CHECK(evbuffer_get_length(input) == prefix + stream_len - expect_start);
  evbuffer_free(input);
  return 0;
}
