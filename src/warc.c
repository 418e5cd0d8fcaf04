/* warc.c - WARC 1.1 archives; see warc.h. */
#include "config.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <zlib.h>

#include "log.h"
#include "warc.h"

/* Reads, writes and compression go in pieces of this much. */
#define CHUNK (64 * 1024)
#define NAME_PART_MAX 64
#define OPEN_SUFFIX ".open"
#define FINAL_SUFFIX ".warc.gz"
#define SHA1_SIZE 20
/* "sha1:" and 32 base32 characters, and the NUL. */
#define DIGEST_TEXT_SIZE 38
/* "2026-12-08T00:00:00.123456Z" and the NUL. */
#define DATE_SIZE 32
#define SERIAL_MAX 99999

struct warc_writer {
  int dir_fd;
  char job[NAME_PART_MAX + 1];
  char tag[NAME_PART_MAX + 1]; /* "" for none */
  long long max_bytes;
  char *info_fields; /* the warcinfo block, application/warc-fields */
  int fd;            /* the file being written, or -1 between files */
  char open_name[WARC_NAME_SIZE + sizeof(OPEN_SUFFIX)];
  char final_name[WARC_NAME_SIZE];
  char warcinfo_id[WARC_ID_SIZE];
  off_t size; /* bytes in the file */
  int serial; /* of the next file */
  bool dir_synced;
  bool broken; /* a failed append could not be cut off: EIO from now on */
  int records; /* begun and not ended yet */
  z_stream zs;
  bool zs_ready;
  unsigned char out[CHUNK];
  char error[512];
};

struct warc_record {
  struct warc_writer *writer;
  enum warc_type type;
  char id[WARC_ID_SIZE];
  char date[DATE_SIZE];
  char ip[INET6_ADDRSTRLEN];
  char *target_uri;
  char *concurrent_to;
  EVP_MD_CTX *block_md;
  EVP_MD_CTX *payload_md; /* NULL until the payload starts */
  unsigned long long length;
  /* The spool: the first WARC_SPOOL_MEMORY bytes in memory; past that,
   * the file holds all but the last (up to) WARC_SPOOL_MEMORY bytes, which
   * wait in memory for the next write to the file. */
  unsigned char *mem;
  size_t mem_len;
  size_t mem_cap;
  int spool_fd;
  off_t spool_len;
  int error;    /* errno of a failed spool write */
  bool counted; /* in writer->records */
};

static void set_error(struct warc_writer *writer, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void set_error(struct warc_writer *writer, const char *fmt, ...)
{
  int saved = errno;
  va_list args;

  va_start(args, fmt);
  vsnprintf(writer->error, sizeof(writer->error), fmt, args);
  va_end(args);
  errno = saved;
}

static int write_all(int fd, const void *bytes, size_t len)
{
  const unsigned char *at = bytes;

  while(len > 0) {
    ssize_t n = write(fd, at, len);

    if(n < 0 && errno == EINTR)
      continue;
    if(n < 0)
      return -1;
    at += n;
    len -= (size_t)n;
  }
  return 0;
}

static ssize_t pread_full(int fd, void *buf, size_t len, off_t at)
{
  size_t done = 0;

  while(done < len) {
    ssize_t n =
        pread(fd, (unsigned char *)buf + done, len - done, at + (off_t)done);

    if(n < 0 && errno == EINTR)
      continue;
    if(n < 0)
      return -1;
    if(n == 0)
      break;
    done += (size_t)n;
  }
  return (ssize_t)done;
}

/* A random (version 4) UUID as "urn:uuid:...". */
static int new_record_id(char id[WARC_ID_SIZE])
{
  unsigned char bytes[16];
  size_t got = 0;

  while(got < sizeof(bytes)) {
    ssize_t n = getrandom(bytes + got, sizeof(bytes) - got, 0);

    if(n < 0 && errno == EINTR)
      continue;
    if(n < 0)
      return -1;
    got += (size_t)n;
  }
  bytes[6] = (unsigned char)((bytes[6] & 0x0f) | 0x40);
  bytes[8] = (unsigned char)((bytes[8] & 0x3f) | 0x80);
  snprintf(id, WARC_ID_SIZE,
           "urn:uuid:%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
           "%02x%02x%02x%02x%02x%02x",
           bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5],
           bytes[6], bytes[7], bytes[8], bytes[9], bytes[10], bytes[11],
           bytes[12], bytes[13], bytes[14], bytes[15]);
  return 0;
}

static void format_date(const struct timespec *date, char out[DATE_SIZE])
{
  struct timespec now;
  struct tm tm;
  char seconds[20];

  if(date == NULL) {
    clock_gettime(CLOCK_REALTIME, &now);
    date = &now;
  }
  gmtime_r(&date->tv_sec, &tm);
  strftime(seconds, sizeof(seconds), "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf(out, DATE_SIZE, "%s.%06uZ", seconds,
           (unsigned)(date->tv_nsec / 1000) % 1000000u);
}

/* "sha1:" and the RFC 4648 base32 of the digest (20 bytes are exactly 32
 * characters: no padding). */
static void digest_text(const unsigned char digest[SHA1_SIZE],
                        char out[DIGEST_TEXT_SIZE])
{
  static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  uint32_t bits = 0;
  int held = 0;
  size_t len = 5;

  memcpy(out, "sha1:", 5);
  for(int i = 0; i < SHA1_SIZE; i++) {
    bits = (bits << 8) | digest[i];
    held += 8;
    while(held >= 5) {
      out[len++] = alphabet[(bits >> (held - 5)) & 31];
      held -= 5;
    }
  }
  out[len] = '\0';
}

static int finish_digest(EVP_MD_CTX *md, char out[DIGEST_TEXT_SIZE])
{
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;

  if(EVP_DigestFinal_ex(md, digest, &len) != 1 || len != SHA1_SIZE) {
    errno = EIO;
    return -1;
  }
  digest_text(digest, out);
  return 0;
}

/* Only what can stand in a header line: no space, no control character. */
static bool header_safe(const char *value)
{
  if(*value == '\0')
    return false;
  for(const unsigned char *at = (const unsigned char *)value; *at != '\0';
      at++) {
    if(*at <= ' ' || *at == 0x7f)
      return false;
  }
  return true;
}

static bool name_part_ok(const char *part)
{
  size_t len = strlen(part);

  if(len == 0 || len > NAME_PART_MAX)
    return false;
  for(size_t i = 0; i < len; i++) {
    char c = part[i];

    if(!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
      return false;
  }
  return true;
}

/* Appends "name: value\r\n" to the fields, line breaks in value made
 * spaces. */
static void add_field(char *fields, size_t size, const char *name,
                      const char *value)
{
  size_t len = strlen(fields);

  if(value == NULL || *value == '\0')
    return;
  snprintf(fields + len, size - len, "%s: %s\r\n", name, value);
  for(char *at = fields + len; *at != '\0'; at++) {
    if((*at == '\r' || *at == '\n') && at[1] != '\0' && at[2] != '\0')
      *at = ' ';
  }
}

static char *build_info_fields(const struct warc_info *info)
{
  size_t size = 512;
  char *fields;

  if(info != NULL) {
    size += info->software != NULL ? strlen(info->software) : 0;
    size += info->hostname != NULL ? strlen(info->hostname) : 0;
    size += info->job != NULL ? strlen(info->job) : 0;
    size += info->options != NULL ? strlen(info->options) : 0;
  }
  fields = malloc(size);
  if(fields == NULL)
    return NULL;
  fields[0] = '\0';
  if(info != NULL) {
    add_field(fields, size, "software", info->software);
    add_field(fields, size, "hostname", info->hostname);
    add_field(fields, size, "isPartOf", info->job);
  }
  add_field(fields, size, "format", "WARC File Format 1.1");
  add_field(fields, size, "conformsTo",
            "https://iipc.github.io/warc-specifications/specifications/"
            "warc-format/warc-1.1/");
  if(info != NULL)
    add_field(fields, size, "options", info->options);
  return fields;
}

/* --- appending one gzip member ---------------------------------------------
 */

/* Runs deflate over len bytes (flush Z_NO_FLUSH or Z_FINISH) and writes
 * what comes out to the file. */
static int deflate_out(struct warc_writer *writer, const void *bytes,
                       size_t len, int flush, off_t *written)
{
  z_stream *zs = &writer->zs;
  int rc;

  zs->next_in = (Bytef *)(uintptr_t)bytes;
  zs->avail_in = (uInt)len;
  do {
    size_t have;

    zs->next_out = writer->out;
    zs->avail_out = sizeof(writer->out);
    rc = deflate(zs, flush);
    if(rc == Z_STREAM_ERROR) {
      errno = EIO;
      return -1;
    }
    have = sizeof(writer->out) - zs->avail_out;
    if(have > 0 && write_all(writer->fd, writer->out, have) < 0)
      return -1;
    *written += (off_t)have;
  } while(flush == Z_FINISH ? rc != Z_STREAM_END : zs->avail_out == 0);
  return 0;
}

/* Compresses header, the block (mem_len bytes of mem after spool_len bytes
 * of spool_fd) and the record's closing CRLFs as one gzip member at the end
 * of the file. On failure the file is cut back to where the member began. */
static int append_member(struct warc_writer *writer, const char *header,
                         const unsigned char *mem, size_t mem_len,
                         int spool_fd, off_t spool_len,
                         struct warc_location *where)
{
  off_t start = writer->size, written = 0;
  unsigned char *chunk = NULL;
  int saved;

  if(deflateReset(&writer->zs) != Z_OK) {
    errno = EIO;
    goto failed;
  }
  if(deflate_out(writer, header, strlen(header), Z_NO_FLUSH, &written) < 0)
    goto failed;
  if(spool_len > 0) {
    chunk = malloc(CHUNK);
    if(chunk == NULL)
      goto failed;
    for(off_t at = 0; at < spool_len;) {
      size_t want = spool_len - at < CHUNK ? (size_t)(spool_len - at) : CHUNK;
      ssize_t n = pread_full(spool_fd, chunk, want, at);

      if(n < 0)
        goto failed;
      if((size_t)n != want) {
        errno = EIO;
        goto failed;
      }
      if(deflate_out(writer, chunk, want, Z_NO_FLUSH, &written) < 0)
        goto failed;
      at += (off_t)want;
    }
    free(chunk);
    chunk = NULL;
  }
  if(mem_len > 0 &&
     deflate_out(writer, mem, mem_len, Z_NO_FLUSH, &written) < 0)
    goto failed;
  if(deflate_out(writer, "\r\n\r\n", 4, Z_FINISH, &written) < 0)
    goto failed;
  writer->size += written;
  if(where != NULL) {
    snprintf(where->file, sizeof(where->file), "%s", writer->final_name);
    where->offset = start;
    where->length = written;
  }
  return 0;

failed:
  saved = errno;
  free(chunk);
  set_error(writer, "%s: cannot append a record: %s", writer->open_name,
            strerror(saved));
  if(ftruncate(writer->fd, start) < 0 ||
     lseek(writer->fd, start, SEEK_SET) != start) {
    writer->broken = true;
    set_error(writer,
              "%s: cannot append a record (%s), nor cut the file back: %s",
              writer->open_name, strerror(saved), strerror(errno));
  }
  errno = saved;
  return -1;
}

/* --- files ------------------------------------------------------------------
 */

static int sync_dir(struct warc_writer *writer)
{
  if(fsync(writer->dir_fd) < 0) {
    set_error(writer, "cannot fsync the WARC directory: %s", strerror(errno));
    return -1;
  }
  writer->dir_synced = true;
  return 0;
}

/* fsync, close, rename to the final name, fsync of the directory. The file
 * is closed whatever fails; recovery finishes a file left ".open". */
static int finish_file(struct warc_writer *writer)
{
  int rc = 0;

  if(fsync(writer->fd) < 0) {
    set_error(writer, "%s: fsync: %s", writer->open_name, strerror(errno));
    rc = -1;
  }
  if(close(writer->fd) < 0 && rc == 0) {
    set_error(writer, "%s: close: %s", writer->open_name, strerror(errno));
    rc = -1;
  }
  writer->fd = -1;
  if(rc == 0 && renameat2(writer->dir_fd, writer->open_name, writer->dir_fd,
                          writer->final_name, RENAME_NOREPLACE) < 0) {
    set_error(writer, "%s: cannot rename it to %s: %s", writer->open_name,
              writer->final_name, strerror(errno));
    rc = -1;
  }
  if(rc == 0)
    rc = sync_dir(writer);
  return rc;
}

/* Creates the next file under a name nobody has, and writes its warcinfo. */
static int start_file(struct warc_writer *writer)
{
  char stamp[16], header[1024], block_digest[DIGEST_TEXT_SIZE];
  char date[DATE_SIZE];
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_len = 0;
  time_t now = time(NULL);
  struct tm tm;
  size_t fields_len = strlen(writer->info_fields);

  gmtime_r(&now, &tm);
  strftime(stamp, sizeof(stamp), "%Y%m%d%H%M%S", &tm);
  for(;; writer->serial++) {
    if(writer->serial > SERIAL_MAX) {
      errno = EEXIST;
      set_error(writer, "CRAWLD-%s-%s: every serial is taken", writer->job,
                stamp);
      return -1;
    }
    snprintf(writer->final_name, sizeof(writer->final_name),
             "CRAWLD-%s-%s-%05d%s%s" FINAL_SUFFIX, writer->job, stamp,
             writer->serial, writer->tag[0] != '\0' ? "-" : "", writer->tag);
    snprintf(writer->open_name, sizeof(writer->open_name), "%s" OPEN_SUFFIX,
             writer->final_name);
    if(faccessat(writer->dir_fd, writer->final_name, F_OK,
                 AT_SYMLINK_NOFOLLOW) == 0)
      continue;
    writer->fd =
        openat(writer->dir_fd, writer->open_name,
               O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0640);
    if(writer->fd >= 0)
      break;
    if(errno != EEXIST) {
      set_error(writer, "%s: cannot create it: %s", writer->open_name,
                strerror(errno));
      return -1;
    }
  }
  writer->serial++;
  writer->size = 0;
  writer->dir_synced = false;
  if(new_record_id(writer->warcinfo_id) < 0 ||
     EVP_Digest(writer->info_fields, fields_len, digest, &digest_len,
                EVP_sha1(), NULL) != 1) {
    if(errno == 0)
      errno = EIO;
    set_error(writer, "%s: no record ID or digest: %s", writer->open_name,
              strerror(errno));
    goto failed;
  }
  digest_text(digest, block_digest);
  format_date(NULL, date);
  snprintf(header, sizeof(header),
           "WARC/1.1\r\n"
           "WARC-Type: warcinfo\r\n"
           "WARC-Record-ID: <%s>\r\n"
           "WARC-Date: %s\r\n"
           "WARC-Filename: %s\r\n"
           "Content-Type: application/warc-fields\r\n"
           "Content-Length: %zu\r\n"
           "WARC-Block-Digest: %s\r\n"
           "\r\n",
           writer->warcinfo_id, date, writer->final_name, fields_len,
           block_digest);
  if(append_member(writer, header, (const unsigned char *)writer->info_fields,
                   fields_len, -1, 0, NULL) < 0)
    goto failed;
  return 0;

failed : {
  int saved = errno;

  close(writer->fd);
  writer->fd = -1;
  unlinkat(writer->dir_fd, writer->open_name, 0);
  errno = saved;
  return -1;
}
}

struct warc_writer *warc_open(int dir_fd, const char *job, const char *tag,
                              long long max_bytes,
                              const struct warc_info *info, char **cause)
{
  struct warc_writer *writer;

  if(job == NULL || !name_part_ok(job))
    return cause_set(cause,
                     "WARC job name \"%s\": want 1 to %d of "
                     "A-Z a-z 0-9 . _ -",
                     job != NULL ? job : "(null)", NAME_PART_MAX),
           NULL;
  if(tag != NULL && !name_part_ok(tag))
    return cause_set(cause,
                     "WARC writer tag \"%s\": want 1 to %d of "
                     "A-Z a-z 0-9 . _ -",
                     tag, NAME_PART_MAX),
           NULL;
  if(max_bytes < 0)
    return cause_set(cause, "WARC file size %lld is negative", max_bytes),
           NULL;
  if(warc_recover(dir_fd, job, tag != NULL ? tag : "", cause) < 0)
    return NULL;
  writer = calloc(1, sizeof(*writer));
  if(writer == NULL)
    return cause_set(cause, "out of memory"), NULL;
  writer->fd = -1;
  writer->dir_fd = fcntl(dir_fd, F_DUPFD_CLOEXEC, 0);
  if(writer->dir_fd < 0) {
    cause_set(cause, "WARC directory: %s", strerror(errno));
    free(writer);
    return NULL;
  }
  snprintf(writer->job, sizeof(writer->job), "%s", job);
  snprintf(writer->tag, sizeof(writer->tag), "%s", tag != NULL ? tag : "");
  writer->max_bytes = max_bytes > 0 ? max_bytes : WARC_DEFAULT_MAX_BYTES;
  writer->info_fields = build_info_fields(info);
  if(writer->info_fields == NULL) {
    cause_set(cause, "out of memory");
    goto failed;
  }
  if(deflateInit2(&writer->zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
                  Z_DEFAULT_STRATEGY) != Z_OK) {
    cause_set(cause, "zlib: cannot set up deflate");
    goto failed;
  }
  writer->zs_ready = true;
  if(start_file(writer) < 0) {
    cause_set(cause, "%s", writer->error);
    goto failed;
  }
  return writer;

failed:
  if(writer->zs_ready)
    deflateEnd(&writer->zs);
  free(writer->info_fields);
  close(writer->dir_fd);
  free(writer);
  return NULL;
}

int warc_close(struct warc_writer *writer, char **cause)
{
  int rc = 0;

  if(cause != NULL)
    *cause = NULL;
  if(writer == NULL)
    return 0;
  if(writer->fd >= 0 && finish_file(writer) < 0) {
    int saved = errno;

    cause_set(cause, "%s", writer->error);
    errno = saved;
    rc = -1;
  }
  if(writer->records > 0)
    log_err("warc: %s closed with %d records not ended", writer->job,
            writer->records);
  deflateEnd(&writer->zs);
  free(writer->info_fields);
  close(writer->dir_fd);
  free(writer);
  return rc;
}

int warc_sync(struct warc_writer *writer)
{
  if(writer->fd < 0)
    return 0;
  if(fdatasync(writer->fd) < 0) {
    set_error(writer, "%s: fdatasync: %s", writer->open_name, strerror(errno));
    return -1;
  }
  if(!writer->dir_synced)
    return sync_dir(writer);
  return 0;
}

const char *warc_error(const struct warc_writer *writer)
{
  return writer->error;
}

const char *warc_current_file(const struct warc_writer *writer)
{
  return writer->fd >= 0 ? writer->open_name : "";
}

/* --- records ----------------------------------------------------------------
 */

struct warc_record *warc_record_begin(struct warc_writer *writer,
                                      enum warc_type type,
                                      const char *target_uri,
                                      const struct timespec *date,
                                      const char *concurrent_to)
{
  struct warc_record *record;

  if(target_uri == NULL || !header_safe(target_uri) ||
     (concurrent_to != NULL && !header_safe(concurrent_to)) ||
     (type != WARC_REQUEST && type != WARC_RESPONSE)) {
    errno = EINVAL;
    return NULL;
  }
  record = calloc(1, sizeof(*record));
  if(record == NULL)
    return NULL;
  record->writer = writer;
  record->type = type;
  record->spool_fd = -1;
  record->target_uri = strdup(target_uri);
  record->concurrent_to = concurrent_to != NULL ? strdup(concurrent_to) : NULL;
  record->block_md = EVP_MD_CTX_new();
  if(record->target_uri == NULL ||
     (concurrent_to != NULL && record->concurrent_to == NULL) ||
     record->block_md == NULL ||
     EVP_DigestInit_ex(record->block_md, EVP_sha1(), NULL) != 1 ||
     new_record_id(record->id) < 0) {
    if(errno == 0)
      errno = ENOMEM;
    warc_record_abort(record);
    return NULL;
  }
  format_date(date, record->date);
  writer->records++;
  record->counted = true;
  return record;
}

const char *warc_record_id(const struct warc_record *record)
{
  return record->id;
}

int warc_record_set_ip(struct warc_record *record, const char *ip)
{
  unsigned char address[sizeof(struct in6_addr)];

  if(inet_pton(AF_INET, ip, address) != 1 &&
     inet_pton(AF_INET6, ip, address) != 1) {
    errno = EINVAL;
    return -1;
  }
  snprintf(record->ip, sizeof(record->ip), "%s", ip);
  return 0;
}

/* An unnamed file in the archive's directory; a named one, unlinked at once,
 * where the filesystem has no O_TMPFILE. */
static int open_spool(int dir_fd)
{
  int fd = openat(dir_fd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);

  if(fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL))
    return fd;
  for(int tries = 0; tries < 100; tries++) {
    unsigned int random_part;
    char name[64];

    if(getrandom(&random_part, sizeof(random_part), 0) < 0)
      return -1;
    snprintf(name, sizeof(name), ".warc-spool-%08x", random_part);
    fd = openat(dir_fd, name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if(fd >= 0) {
      unlinkat(dir_fd, name, 0);
      return fd;
    }
    if(errno != EEXIST)
      return -1;
  }
  return -1;
}

static int spool_flush(struct warc_record *record)
{
  if(record->spool_fd < 0) {
    record->spool_fd = open_spool(record->writer->dir_fd);
    if(record->spool_fd < 0)
      return -1;
  }
  if(write_all(record->spool_fd, record->mem, record->mem_len) < 0)
    return -1;
  record->spool_len += (off_t)record->mem_len;
  record->mem_len = 0;
  return 0;
}

static int spool(struct warc_record *record, const unsigned char *bytes,
                 size_t len)
{
  while(len > 0) {
    size_t room, take;

    if(record->mem_len == WARC_SPOOL_MEMORY && spool_flush(record) < 0)
      return -1;
    if(record->mem_cap - record->mem_len < len &&
       record->mem_cap < WARC_SPOOL_MEMORY) {
      size_t cap = record->mem_cap > 0 ? record->mem_cap : 4096;
      unsigned char *bigger;

      while(cap - record->mem_len < len && cap < WARC_SPOOL_MEMORY)
        cap *= 2;
      if(cap > WARC_SPOOL_MEMORY)
        cap = WARC_SPOOL_MEMORY;
      bigger = realloc(record->mem, cap);
      if(bigger == NULL)
        return -1;
      record->mem = bigger;
      record->mem_cap = cap;
    }
    room = record->mem_cap - record->mem_len;
    take = len < room ? len : room;
    memcpy(record->mem + record->mem_len, bytes, take);
    record->mem_len += take;
    bytes += take;
    len -= take;
  }
  return 0;
}

int warc_record_write(struct warc_record *record, const void *bytes,
                      size_t len)
{
  if(record->error != 0) {
    errno = record->error;
    return -1;
  }
  if(EVP_DigestUpdate(record->block_md, bytes, len) != 1 ||
     (record->payload_md != NULL &&
      EVP_DigestUpdate(record->payload_md, bytes, len) != 1)) {
    record->error = EIO;
    errno = EIO;
    return -1;
  }
  if(spool(record, bytes, len) < 0) {
    record->error = errno != 0 ? errno : EIO;
    set_error(record->writer, "cannot spool a record of %s: %s",
              record->target_uri, strerror(record->error));
    errno = record->error;
    return -1;
  }
  record->length += len;
  return 0;
}

void warc_record_payload_start(struct warc_record *record)
{
  if(record->payload_md != NULL || record->type != WARC_RESPONSE)
    return;
  record->payload_md = EVP_MD_CTX_new();
  if(record->payload_md == NULL ||
     EVP_DigestInit_ex(record->payload_md, EVP_sha1(), NULL) != 1)
    record->error = ENOMEM;
}

static const char *truncated_name(enum warc_truncated truncated)
{
  switch(truncated) {
    case WARC_TRUNC_LENGTH:
      return "length";
    case WARC_TRUNC_TIME:
      return "time";
    case WARC_TRUNC_DISCONNECT:
      return "disconnect";
    case WARC_TRUNC_UNSPECIFIED:
      return "unspecified";
    case WARC_TRUNC_NONE:
      break;
  }
  return NULL;
}

static char *build_header(const struct warc_record *record,
                          const char *block_digest, const char *payload_digest,
                          enum warc_truncated truncated)
{
  const struct warc_writer *writer = record->writer;
  const char *truncation = truncated_name(truncated);
  const char *type = record->type == WARC_REQUEST ? "request" : "response";
  size_t size =
      1024 + strlen(record->target_uri) +
      (record->concurrent_to != NULL ? strlen(record->concurrent_to) : 0);
  char *header = malloc(size);
  size_t len;

  if(header == NULL)
    return NULL;
  len = (size_t)snprintf(header, size,
                         "WARC/1.1\r\n"
                         "WARC-Type: %s\r\n"
                         "WARC-Record-ID: <%s>\r\n"
                         "WARC-Date: %s\r\n"
                         "WARC-Target-URI: %s\r\n",
                         type, record->id, record->date, record->target_uri);
  if(record->ip[0] != '\0')
    len += (size_t)snprintf(header + len, size - len,
                            "WARC-IP-Address: %s\r\n", record->ip);
  if(record->concurrent_to != NULL)
    len += (size_t)snprintf(header + len, size - len,
                            "WARC-Concurrent-To: <%s>\r\n",
                            record->concurrent_to);
  len += (size_t)snprintf(header + len, size - len,
                          "WARC-Warcinfo-ID: <%s>\r\n"
                          "Content-Type: application/http;msgtype=%s\r\n"
                          "Content-Length: %llu\r\n"
                          "WARC-Block-Digest: %s\r\n",
                          writer->warcinfo_id, type, record->length,
                          block_digest);
  if(payload_digest != NULL)
    len += (size_t)snprintf(header + len, size - len,
                            "WARC-Payload-Digest: %s\r\n", payload_digest);
  if(truncation != NULL)
    len += (size_t)snprintf(header + len, size - len, "WARC-Truncated: %s\r\n",
                            truncation);
  snprintf(header + len, size - len, "\r\n");
  return header;
}

int warc_record_end(struct warc_record *record, enum warc_truncated truncated,
                    struct warc_location *where)
{
  struct warc_writer *writer = record->writer;
  char block_digest[DIGEST_TEXT_SIZE], payload_digest[DIGEST_TEXT_SIZE];
  char *header = NULL;
  int rc = -1, saved;

  if(writer->broken) {
    errno = EIO;
    goto done;
  }
  if(record->error != 0) {
    errno = record->error;
    goto done;
  }
  if(finish_digest(record->block_md, block_digest) < 0 ||
     (record->payload_md != NULL &&
      finish_digest(record->payload_md, payload_digest) < 0)) {
    set_error(writer, "SHA-1 failed for %s", record->target_uri);
    goto done;
  }
  if(writer->fd >= 0 && writer->size >= writer->max_bytes &&
     finish_file(writer) < 0)
    goto done;
  if(writer->fd < 0 && start_file(writer) < 0)
    goto done;
  header = build_header(record, block_digest,
                        record->payload_md != NULL ? payload_digest : NULL,
                        truncated);
  if(header == NULL) {
    set_error(writer, "out of memory");
    goto done;
  }
  rc = append_member(writer, header, record->mem, record->mem_len,
                     record->spool_fd, record->spool_len, where);

done:
  saved = errno;
  free(header);
  warc_record_abort(record);
  errno = saved;
  return rc;
}

void warc_record_abort(struct warc_record *record)
{
  if(record == NULL)
    return;
  if(record->counted)
    record->writer->records--;
  if(record->spool_fd >= 0)
    close(record->spool_fd);
  EVP_MD_CTX_free(record->block_md);
  EVP_MD_CTX_free(record->payload_md);
  free(record->target_uri);
  free(record->concurrent_to);
  free(record->mem);
  free(record);
}

/* --- recovery ---------------------------------------------------------------
 */

static bool all_digits(const char *text, size_t len)
{
  for(size_t i = 0; i < len; i++) {
    if(text[i] < '0' || text[i] > '9')
      return false;
  }
  return true;
}

/* Whether name is an unfinished file of job and tag ("" for none); with job
 * NULL, of any job and tag. */
static bool is_open_file(const char *name, const char *job, const char *tag)
{
  static const char suffix[] = FINAL_SUFFIX OPEN_SUFFIX;
  size_t len = strlen(name), suffix_len = sizeof(suffix) - 1;
  size_t job_len, tag_len;
  const char *at;

  if(len <= 7 + suffix_len || strncmp(name, "CRAWLD-", 7) != 0 ||
     strcmp(name + len - suffix_len, suffix) != 0)
    return false;
  if(job == NULL)
    return true;
  job_len = strlen(job);
  tag_len = strlen(tag);
  at = name + 7;
  /* JOB-YYYYmmddHHMMSS-NNNNN[-TAG] */
  if(len != 7 + job_len + 1 + 14 + 1 + 5 + (tag_len > 0 ? 1 + tag_len : 0) +
                suffix_len ||
     strncmp(at, job, job_len) != 0 || at[job_len] != '-')
    return false;
  at += job_len + 1;
  if(!all_digits(at, 14) || at[14] != '-' || !all_digits(at + 15, 5))
    return false;
  at += 20;
  if(tag_len > 0)
    return at[0] == '-' && strncmp(at + 1, tag, tag_len) == 0;
  return true;
}

/* The end of the last whole gzip member of fd, from its start: members are
 * inflated one after the other until one is cut or damaged. -1 on a read
 * error. */
static off_t whole_members_end(int fd)
{
  unsigned char *in = malloc(CHUNK), *out = malloc(CHUNK);
  z_stream zs;
  off_t good = 0;
  bool more = true;

  if(in == NULL || out == NULL) {
    free(in);
    free(out);
    return -1;
  }
  memset(&zs, 0, sizeof(zs));
  if(inflateInit2(&zs, 15 + 16) != Z_OK) {
    free(in);
    free(out);
    return -1;
  }
  while(more) {
    off_t read_at = good;
    int rc = Z_OK;

    inflateReset(&zs);
    zs.avail_in = 0;
    while(rc != Z_STREAM_END) {
      if(zs.avail_in == 0) {
        ssize_t n = pread_full(fd, in, CHUNK, read_at);

        if(n < 0) {
          good = -1;
          more = false;
          break;
        }
        if(n == 0) { /* the file ends inside this member, or at its start */
          more = false;
          break;
        }
        read_at += n;
        zs.next_in = in;
        zs.avail_in = (uInt)n;
      }
      zs.next_out = out;
      zs.avail_out = CHUNK;
      rc = inflate(&zs, Z_NO_FLUSH);
      if(rc != Z_OK && rc != Z_STREAM_END) {
        more = false;
        break;
      }
    }
    if(rc == Z_STREAM_END)
      good += (off_t)zs.total_in;
  }
  inflateEnd(&zs);
  free(in);
  free(out);
  return good;
}

static int recover_file(int dir_fd, const char *name, char **cause)
{
  char final_name[WARC_NAME_SIZE + sizeof(OPEN_SUFFIX)];
  int fd = openat(dir_fd, name, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
  struct stat st;
  off_t good;

  if(fd < 0)
    return cause_set(cause, "%s: %s", name, strerror(errno));
  good = fstat(fd, &st) < 0 ? -1 : whole_members_end(fd);
  if(good < 0) {
    cause_set(cause, "%s: cannot read it: %s", name, strerror(errno));
    close(fd);
    return -1;
  }
  if(good == 0) {
    close(fd);
    if(unlinkat(dir_fd, name, 0) < 0)
      return cause_set(cause, "%s: cannot remove it: %s", name,
                       strerror(errno));
    log_warn("warc: removed %s: no whole record in it", name);
    return 0;
  }
  if(good < st.st_size && ftruncate(fd, good) < 0) {
    cause_set(cause, "%s: cannot cut it: %s", name, strerror(errno));
    close(fd);
    return -1;
  }
  if(fsync(fd) < 0) {
    cause_set(cause, "%s: fsync: %s", name, strerror(errno));
    close(fd);
    return -1;
  }
  close(fd);
  snprintf(final_name, sizeof(final_name), "%.*s",
           (int)(strlen(name) - strlen(OPEN_SUFFIX)), name);
  if(renameat2(dir_fd, name, dir_fd, final_name, RENAME_NOREPLACE) < 0)
    return cause_set(cause, "%s: cannot rename it to %s: %s", name, final_name,
                     strerror(errno));
  if(good < st.st_size)
    log_warn("warc: recovered %s, cut from %lld to %lld bytes", final_name,
             (long long)st.st_size, (long long)good);
  else
    log_info("warc: recovered %s", final_name);
  return 0;
}

int warc_recover(int dir_fd, const char *job, const char *tag, char **cause)
{
  int listing_fd = openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  DIR *listing;
  struct dirent *entry;
  int count = 0, rc = 0;

  if(listing_fd < 0)
    return cause_set(cause, "WARC directory: %s", strerror(errno));
  listing = fdopendir(listing_fd);
  if(listing == NULL) {
    close(listing_fd);
    return cause_set(cause, "WARC directory: %s", strerror(errno));
  }
  while(rc == 0 && (entry = readdir(listing)) != NULL) {
    if(!is_open_file(entry->d_name, job, tag != NULL ? tag : ""))
      continue;
    rc = recover_file(dir_fd, entry->d_name, cause);
    count++;
  }
  closedir(listing);
  if(rc == 0 && count > 0 && fsync(dir_fd) < 0)
    return cause_set(cause, "WARC directory: fsync: %s", strerror(errno));
  return rc < 0 ? -1 : count;
}
