/* fetch.c - one URL's transfer; see fetch.h. */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <openssl/evp.h>

#include "fetch.h"
#include "htmlpage.h"
#include "pagelinks.h"
#include "proto.h"

struct fetch {
  CURL *easy;
  struct fetch *prev; /* the worker's chain of running fetches */
  struct fetch *next;
  uint64_t task_id;
  int attempt;
  bool robots; /* a robots.txt fetch: its body is kept and sent up */
  bool links;  /* the job follows links: they are sent up, redirects not
                  followed */
  struct pagelinks *page_links; /* made at the first such task */
  char *url;
  int64_t max_body_bytes; /* this transfer's cap */
  int64_t policy_max_body_bytes;
  long policy_max_redirects;
  char *body; /* robots.txt fetches: the kept body, PROTO_ROBOTS_MAX_BYTES */
  size_t body_len;
  int cpu_work;
  const struct netpolicy *networks; /* the worker's, for open_socket */
  char denied[96]; /* why a connection was refused, if one was */
  uint64_t bytes;
  bool truncated;
  bool body_started; /* the first body bytes arrived and were classified */
  EVP_MD_CTX *sha256;
  /* Fetched once: naming EVP_sha256() at each EVP_DigestInit_ex() makes
   * OpenSSL 3 look the algorithm up again, behind a lock, every page. */
  EVP_MD *sha256_md;
  struct htmlpage *page; /* kept from the first HTML body on */
  bool scanning;         /* the body is HTML, which page reads */
  char error_text[CURL_ERROR_SIZE];
};

enum result_error fetch_error_from_curl(CURLcode code)
{
  switch(code) {
    case CURLE_OK:
      return RESULT_OK;
    case CURLE_URL_MALFORMAT:
      return RESULT_ERR_BAD_URL;
    case CURLE_UNSUPPORTED_PROTOCOL:
      return RESULT_ERR_PROTOCOL_DENIED;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
      return RESULT_ERR_DNS;
    case CURLE_COULDNT_CONNECT:
      return RESULT_ERR_CONNECT;
    case CURLE_OPERATION_TIMEDOUT:
      return RESULT_ERR_TIMEOUT;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_USE_SSL_FAILED:
      return RESULT_ERR_TLS;
    case CURLE_TOO_MANY_REDIRECTS:
      return RESULT_ERR_TOO_MANY_REDIRECTS;
    case CURLE_FILESIZE_EXCEEDED:
      return RESULT_ERR_TOO_LARGE;
    case CURLE_RECV_ERROR:
      return RESULT_ERR_RECV;
    case CURLE_SEND_ERROR:
      return RESULT_ERR_SEND;
    case CURLE_PARTIAL_FILE:
      return RESULT_ERR_PARTIAL;
    case CURLE_GOT_NOTHING:
      return RESULT_ERR_EMPTY_REPLY;
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_HTTP3:
      return RESULT_ERR_BAD_RESPONSE;
    case CURLE_BAD_CONTENT_ENCODING:
      return RESULT_ERR_BAD_ENCODING;
    default:
      return RESULT_ERR_INTERNAL;
  }
}

/* HTML is scanned for its title and text; anything else is only counted and
 * hashed. A response without a Content-Type is sniffed as HTML, as browsers
 * would. */
static bool is_html(const char *content_type)
{
  if(content_type == NULL)
    return true;
  return strncasecmp(content_type, "text/html", 9) == 0 ||
         strncasecmp(content_type, "application/xhtml+xml", 21) == 0;
}

static void start_body(struct fetch *fetch)
{
  char *content_type = NULL;

  fetch->body_started = true;
  curl_easy_getinfo(fetch->easy, CURLINFO_CONTENT_TYPE, &content_type);
  if(!is_html(content_type))
    return;
  /* Without memory for the parser the page is recorded without its title,
   * text and links. */
  if(fetch->page == NULL)
    fetch->page = htmlpage_new();
  fetch->scanning =
      fetch->page != NULL &&
      htmlpage_start(fetch->page, fetch->links ? fetch->page_links : NULL) ==
          0;
}

/* --cpu-work: the per-page processing a real crawler does (parsing,
 * hashing), repeated to make a page cost CPU, so that benchmarks can show
 * how threads and processes compare when the work is CPU-bound. */
static void burn_cpu(const struct fetch *fetch, const char *data, size_t len)
{
  for(int pass = 0; pass < fetch->cpu_work; pass++) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    struct htmlpage *scan = htmlpage_new();

    if(scan != NULL && htmlpage_start(scan, NULL) == 0) {
      htmlpage_feed(scan, data, len);
      htmlpage_finish(scan);
    }
    htmlpage_free(scan);
    EVP_Digest(data, len, digest, NULL, fetch->sha256_md, NULL);
  }
}

/* libcurl's write callback: the decoded body, in pieces. The size cap is
 * applied here, after decoding, so chunked bodies and compression bombs are
 * cut as well. */
static size_t on_body(char *data, size_t size, size_t count, void *userdata)
{
  struct fetch *fetch = userdata;
  size_t len = size * count;
  size_t kept = len;
  uint64_t room = (uint64_t)fetch->max_body_bytes - fetch->bytes;

  if(!fetch->body_started && !fetch->robots)
    start_body(fetch);
  if(kept > room) {
    kept = (size_t)room;
    fetch->truncated = true;
  }
  fetch->bytes += kept;
  if(fetch->robots) {
    memcpy(fetch->body + fetch->body_len, data, kept);
    fetch->body_len += kept;
  }
  EVP_DigestUpdate(fetch->sha256, data, kept);
  burn_cpu(fetch, data, kept);
  if(fetch->scanning)
    htmlpage_feed(fetch->page, data, kept);
  /* Returning less than len makes libcurl stop with CURLE_WRITE_ERROR. */
  return fetch->truncated ? kept : len;
}

/* CURLOPT_OPENSOCKETFUNCTION: the one place every connection starts, after
 * DNS and after every redirect, so it is where deny_networks holds. */
static curl_socket_t open_socket(void *arg, curlsocktype purpose,
                                 struct curl_sockaddr *address)
{
  struct fetch *fetch = arg;
  curl_socket_t fd;

  (void)purpose;
  if(fetch->networks != NULL &&
     netpolicy_denies(fetch->networks, &address->addr)) {
    char text[INET6_ADDRSTRLEN] = "?";
    const void *bytes =
        address->family == AF_INET
            ? (const void *)&((struct sockaddr_in *)&address->addr)->sin_addr
            : (const void *)&((struct sockaddr_in6 *)&address->addr)
                  ->sin6_addr;

    inet_ntop(address->family, bytes, text, sizeof(text));
    snprintf(fetch->denied, sizeof(fetch->denied),
             "connecting to %s is denied by deny_networks", text);
    return CURL_SOCKET_BAD;
  }
  fd = socket(address->family, address->socktype | SOCK_CLOEXEC,
              address->protocol);
  return fd < 0 ? CURL_SOCKET_BAD : fd;
}

/* True if the environment holds a variable libcurl reads to pick a proxy
 * for http or https (it ignores HTTP_PROXY on purpose, and NO_PROXY only
 * matters once there is a proxy). */
static bool environment_has_proxy(void)
{
  static const char *const names[] = { "http_proxy", "https_proxy",
                                       "HTTPS_PROXY", "all_proxy",
                                       "ALL_PROXY" };

  for(size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
    if(getenv(names[i]) != NULL)
      return true;
  }
  return false;
}

CURLcode fetch_transfer_options(CURL *easy, const struct fetch_policy *policy)
{
  /* Each setopt's result is folded into rc: any failure means a libcurl too
   * old or out of memory. */
  CURLcode rc = CURLE_OK;

  rc |= curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  rc |= curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
  rc |= curl_easy_setopt(easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  rc |= curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 1L);
  rc |= curl_easy_setopt(easy, CURLOPT_MAXREDIRS, policy->max_redirects);
  rc |= curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS,
                         policy->connect_timeout_ms);
  rc |= curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, policy->total_timeout_ms);
  if(policy->low_speed_limit > 0) {
    rc |= curl_easy_setopt(easy, CURLOPT_LOW_SPEED_LIMIT,
                           policy->low_speed_limit);
    rc |= curl_easy_setopt(easy, CURLOPT_LOW_SPEED_TIME,
                           policy->low_speed_time_s);
  }
  rc |= curl_easy_setopt(easy, CURLOPT_USERAGENT, policy->user_agent);
  /* "" offers every encoding this libcurl can decode (gzip, deflate, br,
   * zstd). */
  rc |= curl_easy_setopt(easy, CURLOPT_ACCEPT_ENCODING, "");
  rc |= curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
  /* Without a proxy setting libcurl looks the variables up again at every
   * transfer (a dozen getenv() scans of the environment, and copies). A
   * crawl's environment does not change: when it names no proxy, say so
   * once with the empty proxy, which is what libcurl would conclude. */
  if(!environment_has_proxy())
    rc |= curl_easy_setopt(easy, CURLOPT_PROXY, "");
  return rc;
}

struct fetch *fetch_new(const struct fetch_policy *policy,
                        const struct netpolicy *networks)
{
  struct fetch *fetch = calloc(1, sizeof(*fetch));
  CURLcode rc = CURLE_OK;
  CURL *easy;

  if(fetch == NULL)
    return NULL;
  fetch->max_body_bytes = policy->max_body_bytes;
  fetch->policy_max_body_bytes = policy->max_body_bytes;
  fetch->policy_max_redirects = policy->max_redirects;
  fetch->cpu_work = policy->cpu_work;
  fetch->networks = networks;
  fetch->sha256 = EVP_MD_CTX_new();
  fetch->sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
  fetch->easy = curl_easy_init();
  if(fetch->sha256 == NULL || fetch->sha256_md == NULL ||
     fetch->easy == NULL) {
    fetch_free(fetch);
    return NULL;
  }
  easy = fetch->easy;
  /* Any failure means a libcurl too old or out of memory, and the handle is
   * not used at all. */
  rc |= fetch_transfer_options(easy, policy);
  rc |= curl_easy_setopt(easy, CURLOPT_PRIVATE, fetch);
  rc |= curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, on_body);
  rc |= curl_easy_setopt(easy, CURLOPT_WRITEDATA, fetch);
  rc |= curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, fetch->error_text);
  rc |= curl_easy_setopt(easy, CURLOPT_OPENSOCKETFUNCTION, open_socket);
  rc |= curl_easy_setopt(easy, CURLOPT_OPENSOCKETDATA, fetch);
  if(rc != CURLE_OK) {
    fetch_free(fetch);
    return NULL;
  }
  return fetch;
}

int fetch_start(struct fetch *fetch, uint64_t task_id, const char *url,
                int attempt, bool robots, bool links)
{
  char *copy = strdup(url);
  /* RFC 9309 2.3.1.2: five redirects at least; 2.5: 500 KiB at least. */
  long max_redirects = robots ? 5 : fetch->policy_max_redirects;

  if(links && fetch->page_links == NULL)
    fetch->page_links = pagelinks_new();
  if(copy == NULL || (links && fetch->page_links == NULL) ||
     EVP_DigestInit_ex(fetch->sha256, fetch->sha256_md, NULL) != 1 ||
     curl_easy_setopt(fetch->easy, CURLOPT_URL, copy) != CURLE_OK ||
     curl_easy_setopt(fetch->easy, CURLOPT_MAXREDIRS, max_redirects) !=
         CURLE_OK ||
     /* A job that follows links gets a redirect's target as a link of
      * the page: in scope or not, seen or not, as its job decides. */
     curl_easy_setopt(fetch->easy, CURLOPT_FOLLOWLOCATION, links ? 0L : 1L) !=
         CURLE_OK) {
    free(copy);
    return -1;
  }
  if(robots && fetch->body == NULL) {
    fetch->body = malloc(PROTO_ROBOTS_MAX_BYTES);
    if(fetch->body == NULL) {
      free(copy);
      return -1;
    }
  }
  fetch->robots = robots;
  fetch->links = links;
  if(links)
    pagelinks_reset(fetch->page_links, copy);
  fetch->body_len = 0;
  fetch->max_body_bytes =
      robots ? PROTO_ROBOTS_MAX_BYTES : fetch->policy_max_body_bytes;
  free(fetch->url);
  fetch->url = copy;
  fetch->task_id = task_id;
  fetch->attempt = attempt;
  fetch->denied[0] = '\0';
  fetch->error_text[0] = '\0';
  fetch->bytes = 0;
  fetch->truncated = false;
  fetch->body_started = false;
  fetch->scanning = false;
  return 0;
}

CURL *fetch_easy(const struct fetch *fetch)
{
  return fetch->easy;
}

struct fetch *fetch_from_easy(CURL *easy)
{
  struct fetch *fetch = NULL;

  curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&fetch);
  return fetch;
}

void fetch_link(struct fetch *fetch, struct fetch **head)
{
  fetch->prev = NULL;
  fetch->next = *head;
  if(*head != NULL)
    (*head)->prev = fetch;
  *head = fetch;
}

void fetch_unlink(struct fetch *fetch, struct fetch **head)
{
  if(fetch->prev != NULL)
    fetch->prev->next = fetch->next;
  else
    *head = fetch->next;
  if(fetch->next != NULL)
    fetch->next->prev = fetch->prev;
  fetch->prev = NULL;
  fetch->next = NULL;
}

void fetch_free(struct fetch *fetch)
{
  if(fetch == NULL)
    return;
  if(fetch->easy != NULL)
    curl_easy_cleanup(fetch->easy);
  EVP_MD_CTX_free(fetch->sha256);
  EVP_MD_free(fetch->sha256_md);
  htmlpage_free(fetch->page);
  pagelinks_free(fetch->page_links);
  free(fetch->body);
  free(fetch->url);
  free(fetch);
}

static double info_ms(CURL *easy, CURLINFO info)
{
  curl_off_t us = 0;

  curl_easy_getinfo(easy, info, &us);
  return (double)us / 1000.0;
}

/* libcurl reports each phase as time since the start; the record gives dns,
 * connect and tls as the length of that phase alone, and ttfb and total since
 * the start. */
static void read_timing(CURL *easy, struct result_timing *timing)
{
  double dns = info_ms(easy, CURLINFO_NAMELOOKUP_TIME_T);
  double connect = info_ms(easy, CURLINFO_CONNECT_TIME_T);
  double tls = info_ms(easy, CURLINFO_APPCONNECT_TIME_T);

  timing->dns_ms = dns;
  timing->connect_ms = connect > dns ? connect - dns : 0;
  timing->tls_ms = tls > connect ? tls - connect : 0;
  timing->ttfb_ms = info_ms(easy, CURLINFO_STARTTRANSFER_TIME_T);
  timing->total_ms = info_ms(easy, CURLINFO_TOTAL_TIME_T);
}

static const char *http_version_name(long version)
{
  switch(version) {
    case CURL_HTTP_VERSION_1_0:
      return "1.0";
    case CURL_HTTP_VERSION_1_1:
      return "1.1";
    case CURL_HTTP_VERSION_2_0:
      return "2";
    case CURL_HTTP_VERSION_3:
      return "3";
    default:
      return NULL;
  }
}

static void hex_digest(EVP_MD_CTX *sha256, char hex[65])
{
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_len = 0;

  EVP_DigestFinal_ex(sha256, digest, &digest_len);
  static const char digits[] = "0123456789abcdef";

  for(unsigned int i = 0; i < digest_len && i < 32; i++) {
    hex[2 * i] = digits[digest[i] >> 4];
    hex[2 * i + 1] = digits[digest[i] & 0xF];
  }
  hex[2 * (digest_len < 32 ? digest_len : 32)] = '\0';
}

static void fill_worker(struct result_record *record,
                        const struct fetch_worker_identity *worker)
{
  record->has_worker = true;
  record->worker_kind = worker->kind;
  record->worker_id = worker->id;
  record->worker_pid = worker->pid;
  clock_gettime(CLOCK_REALTIME, &record->fetched_at);
}

/* The page's links and a redirect's target, for a job that follows links. */
static void add_links(struct fetch *fetch, struct result_record *record)
{
  struct pagelinks *links = fetch->page_links;
  char *location = NULL;

  if(record->status >= 300 && record->status < 400 &&
     curl_easy_getinfo(fetch->easy, CURLINFO_REDIRECT_URL, &location) ==
         CURLE_OK &&
     location != NULL)
    pagelinks_location(links, location);
  record->has_links = true;
  record->links_found = pagelinks_found(links);
  record->links_dropped = pagelinks_dropped(links);
  record->links = pagelinks_urls(links, &record->links_len);
  record->location = pagelinks_target(links);
}

void fetch_finish(struct fetch *fetch, CURLcode result,
                  const struct fetch_worker_identity *worker,
                  struct jsonw *out)
{
  struct result_record record = { 0 };
  char http_error[64];
  char sha256_hex[65] = "";
  long http_version = 0;
  char *final_url = NULL;
  char *content_type = NULL;

  record.url = fetch->url;
  record.attempt = fetch->attempt;
  fill_worker(&record, worker);
  curl_easy_getinfo(fetch->easy, CURLINFO_RESPONSE_CODE, &record.status);
  curl_easy_getinfo(fetch->easy, CURLINFO_EFFECTIVE_URL, &final_url);
  curl_easy_getinfo(fetch->easy, CURLINFO_CONTENT_TYPE, &content_type);
  curl_easy_getinfo(fetch->easy, CURLINFO_REDIRECT_COUNT, &record.redirects);
  curl_easy_getinfo(fetch->easy, CURLINFO_HTTP_VERSION, &http_version);
  read_timing(fetch->easy, &record.timing);
  record.final_url = final_url;
  record.content_type = content_type;
  record.bytes = fetch->bytes;
  record.truncated = fetch->truncated;
  if(record.status > 0) {
    hex_digest(fetch->sha256, sha256_hex);
    record.sha256 = sha256_hex;
    record.http_version = http_version_name(http_version);
  }
  if(fetch->scanning) {
    htmlpage_finish(fetch->page);
    record.title = htmlpage_title(fetch->page, &record.title_len);
    record.snippet = htmlpage_snippet(fetch->page, &record.snippet_len);
    record.text_repaired = htmlpage_repaired(fetch->page);
  }

  if(fetch->denied[0] != '\0' && result == CURLE_COULDNT_CONNECT) {
    record.error = RESULT_ERR_ADDRESS_DENIED;
    record.error_message = fetch->denied;
  }
  else if(fetch->truncated) {
    record.error = RESULT_ERR_TOO_LARGE;
    snprintf(http_error, sizeof(http_error), "body cut at %lld bytes",
             (long long)fetch->max_body_bytes);
    record.error_message = http_error;
  }
  else if(result != CURLE_OK) {
    /* libcurl's opening words for a refused scheme; and the two ways its
     * HTTP reader gives up on a malformed answer with CURLE_RECV_ERROR,
     * the code of a failed recv() too */
    static const char refused_scheme[] = "Protocol \"";
    static const char bad_chunking[] = " in chunked-encoding";
    static const char huge_headers[] = "Too large response headers";
    const char *text = fetch->error_text;

    record.error = fetch_error_from_curl(result);
    record.error_message = text[0] != '\0' ? text : curl_easy_strerror(result);
    /* The codes alone would blame the network or the scheme for what the
     * server sent, so the text decides. CURLE_UNSUPPORTED_PROTOCOL that is
     * not a refused scheme is an answer that is not HTTP/1.x: HTTP/0.9,
     * which any other protocol looks like, or an unknown version. */
    if((result == CURLE_UNSUPPORTED_PROTOCOL &&
        strncmp(text, refused_scheme, sizeof(refused_scheme) - 1) != 0) ||
       (result == CURLE_RECV_ERROR &&
        (strstr(text, bad_chunking) != NULL ||
         strncmp(text, huge_headers, sizeof(huge_headers) - 1) == 0)))
      record.error = RESULT_ERR_BAD_RESPONSE;
    /* libcurl 7.88 says only "out of memory" when a header line is over
     * its 100 KiB limit; once an answer's status line is in, that is far
     * likelier than a failed malloc() */
    else if(result == CURLE_OUT_OF_MEMORY && text[0] == '\0' &&
            record.status > 0) {
      record.error = RESULT_ERR_BAD_RESPONSE;
      record.error_message =
          "response header line too long for libcurl (or out of memory)";
    }
  }
  else if(record.status >= 400) {
    curl_off_t retry_after = 0;

    /* libcurl reads both forms, seconds and an HTTP-date, as seconds from
     * now. */
    if(curl_easy_getinfo(fetch->easy, CURLINFO_RETRY_AFTER, &retry_after) ==
           CURLE_OK &&
       retry_after > 0)
      record.retry_after_s =
          retry_after > 86400 * 365 ? 86400 * 365 : (long)retry_after;
    record.error = RESULT_ERR_HTTP_ERROR;
    snprintf(http_error, sizeof(http_error), "HTTP status %ld", record.status);
    record.error_message = http_error;
  }
  if(fetch->links)
    add_links(fetch, &record);
  if(fetch->robots)
    proto_result_encode_body(out, fetch->task_id, &record, fetch->body,
                             fetch->body_len);
  else
    proto_result_encode(out, fetch->task_id, &record);
}

void fetch_fail(uint64_t task_id, const char *url, int attempt,
                enum result_error error, const char *message,
                const struct fetch_worker_identity *worker, struct jsonw *out)
{
  struct result_record record = { 0 };

  record.url = url;
  record.attempt = attempt;
  record.error = error;
  record.error_message = message;
  fill_worker(&record, worker);
  proto_result_encode(out, task_id, &record);
}
