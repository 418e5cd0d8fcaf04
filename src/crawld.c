/* crawld.c - main(): parse the command line, set up the process, run the mode
 * asked for. */
#include "config.h"

#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <event2/event.h>
#include <event2/thread.h>

#include "compare.h"
#include "log.h"
#include "options.h"
#include "service.h"
#include "supervisor.h"
#include "worker_proc.h"

/* Worker processes are exec'd from the binary that is running now, not from
 * whatever a PATH lookup would find. */
static int own_path(char *path, size_t size)
{
  ssize_t len = readlink("/proc/self/exe", path, size - 1);

  if(len <= 0)
    return -1;
  path[len] = '\0';
  return 0;
}

int main(int argc, char **argv)
{
  struct crawl_options opts;
  struct compare_request compare;
  bool comparing = argc > 1 && strcmp(argv[1], "compare") == 0;
  char exe[PATH_MAX];
  char *cause = NULL;
  int threads_left = 0;
  int status;

  if((comparing ? compare_parse(&compare, argc - 1, argv + 1, &cause)
                : options_parse(&opts, argc, argv, &cause)) < 0) {
    fprintf(stderr, "crawld: %s\n", cause != NULL ? cause : "out of memory");
    free(cause);
    return 2;
  }
  if(comparing)
    opts = compare.opts;
  if(opts.mode == MODE_HELP) {
    if(comparing)
      compare_usage(stdout);
    else
      options_usage(stdout);
    return 0;
  }
  if(opts.mode == MODE_VERSION) {
    printf("crawld %s\n", PACKAGE_VERSION);
    return 0;
  }
  log_set_level(opts.log_level);
  /* A peer closing a socket or pipe must give EPIPE, not kill the daemon. */
  signal(SIGPIPE, SIG_IGN);
  /* Once, before any thread or child exists: libcurl's global state is not
   * thread-safe to set up. */
  if(curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
    log_err("cannot initialise libcurl");
    return 1;
  }
  if(evthread_use_pthreads() < 0) {
    log_err("cannot initialise libevent's thread support");
    curl_global_cleanup();
    return 1;
  }
  if(opts.mode == MODE_WORKER) {
    status = worker_proc_main(&opts);
  }
  else if(own_path(exe, sizeof(exe)) < 0) {
    log_err("cannot find our own executable in /proc/self/exe");
    status = 1;
  }
  else if(comparing) {
    status = compare_run(&compare, exe, &threads_left);
  }
  else if(opts.mode == MODE_ONCE) {
    status = supervisor_run_once(&opts, exe, &threads_left);
  }
  else {
    status = service_run(&opts, argc, argv, exe, &threads_left);
  }
  /* Threads that would not stop still use libcurl and libevent: leave the
   * libraries as they are and let exit() end them. */
  if(threads_left > 0) {
    /* exit() would run OpenSSL's atexit cleanup under a thread still in a
     * transfer; flush our own streams and leave without it. */
    fflush(NULL);
    _exit(status);
  }
  curl_global_cleanup();
  libevent_global_shutdown();
  return status;
}
