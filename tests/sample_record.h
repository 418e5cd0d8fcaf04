/* sample_record.h - what the result and protocol tests share: two records
 * (a successful fetch with every field set, and a DNS failure) and the
 * table of error codes and names. */
#ifndef CRAWLD_SAMPLE_RECORD_H
#define CRAWLD_SAMPLE_RECORD_H

#include "result.h"

#define EMPTY_SHA256 \
  "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
/* 2026-11-22T01:50:38Z */
#define FETCHED_SEC 1795312238

/* A successful fetch with every field set. */
void sample_success(struct result_record *record);
/* A DNS failure: no response, no worker. */
void sample_error(struct result_record *record);

/* Every error code with its name, in RESULT_ERRORS order. */
struct sample_error_name {
  enum result_error code;
  const char *name;
};
extern const struct sample_error_name error_table[];
extern const size_t error_table_count;

/* What result_encode writes for them. */
#define SAMPLE_SUCCESS_TEXT                                                 \
  "{\"url\":\"https://example.org/a\",\"final_url\":\"https://example.org/" \
  "b\",\"ok\":true,\"status\":200,\"error\":null,\"content_type\":\"text/"  \
  "html; charset=utf-8\",\"bytes\":12345,\"truncated\":false,\"title\":"    \
  "\"Example Domain\",\"snippet\":\"This domain is for use in examples.\"," \
  "\"sha256\":\"" EMPTY_SHA256 "\",\"redirects\":1,\"http_version\":\"2\"," \
  "\"timing\":{\"dns_ms\":1.5,\"connect_ms\":2.25,\"tls_ms\":3.125,"        \
  "\"ttfb_ms\":10.5,\"total_ms\":20.75},\"worker\":{\"kind\":\"thread\","   \
  "\"id\":3,\"pid\":4242},\"attempt\":1,\"fetched_at\":\"2026-11-22T01:50:" \
  "38.123Z\",\"utf8_repaired\":false}"
#define SAMPLE_ERROR_TEXT                                                \
  "{\"url\":\"http://nx.invalid/\",\"final_url\":null,\"ok\":false,"     \
  "\"status\":null,\"error\":{\"code\":\"dns\",\"message\":\"Could not " \
  "resolve host: nx.invalid\"},\"content_type\":null,\"bytes\":0,"       \
  "\"truncated\":false,\"title\":null,\"snippet\":null,\"sha256\":null," \
  "\"redirects\":0,\"http_version\":null,\"timing\":{\"dns_ms\":0.0,"    \
  "\"connect_ms\":0.0,\"tls_ms\":0.0,\"ttfb_ms\":0.0,\"total_ms\":0.0}," \
  "\"worker\":null,\"attempt\":2,\"fetched_at\":\"1970-01-01T00:00:00."  \
  "005Z\",\"utf8_repaired\":false}"

#endif
