/* libcurl_only.c - the benchmark's reference for what libcurl alone costs.
 *
 *   libcurl_only URLFILE CONCURRENCY
 *
 * Fetches every URL of URLFILE with CONCURRENCY transfers in flight on one
 * multi handle in one thread, with the transfer options crawld's workers set
 * (fetch_transfer_options() with crawld's defaults), and does nothing with
 * what comes back: bodies are dropped, no record is written, nothing is parsed
 * or hashed. Prints how many answers had status 200. Its pages/s is what one
 * thread of this libcurl reaches on this machine with nothing else to do, so
 * bench/tools.sh sets it beside crawld: the difference from one crawld worker
 * thread is the cost of crawld's own work (HTML scan, SHA-256, records, pipes,
 * supervisor). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "fetch.h"
#include "options.h"

static size_t drop_body(char *data, size_t size, size_t count, void *arg)
{
  (void)data;
  (void)arg;
  return size * count;
}

/* The URL file's lines (without their newlines), or NULL with a message. */
static char **read_urls(const char *path, size_t *count)
{
  FILE *file = fopen(path, "r");
  char **urls = NULL;
  size_t used = 0;
  size_t room = 0;
  char *line = NULL;
  size_t line_size = 0;
  ssize_t len;

  if(file == NULL) {
    fprintf(stderr, "libcurl_only: %s: %s\n", path, strerror(errno));
    return NULL;
  }
  while((len = getline(&line, &line_size, file)) >= 0) {
    if(len > 0 && line[len - 1] == '\n')
      line[--len] = '\0';
    if(len == 0)
      continue;
    if(used == room) {
      char **grown;

      room = room ? room * 2 : 1024;
      grown = realloc(urls, room * sizeof(*urls));
      if(grown == NULL)
        break;
      urls = grown;
    }
    urls[used] = strdup(line);
    if(urls[used] == NULL)
      break;
    used++;
  }
  free(line);
  if(ferror(file) || !feof(file)) {
    fprintf(stderr, "libcurl_only: %s: cannot read it whole\n", path);
    fclose(file);
    for(size_t i = 0; i < used; i++)
      free(urls[i]);
    free(urls);
    return NULL;
  }
  fclose(file);
  *count = used;
  return urls;
}

/* A handle with the transfer options crawld's workers set with crawld's
 * defaults (fetch_transfer_options(), the same code), and a body sink in
 * place of the callbacks that feed crawld's records. */
static CURL *new_handle(const struct fetch_policy *policy)
{
  CURL *easy = curl_easy_init();

  if(easy == NULL)
    return NULL;
  if(fetch_transfer_options(easy, policy) != CURLE_OK ||
     curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, drop_body) != CURLE_OK) {
    curl_easy_cleanup(easy);
    return NULL;
  }
  return easy;
}

int main(int argc, char **argv)
{
  size_t count = 0;
  size_t next = 0;
  size_t done = 0;
  long ok = 0;
  int concurrency;
  char **urls;
  CURLM *multi;
  struct crawl_options defaults;

  if(argc != 3 || (concurrency = atoi(argv[2])) < 1) {
    fprintf(stderr, "usage: libcurl_only URLFILE CONCURRENCY\n");
    return 2;
  }
  urls = read_urls(argv[1], &count);
  if(urls == NULL || curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
    return 1;
  options_defaults(&defaults);
  multi = curl_multi_init();
  if(multi == NULL)
    return 1;
  curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, (long)concurrency);
  for(int i = 0; i < concurrency && next < count; i++) {
    CURL *easy = new_handle(&defaults.fetch);

    if(easy == NULL ||
       curl_easy_setopt(easy, CURLOPT_URL, urls[next++]) != CURLE_OK ||
       curl_multi_add_handle(multi, easy) != CURLM_OK) {
      fprintf(stderr, "libcurl_only: cannot set up a transfer\n");
      return 1;
    }
  }
  while(done < count) {
    CURLMsg *message;
    int running;
    int left;

    if(curl_multi_perform(multi, &running) != CURLM_OK)
      return 1;
    while((message = curl_multi_info_read(multi, &left)) != NULL) {
      CURL *easy = message->easy_handle;
      long status = 0;

      if(message->msg != CURLMSG_DONE)
        continue;
      curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
      ok += status == 200;
      done++;
      curl_multi_remove_handle(multi, easy);
      if(next == count) {
        curl_easy_cleanup(easy);
        continue;
      }
      /* The handle goes on to the next URL, keeping its connection. */
      if(curl_easy_setopt(easy, CURLOPT_URL, urls[next++]) != CURLE_OK ||
         curl_multi_add_handle(multi, easy) != CURLM_OK) {
        fprintf(stderr, "libcurl_only: cannot start a transfer\n");
        return 1;
      }
    }
    if(done < count && curl_multi_poll(multi, NULL, 0, 1000, NULL) != CURLM_OK)
      return 1;
  }
  printf("%ld\n", ok);
  curl_multi_cleanup(multi);
  curl_global_cleanup();
  for(size_t i = 0; i < count; i++)
    free(urls[i]);
  free(urls);
  return 0;
}
