/*
 * testserver - an HTTP/1.1 server that plays a web site, polite or hostile
 * on request, for crawld's integration tests, demo and benchmarks.
 * Single-threaded on libevent; every wait is a timer, never a sleep.
 *
 * testserver [--addr ADDR] [--port-file FILE] [--raw-port-file FILE]
 *            [--pages N] [--hosts N --hosts-file FILE] [--log FILE]
 *            [--robots-dir DIR] [--site-dir DIR] [--quiet]
 *            [--exit-on-stdin-eof]
 *
 *   --addr ADDR           numeric address to listen on (default 127.0.0.1;
 *                         ::1 works too)
 *   --port-file FILE      also write the HTTP port to FILE
 *   --raw-port-file FILE  also write the raw port to FILE
 *   --pages N             number of pages under /site/ (default 10000)
 *   --hosts N             also serve HTTP on 127.0.0.2 .. 127.0.0.(N+1),
 *                         N from 1 to 250, each address bound by itself on
 *                         an ephemeral port of its own: N more hosts as a
 *                         crawler sees them (Linux routes all of 127/8 to
 *                         the loopback without configuration)
 *   --hosts-file FILE     where --hosts writes its listeners, one line
 *                         "ADDR PORT" each, in address order (needed by
 *                         --hosts, refused without it)
 *   --log FILE            log every request routed on the HTTP port, on
 *                         every listener, to FILE (see "Request log")
 *   --robots-dir DIR      what /robots.txt answers, per listener address
 *                         (see the route)
 *   --site-dir DIR        what /files/ serves (see the route)
 *   --quiet               hide warnings, ours and libevent's (nothing is
 *                         ever logged per request but to --log; errors
 *                         still are)
 *   --exit-on-stdin-eof   also exit when stdin reaches end of file
 *
 * Both ports are ephemeral. Once every listener listens, the server prints
 * the HTTP port, then the raw port, on stdout, one per line, then writes
 * the files, each as FILE.tmp renamed into place: the raw port file, the
 * hosts file, then the port file, so once the --port-file exists all do.
 * It runs until SIGTERM or SIGINT and then exits 0, the log complete and
 * closed. A setup failure prints a message on stderr and exits 1.
 *
 * HTTP port: GET and HEAD only (anything else gets 501), keep-alive, idle
 * connections closed after a minute. Query parameters are all optional.
 * Numbers are plain decimal digits: a malformed or out-of-range number,
 * in the query or in the path, answers 400. Values are percent-decoded
 * ("+" is a space) and the first occurrence of a name wins. Pages are
 * text/html; charset=utf-8.
 *
 *   /                       index titled "crawld demo site", links to
 *                           /site/0 .. /site/9
 *   /site/N                 page titled "Page N", links to /site/(N+1)%pages
 *                           and /site/(N*7+3)%pages; 404 unless N < pages
 *   /delay?ms=MS            page titled "delay MS", sent MS ms late
 *   /delay/MS               (default 1000, at most 3600000); any other
 *                           parameter, such as &n=123, is ignored
 *   /page/N?ms=MS           page titled "page N" of a few hundred bytes,
 *                           no links, sent MS ms late (see ms below); N is
 *                           any number
 *   /status/CODE?retry_after=VALUE
 *                           status CODE (200..599; 100..199 answer 400),
 *                           page titled "status CODE", none for 204 and
 *                           304; with retry_after, a Retry-After header of
 *                           VALUE as decoded, whatever it is (seconds, an
 *                           HTTP-date, garbage; 400 if it holds CR, LF or
 *                           NUL)
 *   /flaky/KEY?code=CODE&times=K&retry_after=VALUE&ms=MS
 *                           the first K requests for KEY (default 1, at
 *                           most 1000000000) answer as
 *                           /status/CODE?retry_after=VALUE does (CODE
 *                           default 503), the later ones 200 with a page
 *                           titled "flaky KEY"; each answer is sent MS ms
 *                           late. KEY is the rest of the path, 1 to 256
 *                           bytes, counted per listener across
 *                           connections for the server's life. The table
 *                           holds 4096 keys: a new key beyond them answers
 *                           507, page titled "flaky table full", uncounted
 *   /robots.txt             without --robots-dir, 404 as any unknown path.
 *                           With it, for a request to listener ADDR:PORT,
 *                           when DIR/ADDR.status exists, its text (trailing
 *                           white space ignored) decides: "hang" never
 *                           answers, the connection staying open until the
 *                           client closes it; "reset" resets the
 *                           connection; a number from 200 to 599 is the
 *                           status, the body the bytes of DIR/ADDR as
 *                           text/plain when that file exists, else the
 *                           page of /status/CODE, and a 3xx has the
 *                           Location that DIR/ADDR.location holds (trailing
 *                           white space ignored; none without the file);
 *                           anything else answers 500. Without
 *                           DIR/ADDR.status: the bytes of DIR/ADDR as
 *                           text/plain with 200 when it exists, else 404.
 *                           The files are read again for every request;
 *                           one larger than 16 MiB (4095 bytes for .status
 *                           and .location) answers 500
 *   /files/PATH             with --site-dir, the file DIR/PATH, PATH
 *                           percent-decoded first (so /files/%7Ea and
 *                           /files/~a are one file): text/html when PATH
 *                           ends in ".html" or "/" (then DIR/PATH/index.html),
 *                           else text/plain. When DIR/PATH.location exists,
 *                           a 301 to the Location it holds (trailing white
 *                           space ignored) instead. 404 when there is no
 *                           such file, without --site-dir, or when PATH
 *                           has a ".." segment or a NUL
 *   /redirect/N             302 to /redirect/N-1; /redirect/0 is a page
 *                           titled "redirect end"
 *   /redirect-abs/N         the same with absolute Locations,
 *                           http://HOST/redirect-abs/N-1, HOST being the
 *                           request's Host header
 *   /redirect-loop          302 to itself
 *   /redirect-new/N         302 to /redirect-new/N+1: a new URL at every
 *                           hop, never an end (N below 1000000000)
 *   /redirect-long?bytes=N  302 to "/redirect/0?pad=xxx...", a Location of
 *                           N bytes (default 204800, at least 16, at most
 *                           16777216)
 *   /redirect-to?url=URL    302 to URL verbatim, whatever its scheme (400
 *                           without url, or when it holds CR, LF or NUL)
 *   /large?bytes=N          text/plain, N bytes of the pattern (default
 *                           1048576, at most 2^40) with Content-Length
 *   /endless                text/plain, chunked, the pattern forever
 *   /drip?bytes=N&interval=MS
 *                           text/plain, Content-Length N (default 100): one
 *                           byte of the pattern at once, then one every MS
 *                           ms (default 500; 0 sends as fast as /large)
 *   /invalid-utf8           invalid UTF-8 in the title, the body text and
 *                           two header values: see INVALID_UTF8_* below
 *   /gzip-bomb?mb=N         Content-Encoding: gzip, text/plain, a body
 *                           of about N KiB that inflates to N MiB of zero
 *                           bytes (default 100, at most 10240)
 *   /reset?after=N          Content-Length: 1000000, N bytes of the pattern
 *                           (default 1000, below 1000000), then a TCP reset
 *   /false-encoding/NAME    Content-Encoding: NAME, spelt as in the path,
 *                           on a page titled "false encoding" that is not
 *                           encoded at all (400 when NAME is empty)
 *   /html?title=T&text=X    page with title T and body X inserted verbatim,
 *                           unescaped (both default to empty)
 *   /big-title?chars=N      page whose title is N 'x' (default 100000, at
 *                           most 67108864)
 *   /headers-only           200 with Content-Length: 0
 *   /text                   text/plain "plain text body\n"
 *   /counter                text/plain, the number of requests routed so
 *                           far, this one included, and "\n" (requests
 *                           libevent refuses itself, like POST, don't count)
 *   anything else           404, page titled "not found"
 *
 * Every route that answers in one piece (all but /large, /endless, /drip
 * and /reset) also takes ?delay=MS (at most 3600000) and answers that much
 * later; the ms of /page and /flaky is the same delay, and wins when both
 * are given. A client that closes its connection while its answer is held
 * back (a delay, a robots "hang") is noticed at once: the connection goes.
 * Streamed bodies repeat "0123456789abcdef": byte i of the body is
 * "0123456789abcdef"[i % 16]. Every route works on every listener.
 *
 * Request log (--log FILE): FILE is created or truncated at start, then
 * gets two lines for each request that the HTTP listeners route (none for
 * those libevent refuses itself, which /counter does not count either).
 * Each line is written whole by one write(2) when its event happens,
 * nothing buffered, so a test may read the file at any time:
 *
 *   S T HOST TARGET         the request has been read and routed
 *   E T HOST STATUS TARGET  its answer has been written whole to the
 *                           socket (handed to the kernel)
 *   X T HOST STATUS TARGET  its connection closed first: the client left,
 *                           the route reset it (/reset, robots "reset"),
 *                           or the server stopped
 *
 * T is CLOCK_MONOTONIC in microseconds, one clock for every process on the
 * machine, so the logs of several servers compare. HOST is the listener
 * the request came to, ADDR:PORT ([ADDR]:PORT for IPv6): the host, as the
 * crawler sees it. STATUS is the answer's, sent, being sent or waiting for
 * its delay; 0 when the route chose none (robots "hang" and "reset").
 * TARGET is the request target as received, path and query, its bytes
 * below '!' or above '~' written as %XX. A delayed answer logs E when it
 * is actually sent, so that from S to E or X a request is in the server,
 * and the S/E intervals of a host tell how many it had at once;
 * tests/hostlog.h reads them.
 *
 * Raw port: reads a request line and its headers, then misbehaves according
 * to the path (the query is ignored):
 *
 *   /hang                   never answers; stays open until the client
 *                           closes
 *   /garbage                "SSH-2.0-OpenSSH_9.0\r\n", then closes
 *   /reset-headers          a 200 status line and headers with
 *                           Content-Length: 100, then a TCP reset
 *   /slow-headers           a 200 status line, then "X-Slow: slow\r\n"
 *                           over and over, one byte every 200 ms: the
 *                           header block never ends
 *   /endless-headers        a 200 status line, then "X-Endless: endless\r\n"
 *                           over and over, as fast as the client reads
 *   /short-body             Content-Length: 1000, then 10 bytes of the
 *                           pattern, then closes
 *   /long-body              Content-Length: 10, then 1000 bytes of the
 *                           pattern, then closes
 *   /chunked-bad-size       chunked, with the chunk size "zz"
 *   /chunked-no-crlf        chunked, a 10-byte chunk followed by "XX"
 *                           instead of CRLF
 *   /http09                 an HTTP/0.9 answer: a page, no status line and
 *                           no headers, then closes
 *   /tls-hello              a TLS 1.2 ServerHello record, then closes
 *   /interim-storm          1000 interim answers, 100 Continue and 103
 *                           Early Hints by turns, then a page
 *   /many-cookies           a page after 2000 Set-Cookie headers
 *   /nul-in-header-name     a page with the header "X-Nul\0Name: x"
 *   /bad-header-name        a page with the header "X-Bad\xff\xfe\x7f
 *                           Name: x" (bytes no token allows, a space)
 *   /status-999             a page with the status line
 *                           "HTTP/1.1 999 Request denied"
 *   /no-reason              a page with the status line "HTTP/1.1 200",
 *                           no reason phrase
 *   /bad-version            a page with the status line "HTTP/1.2 200 OK",
 *                           a version that does not exist
 *   /silent-close           a page offered for keep-alive (no Connection:
 *                           close), then the server closes the connection,
 *                           as one does with a connection left idle
 *   anything else           "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n"
 *                           "Connection: close\r\n\r\nok", then closes
 *
 * A page on the raw port is titled as its path without the '/'
 * ("many-cookies"). It comes with Content-Type: text/html; charset=utf-8,
 * Content-Length and Connection: close, but for /http09, which sends the
 * page alone, and /silent-close, which does not announce the close; the
 * server closes once the page is sent.
 */

#if !defined(_GNU_SOURCE) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L
#endif

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/queue.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <linux/sockios.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>
#include <event2/util.h>
#include <zlib.h>

#define DEFAULT_ADDR "127.0.0.1"
#define DEFAULT_PAGES 10000
#define MAX_PAGES 1000000000

/* Linux caps listen backlogs at 4096; thousands of clients connect at once
   in the benchmarks and a short queue would stall them for a SYN retry. */
#define LISTEN_BACKLOG 4096

#define IDLE_TIMEOUT_SECONDS 60
/* Long enough for /html?title= with a title of several hundred KiB */
#define MAX_HEADERS_SIZE (1024 * 1024)
/* GET and HEAD have no body to speak of */
#define MAX_BODY_SIZE (64 * 1024)

#define MAX_DELAY_MS 3600000
#define MAX_STREAM_BYTES ((uint64_t)1 << 40)
#define MAX_REDIRECTS 1000000000
#define MAX_TITLE_CHARS (64 * 1024 * 1024)
#define DEFAULT_LOCATION_BYTES (200 * 1024)
#define MAX_LOCATION_BYTES (16 * 1024 * 1024)
#define INDEX_LINKS 10

/* --hosts: 127.0.0.2 and up, short of the broadcast address */
#define MAX_HOSTS 250
#define FIRST_HOST_OCTET 2
/* "[" + an IPv6 address + "]:" + a port */
#define HOST_TEXT_SIZE (INET6_ADDRSTRLEN + 8)

/* /flaky: a fixed table, half full at most so that probes stay short */
#define FLAKY_MAX_KEYS 4096
#define FLAKY_SLOTS (2 * FLAKY_MAX_KEYS)
#define FLAKY_MAX_KEY_BYTES 256
#define FLAKY_MAX_TIMES 1000000000
#define FLAKY_DEFAULT_STATUS 503
#define HTTP_INSUFFICIENT_STORAGE 507

/* /robots.txt: the body, and the one-word .status and .location files */
#define MAX_ROBOTS_BYTES (16 * 1024 * 1024)
#define ROBOTS_WORD_SIZE 4096

#define HTML "text/html; charset=utf-8"
#define TEXT "text/plain"

/* Streamed bodies: chunks of CHUNK_SIZE cut from one block of the pattern,
   at most STREAM_WINDOW of them queued at once per stream. */
#define PATTERN "0123456789abcdef"
#define PATTERN_LEN (sizeof(PATTERN) - 1)
#define CHUNK_SIZE (64 * 1024)
#define STREAM_WINDOW (256 * 1024)
/* /endless sends this many bytes: more than any client will read */
#define STREAM_ENDLESS UINT64_MAX

/* /reset announces more than it sends */
#define RESET_DECLARED_LENGTH 1000000
/* How often to look whether the kernel has sent everything before a reset */
#define FLUSH_POLL_MS 1

#define BOMB_BLOCK_BYTES (1024 * 1024)
#define DEFAULT_BOMB_MIB 100
#define MAX_BOMB_MIB 10240

/* Longest request line plus headers the raw port reads */
#define RAW_MAX_REQUEST (64 * 1024)
/* /slow-headers: the time between two bytes */
#define RAW_DRIP_MS 200
/* /endless-headers: how much to queue each time the client has read all */
#define RAW_FLOOD_BYTES (64 * 1024)
/* Many, but their headers stay well below libcurl's limit of 300 KiB */
#define RAW_INTERIM_ANSWERS 1000
#define RAW_COOKIES 2000

/*
 * What /invalid-utf8 sends. The title is
 *   "bad \xff\xfe title \xc3\x28 end"
 * (bytes that never occur in UTF-8, then a lead byte followed by ASCII);
 * the body text is
 *   "surrogate \xed\xa0\x80 overlong \xc0\xaf lone \x80 truncated \xe2\x82
 *   end"
 * (an encoded UTF-16 surrogate, an overlong '/', a lone continuation byte,
 * a sequence cut short); the headers are
 *   "X-Bad: \xff\xfe" and "Content-Type: text/html; charset=utf-8; x=\xff".
 */
#define INVALID_UTF8_TITLE "bad \xff\xfe title \xc3\x28 end"
#define INVALID_UTF8_TEXT                          \
  "surrogate \xed\xa0\x80 overlong \xc0\xaf lone " \
  "\x80 truncated \xe2\x82 end"
#define INVALID_UTF8_X_BAD "\xff\xfe"
#define INVALID_UTF8_CONTENT_TYPE HTML "; x=\xff"

struct options {
  const char *addr;
  const char *port_file;
  const char *raw_port_file;
  const char *hosts_file;
  const char *log_file;
  const char *robots_dir;
  const char *site_dir;
  uint64_t pages;
  unsigned hosts;
  bool quiet;
  bool exit_on_stdin_eof;
};

/*
 * A gzip stream inflating to N MiB of zeros, cut in pieces so that any N
 * costs nothing to build: header, then N times the deflate output for one
 * MiB of zeros (the same every time, since a full flush puts deflate back
 * in the same state), then the final empty block, then the trailer, the
 * only piece that depends on N.
 */
struct gzip_bomb {
  unsigned char *first; /* header followed by the first block */
  size_t header_len;
  const unsigned char *block;
  size_t block_len;
  unsigned char *tail; /* final empty block, then a trailer */
  size_t final_len;    /* of the final block: the trailer is redone */
  uLong block_crc;     /* CRC-32 of one block's worth of zeros */
};

struct raw_conn;

/* How many requests a /flaky key has had, up to its times + 1 */
struct flaky_counter {
  uint64_t requests;
  char key[]; /* HOST, a space, KEY */
};

struct server {
  struct event_base *base;
  struct evhttp *http;
  unsigned host_ports[MAX_HOSTS]; /* of --hosts, in address order */
  unsigned host_count;
  struct evconnlistener *raw_listener;
  LIST_HEAD(raw_conn_list, raw_conn) raw_conns;
  struct event *sigterm_event;
  struct event *sigint_event;
  struct event *stdin_event;
  unsigned http_port;
  char *authority; /* ADDR:PORT of the HTTP port, for URLs */
  uint64_t pages;
  uint64_t requests_routed;
  int log_fd; /* -1 without --log */
  const char *robots_dir;
  const char *site_dir;
  bool quiet;
  struct flaky_counter *flaky[FLAKY_SLOTS];
  size_t flaky_keys;
  struct gzip_bomb bomb;
  char pattern[CHUNK_SIZE + PATTERN_LEN];
};

/*
 * One request on the HTTP port from routing until its answer is written
 * or its connection closes, whichever comes first: what the log says of
 * it, and the job, if one holds the request, that must hear of the
 * connection closing. Meanwhile the exchange owns the connection's close
 * callback: one request at a time runs on a connection. libevent calls
 * either the request's completion callback or the close callback, never
 * both, and the exchange ends in it.
 */
struct exchange {
  struct server *server;
  struct evhttp_connection *evcon;
  struct event *leave_watch; /* while an answer is held back */
  char *target;              /* as the log writes it; NULL without a log */
  int status; /* of the answer sent or planned; 0 before there is one */
  void (*on_close)(void *job);
  void *job;
  char host[HOST_TEXT_SIZE];   /* the listener, ADDR:PORT */
  char addr[INET6_ADDRSTRLEN]; /* the listener's address alone */
};

/* One request on the HTTP port, as the route handlers see it */
struct request {
  struct server *server;
  struct exchange *exchange;
  struct evhttp_request *req;
  const char *arg;   /* what a prefix route leaves of the path */
  const char *query; /* raw query string, "" when there is none */
  uint64_t delay_ms; /* how long to hold a one-piece answer */
};

/*
 * A route handler answers, at once or later, and returns 0; or it returns
 * the HTTP status of the error page the dispatcher must answer with.
 */
struct route {
  const char *path; /* ending in '*': a prefix */
  int (*handle)(struct request *rq);
};

/* An answer sent once its delay has passed */
struct delayed_answer {
  struct evhttp_request *req;
  struct exchange *exchange;
  struct event *timer;
  int status;
};

enum stream_ending { END_NORMALLY, END_WITH_RESET };

/* A body sent piece by piece, paced by the client or by a timer */
struct stream {
  struct server *server;
  struct evhttp_request *req;
  struct exchange *exchange;
  struct evbuffer *chunk;
  struct event *timer; /* next drip, or next look before a reset */
  struct timeval drip_interval;
  bool drip; /* one byte per interval, not read-paced */
  uint64_t bytes_left;
  uint64_t bytes_sent; /* where in the pattern the next byte is */
  enum stream_ending ending;
};

/*
 * What a raw connection does once its answer is written: stay open, close,
 * reset, or go on sending its unit forever, one byte per RAW_DRIP_MS or as
 * fast as the client reads
 */
enum raw_ending { RAW_STAY_OPEN, RAW_CLOSE, RAW_RESET, RAW_DRIP, RAW_FLOOD };

struct raw_conn {
  LIST_ENTRY(raw_conn) link;
  struct bufferevent *bev;
  struct event *timer;  /* next drip, or next look before a reset */
  const char *unit;     /* what RAW_DRIP and RAW_FLOOD repeat */
  size_t unit_sent;     /* bytes of the repeated unit sent so far */
  char *path;           /* of the request line, once read */
  size_t request_bytes; /* read so far, to refuse endless headers */
  bool answered;
  enum raw_ending ending;
};

/* A raw answer writes its bytes and sets the ending; -1 if out of memory */
struct raw_route {
  const char *path;
  int (*answer)(struct raw_conn *conn);
};

static void die(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));

static void die(const char *fmt, ...)
{
  va_list args;

  fputs("testserver: ", stderr);
  va_start(args, fmt);
  vfprintf(stderr, fmt, args);
  va_end(args);
  fputc('\n', stderr);
  exit(1);
}

static void warning(bool quiet, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void warning(bool quiet, const char *fmt, ...)
{
  va_list args;

  if(quiet)
    return;
  fputs("testserver: warning: ", stderr);
  va_start(args, fmt);
  vfprintf(stderr, fmt, args);
  va_end(args);
  fputc('\n', stderr);
}

static char *format_string(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

/* Returns a new string printed from fmt, or NULL when out of memory */
static char *format_string(const char *fmt, ...)
{
  va_list args;
  int len;
  char *text;

  va_start(args, fmt);
  len = vsnprintf(NULL, 0, fmt, args);
  va_end(args);
  if(len < 0)
    return NULL;
  text = malloc((size_t)len + 1);
  if(!text)
    return NULL;
  va_start(args, fmt);
  vsnprintf(text, (size_t)len + 1, fmt, args);
  va_end(args);
  return text;
}

static struct timeval ms_to_timeval(uint64_t ms)
{
  struct timeval tv;

  tv.tv_sec = (time_t)(ms / 1000);
  tv.tv_usec = (suseconds_t)(ms % 1000 * 1000);
  return tv;
}

/* Parses len bytes of plain decimal digits into a value of at most max */
static bool parse_decimal(const char *text, size_t len, uint64_t max,
                          uint64_t *value)
{
  uint64_t result = 0;
  size_t i;

  if(!len)
    return false;
  for(i = 0; i < len; i++) {
    unsigned digit = (unsigned)((unsigned char)text[i] - '0');

    if(digit > 9 || digit > max || result > (max - digit) / 10)
      return false;
    result = result * 10 + digit;
  }
  *value = result;
  return true;
}

/*
 * Finds parameter name in a query string and points value at its raw, still
 * percent-encoded text; a parameter without '=' has an empty value.
 */
static bool query_find(const char *query, const char *name, const char **value,
                       size_t *value_len)
{
  size_t name_len = strlen(name);
  const char *param = query;

  while(*param) {
    size_t param_len = strcspn(param, "&");
    const char *equals = memchr(param, '=', param_len);
    size_t key_len = equals ? (size_t)(equals - param) : param_len;

    if(key_len == name_len && !memcmp(param, name, name_len)) {
      *value = equals ? equals + 1 : param + param_len;
      *value_len = param_len - (size_t)(*value - param);
      return true;
    }
    param += param_len;
    if(*param)
      param++;
  }
  return false;
}

/*
 * Reads numeric parameter name, or takes fallback when it is absent.
 * Returns false when it is there but no number from 0 to max.
 */
static bool number_param(const char *query, const char *name,
                         uint64_t fallback, uint64_t max, uint64_t *value)
{
  const char *raw;
  size_t raw_len;

  if(!query_find(query, name, &raw, &raw_len)) {
    *value = fallback;
    return true;
  }
  return parse_decimal(raw, raw_len, max, value);
}

static int hex_value(char c)
{
  if(c >= '0' && c <= '9')
    return c - '0';
  if(c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if(c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/*
 * Decodes a query value: '+' is a space and "%XX" a byte; anything else,
 * a stray '%' included, stays as it is. Returns a NUL-terminated copy that
 * may hold NULs of its own, its length in len; NULL when out of memory.
 */
static char *percent_decode(const char *raw, size_t raw_len, size_t *len)
{
  char *text = malloc(raw_len + 1);
  size_t in;
  size_t out = 0;

  if(!text)
    return NULL;
  for(in = 0; in < raw_len; in++) {
    bool escape = raw[in] == '%' && in + 2 < raw_len &&
                  hex_value(raw[in + 1]) >= 0 && hex_value(raw[in + 2]) >= 0;

    if(escape) {
      text[out++] =
          (char)(hex_value(raw[in + 1]) * 16 + hex_value(raw[in + 2]));
      in += 2;
    }
    else
      text[out++] = raw[in] == '+' ? ' ' : raw[in];
  }
  text[out] = '\0';
  *len = out;
  return text;
}

/* Decodes text parameter name, empty when absent; NULL if out of memory */
static char *text_param(const char *query, const char *name, size_t *len)
{
  const char *raw = "";
  size_t raw_len = 0;

  query_find(query, name, &raw, &raw_len);
  return percent_decode(raw, raw_len, len);
}

/*
 * Reads parameter name as a header value: *value gets a decoded copy, or
 * NULL when the query has no such parameter. Returns 0, or the status to
 * answer: 400 when the value holds what a header line cannot carry.
 */
static int header_param(const char *query, const char *name, char **value)
{
  const char *raw;
  size_t raw_len;
  size_t len;

  *value = NULL;
  if(!query_find(query, name, &raw, &raw_len))
    return 0;
  *value = percent_decode(raw, raw_len, &len);
  if(!*value)
    return HTTP_INTERNAL;
  if(strlen(*value) != len || strpbrk(*value, "\r\n")) {
    free(*value);
    *value = NULL;
    return HTTP_BADREQUEST;
  }
  return 0;
}

/* 1xx are interim answers that HTTP clients hide, not testable ones */
static bool parse_status(const char *text, size_t len, uint64_t *code)
{
  return parse_decimal(text, len, 599, code) && *code >= 200;
}

static int add_header(struct request *rq, const char *name, const char *value)
{
  return evhttp_add_header(evhttp_request_get_output_headers(rq->req), name,
                           value);
}

static int add_content_length(struct request *rq, uint64_t length)
{
  char text[24];

  snprintf(text, sizeof(text), "%" PRIu64, length);
  return add_header(rq, "Content-Length", text);
}

static evutil_socket_t request_fd(struct evhttp_request *req)
{
  return bufferevent_getfd(
      evhttp_connection_get_bufferevent(evhttp_request_get_connection(req)));
}

/* The address and port of a socket's own end; false if it cannot tell */
static bool socket_name(evutil_socket_t fd, char addr[INET6_ADDRSTRLEN],
                        unsigned *port)
{
  struct sockaddr_storage name;
  socklen_t name_len = sizeof(name);
  const void *in_addr;

  if(getsockname(fd, (struct sockaddr *)&name, &name_len) < 0)
    return false;
  if(name.ss_family == AF_INET6) {
    const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)&name;

    in_addr = &in6->sin6_addr;
    *port = ntohs(in6->sin6_port);
  }
  else {
    const struct sockaddr_in *in4 = (const struct sockaddr_in *)&name;

    in_addr = &in4->sin_addr;
    *port = ntohs(in4->sin_port);
  }
  return inet_ntop(name.ss_family, in_addr, addr, INET6_ADDRSTRLEN) != NULL;
}

static uint64_t monotonic_us(void)
{
  struct timespec now;

  clock_gettime(CLOCK_MONOTONIC, &now);
  return (uint64_t)now.tv_sec * 1000000 + (uint64_t)now.tv_nsec / 1000;
}

/*
 * The request target as the log writes it: bytes below '!' or above '~'
 * as %XX, so that it stays one field, the last, of one line. NULL when out
 * of memory.
 */
static char *log_target(const char *target)
{
  static const char hex[] = "0123456789ABCDEF";
  size_t len = strlen(target);
  char *text = malloc(3 * len + 1);
  size_t in;
  size_t out = 0;

  if(!text)
    return NULL;
  for(in = 0; in < len; in++) {
    unsigned char byte = (unsigned char)target[in];

    if(byte < '!' || byte > '~') {
      text[out++] = '%';
      text[out++] = hex[byte >> 4];
      text[out++] = hex[byte & 0xf];
    }
    else
      text[out++] = (char)byte;
  }
  text[out] = '\0';
  return text;
}

/*
 * Logs event kind ('S', 'E' or 'X', see the header comment) of an
 * exchange. The line goes out in one write, so that a reader never sees
 * half of it and nothing stays behind in a buffer. A failed write ends the
 * server: no test should trust a log with lines missing.
 */
static void log_event(const struct exchange *exchange, char kind, int status)
{
  int fd = exchange->server->log_fd;
  uint64_t now = monotonic_us();
  char *line;
  size_t len;
  size_t written = 0;

  if(fd < 0)
    return;
  if(kind == 'S')
    line = format_string("S %" PRIu64 " %s %s\n", now, exchange->host,
                         exchange->target);
  else
    line = format_string("%c %" PRIu64 " %s %d %s\n", kind, now,
                         exchange->host, status, exchange->target);
  if(!line)
    die("out of memory");
  len = strlen(line);
  while(written < len) {
    ssize_t wrote = write(fd, line + written, len - written);

    if(wrote < 0 && errno == EINTR)
      continue;
    if(wrote <= 0)
      die("cannot write the log: %s",
          wrote < 0 ? strerror(errno) : "nothing written");
    written += (size_t)wrote;
  }
  free(line);
}

static void exchange_free(struct exchange *exchange)
{
  if(exchange->leave_watch)
    event_free(exchange->leave_watch);
  free(exchange->target);
  free(exchange);
}

/* The answer has been written whole */
static void exchange_on_complete(struct evhttp_request *req, void *arg)
{
  struct exchange *exchange = arg;

  evhttp_connection_set_closecb(evhttp_request_get_connection(req), NULL,
                                NULL);
  log_event(exchange, 'E', evhttp_request_get_response_code(req));
  exchange_free(exchange);
}

/* The connection is going away before the answer was written whole */
static void exchange_on_close(struct evhttp_connection *evcon, void *arg)
{
  struct exchange *exchange = arg;

  (void)evcon;
  log_event(exchange, 'X', exchange->status);
  if(exchange->on_close)
    exchange->on_close(exchange->job);
  exchange_free(exchange);
}

/*
 * Starts the exchange of a request just routed, which logs its S line.
 * NULL when out of memory or when the socket cannot name its listener.
 */
static struct exchange *exchange_start(struct server *server,
                                       struct evhttp_request *req)
{
  struct exchange *exchange = calloc(1, sizeof(*exchange));
  const char *target = evhttp_request_get_uri(req);
  unsigned port;

  if(!exchange)
    return NULL;
  exchange->server = server;
  exchange->evcon = evhttp_request_get_connection(req);
  if(!socket_name(request_fd(req), exchange->addr, &port)) {
    exchange_free(exchange);
    return NULL;
  }
  snprintf(exchange->host, sizeof(exchange->host),
           strchr(exchange->addr, ':') ? "[%s]:%u" : "%s:%u", exchange->addr,
           port);
  if(server->log_fd >= 0) {
    exchange->target = log_target(target ? target : "");
    if(!exchange->target) {
      exchange_free(exchange);
      return NULL;
    }
  }
  evhttp_request_set_on_complete_cb(req, exchange_on_complete, exchange);
  evhttp_connection_set_closecb(exchange->evcon, exchange_on_close, exchange);
  log_event(exchange, 'S', 0);
  return exchange;
}

/*
 * A job that answers later, or never, hears of its connection going away
 * through on_close, which the exchange calls before libevent frees the
 * connection: the only event that can end a job early.
 */
static void watch_connection(struct request *rq, void (*on_close)(void *job),
                             void *job)
{
  rq->exchange->on_close = on_close;
  rq->exchange->job = job;
}

/* The job is done with the connection: it has answered or let go */
static void unwatch_connection(struct exchange *exchange)
{
  exchange->on_close = NULL;
  exchange->job = NULL;
  if(exchange->leave_watch) {
    event_free(exchange->leave_watch);
    exchange->leave_watch = NULL;
  }
}

/*
 * The client's socket is readable while an answer is held back: an end of
 * file or an error means the client has left, and the connection goes, as
 * servers drop a client that closes early. Bytes instead (a pipelined
 * request) end the watch: they are libevent's to read after the answer.
 */
static void exchange_on_readable(evutil_socket_t fd, short what, void *arg)
{
  struct exchange *exchange = arg;
  char byte;
  ssize_t got = recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);

  (void)what;
  if(got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
    return;
  if(got > 0)
    event_del(exchange->leave_watch);
  else
    evhttp_connection_free(exchange->evcon);
}

/*
 * libevent stops reading a connection while its request is answered, so
 * it notices a client that left only when an answer is written to it. An
 * answer held back (a delay, a hang) would keep the request in the server,
 * and in the log, long after the client gave up: a watch of our own sees
 * the end of file at once. The job must be watching the connection.
 */
static int watch_client_leaving(struct request *rq)
{
  struct exchange *exchange = rq->exchange;

  exchange->leave_watch =
      event_new(rq->server->base, request_fd(rq->req), EV_READ | EV_PERSIST,
                exchange_on_readable, exchange);
  if(!exchange->leave_watch)
    return -1;
  if(event_add(exchange->leave_watch, NULL) < 0) {
    event_free(exchange->leave_watch);
    exchange->leave_watch = NULL;
    return -1;
  }
  return 0;
}

/*
 * The connection of a job's request is going away. When the client left,
 * libevent has already let go of the request, which is then the job's to
 * free; otherwise the connection frees it along with itself.
 */
static void release_request(struct evhttp_request *req)
{
  if(!evhttp_request_get_connection(req))
    evhttp_request_free(req);
}

/*
 * Sends the status, headers and body prepared for req. libevent 2.1 would
 * send the body to HEAD as well, breaking the connection for the next
 * request: HEAD gets the Content-Length that GET would have, and no body.
 */
static void send_reply(struct evhttp_request *req, int status)
{
  struct evbuffer *body = evhttp_request_get_output_buffer(req);
  char length[24];

  if(evhttp_request_get_command(req) == EVHTTP_REQ_HEAD) {
    if(status != HTTP_NOCONTENT && status != HTTP_NOTMODIFIED) {
      snprintf(length, sizeof(length), "%zu", evbuffer_get_length(body));
      if(evhttp_add_header(evhttp_request_get_output_headers(req),
                           "Content-Length", length) < 0) {
        evhttp_send_error(req, HTTP_INTERNAL, NULL);
        return;
      }
    }
    evbuffer_drain(body, evbuffer_get_length(body));
  }
  evhttp_send_reply(req, status, NULL, NULL);
}

static void delayed_answer_free(struct delayed_answer *delayed)
{
  event_free(delayed->timer);
  free(delayed);
}

static void delayed_answer_send(evutil_socket_t fd, short what, void *arg)
{
  struct delayed_answer *delayed = arg;

  (void)fd;
  (void)what;
  unwatch_connection(delayed->exchange);
  send_reply(delayed->req, delayed->status);
  delayed_answer_free(delayed);
}

static void delayed_answer_abandon(void *job)
{
  struct delayed_answer *delayed = job;

  release_request(delayed->req);
  delayed_answer_free(delayed);
}

/* Sends the status, headers and body prepared so far, now or after delay */
static int send_answer(struct request *rq, int status)
{
  struct delayed_answer *delayed;
  struct timeval delay;

  rq->exchange->status = status;
  if(!rq->delay_ms) {
    send_reply(rq->req, status);
    return 0;
  }
  delayed = calloc(1, sizeof(*delayed));
  if(!delayed)
    return HTTP_INTERNAL;
  delayed->req = rq->req;
  delayed->exchange = rq->exchange;
  delayed->status = status;
  delayed->timer = evtimer_new(rq->server->base, delayed_answer_send, delayed);
  delay = ms_to_timeval(rq->delay_ms);
  if(!delayed->timer || evtimer_add(delayed->timer, &delay) < 0) {
    if(delayed->timer)
      event_free(delayed->timer);
    free(delayed);
    return HTTP_INTERNAL;
  }
  watch_connection(rq, delayed_answer_abandon, delayed);
  if(watch_client_leaving(rq) < 0) {
    unwatch_connection(rq->exchange);
    delayed_answer_free(delayed);
    return HTTP_INTERNAL;
  }
  return 0;
}

/* Answers with the body already in the output buffer */
static int send_body(struct request *rq, int status, const char *type)
{
  if(type && add_header(rq, "Content-Type", type) < 0)
    return HTTP_INTERNAL;
  return send_answer(rq, status);
}

static int send_page(struct request *rq, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Answers with an HTML page printed from fmt */
static int send_page(struct request *rq, int status, const char *fmt, ...)
{
  va_list args;
  int printed;

  va_start(args, fmt);
  printed = evbuffer_add_vprintf(evhttp_request_get_output_buffer(rq->req),
                                 fmt, args);
  va_end(args);
  if(printed < 0)
    return HTTP_INTERNAL;
  return send_body(rq, status, HTML);
}

/* Answers an error, forgetting whatever the handler had prepared */
static void send_error_page(struct evhttp_request *req, int status)
{
  struct evbuffer *body = evhttp_request_get_output_buffer(req);
  struct evkeyvalq *headers = evhttp_request_get_output_headers(req);
  const char *title;

  switch(status) {
    case HTTP_BADREQUEST:
      title = "bad request";
      break;
    case HTTP_NOTFOUND:
      title = "not found";
      break;
    default:
      title = "internal server error";
      break;
  }
  evhttp_clear_headers(headers);
  evbuffer_drain(body, evbuffer_get_length(body));
  if(evhttp_add_header(headers, "Content-Type", HTML) < 0 ||
     evbuffer_add_printf(body,
                         "<html><head><title>%s</title></head>"
                         "<body>%s</body></html>",
                         title, title) < 0) {
    /* out of memory: libevent's own page, if anything */
    evhttp_send_error(req, status, NULL);
    return;
  }
  send_reply(req, status);
}

static void stream_free(struct stream *stream)
{
  if(stream->timer)
    event_free(stream->timer);
  if(stream->chunk)
    evbuffer_free(stream->chunk);
  free(stream);
}

static void stream_on_close(void *job)
{
  struct stream *stream = job;

  release_request(stream->req);
  stream_free(stream);
}

/* Gives up on a stream by closing its connection, request included */
static void stream_drop_connection(struct stream *stream)
{
  struct evhttp_connection *evcon = evhttp_request_get_connection(stream->req);

  unwatch_connection(stream->exchange);
  evhttp_connection_free(evcon);
  stream_free(stream);
}

/* Whether everything written to bev has left the machine's send queue */
static bool all_sent(struct bufferevent *bev)
{
  int unsent = 0;

  if(evbuffer_get_length(bufferevent_get_output(bev)))
    return false;
  /* should the kernel not tell, there is no better time than now */
  if(ioctl(bufferevent_getfd(bev), SIOCOUTQ, &unsent) < 0)
    return true;
  return unsent == 0;
}

/*
 * Makes the kernel drop the connection with a TCP reset. A linger time of
 * zero turns the final close into a reset; dissolving the association with
 * AF_UNSPEC sends it at once (on Linux), before libevent's orderly
 * shutdown() could send a FIN first, which would let the client see a
 * clean end of file instead.
 */
static void reset_connection(evutil_socket_t fd)
{
  struct linger abort_on_close = { 1, 0 };
  struct sockaddr unspecified;

  setsockopt(fd, SOL_SOCKET, SO_LINGER, &abort_on_close,
             sizeof(abort_on_close));
  memset(&unspecified, 0, sizeof(unspecified));
  unspecified.sa_family = AF_UNSPEC;
  connect(fd, &unspecified, sizeof(unspecified));
}

/* Resets the connection once all the stream sent has reached the client */
static void stream_reset_when_sent(struct stream *stream)
{
  struct bufferevent *bev = evhttp_connection_get_bufferevent(
      evhttp_request_get_connection(stream->req));
  struct timeval retry = ms_to_timeval(FLUSH_POLL_MS);

  if(all_sent(bev)) {
    reset_connection(bufferevent_getfd(bev));
    stream_drop_connection(stream);
  }
  else if(evtimer_add(stream->timer, &retry) < 0)
    stream_drop_connection(stream);
}

/*
 * libevent's idle timeout counts from the last byte read, even while an
 * answer is being written, which would cut /endless and slow drips short.
 * A stream keeps only the write timeout, which still drops a client that
 * stops reading, and puts the idle timeout back when done.
 */
static int set_read_timeout(struct evhttp_request *req, bool on)
{
  struct timeval idle = { IDLE_TIMEOUT_SECONDS, 0 };

  return bufferevent_set_timeouts(
      evhttp_connection_get_bufferevent(evhttp_request_get_connection(req)),
      on ? &idle : NULL, &idle);
}

static void stream_finish(struct stream *stream)
{
  if(stream->ending == END_WITH_RESET) {
    stream_reset_when_sent(stream);
    return;
  }
  if(set_read_timeout(stream->req, true) < 0) {
    stream_drop_connection(stream);
    return;
  }
  unwatch_connection(stream->exchange);
  evhttp_send_reply_end(stream->req);
  stream_free(stream);
}

static void stream_on_drained(struct evhttp_connection *evcon, void *arg);

/* Queues the next len bytes of the body */
static bool stream_queue(struct stream *stream, size_t len)
{
  const char *bytes =
      stream->server->pattern + stream->bytes_sent % PATTERN_LEN;

  if(evbuffer_add_reference(stream->chunk, bytes, len, NULL, NULL) < 0)
    return false;
  stream->bytes_left -= len;
  stream->bytes_sent += len;
  /* be called back once this is written, if there is more to come */
  evhttp_send_reply_chunk_with_cb(
      stream->req, stream->chunk,
      stream->bytes_left && !stream->drip ? stream_on_drained : NULL, stream);
  return true;
}

/*
 * Sends what comes next: one byte for a drip, otherwise a window's worth,
 * which the client must read before it hears of more, so that a stream
 * never holds more than STREAM_WINDOW bytes in memory.
 */
static void stream_send_more(struct stream *stream)
{
  size_t window = stream->drip ? 1 : STREAM_WINDOW;
  size_t queued = 0;

  while(stream->bytes_left && queued < window) {
    size_t len = window - queued < CHUNK_SIZE ? window - queued : CHUNK_SIZE;

    if(len > stream->bytes_left)
      len = (size_t)stream->bytes_left;
    if(!stream_queue(stream, len)) {
      stream_drop_connection(stream);
      return;
    }
    queued += len;
  }
  if(!stream->bytes_left)
    stream_finish(stream);
  else if(stream->drip &&
          evtimer_add(stream->timer, &stream->drip_interval) < 0)
    stream_drop_connection(stream);
}

static void stream_on_drained(struct evhttp_connection *evcon, void *arg)
{
  (void)evcon;
  stream_send_more(arg);
}

/* Next drip, or next look whether the connection can be reset */
static void stream_on_timer(evutil_socket_t fd, short what, void *arg)
{
  (void)fd;
  (void)what;
  stream_send_more(arg);
}

/*
 * Answers 200 with a text/plain body of bytes bytes of the pattern, one
 * byte per drip_ms when that is not 0. The handler sets Content-Length, or
 * leaves it out to have the body chunked.
 */
static int stream_start(struct request *rq, uint64_t bytes, uint64_t drip_ms,
                        enum stream_ending ending)
{
  struct stream *stream;

  if(add_header(rq, "Content-Type", TEXT) < 0)
    return HTTP_INTERNAL;
  rq->exchange->status = HTTP_OK;
  if(evhttp_request_get_command(rq->req) == EVHTTP_REQ_HEAD) {
    /* libevent sends no body to HEAD, not even a callback when written */
    evhttp_send_reply_start(rq->req, HTTP_OK, NULL);
    evhttp_send_reply_end(rq->req);
    return 0;
  }
  stream = calloc(1, sizeof(*stream));
  if(!stream)
    return HTTP_INTERNAL;
  stream->server = rq->server;
  stream->req = rq->req;
  stream->exchange = rq->exchange;
  stream->bytes_left = bytes;
  stream->drip = drip_ms > 0;
  stream->drip_interval = ms_to_timeval(drip_ms);
  stream->ending = ending;
  stream->chunk = evbuffer_new();
  stream->timer = evtimer_new(rq->server->base, stream_on_timer, stream);
  if(!stream->chunk || !stream->timer ||
     set_read_timeout(rq->req, false) < 0) {
    stream_free(stream);
    return HTTP_INTERNAL;
  }
  evhttp_send_reply_start(rq->req, HTTP_OK, NULL);
  watch_connection(rq, stream_on_close, stream);
  stream_send_more(stream);
  return 0;
}

static int handle_index(struct request *rq)
{
  struct evbuffer *body = evhttp_request_get_output_buffer(rq->req);
  uint64_t links =
      rq->server->pages < INDEX_LINKS ? rq->server->pages : INDEX_LINKS;
  uint64_t page;

  if(evbuffer_add_printf(body, "<!DOCTYPE html><html><head>"
                               "<meta charset=\"utf-8\">"
                               "<title>crawld demo site</title></head><body>"
                               "<h1>crawld demo site</h1><ul>") < 0)
    return HTTP_INTERNAL;
  for(page = 0; page < links; page++) {
    if(evbuffer_add_printf(body,
                           "<li><a href=\"/site/%" PRIu64 "\">"
                           "Page %" PRIu64 "</a></li>",
                           page, page) < 0)
      return HTTP_INTERNAL;
  }
  if(evbuffer_add_printf(body, "</ul></body></html>") < 0)
    return HTTP_INTERNAL;
  return send_body(rq, HTTP_OK, HTML);
}

static int handle_site(struct request *rq)
{
  uint64_t pages = rq->server->pages;
  uint64_t page;
  uint64_t next;
  uint64_t jump;

  if(!parse_decimal(rq->arg, strlen(rq->arg), UINT64_MAX, &page))
    return HTTP_BADREQUEST;
  if(page >= pages)
    return HTTP_NOTFOUND;
  next = (page + 1) % pages;
  jump = (page * 7 + 3) % pages; /* pages <= MAX_PAGES: no overflow */
  return send_page(rq, HTTP_OK,
                   "<!DOCTYPE html><html><head><meta charset=\"utf-8\">"
                   "<title>Page %" PRIu64 "</title></head><body>"
                   "<h1>Page %" PRIu64 "</h1>"
                   "<p>This is page %" PRIu64 " of the crawld demo site.</p>"
                   "<p><a href=\"/site/%" PRIu64 "\">Page %" PRIu64 "</a> "
                   "<a href=\"/site/%" PRIu64 "\">Page %" PRIu64 "</a></p>"
                   "</body></html>",
                   page, page, page, next, next, jump, jump);
}

static int handle_delay(struct request *rq)
{
  uint64_t ms;

  if(*rq->arg) {
    if(!parse_decimal(rq->arg, strlen(rq->arg), MAX_DELAY_MS, &ms))
      return HTTP_BADREQUEST;
  }
  else if(!number_param(rq->query, "ms", 1000, MAX_DELAY_MS, &ms))
    return HTTP_BADREQUEST;
  rq->delay_ms = ms;
  return send_page(rq, HTTP_OK,
                   "<html><head><title>delay %" PRIu64 "</title></head>"
                   "<body><p>waited %" PRIu64 " ms</p></body></html>",
                   ms, ms);
}

/* Answers code with the page of /status/CODE, none for 204 and 304 */
static int send_status(struct request *rq, int code)
{
  if(code == HTTP_NOCONTENT || code == HTTP_NOTMODIFIED)
    return send_body(rq, code, NULL);
  return send_page(rq, code,
                   "<html><head><title>status %d</title></head>"
                   "<body>status %d</body></html>",
                   code, code);
}

/* send_status() with a Retry-After header, unless retry_after is NULL */
static int send_status_retry_after(struct request *rq, int code,
                                   const char *retry_after)
{
  if(retry_after && add_header(rq, "Retry-After", retry_after) < 0)
    return HTTP_INTERNAL;
  return send_status(rq, code);
}

static int handle_status(struct request *rq)
{
  uint64_t code;
  char *retry_after;
  int status;

  if(!parse_status(rq->arg, strlen(rq->arg), &code))
    return HTTP_BADREQUEST;
  status = header_param(rq->query, "retry_after", &retry_after);
  if(status)
    return status;
  status = send_status_retry_after(rq, (int)code, retry_after);
  free(retry_after);
  return status;
}

static int handle_page(struct request *rq)
{
  uint64_t page;

  if(!parse_decimal(rq->arg, strlen(rq->arg), UINT64_MAX, &page) ||
     !number_param(rq->query, "ms", rq->delay_ms, MAX_DELAY_MS, &rq->delay_ms))
    return HTTP_BADREQUEST;
  return send_page(rq, HTTP_OK,
                   "<!DOCTYPE html><html><head><meta charset=\"utf-8\">"
                   "<title>page %" PRIu64 "</title></head><body>"
                   "<h1>page %" PRIu64 "</h1>"
                   "<p>One of many small pages with nothing to follow, "
                   "for crawls that measure how fast, and how politely, "
                   "a crawler fetches a list of URLs spread over many "
                   "hosts. It is about the size of a short page on the "
                   "web, headers aside.</p></body></html>",
                   page, page);
}

/* FNV-1a, to spread the /flaky keys over the table */
static uint32_t hash_text(const char *text)
{
  uint32_t hash = 2166136261u;

  for(; *text; text++)
    hash = (hash ^ (unsigned char)*text) * 16777619u;
  return hash;
}

/*
 * Finds the counter of key, adding it when new. Returns 0, or the status
 * to answer: 507 when the table is full, 500 when out of memory.
 */
static int flaky_counter(struct server *server, const char *key,
                         struct flaky_counter **counter)
{
  size_t slot = hash_text(key) % FLAKY_SLOTS;
  size_t key_len = strlen(key);

  /* never more than half full: the probe finds an empty slot */
  while(server->flaky[slot]) {
    if(!strcmp(server->flaky[slot]->key, key)) {
      *counter = server->flaky[slot];
      return 0;
    }
    slot = (slot + 1) % FLAKY_SLOTS;
  }
  if(server->flaky_keys == FLAKY_MAX_KEYS)
    return HTTP_INSUFFICIENT_STORAGE;
  *counter = malloc(sizeof(**counter) + key_len + 1);
  if(!*counter)
    return HTTP_INTERNAL;
  (*counter)->requests = 0;
  memcpy((*counter)->key, key, key_len + 1);
  server->flaky[slot] = *counter;
  server->flaky_keys++;
  return 0;
}

static int handle_flaky(struct request *rq)
{
  size_t key_len = strlen(rq->arg);
  struct flaky_counter *counter;
  uint64_t code;
  uint64_t times;
  char *retry_after;
  char *key;
  int status;

  if(!key_len || key_len > FLAKY_MAX_KEY_BYTES ||
     !number_param(rq->query, "code", FLAKY_DEFAULT_STATUS, 599, &code) ||
     code < 200 ||
     !number_param(rq->query, "times", 1, FLAKY_MAX_TIMES, &times) ||
     !number_param(rq->query, "ms", rq->delay_ms, MAX_DELAY_MS, &rq->delay_ms))
    return HTTP_BADREQUEST;
  status = header_param(rq->query, "retry_after", &retry_after);
  if(status)
    return status;
  /* keys are per listener: each one plays a host of its own */
  key = format_string("%s %s", rq->exchange->host, rq->arg);
  if(!key) {
    free(retry_after);
    return HTTP_INTERNAL;
  }
  status = flaky_counter(rq->server, key, &counter);
  free(key);
  if(status == HTTP_INSUFFICIENT_STORAGE)
    status = send_page(rq, status,
                       "<html><head><title>flaky table full</title></head>"
                       "<body>flaky table full</body></html>");
  else if(!status) {
    /* counting stops past times: the counter cannot overflow */
    if(counter->requests <= times)
      counter->requests++;
    if(counter->requests <= times)
      status = send_status_retry_after(rq, (int)code, retry_after);
    else
      status = send_page(rq, HTTP_OK,
                         "<html><head><title>flaky %s</title></head>"
                         "<body>flaky %s</body></html>",
                         rq->arg, rq->arg);
  }
  free(retry_after);
  return status;
}

/*
 * Appends the bytes of file path to into: 1 when done, 0 when there is no
 * such file, -1 when it cannot be read or holds more than max bytes.
 */
static int append_file(const char *path, size_t max, struct evbuffer *into)
{
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  size_t total = 0;
  int got;

  if(fd < 0)
    return errno == ENOENT ? 0 : -1;
  do {
    got = evbuffer_read(into, fd, CHUNK_SIZE);
    if(got > 0)
      total += (size_t)got;
  } while(got > 0 && total <= max);
  close(fd);
  return got < 0 || total > max ? -1 : 1;
}

/* DIR/ADDR + suffix for the listener of rq; NULL when out of memory */
static char *robots_path(const struct request *rq, const char *suffix)
{
  return format_string("%s/%s%s", rq->server->robots_dir, rq->exchange->addr,
                       suffix);
}

/*
 * Reads the file DIR/ADDR + suffix into word, trailing white space cut.
 * Returns 1 when read, 0 when there is no such file, -1 when it cannot be
 * read, does not fit or holds a NUL.
 */
static int robots_word(const struct request *rq, const char *suffix,
                       char word[ROBOTS_WORD_SIZE])
{
  char *path = robots_path(rq, suffix);
  struct evbuffer *text = evbuffer_new();
  int found = -1;
  int len;

  if(path && text)
    found = append_file(path, ROBOTS_WORD_SIZE - 1, text);
  if(found > 0) {
    len = evbuffer_remove(text, word, ROBOTS_WORD_SIZE - 1);
    while(len > 0 && memchr(" \t\r\n\v\f", word[len - 1], 6))
      len--;
    if(len >= 0)
      word[len] = '\0';
    if(len < 0 || strlen(word) != (size_t)len)
      found = -1;
  }
  if(found < 0)
    warning(rq->server->quiet, "cannot read %s", path ? path : suffix);
  if(text)
    evbuffer_free(text);
  free(path);
  return found;
}

/* Appends the bytes of DIR/ADDR to the answer; returns as append_file() */
static int robots_body(const struct request *rq)
{
  char *path = robots_path(rq, "");
  int found = -1;

  if(path)
    found = append_file(path, MAX_ROBOTS_BYTES,
                        evhttp_request_get_output_buffer(rq->req));
  if(found < 0)
    warning(rq->server->quiet, "cannot read %s", path ? path : "robots");
  free(path);
  return found;
}

/* /files/PATH from --site-dir (see the header comment) */
static int handle_files(struct request *rq)
{
  char *decoded = evhttp_uridecode(rq->arg, 0, NULL);
  struct evbuffer *body = evhttp_request_get_output_buffer(rq->req);
  char location[ROBOTS_WORD_SIZE];
  char *path = NULL;
  size_t len;
  int found = 0;
  int status;

  if(!rq->server->site_dir || !decoded)
    status = decoded ? HTTP_NOTFOUND : HTTP_INTERNAL;
  else if(strstr(decoded, "/../") || !strncmp(decoded, "../", 3) ||
          !strcmp(decoded, "..") ||
          ((len = strlen(decoded)) >= 3 && !strcmp(decoded + len - 3, "/..")))
    status = HTTP_NOTFOUND;
  else {
    bool dir = decoded[0] == '\0' || decoded[strlen(decoded) - 1] == '/';

    path = format_string("%s/%s%s.location", rq->server->site_dir, decoded,
                         dir ? "index.html" : "");
    if(path)
      found = append_file(path, sizeof(location) - 1, body);
    if(found > 0) {
      int got = evbuffer_remove(body, location, sizeof(location) - 1);

      while(got > 0 && memchr(" \t\r\n\v\f", location[got - 1], 6))
        got--;
      location[got > 0 ? got : 0] = '\0';
      free(decoded);
      free(path);
      if(add_header(rq, "Location", location) < 0)
        return HTTP_INTERNAL;
      return send_page(rq, HTTP_MOVEPERM,
                       "<html><head><title>moved</title></head>"
                       "<body>moved</body></html>");
    }
    /* The same path without ".location". */
    if(path)
      path[strlen(path) - strlen(".location")] = '\0';
    found = path ? append_file(path, MAX_ROBOTS_BYTES, body) : -1;
    if(found > 0) {
      bool html = dir || (strlen(decoded) >= 5 &&
                          !strcmp(decoded + strlen(decoded) - 5, ".html"));

      free(decoded);
      free(path);
      return send_body(rq, HTTP_OK, html ? HTML : "text/plain");
    }
    status = found < 0 ? HTTP_INTERNAL : HTTP_NOTFOUND;
  }
  free(decoded);
  free(path);
  return status;
}

/* A request that gets no answer is the connection's until the end */
static void hang_on_close(void *job)
{
  release_request(job);
}

/* /robots.txt as the test set it up in DIR (see the header comment) */
static int handle_robots(struct request *rq)
{
  char word[ROBOTS_WORD_SIZE];
  uint64_t code;
  int found;

  if(!rq->server->robots_dir)
    return HTTP_NOTFOUND;
  found = robots_word(rq, ".status", word);
  if(found < 0)
    return HTTP_INTERNAL;
  if(!found) {
    found = robots_body(rq);
    if(found < 0)
      return HTTP_INTERNAL;
    return found ? send_body(rq, HTTP_OK, TEXT) : HTTP_NOTFOUND;
  }
  if(!strcmp(word, "hang")) {
    watch_connection(rq, hang_on_close, rq->req);
    if(watch_client_leaving(rq) < 0) {
      unwatch_connection(rq->exchange);
      return HTTP_INTERNAL;
    }
    return 0;
  }
  if(!strcmp(word, "reset")) {
    /* libevent lets a request callback free its connection */
    reset_connection(request_fd(rq->req));
    evhttp_connection_free(evhttp_request_get_connection(rq->req));
    return 0;
  }
  if(!parse_status(word, strlen(word), &code)) {
    warning(rq->server->quiet,
            "%s/%s.status: neither a status from 200 to 599, "
            "\"hang\" nor \"reset\"",
            rq->server->robots_dir, rq->exchange->addr);
    return HTTP_INTERNAL;
  }
  if(code >= 300 && code < 400) {
    found = robots_word(rq, ".location", word);
    if(found < 0 || (found && add_header(rq, "Location", word) < 0))
      return HTTP_INTERNAL;
  }
  if(code == HTTP_NOCONTENT || code == HTTP_NOTMODIFIED)
    return send_status(rq, (int)code);
  found = robots_body(rq);
  if(found < 0)
    return HTTP_INTERNAL;
  return found ? send_body(rq, (int)code, TEXT) : send_status(rq, (int)code);
}

static int send_redirect(struct request *rq, const char *location)
{
  if(add_header(rq, "Location", location) < 0)
    return HTTP_INTERNAL;
  return send_page(rq, HTTP_MOVETEMP,
                   "<html><head><title>redirect</title>"
                   "</head><body>redirect</body></html>");
}

static int send_redirect_end(struct request *rq)
{
  return send_page(rq, HTTP_OK,
                   "<html><head><title>redirect end</title>"
                   "</head><body>redirect end</body></html>");
}

static int handle_redirect(struct request *rq)
{
  char location[48];
  uint64_t hops;

  if(!parse_decimal(rq->arg, strlen(rq->arg), MAX_REDIRECTS, &hops))
    return HTTP_BADREQUEST;
  if(!hops)
    return send_redirect_end(rq);
  snprintf(location, sizeof(location), "/redirect/%" PRIu64, hops - 1);
  return send_redirect(rq, location);
}

static int handle_redirect_abs(struct request *rq)
{
  const char *host =
      evhttp_find_header(evhttp_request_get_input_headers(rq->req), "Host");
  char *location;
  uint64_t hops;
  int status;

  if(!parse_decimal(rq->arg, strlen(rq->arg), MAX_REDIRECTS, &hops))
    return HTTP_BADREQUEST;
  if(!hops)
    return send_redirect_end(rq);
  /* HTTP/1.0 clients may send no Host */
  location = format_string("http://%s/redirect-abs/%" PRIu64,
                           host ? host : rq->server->authority, hops - 1);
  if(!location)
    return HTTP_INTERNAL;
  status = send_redirect(rq, location);
  free(location);
  return status;
}

static int handle_redirect_loop(struct request *rq)
{
  return send_redirect(rq, "/redirect-loop");
}

static int handle_redirect_new(struct request *rq)
{
  char location[48];
  uint64_t hop;

  /* the next hop must still be a number this route takes */
  if(!parse_decimal(rq->arg, strlen(rq->arg), MAX_REDIRECTS - 1, &hop))
    return HTTP_BADREQUEST;
  snprintf(location, sizeof(location), "/redirect-new/%" PRIu64, hop + 1);
  return send_redirect(rq, location);
}

static int handle_redirect_long(struct request *rq)
{
  static const char target[] = "/redirect/0?pad=";
  uint64_t bytes;
  char *location;
  int status;

  if(!number_param(rq->query, "bytes", DEFAULT_LOCATION_BYTES,
                   MAX_LOCATION_BYTES, &bytes) ||
     bytes < sizeof(target) - 1)
    return HTTP_BADREQUEST;
  location = malloc((size_t)bytes + 1);
  if(!location)
    return HTTP_INTERNAL;
  memcpy(location, target, sizeof(target) - 1);
  memset(location + sizeof(target) - 1, 'x',
         (size_t)bytes - (sizeof(target) - 1));
  location[bytes] = '\0';
  status = send_redirect(rq, location);
  free(location);
  return status;
}

static int handle_redirect_to(struct request *rq)
{
  char *url;
  int status = header_param(rq->query, "url", &url);

  if(status)
    return status;
  if(!url)
    return HTTP_BADREQUEST;
  status = send_redirect(rq, url);
  free(url);
  return status;
}

static int handle_large(struct request *rq)
{
  uint64_t bytes;

  if(!number_param(rq->query, "bytes", 1048576, MAX_STREAM_BYTES, &bytes))
    return HTTP_BADREQUEST;
  if(add_content_length(rq, bytes) < 0)
    return HTTP_INTERNAL;
  return stream_start(rq, bytes, 0, END_NORMALLY);
}

static int handle_endless(struct request *rq)
{
  return stream_start(rq, STREAM_ENDLESS, 0, END_NORMALLY);
}

static int handle_drip(struct request *rq)
{
  uint64_t bytes;
  uint64_t interval_ms;

  if(!number_param(rq->query, "bytes", 100, MAX_STREAM_BYTES, &bytes) ||
     !number_param(rq->query, "interval", 500, MAX_DELAY_MS, &interval_ms))
    return HTTP_BADREQUEST;
  if(add_content_length(rq, bytes) < 0)
    return HTTP_INTERNAL;
  return stream_start(rq, bytes, interval_ms, END_NORMALLY);
}

static int handle_reset(struct request *rq)
{
  uint64_t after;

  if(!number_param(rq->query, "after", 1000, RESET_DECLARED_LENGTH - 1,
                   &after))
    return HTTP_BADREQUEST;
  if(add_content_length(rq, RESET_DECLARED_LENGTH) < 0)
    return HTTP_INTERNAL;
  return stream_start(rq, after, 0, END_WITH_RESET);
}

static int handle_false_encoding(struct request *rq)
{
  if(!*rq->arg)
    return HTTP_BADREQUEST;
  if(add_header(rq, "Content-Encoding", rq->arg) < 0)
    return HTTP_INTERNAL;
  return send_page(rq, HTTP_OK,
                   "<html><head><title>false encoding</title></head>"
                   "<body>not encoded at all</body></html>");
}

static int handle_invalid_utf8(struct request *rq)
{
  struct evbuffer *body = evhttp_request_get_output_buffer(rq->req);

  if(add_header(rq, "X-Bad", INVALID_UTF8_X_BAD) < 0 ||
     evbuffer_add_printf(body,
                         "<!DOCTYPE html><html><head>"
                         "<meta charset=\"utf-8\"><title>%s</title></head>"
                         "<body><p>%s</p></body></html>",
                         INVALID_UTF8_TITLE, INVALID_UTF8_TEXT) < 0)
    return HTTP_INTERNAL;
  return send_body(rq, HTTP_OK, INVALID_UTF8_CONTENT_TYPE);
}

static int handle_gzip_bomb(struct request *rq)
{
  const struct gzip_bomb *bomb = &rq->server->bomb;
  struct evbuffer *body = evhttp_request_get_output_buffer(rq->req);
  unsigned char trailer[8];
  uint64_t mib;
  uint64_t block;
  uLong crc = crc32(0L, Z_NULL, 0);
  uint32_t inflated_len;
  int i;

  if(!number_param(rq->query, "mb", DEFAULT_BOMB_MIB, MAX_BOMB_MIB, &mib))
    return HTTP_BADREQUEST;
  if(evbuffer_add_reference(body, bomb->first, bomb->header_len, NULL, NULL) <
     0)
    return HTTP_INTERNAL;
  for(block = 0; block < mib; block++) {
    if(evbuffer_add_reference(body, bomb->block, bomb->block_len, NULL, NULL) <
       0)
      return HTTP_INTERNAL;
    crc = crc32_combine(crc, bomb->block_crc, BOMB_BLOCK_BYTES);
  }
  /* gzip ends with the CRC-32 and the length modulo 2^32, little-endian */
  inflated_len = (uint32_t)(mib * BOMB_BLOCK_BYTES);
  for(i = 0; i < 4; i++) {
    trailer[i] = (unsigned char)(crc >> (8 * i));
    trailer[4 + i] = (unsigned char)(inflated_len >> (8 * i));
  }
  if(evbuffer_add_reference(body, bomb->tail, bomb->final_len, NULL, NULL) <
         0 ||
     evbuffer_add(body, trailer, sizeof(trailer)) < 0 ||
     add_header(rq, "Content-Encoding", "gzip") < 0)
    return HTTP_INTERNAL;
  return send_body(rq, HTTP_OK, TEXT);
}

static int handle_html(struct request *rq)
{
  struct evbuffer *body = evhttp_request_get_output_buffer(rq->req);
  size_t title_len;
  size_t text_len;
  char *title = text_param(rq->query, "title", &title_len);
  char *text = text_param(rq->query, "text", &text_len);
  bool built =
      title && text &&
      evbuffer_add_printf(body, "<!DOCTYPE html><html><head>"
                                "<meta charset=\"utf-8\"><title>") >= 0 &&
      evbuffer_add(body, title, title_len) >= 0 &&
      evbuffer_add_printf(body, "</title></head><body>") >= 0 &&
      evbuffer_add(body, text, text_len) >= 0 &&
      evbuffer_add_printf(body, "</body></html>") >= 0;

  free(title);
  free(text);
  if(!built)
    return HTTP_INTERNAL;
  return send_body(rq, HTTP_OK, HTML);
}

static int handle_big_title(struct request *rq)
{
  struct evbuffer *body = evhttp_request_get_output_buffer(rq->req);
  uint64_t chars;
  char *title;
  bool built;

  if(!number_param(rq->query, "chars", 100000, MAX_TITLE_CHARS, &chars))
    return HTTP_BADREQUEST;
  title = malloc((size_t)chars + 1);
  if(!title)
    return HTTP_INTERNAL;
  memset(title, 'x', (size_t)chars);
  built = evbuffer_add_printf(body, "<!DOCTYPE html><html><head>"
                                    "<meta charset=\"utf-8\"><title>") >= 0 &&
          evbuffer_add(body, title, (size_t)chars) >= 0 &&
          evbuffer_add_printf(body, "</title></head><body>big title</body>"
                                    "</html>") >= 0;
  free(title);
  if(!built)
    return HTTP_INTERNAL;
  return send_body(rq, HTTP_OK, HTML);
}

static int handle_headers_only(struct request *rq)
{
  /* libevent adds Content-Length: 0 for the empty body */
  return send_body(rq, HTTP_OK, TEXT);
}

static int handle_text(struct request *rq)
{
  struct evbuffer *body = evhttp_request_get_output_buffer(rq->req);

  if(evbuffer_add_printf(body, "plain text body\n") < 0)
    return HTTP_INTERNAL;
  return send_body(rq, HTTP_OK, TEXT);
}

static int handle_counter(struct request *rq)
{
  struct evbuffer *body = evhttp_request_get_output_buffer(rq->req);

  if(evbuffer_add_printf(body, "%" PRIu64 "\n", rq->server->requests_routed) <
     0)
    return HTTP_INTERNAL;
  return send_body(rq, HTTP_OK, TEXT);
}

static const struct route routes[] = {
  { "/", handle_index },
  { "/site/*", handle_site },
  { "/delay", handle_delay },
  { "/delay/*", handle_delay },
  { "/page/*", handle_page },
  { "/status/*", handle_status },
  { "/flaky/*", handle_flaky },
  { "/robots.txt", handle_robots },
  { "/files/*", handle_files },
  { "/redirect/*", handle_redirect },
  { "/redirect-abs/*", handle_redirect_abs },
  { "/redirect-loop", handle_redirect_loop },
  { "/redirect-new/*", handle_redirect_new },
  { "/redirect-long", handle_redirect_long },
  { "/redirect-to", handle_redirect_to },
  { "/large", handle_large },
  { "/endless", handle_endless },
  { "/drip", handle_drip },
  { "/invalid-utf8", handle_invalid_utf8 },
  { "/gzip-bomb", handle_gzip_bomb },
  { "/reset", handle_reset },
  { "/false-encoding/*", handle_false_encoding },
  { "/html", handle_html },
  { "/big-title", handle_big_title },
  { "/headers-only", handle_headers_only },
  { "/text", handle_text },
  { "/counter", handle_counter },
};

/* Finds the route for path; arg gets what a prefix route leaves of it */
static const struct route *find_route(const char *path, const char **arg)
{
  size_t i;

  for(i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
    const char *pattern = routes[i].path;
    size_t prefix_len = strlen(pattern) - 1;

    if(pattern[prefix_len] == '*') {
      if(!strncmp(path, pattern, prefix_len)) {
        *arg = path + prefix_len;
        return &routes[i];
      }
    }
    else if(!strcmp(path, pattern)) {
      *arg = "";
      return &routes[i];
    }
  }
  return NULL;
}

static void dispatch(struct evhttp_request *req, void *arg)
{
  const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
  const char *path = uri ? evhttp_uri_get_path(uri) : NULL;
  const char *query = uri ? evhttp_uri_get_query(uri) : NULL;
  const struct route *route;
  struct request rq;
  int status;

  rq.server = arg;
  rq.req = req;
  rq.query = query ? query : "";
  rq.server->requests_routed++;
  rq.exchange = exchange_start(rq.server, req);
  if(!rq.exchange) {
    warning(rq.server->quiet, "out of memory, or a socket without a name: "
                              "a request answered 500, not logged");
    send_error_page(req, HTTP_INTERNAL);
    return;
  }
  if(!uri)
    status = HTTP_BADREQUEST;
  else if(!number_param(rq.query, "delay", 0, MAX_DELAY_MS, &rq.delay_ms))
    status = HTTP_BADREQUEST;
  else {
    /* an absolute-form target such as "http://host" may have no path */
    route = find_route(path && *path ? path : "/", &rq.arg);
    status = route ? route->handle(&rq) : HTTP_NOTFOUND;
  }
  /* a handler that answered may have ended the exchange already */
  if(status) {
    rq.exchange->status = status;
    send_error_page(req, status);
  }
}

static void raw_conn_free(struct raw_conn *conn)
{
  LIST_REMOVE(conn, link);
  if(conn->timer)
    event_free(conn->timer);
  bufferevent_free(conn->bev);
  free(conn->path);
  free(conn);
}

static int raw_write(struct raw_conn *conn, const void *bytes, size_t len)
{
  return bufferevent_write(conn->bev, bytes, len);
}

static int raw_send(struct raw_conn *conn, const char *text)
{
  return raw_write(conn, text, strlen(text));
}

static int raw_printf(struct raw_conn *conn, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int raw_printf(struct raw_conn *conn, const char *fmt, ...)
{
  va_list args;
  int printed;

  va_start(args, fmt);
  printed = evbuffer_add_vprintf(bufferevent_get_output(conn->bev), fmt, args);
  va_end(args);
  return printed < 0 ? -1 : 0;
}

/* Sends len bytes of the pattern, as the streams of the HTTP port do */
static int raw_pattern(struct raw_conn *conn, size_t len)
{
  size_t sent;

  for(sent = 0; sent < len; sent += PATTERN_LEN) {
    if(raw_write(conn, PATTERN,
                 len - sent < PATTERN_LEN ? len - sent : PATTERN_LEN) < 0)
      return -1;
  }
  return 0;
}

/* The page of a raw route, titled as its path without the '/' */
static char *raw_page(const struct raw_conn *conn)
{
  return format_string("<!DOCTYPE html><html><head><meta charset=\"utf-8\">"
                       "<title>%s</title></head><body>%s</body></html>",
                       conn->path + 1, conn->path + 1);
}

/* Ends the header block the route has begun with Content-Type,
   Content-Length and the headers in more (each ending in CRLF), sends the
   page and closes */
static int raw_page_and_close(struct raw_conn *conn, const char *more)
{
  char *page = raw_page(conn);
  int rc;

  if(!page)
    return -1;
  conn->ending = RAW_CLOSE;
  rc = raw_printf(conn,
                  "Content-Type: " HTML "\r\n"
                  "Content-Length: %zu\r\n%s\r\n%s",
                  strlen(page), more, page);
  free(page);
  return rc;
}

static int raw_end_with_page(struct raw_conn *conn)
{
  return raw_page_and_close(conn, "Connection: close\r\n");
}

static int raw_hang(struct raw_conn *conn)
{
  conn->ending = RAW_STAY_OPEN;
  return 0;
}

static int raw_garbage(struct raw_conn *conn)
{
  conn->ending = RAW_CLOSE;
  return raw_send(conn, "SSH-2.0-OpenSSH_9.0\r\n");
}

static int raw_reset_headers(struct raw_conn *conn)
{
  conn->ending = RAW_RESET;
  return raw_send(conn, "HTTP/1.1 200 OK\r\n"
                        "Content-Type: text/plain\r\n"
                        "Content-Length: 100\r\n\r\n");
}

static int raw_slow_headers(struct raw_conn *conn)
{
  struct timeval interval = ms_to_timeval(RAW_DRIP_MS);

  conn->ending = RAW_DRIP;
  conn->unit = "X-Slow: slow\r\n";
  if(raw_send(conn, "HTTP/1.1 200 OK\r\n") < 0)
    return -1;
  return evtimer_add(conn->timer, &interval);
}

static int raw_endless_headers(struct raw_conn *conn)
{
  conn->ending = RAW_FLOOD;
  conn->unit = "X-Endless: endless\r\n";
  /* the flood starts once the status line is written */
  return raw_send(conn, "HTTP/1.1 200 OK\r\n");
}

/* Announces declared bytes of text/plain, sends sent bytes and closes */
static int raw_lying_length(struct raw_conn *conn, size_t declared,
                            size_t sent)
{
  conn->ending = RAW_CLOSE;
  if(raw_printf(conn,
                "HTTP/1.1 200 OK\r\n"
                "Content-Type: " TEXT "\r\n"
                "Content-Length: %zu\r\n"
                "Connection: close\r\n\r\n",
                declared) < 0)
    return -1;
  return raw_pattern(conn, sent);
}

static int raw_short_body(struct raw_conn *conn)
{
  return raw_lying_length(conn, 1000, 10);
}

static int raw_long_body(struct raw_conn *conn)
{
  return raw_lying_length(conn, 10, 1000);
}

/* Sends a chunked text/plain answer whose body is chunks, then closes */
static int raw_chunked(struct raw_conn *conn, const char *chunks)
{
  conn->ending = RAW_CLOSE;
  if(raw_send(conn, "HTTP/1.1 200 OK\r\n"
                    "Content-Type: " TEXT "\r\n"
                    "Transfer-Encoding: chunked\r\n"
                    "Connection: close\r\n\r\n") < 0)
    return -1;
  return raw_send(conn, chunks);
}

static int raw_chunked_bad_size(struct raw_conn *conn)
{
  return raw_chunked(conn, "zz\r\n0123456789\r\n0\r\n\r\n");
}

static int raw_chunked_no_crlf(struct raw_conn *conn)
{
  return raw_chunked(conn, "a\r\n0123456789XX0\r\n\r\n");
}

static int raw_http09(struct raw_conn *conn)
{
  char *page = raw_page(conn);
  int rc;

  if(!page)
    return -1;
  conn->ending = RAW_CLOSE;
  rc = raw_send(conn, page);
  free(page);
  return rc;
}

static int raw_tls_hello(struct raw_conn *conn)
{
  /* a record (handshake, TLS 1.2, 44 bytes) holding a ServerHello (40
     bytes): TLS 1.2, 32 random bytes, no session id, cipher suite
     TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, no compression, no extensions */
  static const unsigned char server_hello[] = {
    0x16, 0x03, 0x03, 0x00, 0x2c, 0x02, 0x00, 0x00, 0x28, 0x03,
    0x03, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
    0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12,
    0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c,
    0x1d, 0x1e, 0x1f, 0x00, 0xc0, 0x2f, 0x00, 0x00, 0x00
  };

  conn->ending = RAW_CLOSE;
  return raw_write(conn, server_hello, sizeof(server_hello));
}

static int raw_interim_storm(struct raw_conn *conn)
{
  int i;

  for(i = 0; i < RAW_INTERIM_ANSWERS; i++) {
    if(raw_send(conn, i % 2 ? "HTTP/1.1 103 Early Hints\r\n"
                              "Link: </site/0>; rel=preload\r\n\r\n"
                            : "HTTP/1.1 100 Continue\r\n\r\n") < 0)
      return -1;
  }
  if(raw_send(conn, "HTTP/1.1 200 OK\r\n") < 0)
    return -1;
  return raw_end_with_page(conn);
}

static int raw_many_cookies(struct raw_conn *conn)
{
  int i;

  if(raw_send(conn, "HTTP/1.1 200 OK\r\n") < 0)
    return -1;
  for(i = 0; i < RAW_COOKIES; i++) {
    if(raw_printf(conn, "Set-Cookie: c%d=%d; Path=/\r\n", i, i) < 0)
      return -1;
  }
  return raw_end_with_page(conn);
}

static int raw_nul_in_header_name(struct raw_conn *conn)
{
  static const char header[] = "X-Nul\0Name: x\r\n";

  if(raw_send(conn, "HTTP/1.1 200 OK\r\n") < 0 ||
     raw_write(conn, header, sizeof(header) - 1) < 0)
    return -1;
  return raw_end_with_page(conn);
}

static int raw_bad_header_name(struct raw_conn *conn)
{
  if(raw_send(conn, "HTTP/1.1 200 OK\r\n"
                    "X-Bad\xff\xfe\x7f Name: x\r\n") < 0)
    return -1;
  return raw_end_with_page(conn);
}

static int raw_status_999(struct raw_conn *conn)
{
  if(raw_send(conn, "HTTP/1.1 999 Request denied\r\n") < 0)
    return -1;
  return raw_end_with_page(conn);
}

static int raw_no_reason(struct raw_conn *conn)
{
  if(raw_send(conn, "HTTP/1.1 200\r\n") < 0)
    return -1;
  return raw_end_with_page(conn);
}

static int raw_bad_version(struct raw_conn *conn)
{
  if(raw_send(conn, "HTTP/1.2 200 OK\r\n") < 0)
    return -1;
  return raw_end_with_page(conn);
}

/* The close is not announced: a keep-alive page, then the server hangs up */
static int raw_silent_close(struct raw_conn *conn)
{
  if(raw_send(conn, "HTTP/1.1 200 OK\r\n") < 0)
    return -1;
  return raw_page_and_close(conn, "");
}

static int raw_ok(struct raw_conn *conn)
{
  conn->ending = RAW_CLOSE;
  return raw_send(conn, "HTTP/1.1 200 OK\r\n"
                        "Content-Length: 2\r\n"
                        "Connection: close\r\n\r\nok");
}

/* Any other path gets raw_ok */
static const struct raw_route raw_routes[] = {
  { "/hang", raw_hang },
  { "/garbage", raw_garbage },
  { "/reset-headers", raw_reset_headers },
  { "/slow-headers", raw_slow_headers },
  { "/endless-headers", raw_endless_headers },
  { "/short-body", raw_short_body },
  { "/long-body", raw_long_body },
  { "/chunked-bad-size", raw_chunked_bad_size },
  { "/chunked-no-crlf", raw_chunked_no_crlf },
  { "/http09", raw_http09 },
  { "/tls-hello", raw_tls_hello },
  { "/interim-storm", raw_interim_storm },
  { "/many-cookies", raw_many_cookies },
  { "/nul-in-header-name", raw_nul_in_header_name },
  { "/bad-header-name", raw_bad_header_name },
  { "/status-999", raw_status_999 },
  { "/no-reason", raw_no_reason },
  { "/bad-version", raw_bad_version },
  { "/silent-close", raw_silent_close },
};

static void raw_answer(struct raw_conn *conn)
{
  int (*answer)(struct raw_conn *) = raw_ok;
  size_t i;

  for(i = 0; i < sizeof(raw_routes) / sizeof(raw_routes[0]); i++) {
    if(!strcmp(conn->path, raw_routes[i].path))
      answer = raw_routes[i].answer;
  }
  conn->answered = true;
  if(answer(conn) < 0)
    raw_conn_free(conn);
}

/* Copies the path of a request line: "GET /hang?x HTTP/1.1" has "/hang" */
static char *request_line_path(const char *line)
{
  const char *target = strchr(line, ' ');

  if(!target)
    return strdup("");
  target++;
  return strndup(target, strcspn(target, " ?"));
}

static void raw_reset_when_sent(struct raw_conn *conn)
{
  struct timeval retry = ms_to_timeval(FLUSH_POLL_MS);

  if(all_sent(conn->bev)) {
    reset_connection(bufferevent_getfd(conn->bev));
    raw_conn_free(conn);
  }
  else if(evtimer_add(conn->timer, &retry) < 0)
    raw_conn_free(conn);
}

/* Sends the next byte of the unit and waits for the time of the next one */
static void raw_drip(struct raw_conn *conn)
{
  struct timeval interval = ms_to_timeval(RAW_DRIP_MS);
  const char *next = conn->unit + conn->unit_sent % strlen(conn->unit);

  if(raw_write(conn, next, 1) < 0 || evtimer_add(conn->timer, &interval) < 0)
    raw_conn_free(conn);
  else
    conn->unit_sent++;
}

/* Queues RAW_FLOOD_BYTES more of the unit; again once the client read it */
static void raw_flood(struct raw_conn *conn)
{
  size_t queued;

  for(queued = 0; queued < RAW_FLOOD_BYTES; queued += strlen(conn->unit)) {
    if(raw_send(conn, conn->unit) < 0) {
      raw_conn_free(conn);
      return;
    }
  }
}

/* Next drip, or next look whether the connection can be reset */
static void raw_on_timer(evutil_socket_t fd, short what, void *arg)
{
  struct raw_conn *conn = arg;

  (void)fd;
  (void)what;
  if(conn->ending == RAW_DRIP)
    raw_drip(conn);
  else
    raw_reset_when_sent(conn);
}

/* Reads the request line and headers, then answers; ignores the rest */
static void raw_on_read(struct bufferevent *bev, void *arg)
{
  struct raw_conn *conn = arg;
  struct evbuffer *input = bufferevent_get_input(bev);
  char *line;
  size_t line_len;

  while(!conn->answered) {
    line = evbuffer_readln(input, &line_len, EVBUFFER_EOL_CRLF);
    if(!line)
      break;
    conn->request_bytes += line_len;
    if(!conn->path) {
      conn->path = request_line_path(line);
      free(line);
      if(!conn->path) {
        raw_conn_free(conn);
        return;
      }
    }
    else {
      free(line);
      if(!line_len) {
        raw_answer(conn);
        return;
      }
    }
  }
  if(conn->answered)
    evbuffer_drain(input, evbuffer_get_length(input));
  else if(conn->request_bytes + evbuffer_get_length(input) > RAW_MAX_REQUEST)
    raw_conn_free(conn);
}

/* Called once the output is written out */
static void raw_on_written(struct bufferevent *bev, void *arg)
{
  struct raw_conn *conn = arg;

  (void)bev;
  if(conn->ending == RAW_CLOSE)
    raw_conn_free(conn);
  else if(conn->ending == RAW_RESET)
    raw_reset_when_sent(conn);
  else if(conn->ending == RAW_FLOOD)
    raw_flood(conn);
}

static void raw_on_event(struct bufferevent *bev, short events, void *arg)
{
  struct raw_conn *conn = arg;
  bool answer_unsent = conn->ending != RAW_STAY_OPEN &&
                       evbuffer_get_length(bufferevent_get_output(bev));

  /* a client that half-closes after its request still gets the answer */
  if((events & BEV_EVENT_EOF) && (events & BEV_EVENT_READING) &&
     answer_unsent) {
    bufferevent_disable(bev, EV_READ);
    return;
  }
  raw_conn_free(conn);
}

static void raw_on_accept(struct evconnlistener *listener, evutil_socket_t fd,
                          struct sockaddr *peer, int peer_len, void *arg)
{
  struct server *server = arg;
  struct raw_conn *conn = calloc(1, sizeof(*conn));

  (void)listener;
  (void)peer;
  (void)peer_len;
  if(!conn) {
    evutil_closesocket(fd);
    return;
  }
  conn->bev = bufferevent_socket_new(server->base, fd, BEV_OPT_CLOSE_ON_FREE);
  if(!conn->bev) {
    evutil_closesocket(fd);
    free(conn);
    return;
  }
  LIST_INSERT_HEAD(&server->raw_conns, conn, link);
  conn->timer = evtimer_new(server->base, raw_on_timer, conn);
  bufferevent_setcb(conn->bev, raw_on_read, raw_on_written, raw_on_event,
                    conn);
  if(!conn->timer || bufferevent_enable(conn->bev, EV_READ) < 0)
    raw_conn_free(conn);
}

/* Runs deflate over one block of zeros; returns the output's length */
static size_t deflate_block(z_stream *zs, const unsigned char *zeros,
                            unsigned char *out, size_t out_size, int flush)
{
  int expected = flush == Z_FINISH ? Z_STREAM_END : Z_OK;

  zs->next_in = (unsigned char *)zeros;
  zs->avail_in = flush == Z_FINISH ? 0 : BOMB_BLOCK_BYTES;
  zs->next_out = out;
  zs->avail_out = (uInt)out_size;
  if(deflate(zs, flush) != expected || zs->avail_in || !zs->avail_out)
    die("cannot build the gzip bomb: deflate failed");
  return out_size - zs->avail_out;
}

/* Builds the pieces of the gzip bomb (see struct gzip_bomb) */
static void gzip_bomb_init(struct gzip_bomb *bomb)
{
  unsigned char *zeros = calloc(1, BOMB_BLOCK_BYTES);
  unsigned char *second;
  size_t out_size;
  size_t first_len;
  size_t tail_len;
  z_stream zs;

  memset(&zs, 0, sizeof(zs));
  /* windowBits 16 + 15: gzip framing around a 32 KiB window */
  if(deflateInit2(&zs, Z_BEST_COMPRESSION, Z_DEFLATED, 16 + 15, 9,
                  Z_DEFAULT_STRATEGY) != Z_OK)
    die("cannot build the gzip bomb: deflateInit2 failed");
  out_size = deflateBound(&zs, BOMB_BLOCK_BYTES);
  bomb->first = malloc(out_size);
  second = malloc(out_size);
  bomb->tail = malloc(out_size);
  if(!zeros || !bomb->first || !second || !bomb->tail)
    die("out of memory");

  first_len = deflate_block(&zs, zeros, bomb->first, out_size, Z_FULL_FLUSH);
  bomb->block_len = deflate_block(&zs, zeros, second, out_size, Z_FULL_FLUSH);
  tail_len = deflate_block(&zs, zeros, bomb->tail, out_size, Z_FINISH);
  deflateEnd(&zs);

  /* the first output must be the header and then the same block again */
  if(first_len <= bomb->block_len || tail_len <= 8 ||
     memcmp(bomb->first + first_len - bomb->block_len, second,
            bomb->block_len))
    die("cannot build the gzip bomb: deflate output does not repeat");
  bomb->header_len = first_len - bomb->block_len;
  bomb->block = bomb->first + bomb->header_len;
  bomb->final_len = tail_len - 8;
  bomb->block_crc = crc32(crc32(0L, Z_NULL, 0), zeros, BOMB_BLOCK_BYTES);
  free(second);
  free(zeros);
}

static void usage(FILE *out)
{
  fputs("usage: testserver [--addr ADDR] [--port-file FILE] "
        "[--raw-port-file FILE]\n"
        "                  [--pages N] [--hosts N --hosts-file FILE] "
        "[--log FILE]\n"
        "                  [--robots-dir DIR] [--site-dir DIR] [--quiet] "
        "[--exit-on-stdin-eof]\n",
        out);
}

static void parse_options(int argc, char **argv, struct options *options)
{
  static const struct option longopts[] = {
    { "addr", required_argument, NULL, 'a' },
    { "port-file", required_argument, NULL, 'p' },
    { "raw-port-file", required_argument, NULL, 'r' },
    { "pages", required_argument, NULL, 'n' },
    { "hosts", required_argument, NULL, 'H' },
    { "hosts-file", required_argument, NULL, 'f' },
    { "log", required_argument, NULL, 'l' },
    { "robots-dir", required_argument, NULL, 'R' },
    { "site-dir", required_argument, NULL, 'S' },
    { "quiet", no_argument, NULL, 'q' },
    { "exit-on-stdin-eof", no_argument, NULL, 'e' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 }
  };
  uint64_t hosts;
  int opt;

  options->addr = DEFAULT_ADDR;
  options->port_file = NULL;
  options->raw_port_file = NULL;
  options->hosts_file = NULL;
  options->log_file = NULL;
  options->robots_dir = NULL;
  options->site_dir = NULL;
  options->pages = DEFAULT_PAGES;
  options->hosts = 0;
  options->quiet = false;
  options->exit_on_stdin_eof = false;
  for(;;) {
    opt = getopt_long(argc, argv, "h", longopts, NULL);
    if(opt == -1)
      break;
    switch(opt) {
      case 'a':
        options->addr = optarg;
        break;
      case 'p':
        options->port_file = optarg;
        break;
      case 'r':
        options->raw_port_file = optarg;
        break;
      case 'n':
        if(!parse_decimal(optarg, strlen(optarg), MAX_PAGES,
                          &options->pages) ||
           !options->pages)
          die("--pages wants a number from 1 to %d", MAX_PAGES);
        break;
      case 'H':
        if(!parse_decimal(optarg, strlen(optarg), MAX_HOSTS, &hosts) || !hosts)
          die("--hosts wants a number from 1 to %d", MAX_HOSTS);
        options->hosts = (unsigned)hosts;
        break;
      case 'f':
        options->hosts_file = optarg;
        break;
      case 'l':
        options->log_file = optarg;
        break;
      case 'R':
        options->robots_dir = optarg;
        break;
      case 'S':
        options->site_dir = optarg;
        break;
      case 'q':
        options->quiet = true;
        break;
      case 'e':
        options->exit_on_stdin_eof = true;
        break;
      case 'h':
        usage(stdout);
        exit(0);
      default:
        usage(stderr);
        exit(1);
    }
  }
  if(optind < argc) {
    usage(stderr);
    exit(1);
  }
  /* hosts nobody can find are a mistake, and so is a file never written */
  if(options->hosts && !options->hosts_file)
    die("--hosts needs --hosts-file, where the ports go");
  if(options->hosts_file && !options->hosts)
    die("--hosts-file needs --hosts");
}

/* Thousands of concurrent connections need more than the usual 1024 fds */
static void raise_fd_limit(bool quiet)
{
  struct rlimit limit;

  if(getrlimit(RLIMIT_NOFILE, &limit) < 0) {
    warning(quiet, "getrlimit: %s", strerror(errno));
    return;
  }
  limit.rlim_cur = limit.rlim_max;
  if(setrlimit(RLIMIT_NOFILE, &limit) < 0)
    warning(quiet, "cannot raise the open file limit: %s", strerror(errno));
}

static void discard_libevent_log(int severity, const char *message)
{
  (void)severity;
  (void)message;
}

/* Listens on an ephemeral port of addr, that address alone; on_accept may
   be set later */
static struct evconnlistener *listen_on(struct event_base *base,
                                        const char *addr,
                                        evconnlistener_cb on_accept, void *arg)
{
  struct addrinfo hints;
  struct addrinfo *found;
  struct evconnlistener *listener;
  int rc;

  memset(&hints, 0, sizeof(hints));
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  /* numeric: a test server has no business asking DNS */
  hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV;
  rc = getaddrinfo(addr, "0", &hints, &found);
  if(rc)
    die("bad address %s: %s", addr, gai_strerror(rc));
  listener = evconnlistener_new_bind(
      base, on_accept, arg,
      LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC | LEV_OPT_REUSEABLE,
      LISTEN_BACKLOG, found->ai_addr, (int)found->ai_addrlen);
  freeaddrinfo(found);
  if(!listener)
    die("cannot listen on %s: %s", addr,
        evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
  return listener;
}

static unsigned listener_port(struct evconnlistener *listener)
{
  char addr[INET6_ADDRSTRLEN];
  unsigned port;

  if(!socket_name(evconnlistener_get_fd(listener), addr, &port))
    die("getsockname: %s", strerror(errno));
  return port;
}

/* Writes text to path through path.tmp, so that path appears complete */
static void write_file(const char *path, const char *text)
{
  char *tmp_path = format_string("%s.tmp", path);
  FILE *file;

  if(!tmp_path)
    die("out of memory");
  file = fopen(tmp_path, "w");
  if(!file)
    die("cannot create %s: %s", tmp_path, strerror(errno));
  if(fputs(text, file) < 0 || fclose(file))
    die("cannot write %s: %s", tmp_path, strerror(errno));
  if(rename(tmp_path, path) < 0)
    die("cannot rename %s to %s: %s", tmp_path, path, strerror(errno));
  free(tmp_path);
}

static void write_port_file(const char *path, unsigned port)
{
  char text[16];

  snprintf(text, sizeof(text), "%u\n", port);
  write_file(path, text);
}

/* The address of host i of --hosts, from 0 */
static void host_addr(unsigned i, char addr[INET_ADDRSTRLEN])
{
  snprintf(addr, INET_ADDRSTRLEN, "127.0.0.%u", FIRST_HOST_OCTET + i);
}

/* Writes the "ADDR PORT" lines of --hosts to path */
static void write_hosts_file(const char *path, const struct server *server)
{
  char text[MAX_HOSTS * (INET_ADDRSTRLEN + 8) + 1];
  char addr[INET_ADDRSTRLEN];
  size_t len = 0;
  unsigned i;

  text[0] = '\0';
  for(i = 0; i < server->host_count; i++) {
    host_addr(i, addr);
    len += (size_t)snprintf(text + len, sizeof(text) - len, "%s %u\n", addr,
                            server->host_ports[i]);
  }
  write_file(path, text);
}

static void stop(struct event_base *base)
{
  if(event_base_loopbreak(base) < 0)
    die("cannot stop the event loop");
}

static void on_stop_signal(evutil_socket_t signum, short what, void *arg)
{
  (void)signum;
  (void)what;
  stop(arg);
}

static void on_stdin(evutil_socket_t fd, short what, void *arg)
{
  char scratch[4096];
  ssize_t got = read(fd, scratch, sizeof(scratch));

  (void)what;
  if(got > 0 || (got < 0 && (errno == EINTR || errno == EAGAIN)))
    return;
  stop(arg);
}

/* Returns a new pending event whose callback gets the base; NULL if not */
static struct event *add_event(struct event_base *base, evutil_socket_t fd,
                               short what, event_callback_fn on_event)
{
  struct event *ev = event_new(base, fd, what, on_event, base);

  if(ev && event_add(ev, NULL) < 0) {
    event_free(ev);
    return NULL;
  }
  return ev;
}

static struct server *server_new(const struct options *options)
{
  struct server *server = calloc(1, sizeof(*server));
  struct evconnlistener *http_listener;
  struct evconnlistener *host_listener;
  char addr[INET_ADDRSTRLEN];
  size_t i;

  if(!server)
    die("out of memory");
  LIST_INIT(&server->raw_conns);
  server->pages = options->pages;
  server->robots_dir = options->robots_dir;
  server->site_dir = options->site_dir;
  server->quiet = options->quiet;
  server->log_fd = -1;
  if(options->log_file) {
    server->log_fd =
        open(options->log_file,
             O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
    if(server->log_fd < 0)
      die("cannot open %s: %s", options->log_file, strerror(errno));
  }
  for(i = 0; i < sizeof(server->pattern); i++)
    server->pattern[i] = PATTERN[i % PATTERN_LEN];
  gzip_bomb_init(&server->bomb);

  server->base = event_base_new();
  if(!server->base)
    die("cannot create an event base");
  server->sigterm_event =
      add_event(server->base, SIGTERM, EV_SIGNAL | EV_PERSIST, on_stop_signal);
  server->sigint_event =
      add_event(server->base, SIGINT, EV_SIGNAL | EV_PERSIST, on_stop_signal);
  if(!server->sigterm_event || !server->sigint_event)
    die("cannot catch SIGTERM and SIGINT");
  if(options->exit_on_stdin_eof) {
    server->stdin_event =
        add_event(server->base, STDIN_FILENO, EV_READ | EV_PERSIST, on_stdin);
    /* a regular file or /dev/null cannot be polled */
    if(!server->stdin_event)
      die("--exit-on-stdin-eof: stdin must be a pipe, socket or terminal");
  }

  server->http = evhttp_new(server->base);
  if(!server->http)
    die("cannot create the HTTP server");
  evhttp_set_allowed_methods(server->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD);
  evhttp_set_max_headers_size(server->http, MAX_HEADERS_SIZE);
  evhttp_set_max_body_size(server->http, MAX_BODY_SIZE);
  evhttp_set_timeout(server->http, IDLE_TIMEOUT_SECONDS);
  evhttp_set_gencb(server->http, dispatch, server);
  /* our own listener rather than evhttp_bind_socket(), for the backlog */
  http_listener = listen_on(server->base, options->addr, NULL, NULL);
  if(!evhttp_bind_listener(server->http, http_listener)) {
    evconnlistener_free(http_listener);
    die("cannot serve HTTP on %s", options->addr);
  }
  for(server->host_count = 0; server->host_count < options->hosts;
      server->host_count++) {
    host_addr(server->host_count, addr);
    host_listener = listen_on(server->base, addr, NULL, NULL);
    if(!evhttp_bind_listener(server->http, host_listener)) {
      evconnlistener_free(host_listener);
      die("cannot serve HTTP on %s", addr);
    }
    server->host_ports[server->host_count] = listener_port(host_listener);
  }
  server->raw_listener =
      listen_on(server->base, options->addr, raw_on_accept, server);
  server->http_port = listener_port(http_listener);
  server->authority =
      format_string(strchr(options->addr, ':') ? "[%s]:%u" : "%s:%u",
                    options->addr, server->http_port);
  if(!server->authority)
    die("out of memory");
  return server;
}

/* Tells the tests where to connect */
static void announce_ports(struct server *server,
                           const struct options *options)
{
  unsigned http_port = server->http_port;
  unsigned raw_port = listener_port(server->raw_listener);

  if(printf("%u\n%u\n", http_port, raw_port) < 0 || fflush(stdout))
    die("cannot write the ports on stdout: %s", strerror(errno));
  if(options->raw_port_file)
    write_port_file(options->raw_port_file, raw_port);
  if(options->hosts_file)
    write_hosts_file(options->hosts_file, server);
  if(options->port_file)
    write_port_file(options->port_file, http_port);
}

static void server_free(struct server *server)
{
  size_t i;

  while(!LIST_EMPTY(&server->raw_conns))
    raw_conn_free(LIST_FIRST(&server->raw_conns));
  evconnlistener_free(server->raw_listener);
  /* closes every connection; their jobs let go in the close callbacks */
  evhttp_free(server->http);
  event_free(server->sigterm_event);
  event_free(server->sigint_event);
  if(server->stdin_event)
    event_free(server->stdin_event);
  event_base_free(server->base);
  /* last, for the X lines of the answers the stop cut short */
  if(server->log_fd >= 0 && close(server->log_fd) < 0)
    die("cannot close the log: %s", strerror(errno));
  for(i = 0; i < FLAKY_SLOTS; i++)
    free(server->flaky[i]);
  free(server->bomb.first);
  free(server->bomb.tail);
  free(server->authority);
  free(server);
}

int main(int argc, char **argv)
{
  struct options options;
  struct server *server;

  parse_options(argc, argv, &options);
  /* a client that goes away mid-answer must not take the server along */
  if(signal(SIGPIPE, SIG_IGN) == SIG_ERR)
    die("cannot ignore SIGPIPE");
  raise_fd_limit(options.quiet);
  if(options.quiet)
    event_set_log_callback(discard_libevent_log);

  server = server_new(&options);
  announce_ports(server, &options);
  if(event_base_dispatch(server->base) < 0)
    die("the event loop failed");
  server_free(server);
  libevent_global_shutdown();
  return 0;
}
