/* fetch.h - one URL's transfer: the libcurl easy handle, the body it streams
 * through (counted, hashed, scanned for title and text, never stored) and the
 * record it ends in.
 *
 * A fetch is created by its worker, started for a URL, added to the worker's
 * multi handle, finished when libcurl reports it done, and started again for
 * the worker's next URL. It is reached from the easy handle through
 * CURLOPT_PRIVATE. */
#ifndef CRAWLD_FETCH_H
#define CRAWLD_FETCH_H

#include <stdbool.h>
#include <stdint.h>

#include <curl/curl.h>

#include "jsonw.h"
#include "netpolicy.h"
#include "options.h"
#include "result.h"

struct fetch_worker_identity {
  enum worker_kind kind;
  int id;
  pid_t pid;
};

struct fetch;

/* Sets on easy the policy's transfer options: protocols, redirects, timeouts,
 * user agent, encodings, keep-alive, proxy. fetch_new() sets them with what
 * crawld's records need; bench/libcurl_only.c sets them alone. */
CURLcode fetch_transfer_options(CURL *easy, const struct fetch_policy *policy);
/* An easy handle with the policy's options, and what a transfer on it needs;
 * NULL when memory or libcurl set-up fails. A worker keeps its handles for
 * the next transfers, as libcurl advises: creating and configuring one was a
 * tenth of a worker's CPU on small pages. */
struct fetch *fetch_new(const struct fetch_policy *policy,
                        const struct netpolicy *networks);
/* Readies the handle for url, forgetting the transfer before it; a robots
 * fetch follows at most 5 redirects and keeps at most PROTO_ROBOTS_MAX_BYTES
 * of the body, which its result line carries. A fetch for links follows no
 * redirect and sends up the page's links (proto.h). 0, or -1 when memory
 * runs out. */
int fetch_start(struct fetch *fetch, uint64_t task_id, const char *url,
                int attempt, bool robots, bool links);
CURL *fetch_easy(const struct fetch *fetch);
/* The fetch whose easy handle this is. */
struct fetch *fetch_from_easy(CURL *easy);
/* Appends the result line (proto.h) of the transfer libcurl reports done with
 * result; out->failed tells of an allocation failure. */
void fetch_finish(struct fetch *fetch, CURLcode result,
                  const struct fetch_worker_identity *worker,
                  struct jsonw *out);
/* Appends the result line of a task that never reached libcurl (e.g. one
 * whose URL libcurl refused): the error code and a message. */
void fetch_fail(uint64_t task_id, const char *url, int attempt,
                enum result_error error, const char *message,
                const struct fetch_worker_identity *worker, struct jsonw *out);
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
