/*
 * Unit tests for the WARC writer (src/warc.c): files read back member by
 * member with zlib, every header checked, digests recomputed here, rotation,
 * the ".open" name, recovery after a crash and errors from a full disk or a
 * directory that cannot take files.
 *
 * Each test makes its own directory under $TMPDIR (or /tmp) and removes it.
 * "check_warc --sample DIR" writes a sample archive into DIR instead and
 * prints its name, for tests/check_warcio.sh; a failure exits 1.
 */
#include "config.h"

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <zlib.h>

#include "log.h"
#include "warc.h"

#define JOB "job7"
#define MAX_MEMBERS 64
#define MAX_HEADERS 32

static char dir[PATH_MAX];
static int dir_fd = -1;

static const struct warc_info info = {
  .software = "crawld/test",
  .hostname = "host.example",
  .job = JOB,
  .options = "--max-pages 50\n--depth 2",
};

static void remove_tree(const char *path)
{
  DIR *listing = opendir(path);
  struct dirent *entry;
  int fd = open(path, O_RDONLY | O_DIRECTORY);

  while(listing != NULL && (entry = readdir(listing)) != NULL) {
    if(strcmp(entry->d_name, ".") != 0 && strcmp(entry->d_name, "..") != 0)
      unlinkat(fd, entry->d_name, 0);
  }
  if(listing != NULL)
    closedir(listing);
  if(fd >= 0)
    close(fd);
  rmdir(path);
}

static void setup(void)
{
  const char *tmp = getenv("TMPDIR");

  snprintf(dir, sizeof(dir), "%s/check_warc.XXXXXX",
           tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
  ck_assert_ptr_nonnull(mkdtemp(dir));
  dir_fd = open(dir, O_RDONLY | O_DIRECTORY);
  ck_assert_int_ge(dir_fd, 0);
}

static void teardown(void)
{
  close(dir_fd);
  remove_tree(dir);
}

/* --- reading archives back
 * ---------------------------------------------------
 */

struct member {
  off_t offset;
  off_t length; /* compressed */
  char *data;   /* inflated, NUL-terminated */
  size_t len;
};

struct archive {
  struct member members[MAX_MEMBERS];
  int count;
  bool whole; /* the file ends exactly after the last member */
};

static unsigned char *slurp(const char *name, size_t *len)
{
  int fd = openat(dir_fd, name, O_RDONLY);
  struct stat st;
  unsigned char *bytes;

  ck_assert_msg(fd >= 0, "%s: %s", name, strerror(errno));
  ck_assert_int_eq(fstat(fd, &st), 0);
  bytes = malloc((size_t)st.st_size + 1);
  ck_assert_ptr_nonnull(bytes);
  ck_assert_int_eq(read(fd, bytes, (size_t)st.st_size), st.st_size);
  close(fd);
  *len = (size_t)st.st_size;
  return bytes;
}

/* Inflates one gzip member at bytes; its compressed length, or 0 when it is
 * not whole. */
static size_t inflate_member(const unsigned char *bytes, size_t len,
                             struct member *member)
{
  z_stream zs;
  size_t cap = 4096;
  int rc;

  memset(&zs, 0, sizeof(zs));
  ck_assert_int_eq(inflateInit2(&zs, 31), Z_OK);
  member->data = malloc(cap);
  member->len = 0;
  zs.next_in = (Bytef *)(uintptr_t)bytes;
  zs.avail_in = (uInt)len;
  do {
    if(cap - member->len < 4096) {
      cap *= 2;
      member->data = realloc(member->data, cap);
    }
    zs.next_out = (Bytef *)member->data + member->len;
    zs.avail_out = (uInt)(cap - member->len - 1);
    rc = inflate(&zs, Z_NO_FLUSH);
    member->len = cap - 1 - zs.avail_out;
  } while(rc == Z_OK && zs.avail_in > 0);
  member->data[member->len] = '\0';
  inflateEnd(&zs);
  if(rc != Z_STREAM_END) {
    free(member->data);
    member->data = NULL;
    return 0;
  }
  return len - zs.avail_in;
}

static void read_archive(const char *name, struct archive *archive)
{
  size_t len, at = 0;
  unsigned char *bytes = slurp(name, &len);

  archive->count = 0;
  while(at < len && archive->count < MAX_MEMBERS) {
    struct member *member = &archive->members[archive->count];
    size_t used = inflate_member(bytes + at, len - at, member);

    if(used == 0)
      break;
    member->offset = (off_t)at;
    member->length = (off_t)used;
    archive->count++;
    at += used;
  }
  archive->whole = at == len;
  free(bytes);
}

static void free_archive(struct archive *archive)
{
  for(int i = 0; i < archive->count; i++)
    free(archive->members[i].data);
  archive->count = 0;
}

struct record {
  char version[16];
  char *names[MAX_HEADERS];
  char *values[MAX_HEADERS];
  int count;
  const char *block;
  size_t block_len;
};

/* Splits a member into its header lines and block, checking the framing:
 * "WARC/1.1", CRLF lines, a blank line, Content-Length bytes of block and
 * the closing CRLF CRLF, and nothing after. Points into member->data. */
static void parse_record(struct member *member, struct record *record)
{
  char *at = member->data, *end = member->data + member->len;
  char *line_end = strstr(at, "\r\n");
  long long length = -1;

  memset(record, 0, sizeof(*record));
  ck_assert_ptr_nonnull(line_end);
  ck_assert_int_lt(line_end - at, (long)sizeof(record->version));
  memcpy(record->version, at, (size_t)(line_end - at));
  at = line_end + 2;
  while(strncmp(at, "\r\n", 2) != 0) {
    char *colon;

    line_end = strstr(at, "\r\n");
    ck_assert_ptr_nonnull(line_end);
    *line_end = '\0';
    colon = strstr(at, ": ");
    ck_assert_msg(colon != NULL, "header line without ': ': %s", at);
    *colon = '\0';
    ck_assert_int_lt(record->count, MAX_HEADERS);
    record->names[record->count] = at;
    record->values[record->count] = colon + 2;
    if(strcmp(at, "Content-Length") == 0)
      length = atoll(colon + 2);
    record->count++;
    at = line_end + 2;
  }
  at += 2;
  ck_assert_int_ge(length, 0);
  record->block = at;
  record->block_len = (size_t)length;
  ck_assert_int_eq(end - at, length + 4);
  ck_assert(memcmp(at + length, "\r\n\r\n", 4) == 0);
}

static const char *header(const struct record *record, const char *name)
{
  const char *found = NULL;

  for(int i = 0; i < record->count; i++) {
    if(strcmp(record->names[i], name) == 0) {
      ck_assert_msg(found == NULL, "%s twice", name);
      found = record->values[i];
    }
  }
  return found;
}

/* Written here, not taken from warc.c: one bit at a time. */
static void expected_digest(const void *bytes, size_t len, char *out)
{
  static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_len = 0;
  int bits = 0, value = 0;
  size_t out_len;

  ck_assert_int_eq(
      EVP_Digest(bytes, len, digest, &digest_len, EVP_sha1(), NULL), 1);
  ck_assert_uint_eq(digest_len, 20);
  strcpy(out, "sha1:");
  out_len = 5;
  for(unsigned int bit = 0; bit < digest_len * 8; bit++) {
    value = value * 2 + ((digest[bit / 8] >> (7 - bit % 8)) & 1);
    if(++bits == 5) {
      out[out_len++] = alphabet[value];
      bits = 0;
      value = 0;
    }
  }
  out[out_len] = '\0';
  ck_assert_uint_eq(out_len, 5 + 32);
}

static void assert_digest(const char *got, const void *bytes, size_t len)
{
  char want[64];

  expected_digest(bytes, len, want);
  ck_assert_ptr_nonnull(got);
  ck_assert_str_eq(got, want);
}

/* "<urn:uuid:xxxxxxxx-xxxx-4xxx-[89ab]xxx-xxxxxxxxxxxx>" */
static void assert_record_id(const char *value)
{
  const char *uuid = value + 10;

  ck_assert_ptr_nonnull(value);
  ck_assert_uint_eq(strlen(value), 10 + 36 + 1);
  ck_assert(strncmp(value, "<urn:uuid:", 10) == 0);
  ck_assert_int_eq(value[10 + 36], '>');
  for(int i = 0; i < 36; i++) {
    if(i == 8 || i == 13 || i == 18 || i == 23)
      ck_assert_int_eq(uuid[i], '-');
    else
      ck_assert_msg(strchr("0123456789abcdef", uuid[i]) != NULL,
                    "not lowercase hex: %s", value);
  }
  ck_assert_int_eq(uuid[14], '4');
  ck_assert_ptr_nonnull(strchr("89ab", uuid[19]));
}

/* "YYYY-mm-ddTHH:MM:SS.ffffffZ" */
static void assert_date(const char *value)
{
  static const char shape[] = "dddd-dd-ddTdd:dd:dd.ddddddZ";

  ck_assert_ptr_nonnull(value);
  ck_assert_uint_eq(strlen(value), sizeof(shape) - 1);
  for(size_t i = 0; i < sizeof(shape) - 1; i++) {
    if(shape[i] == 'd')
      ck_assert_msg(value[i] >= '0' && value[i] <= '9', "date %s", value);
    else
      ck_assert_int_eq(value[i], shape[i]);
  }
}

/* The names in the directory that end in suffix, sorted; returns the count. */
static int list_files(const char *suffix, char names[][WARC_NAME_SIZE + 8],
                      int max)
{
  DIR *listing = opendir(dir);
  struct dirent *entry;
  int count = 0;

  ck_assert_ptr_nonnull(listing);
  while((entry = readdir(listing)) != NULL) {
    size_t len = strlen(entry->d_name), suffix_len = strlen(suffix);

    if(entry->d_name[0] == '.' || len < suffix_len ||
       strcmp(entry->d_name + len - suffix_len, suffix) != 0)
      continue;
    ck_assert_int_lt(count, max);
    snprintf(names[count++], WARC_NAME_SIZE + 8, "%s", entry->d_name);
  }
  closedir(listing);
  for(int i = 1; i < count; i++) {
    for(int j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
      char swap[WARC_NAME_SIZE + 8];

      memcpy(swap, names[j], sizeof(swap));
      memcpy(names[j], names[j - 1], sizeof(swap));
      memcpy(names[j - 1], swap, sizeof(swap));
    }
  }
  return count;
}

static int count_entries(void)
{
  DIR *listing = opendir(dir);
  struct dirent *entry;
  int count = 0;

  while((entry = readdir(listing)) != NULL)
    count += strcmp(entry->d_name, ".") != 0 && strcmp(entry->d_name, "..");
  closedir(listing);
  return count;
}

/* --- writing
 * -----------------------------------------------------------------
 */

static struct warc_writer *open_writer(const char *tag, long long max_bytes)
{
  char *cause = NULL;
  struct warc_writer *writer =
      warc_open(dir_fd, JOB, tag, max_bytes, &info, &cause);

  ck_assert_msg(writer != NULL, "warc_open: %s", cause);
  return writer;
}

static void close_writer(struct warc_writer *writer)
{
  char *cause = NULL;

  ck_assert_msg(warc_close(writer, &cause) == 0, "warc_close: %s", cause);
}

static const char request_text[] = "GET /page HTTP/1.1\r\n"
                                   "Host: example.com\r\n"
                                   "\r\n";
static const char response_head[] = "HTTP/1.1 200 OK\r\n"
                                    "Content-Type: text/html\r\n"
                                    "Content-Length: 24\r\n"
                                    "\r\n";
static const char response_body[] = "<html>hello warc</html>\n";

struct pair {
  char request_id[WARC_ID_SIZE];
  char response_id[WARC_ID_SIZE];
  struct warc_location request_at;
  struct warc_location response_at;
};

/* A request and its response for uri; the response's body is body (NULL:
 * response_body) fed in pieces of piece bytes. */
static void write_pair(struct warc_writer *writer, const char *uri,
                       const void *body, size_t body_len, size_t piece,
                       enum warc_truncated truncated, struct pair *pair)
{
  struct timespec when = { .tv_sec = 1796688000, .tv_nsec = 123456000 };
  struct warc_record *request, *response;
  const unsigned char *at;

  if(body == NULL) {
    body = response_body;
    body_len = strlen(response_body);
  }
  request = warc_record_begin(writer, WARC_REQUEST, uri, &when, NULL);
  ck_assert_ptr_nonnull(request);
  snprintf(pair->request_id, sizeof(pair->request_id), "%s",
           warc_record_id(request));
  response = warc_record_begin(writer, WARC_RESPONSE, uri, &when,
                               warc_record_id(request));
  ck_assert_ptr_nonnull(response);
  snprintf(pair->response_id, sizeof(pair->response_id), "%s",
           warc_record_id(response));
  ck_assert_int_eq(warc_record_set_ip(request, "192.0.2.7"), 0);
  ck_assert_int_eq(warc_record_set_ip(response, "192.0.2.7"), 0);
  ck_assert_int_eq(
      warc_record_write(request, request_text, strlen(request_text)), 0);
  ck_assert_int_eq(
      warc_record_write(response, response_head, strlen(response_head)), 0);
  warc_record_payload_start(response);
  at = body;
  for(size_t done = 0; done < body_len;) {
    size_t take = body_len - done < piece ? body_len - done : piece;

    ck_assert_int_eq(warc_record_write(response, at + done, take), 0);
    done += take;
  }
  ck_assert_int_eq(
      warc_record_end(request, WARC_TRUNC_NONE, &pair->request_at), 0);
  ck_assert_int_eq(warc_record_end(response, truncated, &pair->response_at),
                   0);
}

static unsigned char *random_bytes(size_t len)
{
  unsigned char *bytes = malloc(len);
  uint32_t state = 2463534242u;

  for(size_t i = 0; i < len; i++) {
    state ^= state << 13;
    state ^= state >> 17;
    state ^= state << 5;
    bytes[i] = (unsigned char)state;
  }
  return bytes;
}

static void the_only_file(char name[WARC_NAME_SIZE + 8])
{
  char names[4][WARC_NAME_SIZE + 8];

  ck_assert_int_eq(list_files(".warc.gz", names, 4), 1);
  memcpy(name, names[0], WARC_NAME_SIZE + 8);
}

/* --- tests
 * -------------------------------------------------------------------
 */

START_TEST(test_a_file_starts_with_a_warcinfo_record_of_its_fields)
{
  struct warc_writer *writer = open_writer(NULL, 0);
  char name[WARC_NAME_SIZE + 8];
  struct archive archive;
  struct record record;
  const char *fields = "software: crawld/test\r\n"
                       "hostname: host.example\r\n"
                       "isPartOf: job7\r\n"
                       "format: WARC File Format 1.1\r\n"
                       "conformsTo: https://iipc.github.io/"
                       "warc-specifications/specifications/warc-format/"
                       "warc-1.1/\r\n"
                       "options: --max-pages 50 --depth 2\r\n";

  close_writer(writer);
  the_only_file(name);
  read_archive(name, &archive);
  ck_assert(archive.whole);
  ck_assert_int_eq(archive.count, 1);
  parse_record(&archive.members[0], &record);
  ck_assert_str_eq(record.version, "WARC/1.1");
  ck_assert_int_eq(record.count, 7);
  ck_assert_str_eq(header(&record, "WARC-Type"), "warcinfo");
  assert_record_id(header(&record, "WARC-Record-ID"));
  assert_date(header(&record, "WARC-Date"));
  ck_assert_str_eq(header(&record, "WARC-Filename"), name);
  ck_assert_str_eq(header(&record, "Content-Type"), "application/warc-fields");
  ck_assert_uint_eq(record.block_len, strlen(fields));
  ck_assert(memcmp(record.block, fields, record.block_len) == 0);
  assert_digest(header(&record, "WARC-Block-Digest"), record.block,
                record.block_len);
  free_archive(&archive);
}
END_TEST

START_TEST(test_a_request_and_its_response_have_every_header_exact)
{
  struct warc_writer *writer = open_writer(NULL, 0);
  char name[WARC_NAME_SIZE + 8];
  struct archive archive;
  struct record info_record, request, response;
  struct pair pair;
  const char *warcinfo_id;
  size_t head_len = strlen(response_head);

  write_pair(writer, "http://example.com/page", NULL, 0, 5, WARC_TRUNC_NONE,
             &pair);
  close_writer(writer);
  the_only_file(name);
  read_archive(name, &archive);
  ck_assert(archive.whole);
  ck_assert_int_eq(archive.count, 3);
  parse_record(&archive.members[0], &info_record);
  parse_record(&archive.members[1], &request);
  parse_record(&archive.members[2], &response);
  warcinfo_id = header(&info_record, "WARC-Record-ID");

  ck_assert_str_eq(request.version, "WARC/1.1");
  ck_assert_int_eq(request.count, 9);
  ck_assert_str_eq(header(&request, "WARC-Type"), "request");
  assert_record_id(header(&request, "WARC-Record-ID"));
  ck_assert(strncmp(header(&request, "WARC-Record-ID") + 1, pair.request_id,
                    strlen(pair.request_id)) == 0);
  ck_assert_str_eq(header(&request, "WARC-Date"),
                   "2026-12-08T00:00:00.123456Z");
  ck_assert_str_eq(header(&request, "WARC-Target-URI"),
                   "http://example.com/page");
  ck_assert_str_eq(header(&request, "WARC-IP-Address"), "192.0.2.7");
  ck_assert_ptr_null(header(&request, "WARC-Concurrent-To"));
  ck_assert_str_eq(header(&request, "WARC-Warcinfo-ID"), warcinfo_id);
  ck_assert_str_eq(header(&request, "Content-Type"),
                   "application/http;msgtype=request");
  ck_assert_str_eq(header(&request, "Content-Length"), "41");
  ck_assert_uint_eq(request.block_len, strlen(request_text));
  ck_assert(memcmp(request.block, request_text, request.block_len) == 0);
  assert_digest(header(&request, "WARC-Block-Digest"), request_text,
                strlen(request_text));
  ck_assert_ptr_null(header(&request, "WARC-Payload-Digest"));
  ck_assert_ptr_null(header(&request, "WARC-Truncated"));

  ck_assert_str_eq(response.version, "WARC/1.1");
  ck_assert_int_eq(response.count, 11);
  ck_assert_str_eq(header(&response, "WARC-Type"), "response");
  assert_record_id(header(&response, "WARC-Record-ID"));
  ck_assert_str_ne(header(&response, "WARC-Record-ID"),
                   header(&request, "WARC-Record-ID"));
  ck_assert_str_eq(header(&response, "WARC-Concurrent-To"),
                   header(&request, "WARC-Record-ID"));
  ck_assert_str_eq(header(&response, "WARC-Date"),
                   "2026-12-08T00:00:00.123456Z");
  ck_assert_str_eq(header(&response, "WARC-Target-URI"),
                   "http://example.com/page");
  ck_assert_str_eq(header(&response, "WARC-IP-Address"), "192.0.2.7");
  ck_assert_str_eq(header(&response, "WARC-Warcinfo-ID"), warcinfo_id);
  ck_assert_str_eq(header(&response, "Content-Type"),
                   "application/http;msgtype=response");
  ck_assert_uint_eq(response.block_len, head_len + strlen(response_body));
  ck_assert_int_eq(atoll(header(&response, "Content-Length")),
                   (long long)response.block_len);
  ck_assert(memcmp(response.block, response_head, head_len) == 0);
  ck_assert(memcmp(response.block + head_len, response_body,
                   strlen(response_body)) == 0);
  assert_digest(header(&response, "WARC-Block-Digest"), response.block,
                response.block_len);
  assert_digest(header(&response, "WARC-Payload-Digest"), response_body,
                strlen(response_body));
  ck_assert_ptr_null(header(&response, "WARC-Truncated"));
  free_archive(&archive);
}
END_TEST

START_TEST(test_truncated_is_written_only_when_the_caller_says_so)
{
  struct warc_writer *writer = open_writer(NULL, 0);
  char name[WARC_NAME_SIZE + 8];
  struct archive archive;
  struct record record;
  struct pair pair;
  const char *expected[] = { NULL, "length", "time" };

  write_pair(writer, "http://a/none", NULL, 0, 100, WARC_TRUNC_NONE, &pair);
  write_pair(writer, "http://a/length", NULL, 0, 100, WARC_TRUNC_LENGTH,
             &pair);
  write_pair(writer, "http://a/time", NULL, 0, 100, WARC_TRUNC_TIME, &pair);
  close_writer(writer);
  the_only_file(name);
  read_archive(name, &archive);
  ck_assert_int_eq(archive.count, 7);
  for(int i = 0; i < 3; i++) {
    const char *got;

    parse_record(&archive.members[1 + 2 * i], &record);
    ck_assert_ptr_null(header(&record, "WARC-Truncated"));
    parse_record(&archive.members[2 + 2 * i], &record);
    got = header(&record, "WARC-Truncated");
    if(expected[i] == NULL)
      ck_assert_ptr_null(got);
    else
      ck_assert_str_eq(got, expected[i]);
  }
  free_archive(&archive);
}
END_TEST

START_TEST(test_locations_point_at_each_records_gzip_member)
{
  struct warc_writer *writer = open_writer(NULL, 0);
  struct pair pairs[4];
  struct archive archive;
  unsigned char *bytes;
  size_t len;

  for(int i = 0; i < 4; i++) {
    char uri[64];

    snprintf(uri, sizeof(uri), "http://example.com/%d", i);
    write_pair(writer, uri, NULL, 0, 7, WARC_TRUNC_NONE, &pairs[i]);
  }
  close_writer(writer);
  read_archive(pairs[0].request_at.file, &archive);
  ck_assert_int_eq(archive.count, 9);
  bytes = slurp(pairs[0].request_at.file, &len);
  for(int i = 0; i < 4; i++) {
    const struct warc_location *at[2] = { &pairs[i].request_at,
                                          &pairs[i].response_at };
    const char *ids[2] = { pairs[i].request_id, pairs[i].response_id };

    for(int j = 0; j < 2; j++) {
      struct member member;
      struct record record;
      char want[WARC_ID_SIZE + 2];

      ck_assert_str_eq(at[j]->file, pairs[0].request_at.file);
      ck_assert_int_eq(at[j]->offset, archive.members[1 + 2 * i + j].offset);
      ck_assert_int_eq(at[j]->length, archive.members[1 + 2 * i + j].length);
      /* A reader that starts at the offset finds the record alone. */
      ck_assert_uint_eq(inflate_member(bytes + at[j]->offset,
                                       len - (size_t)at[j]->offset, &member),
                        (size_t)at[j]->length);
      parse_record(&member, &record);
      snprintf(want, sizeof(want), "<%s>", ids[j]);
      ck_assert_str_eq(header(&record, "WARC-Record-ID"), want);
      free(member.data);
    }
  }
  free(bytes);
  free_archive(&archive);
}
END_TEST

START_TEST(test_a_block_past_the_memory_spool_comes_back_whole)
{
  struct warc_writer *writer = open_writer(NULL, 0);
  size_t body_len = 5 * WARC_SPOOL_MEMORY + 123;
  unsigned char *body = random_bytes(body_len);
  size_t head_len = strlen(response_head);
  char name[WARC_NAME_SIZE + 8];
  struct archive archive;
  struct record record;
  struct pair pair;

  /* Pieces that do not divide the spool's size, and one larger than it. */
  write_pair(writer, "http://example.com/big", body, body_len, 16381,
             WARC_TRUNC_NONE, &pair);
  write_pair(writer, "http://example.com/big2", body, body_len,
             2 * WARC_SPOOL_MEMORY + 1, WARC_TRUNC_NONE, &pair);
  close_writer(writer);
  /* The spool files were unnamed: only the archive is left. */
  ck_assert_int_eq(count_entries(), 1);
  the_only_file(name);
  read_archive(name, &archive);
  ck_assert_int_eq(archive.count, 5);
  for(int i = 2; i <= 4; i += 2) {
    parse_record(&archive.members[i], &record);
    ck_assert_uint_eq(record.block_len, head_len + body_len);
    ck_assert(memcmp(record.block + head_len, body, body_len) == 0);
    assert_digest(header(&record, "WARC-Block-Digest"), record.block,
                  record.block_len);
    assert_digest(header(&record, "WARC-Payload-Digest"), body, body_len);
  }
  free_archive(&archive);
  free(body);
}
END_TEST

START_TEST(test_a_response_not_marked_has_no_payload_digest)
{
  struct warc_writer *writer = open_writer(NULL, 0);
  struct warc_record *response =
      warc_record_begin(writer, WARC_RESPONSE, "http://a/", NULL, NULL);
  char name[WARC_NAME_SIZE + 8];
  struct archive archive;
  struct record record;

  ck_assert_int_eq(warc_record_write(response, "HTTP/1.1 204 No", 15), 0);
  ck_assert_int_eq(warc_record_end(response, WARC_TRUNC_NONE, NULL), 0);
  close_writer(writer);
  the_only_file(name);
  read_archive(name, &archive);
  parse_record(&archive.members[1], &record);
  ck_assert_ptr_null(header(&record, "WARC-Payload-Digest"));
  ck_assert_ptr_null(header(&record, "WARC-IP-Address"));
  ck_assert_ptr_null(header(&record, "WARC-Concurrent-To"));
  assert_date(header(&record, "WARC-Date"));
  ck_assert_str_eq(header(&record, "Content-Length"), "15");
  free_archive(&archive);
}
END_TEST

START_TEST(test_rotation_starts_every_file_with_its_warcinfo)
{
  struct warc_writer *writer = open_writer("w3", 3000);
  unsigned char *body = random_bytes(1000);
  char names[16][WARC_NAME_SIZE + 8];
  struct pair pairs[8];
  int files, seen = 0;

  for(int i = 0; i < 8; i++) {
    char uri[64];

    snprintf(uri, sizeof(uri), "http://example.com/%d", i);
    write_pair(writer, uri, body, 1000, 333, WARC_TRUNC_NONE, &pairs[i]);
  }
  close_writer(writer);
  ck_assert_int_eq(list_files(".open", names, 16), 0);
  files = list_files(".warc.gz", names, 16);
  ck_assert_int_ge(files, 3);
  for(int f = 0; f < files; f++) {
    char want_name[WARC_NAME_SIZE];
    struct archive archive;
    struct record first, record;
    struct stat st;

    /* CRAWLD-job7-YYYYmmddHHMMSS-0000F-w3.warc.gz */
    ck_assert_uint_eq(strlen(names[f]),
                      strlen("CRAWLD-job7-") + 14 + 6 + strlen("-w3.warc.gz"));
    snprintf(want_name, sizeof(want_name), "-%05d-w3.warc.gz", f);
    ck_assert_str_eq(names[f] + strlen("CRAWLD-job7-") + 14, want_name);
    read_archive(names[f], &archive);
    ck_assert(archive.whole);
    ck_assert_int_ge(archive.count, 2);
    parse_record(&archive.members[0], &first);
    ck_assert_str_eq(header(&first, "WARC-Type"), "warcinfo");
    ck_assert_str_eq(header(&first, "WARC-Filename"), names[f]);
    /* A file ends at the first record that takes it to the size. */
    ck_assert_int_eq(fstatat(dir_fd, names[f], &st, 0), 0);
    if(f < files - 1) {
      ck_assert_int_ge(st.st_size, 3000);
      ck_assert_int_lt(archive.members[archive.count - 1].offset, 3000);
    }
    for(int i = 1; i < archive.count; i++, seen++) {
      const struct pair *pair = &pairs[seen / 2];
      const struct warc_location *at =
          seen % 2 == 0 ? &pair->request_at : &pair->response_at;

      parse_record(&archive.members[i], &record);
      ck_assert_str_eq(header(&record, "WARC-Warcinfo-ID"),
                       header(&first, "WARC-Record-ID"));
      ck_assert_str_eq(at->file, names[f]);
      ck_assert_int_eq(at->offset, archive.members[i].offset);
    }
    free_archive(&archive);
  }
  ck_assert_int_eq(seen, 16);
  free(body);
}
END_TEST

START_TEST(test_a_file_is_open_while_written_and_renamed_on_close)
{
  struct warc_writer *writer = open_writer(NULL, 0);
  char names[4][WARC_NAME_SIZE + 8];
  char open_name[WARC_NAME_SIZE + 8];
  struct pair pair;

  write_pair(writer, "http://a/", NULL, 0, 100, WARC_TRUNC_NONE, &pair);
  ck_assert_int_eq(warc_sync(writer), 0);
  ck_assert_int_eq(list_files(".warc.gz", names, 4), 0);
  ck_assert_int_eq(list_files(".warc.gz.open", names, 4), 1);
  ck_assert_str_eq(warc_current_file(writer), names[0]);
  snprintf(open_name, sizeof(open_name), "%s.open", pair.response_at.file);
  ck_assert_str_eq(names[0], open_name);
  close_writer(writer);
  ck_assert_int_eq(list_files(".open", names, 4), 0);
  ck_assert_int_eq(list_files(".warc.gz", names, 4), 1);
  ck_assert_str_eq(names[0], pair.response_at.file);
}
END_TEST

/* Writes records in a child that dies without closing its writer, as a
 * crash would; returns the ".open" file's name in name. */
static void crash_after(int pairs, const char *tag, char *name)
{
  char names[4][WARC_NAME_SIZE + 8];
  pid_t child = fork();
  int status;

  ck_assert_int_ge(child, 0);
  if(child == 0) {
    char *cause = NULL;
    struct warc_writer *writer = warc_open(dir_fd, JOB, tag, 0, &info, &cause);

    /* No assertion here: the child reports through its exit status. */
    if(writer == NULL)
      _exit(2);
    for(int i = 0; i < 2 * pairs; i++) {
      struct warc_record *record =
          warc_record_begin(writer, i % 2 == 0 ? WARC_REQUEST : WARC_RESPONSE,
                            "http://example.com/", NULL, NULL);

      if(record == NULL ||
         warc_record_write(record, request_text, strlen(request_text)) < 0 ||
         warc_record_end(record, WARC_TRUNC_NONE, NULL) < 0)
        _exit(3);
    }
    _exit(0);
  }
  ck_assert_int_eq(waitpid(child, &status, 0), child);
  ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  ck_assert_int_eq(list_files(".warc.gz.open", names, 4), 1);
  strcpy(name, names[0]);
}

/* The path of name in the test's directory, for truncate(2). */
static const char *in_dir(const char *name)
{
  static char path[PATH_MAX + WARC_NAME_SIZE + 16];

  snprintf(path, sizeof(path), "%s/%s", dir, name);
  return path;
}

START_TEST(test_recovery_keeps_exactly_the_whole_records)
{
  char open_name[WARC_NAME_SIZE + 8], final_name[WARC_NAME_SIZE + 8];
  char names[4][WARC_NAME_SIZE + 8];
  struct archive before, after;
  const struct member *last;
  char *cause = NULL;

  crash_after(2, NULL, open_name);
  read_archive(open_name, &before);
  ck_assert(before.whole);
  ck_assert_int_eq(before.count, 5);
  /* Cut the last member in its middle, as a write the crash stopped. */
  last = &before.members[4];
  ck_assert_int_eq(
      truncate(in_dir(open_name), last->offset + last->length / 2), 0);
  ck_assert_int_eq(warc_recover(dir_fd, JOB, NULL, &cause), 1);
  ck_assert_int_eq(list_files(".open", names, 4), 0);
  snprintf(final_name, sizeof(final_name), "%.*s",
           (int)(strlen(open_name) - strlen(".open")), open_name);
  ck_assert_int_eq(list_files(".warc.gz", names, 4), 1);
  ck_assert_str_eq(names[0], final_name);
  read_archive(final_name, &after);
  ck_assert(after.whole);
  ck_assert_int_eq(after.count, 4);
  for(int i = 0; i < 4; i++) {
    ck_assert_int_eq(after.members[i].offset, before.members[i].offset);
    ck_assert_uint_eq(after.members[i].len, before.members[i].len);
    ck_assert(memcmp(after.members[i].data, before.members[i].data,
                     after.members[i].len) == 0);
  }
  free_archive(&before);
  free_archive(&after);
}
END_TEST

START_TEST(test_recovery_at_open_finishes_the_last_run_and_goes_on)
{
  char open_name[WARC_NAME_SIZE + 8], names[4][WARC_NAME_SIZE + 8];
  struct warc_writer *writer;
  struct archive archive;
  struct pair pair;

  crash_after(1, "w1", open_name);
  /* Cut inside a gzip trailer: the member's CRC and length are missing. */
  ck_assert_int_eq(truncate(in_dir(open_name), 0), 0);
  crash_after(1, "w1", open_name);
  read_archive(open_name, &archive);
  ck_assert_int_eq(archive.count, 3);
  ck_assert_int_eq(
      truncate(in_dir(open_name),
               archive.members[2].offset + archive.members[2].length - 3),
      0);
  free_archive(&archive);
  writer = open_writer("w1", 0);
  write_pair(writer, "http://a/", NULL, 0, 100, WARC_TRUNC_NONE, &pair);
  close_writer(writer);
  ck_assert_int_eq(list_files(".open", names, 4), 0);
  ck_assert_int_eq(list_files(".warc.gz", names, 4), 2);
  read_archive(names[0], &archive);
  ck_assert(archive.whole);
  ck_assert_int_eq(archive.count, 2);
  free_archive(&archive);
}
END_TEST

START_TEST(test_recovery_removes_a_file_with_no_whole_record)
{
  char open_name[WARC_NAME_SIZE + 8];
  char *cause = NULL;

  crash_after(0, NULL, open_name);
  ck_assert_int_eq(truncate(in_dir(open_name), 20), 0);
  ck_assert_int_eq(warc_recover(dir_fd, NULL, NULL, &cause), 1);
  ck_assert_int_eq(count_entries(), 0);
}
END_TEST

START_TEST(test_recovery_leaves_other_writers_files_alone)
{
  char open_name[WARC_NAME_SIZE + 8], names[4][WARC_NAME_SIZE + 8];
  char *cause = NULL;
  int other;

  crash_after(1, "w2", open_name);
  other = openat(dir_fd, "CRAWLD-job70-20260101000000-00000.warc.gz.open",
                 O_WRONLY | O_CREAT | O_EXCL, 0600);
  ck_assert_int_ge(other, 0);
  close(other);
  ck_assert_int_eq(warc_recover(dir_fd, JOB, NULL, &cause), 0);
  ck_assert_int_eq(warc_recover(dir_fd, JOB, "w1", &cause), 0);
  ck_assert_int_eq(warc_recover(dir_fd, "job", NULL, &cause), 0);
  ck_assert_int_eq(list_files(".open", names, 4), 2);
  ck_assert_int_eq(warc_recover(dir_fd, JOB, "w2", &cause), 1);
  ck_assert_int_eq(list_files(".open", names, 4), 1);
  ck_assert_str_eq(names[0], "CRAWLD-job70-20260101000000-00000.warc.gz.open");
}
END_TEST

START_TEST(test_two_writers_of_a_job_get_names_of_their_own)
{
  struct warc_writer *first = open_writer("w1", 0);
  struct warc_writer *second = open_writer("w2", 0);
  struct warc_writer *again;
  char names[4][WARC_NAME_SIZE + 8], first_name[WARC_NAME_SIZE + 8];

  ck_assert_str_ne(warc_current_file(first), warc_current_file(second));
  snprintf(first_name, sizeof(first_name), "%s", warc_current_file(first));
  close_writer(first);
  /* The same tag again (a restart) within the second that named the first
   * file: the serial moves on. */
  again = open_writer("w1", 0);
  ck_assert_str_ne(warc_current_file(again), first_name);
  close_writer(second);
  close_writer(again);
  ck_assert_int_eq(list_files(".warc.gz", names, 4), 3);
}
END_TEST

START_TEST(test_an_unwritable_directory_is_an_error_with_a_cause)
{
  char gone[PATH_MAX + 8];
  char *cause = NULL;
  int gone_fd;

  /* Root writes whatever the mode says; a removed directory takes no file
   * from anyone. */
  snprintf(gone, sizeof(gone), "%s/gone", dir);
  ck_assert_int_eq(mkdir(gone, 0700), 0);
  gone_fd = open(gone, O_RDONLY | O_DIRECTORY);
  ck_assert_int_ge(gone_fd, 0);
  ck_assert_int_eq(rmdir(gone), 0);
  ck_assert_ptr_null(warc_open(gone_fd, JOB, NULL, 0, &info, &cause));
  ck_assert_ptr_nonnull(cause);
  ck_assert_msg(strstr(cause, "cannot create it") != NULL, "%s", cause);
  ck_assert_msg(strstr(cause, strerror(ENOENT)) != NULL, "%s", cause);
  free(cause);
  close(gone_fd);
  if(geteuid() != 0) {
    ck_assert_int_eq(fchmod(dir_fd, 0500), 0);
    cause = NULL;
    ck_assert_ptr_null(warc_open(dir_fd, JOB, NULL, 0, &info, &cause));
    ck_assert_msg(strstr(cause, strerror(EACCES)) != NULL, "%s", cause);
    free(cause);
    fchmod(dir_fd, 0700);
  }
  cause = NULL;
  ck_assert_ptr_null(warc_open(dir_fd, "no/slash", NULL, 0, &info, &cause));
  ck_assert_ptr_nonnull(cause);
  free(cause);
}
END_TEST

/* Lets files grow to at most limit bytes: a write past it fails with EFBIG,
 * as on a full disk, once SIGXFSZ is ignored. */
static void limit_file_size(rlim_t limit)
{
  struct rlimit rl;

  signal(SIGXFSZ, SIG_IGN);
  ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &rl), 0);
  rl.rlim_cur = limit == 0 ? rl.rlim_max : limit;
  ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &rl), 0);
}

START_TEST(test_a_full_disk_fails_the_record_and_keeps_the_file_whole)
{
  struct warc_writer *writer = open_writer(NULL, 0);
  unsigned char *body = random_bytes(20000);
  struct warc_record *record;
  char name[WARC_NAME_SIZE + 8];
  struct archive archive;
  struct record parsed;
  struct pair first, last;
  struct stat st;
  off_t size_before;

  write_pair(writer, "http://a/first", NULL, 0, 100, WARC_TRUNC_NONE, &first);
  ck_assert_int_eq(fstatat(dir_fd, warc_current_file(writer), &st, 0), 0);
  size_before = st.st_size;
  limit_file_size((rlim_t)size_before + 1000);
  record =
      warc_record_begin(writer, WARC_RESPONSE, "http://a/big", NULL, NULL);
  ck_assert_int_eq(warc_record_write(record, body, 20000), 0);
  errno = 0;
  ck_assert_int_eq(warc_record_end(record, WARC_TRUNC_NONE, NULL), -1);
  ck_assert_int_eq(errno, EFBIG);
  ck_assert_msg(strstr(warc_error(writer), strerror(EFBIG)) != NULL, "%s",
                warc_error(writer));
  ck_assert_int_eq(fstatat(dir_fd, warc_current_file(writer), &st, 0), 0);
  ck_assert_int_eq(st.st_size, size_before);
  /* Room again: the writer goes on in the same file. */
  limit_file_size(0);
  write_pair(writer, "http://a/last", NULL, 0, 100, WARC_TRUNC_NONE, &last);
  ck_assert_str_eq(last.request_at.file, first.request_at.file);
  ck_assert_int_eq(last.request_at.offset, size_before);
  close_writer(writer);
  the_only_file(name);
  read_archive(name, &archive);
  ck_assert(archive.whole);
  ck_assert_int_eq(archive.count, 5);
  parse_record(&archive.members[3], &parsed);
  ck_assert_str_eq(header(&parsed, "WARC-Target-URI"), "http://a/last");
  free_archive(&archive);
  free(body);
}
END_TEST

START_TEST(test_a_spool_that_cannot_grow_fails_the_write_not_the_writer)
{
  struct warc_writer *writer = open_writer(NULL, 0);
  unsigned char *body = random_bytes(4 * WARC_SPOOL_MEMORY);
  struct warc_record *record;
  char name[WARC_NAME_SIZE + 8];
  struct archive archive;
  struct pair pair;
  int failed = 0;

  limit_file_size(WARC_SPOOL_MEMORY / 2);
  record =
      warc_record_begin(writer, WARC_RESPONSE, "http://a/big", NULL, NULL);
  for(int i = 0; i < 4 && failed == 0; i++)
    failed = warc_record_write(record, body + i * WARC_SPOOL_MEMORY,
                               WARC_SPOOL_MEMORY);
  ck_assert_int_eq(failed, -1);
  ck_assert_int_eq(errno, EFBIG);
  ck_assert_int_eq(warc_record_write(record, "x", 1), -1);
  ck_assert_int_eq(warc_record_end(record, WARC_TRUNC_NONE, NULL), -1);
  limit_file_size(0);
  write_pair(writer, "http://a/after", NULL, 0, 100, WARC_TRUNC_NONE, &pair);
  close_writer(writer);
  the_only_file(name);
  read_archive(name, &archive);
  ck_assert(archive.whole);
  ck_assert_int_eq(archive.count, 3);
  free_archive(&archive);
  free(body);
}
END_TEST

START_TEST(test_a_uri_or_address_that_could_split_a_header_is_refused)
{
  struct warc_writer *writer = open_writer(NULL, 0);
  struct warc_record *record;

  errno = 0;
  ck_assert_ptr_null(warc_record_begin(
      writer, WARC_REQUEST, "http://a/\r\nWARC-Type: x", NULL, NULL));
  ck_assert_int_eq(errno, EINVAL);
  ck_assert_ptr_null(
      warc_record_begin(writer, WARC_REQUEST, "http://a/ b", NULL, NULL));
  ck_assert_ptr_null(warc_record_begin(writer, WARC_REQUEST, "http://a/", NULL,
                                       "urn:uuid:x\n"));
  record = warc_record_begin(writer, WARC_REQUEST, "http://a/", NULL, NULL);
  ck_assert_int_eq(warc_record_set_ip(record, "192.0.2.1\r\nX: y"), -1);
  ck_assert_int_eq(warc_record_set_ip(record, "2001:db8::1"), 0);
  warc_record_abort(record);
  close_writer(writer);
}
END_TEST

START_TEST(test_an_aborted_record_leaves_nothing)
{
  struct warc_writer *writer = open_writer(NULL, 0);
  unsigned char *body = random_bytes(3 * WARC_SPOOL_MEMORY);
  struct warc_record *record =
      warc_record_begin(writer, WARC_RESPONSE, "http://a/", NULL, NULL);
  char name[WARC_NAME_SIZE + 8];
  struct archive archive;

  ck_assert_int_eq(warc_record_write(record, body, 3 * WARC_SPOOL_MEMORY), 0);
  warc_record_abort(record);
  close_writer(writer);
  ck_assert_int_eq(count_entries(), 1);
  the_only_file(name);
  read_archive(name, &archive);
  ck_assert_int_eq(archive.count, 1);
  free_archive(&archive);
  free(body);
}
END_TEST

static Suite *warc_suite(void)
{
  Suite *suite = suite_create("warc");
  TCase *tc = tcase_create("warc");

  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_a_file_starts_with_a_warcinfo_record_of_its_fields);
  tcase_add_test(tc, test_a_request_and_its_response_have_every_header_exact);
  tcase_add_test(tc, test_truncated_is_written_only_when_the_caller_says_so);
  tcase_add_test(tc, test_locations_point_at_each_records_gzip_member);
  tcase_add_test(tc, test_a_block_past_the_memory_spool_comes_back_whole);
  tcase_add_test(tc, test_a_response_not_marked_has_no_payload_digest);
  tcase_add_test(tc, test_rotation_starts_every_file_with_its_warcinfo);
  tcase_add_test(tc, test_a_file_is_open_while_written_and_renamed_on_close);
  tcase_add_test(tc, test_recovery_keeps_exactly_the_whole_records);
  tcase_add_test(tc, test_recovery_at_open_finishes_the_last_run_and_goes_on);
  tcase_add_test(tc, test_recovery_removes_a_file_with_no_whole_record);
  tcase_add_test(tc, test_recovery_leaves_other_writers_files_alone);
  tcase_add_test(tc, test_two_writers_of_a_job_get_names_of_their_own);
  tcase_add_test(tc, test_an_unwritable_directory_is_an_error_with_a_cause);
  tcase_add_test(tc,
                 test_a_full_disk_fails_the_record_and_keeps_the_file_whole);
  tcase_add_test(tc,
                 test_a_spool_that_cannot_grow_fails_the_write_not_the_writer);
  tcase_add_test(tc,
                 test_a_uri_or_address_that_could_split_a_header_is_refused);
  tcase_add_test(tc, test_an_aborted_record_leaves_nothing);
  suite_add_tcase(suite, tc);
  return suite;
}

/* A sample archive for tests/check_warcio.sh: pairs with small, spooled
 * and truncated bodies, written into sample_dir by a test of its own (the
 * helpers assert), which prints the file's name. */
static const char *sample_dir;

START_TEST(test_write_a_sample)
{
  unsigned char *body = random_bytes(3 * WARC_SPOOL_MEMORY);
  struct warc_writer *writer;
  struct pair pair;

  dir_fd = open(sample_dir, O_RDONLY | O_DIRECTORY);
  ck_assert_msg(dir_fd >= 0, "%s: %s", sample_dir, strerror(errno));
  writer = open_writer("sample", 0);
  write_pair(writer, "http://example.com/page", NULL, 0, 5, WARC_TRUNC_NONE,
             &pair);
  write_pair(writer, "http://example.com/big", body, 3 * WARC_SPOOL_MEMORY,
             16384, WARC_TRUNC_NONE, &pair);
  write_pair(writer, "http://example.com/cut", body, 1000, 100,
             WARC_TRUNC_LENGTH, &pair);
  close_writer(writer);
  printf("%s\n", pair.request_at.file);
  fflush(stdout);
  close(dir_fd);
  free(body);
}
END_TEST

static Suite *sample_suite(void)
{
  Suite *suite = suite_create("warc sample");
  TCase *tc = tcase_create("sample");

  tcase_add_test(tc, test_write_a_sample);
  suite_add_tcase(suite, tc);
  return suite;
}

int main(int argc, char **argv)
{
  SRunner *runner;
  int failed;

  log_set_ident("check_warc");
  log_set_level(LOG_ERR);
  if(argc == 3 && strcmp(argv[1], "--sample") == 0) {
    sample_dir = argv[2];
    runner = srunner_create(sample_suite());
    srunner_run_all(runner, CK_SILENT);
  }
  else {
    runner = srunner_create(warc_suite());
    srunner_run_all(runner, CK_NORMAL);
  }
  failed = srunner_ntests_failed(runner);
  srunner_free(runner);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
