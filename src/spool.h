/* spool.h - the state directory: where job files arrive, are worked on and
 * end up (DESIGN.md, "Spool and durability").
 *
 *   incoming/      producers rename finished files in here
 *   incoming/.tmp/ where producers write them first
 *   processing/    ID.urls (claimed, never changed), ID.jsonl (journal),
 *                  ID.meta (the producer's name and the claim's facts)
 *   done/ failed/  the same files once the job ends; failed/ID.reason says
 *                  why a file was refused or a job failed
 *
 * Everything is one filesystem, so every move is an atomic rename, and
 * every rename is followed by an fsync of both directories. Job ids are
 * ours; the producer's file name is only metadata, so no name can reach a
 * path outside incoming/ or collide with another job. One daemon at a time
 * holds the directory's lock.
 *
 * A job's options, when it has any, are a JSON object in the extended
 * attribute SPOOL_OPTIONS_XATTR of its file, set by the producer before the
 * file is renamed into incoming/: an attribute moves with its file through
 * every rename, so a crash can never part a job from its options. A
 * producer without xattr tools writes them to NAME.options in incoming/
 * before NAME itself: the claim of NAME moves them into the attribute (the
 * file winning over an attribute already there), then removes the file;
 * options that do not parse or check refuse the job, the file going to
 * failed/ID.options beside it. */
#ifndef CRAWLD_SPOOL_H
#define CRAWLD_SPOOL_H

#include <stdbool.h>
#include <stdint.h>

#include "jobopts.h"

#define SPOOL_OPTIONS_XATTR "user.crawld.options"
/* The most bytes of options read. */
#define SPOOL_OPTIONS_MAX 4096

struct spool;

/* Called once per job id found or claimed; file_name is the producer's
 * name for a file claimed now, NULL for a job found at recovery. */
typedef void (*spool_job_fn)(void *arg, const char *job_id,
                             const char *file_name);

/* Creates the directories as needed and takes the lock. NULL with *cause set
 * to a malloc'd message (e.g. another crawld holds the lock). */
struct spool *spool_open(const char *state_dir, int64_t max_job_bytes,
                         char **cause);
/* The jobs a previous run left in processing/, oldest first. Journals left
 * without their URL file (a crash in the middle of spool_finish) are moved
 * on to done/ here. Returns the number of jobs, -1 on a fatal error. */
int spool_recover(struct spool *spool, spool_job_fn found, void *arg);
/* Claims every acceptable file in incoming/, oldest name first: dot-files
 * and anything but regular files are left alone; files over the size cap
 * or that are not text go to failed/ with a reason. Returns the number
 * claimed, -1 on a fatal error (a failed fsync). */
int spool_scan(struct spool *spool, spool_job_fn claimed, void *arg);
/* Moves the job's files from processing/ to done/ (or failed/, with reason
 * written to ID.reason). 0, or -1 on a fatal error. */
int spool_finish(struct spool *spool, const char *job_id, bool failed,
                 const char *reason);
/* A new size cap for files claimed from now on (a reload). */
void spool_set_max_job_bytes(struct spool *spool, int64_t max_job_bytes);
/* The directory fd of processing/, for the job's files. */
int spool_processing_fd(const struct spool *spool);
/* "STATE_DIR/processing/ID.urls", malloc'd. */
char *spool_urls_path(const struct spool *spool, const char *job_id);
/* Reads the options of processing/ID.urls over what options holds. 0 (no
 * options is fine), or -1 with *cause set (malloc'd) when they are not a
 * JSON object of known keys and values, or cannot be read. */
int spool_job_options(const struct spool *spool, const char *job_id,
                      struct jobopts *options, char **cause);
/* inotify on incoming/: readable when something arrived. */
int spool_watch_fd(const struct spool *spool);
/* Reads the pending inotify events away. */
void spool_watch_drain(struct spool *spool);
void spool_close(struct spool *spool);

#endif
