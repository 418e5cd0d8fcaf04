/* fetch.h - one URL's transfer: the libcurl easy handle, the body it streams
 * through (counted, hashed, scanned for title and text, never stored) and the
 * record it ends in.
 *
 * A fetch is created by its worker, added to the worker's multi handle, and
 * finished when libcurl reports it done. It is reached from the easy handle
 * through CURLOPT_PRIVATE. */
#ifndef CRAWLD_FETCH_H
#define CRAWLD_FETCH_H

#include <stdint.h>

#include <curl/curl.h>
#include <jansson.h>

#include "netpolicy.h"
#include "options.h"
#include "result.h"

struct fetch_worker_identity {
  enum worker_kind kind;
  int id;
  pid_t pid;
};

struct fetch;

/* A ready-to-add transfer for url; NULL when memory or libcurl set-up fails.
 */
struct fetch *fetch_new(const struct fetch_policy *policy,
                        const struct netpolicy *networks, uint64_t task_id,
                        const char *url, int attempt);
CURL *fetch_easy(const struct fetch *fetch);
uint64_t fetch_task_id(const struct fetch *fetch);
/* The fetch whose easy handle this is. */
struct fetch *fetch_from_easy(CURL *easy);
/* Builds the record once libcurl reports the transfer done with result. New
 * reference; NULL on allocation failure. */
json_t *fetch_finish(struct fetch *fetch, CURLcode result,
                     const struct fetch_worker_identity *worker);
/* The error code and a message for a fetch that never reached libcurl (e.g. a
 * task whose URL libcurl refused). New reference. */
json_t *fetch_fail(const char *url, int attempt, enum result_error error,
                   const char *message,
                   const struct fetch_worker_identity *worker);
/* A worker chains its running fetches through the fetches themselves (no
 * allocation per transfer), so that it can reach every one when it has to stop
 * early. */
void fetch_link(struct fetch *fetch, struct fetch **head);
void fetch_unlink(struct fetch *fetch, struct fetch **head);
/* Frees the fetch and its easy handle; the caller has removed it from the
 * multi and unlinked it. */
void fetch_free(struct fetch *fetch);

/* The error code for a libcurl result (CURLE_OK maps to RESULT_OK). */
enum result_error fetch_error_from_curl(CURLcode code);

#endif
