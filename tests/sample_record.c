/* sample_record.c - the records and the error table of sample_record.h. */
#include "config.h"

#include <string.h>

#include "sample_record.h"

void sample_success(struct result_record *record)
{
  static const char title[] = "Example Domain";
  static const char snippet[] = "This domain is for use in examples.";

  memset(record, 0, sizeof(*record));
  record->url = "https://example.org/a";
  record->final_url = "https://example.org/b";
  record->error = RESULT_OK;
  record->status = 200;
  record->content_type = "text/html; charset=utf-8";
  record->bytes = 12345;
  record->truncated = false;
  record->title = title;
  record->title_len = sizeof(title) - 1;
  record->snippet = snippet;
  record->snippet_len = sizeof(snippet) - 1;
  record->sha256 = EMPTY_SHA256;
  record->redirects = 1;
  record->http_version = "2";
  record->timing.dns_ms = 1.5;
  record->timing.connect_ms = 2.25;
  record->timing.tls_ms = 3.125;
  record->timing.ttfb_ms = 10.5;
  record->timing.total_ms = 20.75;
  record->has_worker = true;
  record->worker_kind = WORKER_THREAD;
  record->worker_id = 3;
  record->worker_pid = 4242;
  record->attempt = 1;
  record->fetched_at.tv_sec = FETCHED_SEC;
  record->fetched_at.tv_nsec = 123000000;
}

void sample_error(struct result_record *record)
{
  memset(record, 0, sizeof(*record));
  record->url = "http://nx.invalid/";
  record->error = RESULT_ERR_DNS;
  record->error_message = "Could not resolve host: nx.invalid";
  record->has_worker = false;
  record->attempt = 2;
  record->fetched_at.tv_sec = 0;
  record->fetched_at.tv_nsec = 5000000;
}

const struct sample_error_name error_table[] = {
#define ERROR_ROW(name, text) { RESULT_ERR_##name, text },
  RESULT_ERRORS(ERROR_ROW)
#undef ERROR_ROW
};
const size_t error_table_count = sizeof(error_table) / sizeof(error_table[0]);
