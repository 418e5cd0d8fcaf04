/* crawlctl_watch.c - crawlctl watch: crawld's stream of frames, drawn on
 * a terminal or written a line each; see crawlctl_watch.h. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "crawlctl_format.h"
#include "crawlctl_print.h"
#include "crawlctl_watch.h"

/* ANSI sequences of the live view. The alternate screen keeps what was on
 * the terminal before; a terminal without one is cleared on exit instead,
 * so either way no half-drawn frame is left behind. */
#define SCREEN_ENTER "\033[?1049h\033[?25l"
#define SCREEN_FRAME "\033[H\033[2J"
#define SCREEN_LEAVE "\033[H\033[2J\033[?1049l\033[?25h"

/* Set by on_signal(); ctlclient's waits end on it (client->interrupted). */
static volatile sig_atomic_t interrupted;

static void on_signal(int signal_number)
{
  (void)signal_number;
  interrupted = 1;
}

static int terminal_columns(void)
{
  struct winsize size;

  if(ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0)
    return size.ws_col;
  return 80;
}

static struct text clock_now(void)
{
  struct text text = { "" };
  time_t now = time(NULL);
  struct tm local;

  if(localtime_r(&now, &local) != NULL)
    strftime(text.s, sizeof(text.s), "%H:%M:%S", &local);
  return text;
}

static void draw_bar(FILE *out, json_t *job, int width)
{
  json_int_t done = json_integer_value(fmt_at(job, "done"));
  json_int_t total = json_integer_value(fmt_at(job, "total"));
  int filled = total > 0 ? (int)((double)done * width / (double)total) : 0;

  if(filled > width)
    filled = width;
  fputc('[', out);
  for(int i = 0; i < width; i++)
    fputc(i < filled ? '#' : '-', out);
  fprintf(out, "] %s\n",
          fmt_percent(fmt_at(job, "done"), fmt_at(job, "total")).s);
}

/* A frame for the terminal: every active job with its bar, then the
 * throughput of each kind. */
static void draw_screen(FILE *out, json_t *frame, const char *only)
{
  static const char *const windows[3] = { "10s", "1m", "5m" };
  int width = terminal_columns() - 10;
  json_t *jobs = fmt_at(frame, "jobs");
  size_t index;
  json_t *job;

  if(width > 60)
    width = 60;
  if(width < 10)
    width = 10;
  fprintf(out,
          "crawld %s, %zu active and %s queued jobs, %s URLs in flight"
          "   %s\n\n",
          fmt_str(fmt_at(frame, "state")), json_array_size(jobs),
          fmt_number(fmt_at(frame, "queued_jobs"), 0).s,
          fmt_number(fmt_at(frame, "in_flight"), 0).s, clock_now().s);
  if(json_array_size(jobs) == 0) {
    if(only != NULL)
      fprintf(out, "job %s is not active\n\n", only);
    else
      fprintf(out, "no active jobs\n\n");
  }
  json_array_foreach(jobs, index, job)
  {
    fprintf(out, "%s\n", fmt_str(fmt_at(job, "id")));
    draw_bar(out, job, width);
    fprintf(out, "%s/%s done, %s failed, %s in flight, %s URLs/s, ETA %s\n\n",
            fmt_number(fmt_at(job, "done"), 0).s,
            fmt_count(fmt_at(job, "total")).s,
            fmt_number(fmt_at(job, "failed"), 0).s,
            fmt_number(fmt_at(job, "in_flight"), 0).s,
            fmt_number(fmt_at(job, "rate"), 1).s,
            fmt_duration(fmt_at(job, "eta_s")).s);
  }
  fprintf(out, "%-10s %9s %9s %9s %9s\n", "URLs/s", "10 s", "1 min", "5 min",
          "p50 ms");
  for(int k = 0; k < 3; k++) {
    json_t *rates = fmt_at(fmt_at(frame, "throughput"), fmt_kinds[k]);

    fprintf(out, "%-10s", fmt_kinds[k]);
    for(int w = 0; w < 3; w++)
      fprintf(out, " %9s", fmt_number(fmt_at(rates, windows[w]), 1).s);
    fprintf(
        out, " %9s\n",
        fmt_number(
            fmt_at(fmt_at(fmt_at(frame, "latency_ms"), fmt_kinds[k]), "p50"),
            1)
            .s);
  }
  fprintf(out, "\nCtrl-C to quit\n");
}

/* A frame as one line, for a pipe or a file. */
static void draw_line(FILE *out, json_t *frame)
{
  json_t *throughput = fmt_at(frame, "throughput");
  size_t index;
  json_t *job;

  fprintf(out, "%s %s in_flight=%s queued_jobs=%s rate=%s/s", clock_now().s,
          fmt_str(fmt_at(frame, "state")),
          fmt_number(fmt_at(frame, "in_flight"), 0).s,
          fmt_number(fmt_at(frame, "queued_jobs"), 0).s,
          fmt_number(fmt_at(throughput, "total.10s"), 1).s);
  for(int k = 0; k < 2; k++)
    fprintf(out, " %s=%s/s", fmt_kinds[k],
            fmt_number(fmt_at(fmt_at(throughput, fmt_kinds[k]), "10s"), 1).s);
  json_array_foreach(fmt_at(frame, "jobs"), index, job)
  {
    fprintf(out, " | %s %s/%s %s failed=%s %s/s eta=%s",
            fmt_str(fmt_at(job, "id")), fmt_number(fmt_at(job, "done"), 0).s,
            fmt_count(fmt_at(job, "total")).s,
            fmt_percent(fmt_at(job, "done"), fmt_at(job, "total")).s,
            fmt_number(fmt_at(job, "failed"), 0).s,
            fmt_number(fmt_at(job, "rate"), 1).s,
            fmt_duration(fmt_at(job, "eta_s")).s);
  }
  fputc('\n', out);
}

static void draw(const struct cli *cli, bool screen, json_t *frame,
                 const char *only)
{
  char *text = NULL;
  size_t len = 0;
  FILE *out;

  if(cli->json) {
    print_json(frame);
    return;
  }
  if(!screen) {
    draw_line(stdout, frame);
    return;
  }
  /* Built first and written at once, so the terminal never shows a frame
   * half drawn. */
  out = open_memstream(&text, &len);
  if(out == NULL)
    return;
  fputs(SCREEN_FRAME, out);
  draw_screen(out, frame, only);
  if(fclose(out) == 0)
    fwrite(text, 1, len, stdout);
  free(text);
}

static void catch_signals(void)
{
  struct sigaction action;

  memset(&action, 0, sizeof(action));
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  /* No SA_RESTART: the wait for the next frame must end at once. */
  action.sa_flags = 0;
  sigaction(SIGINT, &action, NULL);
  sigaction(SIGTERM, &action, NULL);
  sigaction(SIGHUP, &action, NULL);
}

/* Reads frames until Ctrl-C (exit 0), crawld's last line (exit 0), or an
 * error. */
static int watch_frames(struct ctlclient *client, const struct cli *cli,
                        bool screen, long long id, const char *only)
{
  for(;;) {
    json_t *reply;
    json_t *frame;
    const char *code;
    int rc = ctlclient_receive(client, id, &reply);

    if(rc != 0)
      return rc;
    code = fmt_str(fmt_at(reply, "error.code"));
    if(strcmp(code, "shutting_down") == 0) {
      ctlclient_fail(client, CTL_EXIT_OK, "%s: %s", code,
                     fmt_str(fmt_at(reply, "error.message")));
      json_decref(reply);
      return CTL_EXIT_OK;
    }
    rc = ctlclient_result(client, reply, &frame);
    if(rc == 0)
      draw(cli, screen, frame, only);
    /* Without "more" the stream has ended. */
    if(rc == 0 && !json_is_true(fmt_at(reply, "more"))) {
      json_decref(reply);
      return CTL_EXIT_OK;
    }
    json_decref(reply);
    if(rc != 0)
      return rc;
    if(fflush(stdout) != 0)
      return ctlclient_fail(client, CTL_EXIT_ERROR, "cannot write: %s",
                            strerror(errno));
  }
}

int watch_run(struct ctlclient *client, const struct cli *cli, char **args,
              int count)
{
  const char *only = count > 0 ? args[0] : NULL;
  bool screen = !cli->json && isatty(STDOUT_FILENO);
  json_t *request = NULL;
  long long id;
  int rc = 0;

  if(only != NULL) {
    json_t *job;

    /* A mistyped id would show an empty view for ever. */
    request = json_pack("{s:s}", "id", only);
    rc = ctlclient_call(client, "job", request, &job);
    json_decref(request);
    json_decref(job);
    if(rc != 0)
      return rc;
    request = json_pack("{s:s}", "job", only);
  }
  rc = ctlclient_send(client, "watch", request, &id);
  json_decref(request);
  if(rc != 0)
    return rc;
  catch_signals();
  client->interrupted = &interrupted;
  if(screen)
    fputs(SCREEN_ENTER, stdout);
  rc = watch_frames(client, cli, screen, id, only);
  if(rc == CTL_INTERRUPTED || interrupted) {
    client->error[0] = '\0';
    rc = CTL_EXIT_OK;
  }
  if(screen) {
    clearerr(stdout);
    fputs(SCREEN_LEAVE, stdout);
  }
  fflush(stdout);
  return rc;
}
