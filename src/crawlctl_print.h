/* crawlctl_print.h - how crawlctl prints each result crawld sends: as the
 * object itself with --json, else as a table for people.
 *
 * The reply shapes come from src/commands.c; crawlctl(1) documents every
 * field and shows every table. Keys a table does not know are skipped,
 * since crawld only ever adds keys. Each function writes to stdout and
 * borrows what it is given. */
#ifndef CRAWLD_CRAWLCTL_PRINT_H
#define CRAWLD_CRAWLCTL_PRINT_H

#include <jansson.h>

/* The object on one line, its numbers as crawld writes them (--json). */
void print_json(json_t *result);

/* The tables, one for each command's result. */
/* status beside stats, which alone counts by worker kind. */
void print_status(json_t *status, json_t *stats);
void print_stats(json_t *stats);
void print_jobs(json_t *result);
void print_job(json_t *job);
void print_workers(json_t *result);
void print_hosts(json_t *result);
/* The state pause, resume and drain leave crawld in. */
void print_state(json_t *result);
void print_submitted(json_t *result);
void print_reloaded(json_t *result);

#endif
