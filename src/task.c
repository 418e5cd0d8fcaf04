/* task.c - one URL on its way to a worker and back; see task.h. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "task.h"

struct task *task_new(const char *url, size_t url_len, struct job *job,
                      long long seq)
{
  struct task *task = calloc(1, sizeof(*task));

  if(task == NULL)
    return NULL;
  task->url = strndup(url, url_len);
  if(task->url == NULL) {
    free(task);
    return NULL;
  }
  task->attempt = 1;
  task->job = job;
  task->seq = seq;
  return task;
}

void task_free(struct task *task)
{
  if(task == NULL)
    return;
  free(task->url);
  free(task->via);
  free(task);
}
