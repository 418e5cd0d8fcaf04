/* crawlctl_submit.c - crawlctl submit: URL files into crawld's spool; see
 * crawlctl_submit.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <jansson.h>

#include "crawlctl_format.h"
#include "crawlctl_print.h"
#include "crawlctl_submit.h"
#include "spool.h"

/* Copies everything from in to out; 0 or an errno. */
static int copy_fd(int in, int out)
{
  char chunk[65536];

  for(;;) {
    ssize_t got = read(in, chunk, sizeof(chunk));
    size_t put = 0;

    if(got < 0 && errno == EINTR)
      continue;
    if(got < 0)
      return errno;
    if(got == 0)
      return 0;
    while(put < (size_t)got) {
      ssize_t wrote = write(out, chunk + put, (size_t)got - put);

      if(wrote < 0 && errno == EINTR)
        continue;
      if(wrote < 0)
        return errno;
      put += (size_t)wrote;
    }
  }
}

static int file_error(struct ctlclient *client, int error, const char *what,
                      const char *path)
{
  return ctlclient_fail(client,
                        error == EACCES || error == EPERM ? CTL_EXIT_DENIED
                                                          : CTL_EXIT_ERROR,
                        "%s %s: %s", what, path, strerror(error));
}

/* The producer's name for file in incoming/: its base name, made unique
 * with our pid and a counter, since a name already there would be
 * replaced; leading dots go, since crawld leaves dot-files alone. */
static void spool_name(const char *file, unsigned serial, char *name,
                       size_t size)
{
  const char *base = strrchr(file, '/');

  base = base != NULL ? base + 1 : file;
  if(strcmp(file, "-") == 0)
    base = "stdin";
  base += strspn(base, ".");
  if(*base == '\0')
    base = "job";
  snprintf(name, size, "%.100s.%ld.%u", base, (long)getpid(), serial);
}

/* Writes file (or standard input for "-") into incoming/.tmp/, renames it
 * into incoming/ (spool.h), and asks crawld which job it became. */
static int submit_one(struct ctlclient *client, const struct cli *cli,
                      const char *state_dir, const char *file, unsigned serial)
{
  char name[160];
  char *tmp_path = NULL;
  char *final_path = NULL;
  json_t *request;
  bool created = false;
  bool renamed = false;
  int in = STDIN_FILENO;
  int out = -1;
  int error;
  int rc;

  spool_name(file, serial, name, sizeof(name));
  if(asprintf(&tmp_path, "%s/incoming/.tmp/%s", state_dir, name) < 0 ||
     asprintf(&final_path, "%s/incoming/%s", state_dir, name) < 0) {
    free(tmp_path);
    return ctlclient_fail(client, CTL_EXIT_ERROR, "out of memory");
  }
  if(strcmp(file, "-") != 0)
    in = open(file, O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if(in < 0) {
    rc = file_error(client, errno, "cannot open", file);
    goto done;
  }
  out = open(tmp_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if(out < 0) {
    rc = file_error(client, errno, "cannot create", tmp_path);
    goto done;
  }
  created = true;
  error = copy_fd(in, out);
  if(error != 0) {
    rc = file_error(client, error, "cannot copy", file);
    goto done;
  }
  /* A job's options travel with its file, so no crash or rename can
   * part them (crawld(8), Submitting URL files). */
  if(cli->job.set != 0) {
    json_t *options = jobopts_to_json(&cli->job);
    char *text = options != NULL ? json_dumps(options, JSON_COMPACT) : NULL;

    error = text == NULL ? ENOMEM
            : fsetxattr(out, SPOOL_OPTIONS_XATTR, text, strlen(text), 0) < 0
                ? errno
                : 0;
    free(text);
    json_decref(options);
    if(error != 0) {
      rc = file_error(client, error, "cannot set the job's options on",
                      tmp_path);
      goto done;
    }
  }
  /* The data must be on disk before the name is: crawld claims a file the
   * moment it appears, and fsyncs only directories. */
  if(fsync(out) < 0) {
    rc = file_error(client, errno, "cannot write", tmp_path);
    goto done;
  }
  error = close(out) < 0 ? errno : 0;
  out = -1;
  if(error != 0) {
    rc = file_error(client, error, "cannot write", tmp_path);
    goto done;
  }
  if(rename(tmp_path, final_path) < 0) {
    rc = file_error(client, errno, "cannot rename into", final_path);
    goto done;
  }
  renamed = true;
  request = json_pack("{s:s}", "name", name);
  rc = cmd_show(client, cli, "submit", request, print_submitted);
  json_decref(request);
done:
  if(out >= 0)
    close(out);
  if(in > STDIN_FILENO)
    close(in);
  /* Once renamed, the file is crawld's, claimed or waiting. */
  if(rc != 0 && created && !renamed)
    unlink(tmp_path);
  free(tmp_path);
  free(final_path);
  return rc;
}

int submit_run(struct ctlclient *client, const struct cli *cli, char **args,
               int count)
{
  json_t *status;
  const char *state_dir;
  int rc;

  rc = ctlclient_call(client, "status", NULL, &status);
  if(rc != 0)
    return rc;
  state_dir = fmt_str(fmt_at(status, "state_dir"));
  /* A relative one would be relative to crawld's working directory. */
  if(state_dir[0] != '/') {
    rc = ctlclient_fail(client, CTL_EXIT_ERROR,
                        "crawld reports state_dir %s, not an absolute path",
                        state_dir);
    json_decref(status);
    return rc;
  }
  for(int i = 0; i < count && rc == 0; i++)
    rc = submit_one(client, cli, state_dir, args[i], (unsigned)i);
  json_decref(status);
  return rc;
}
