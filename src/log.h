/* log.h - leveled logging to stderr.
 *
 * Every line starts with a syslog priority prefix ("<3>" error ... "<7>"
 * debug) so that systemd's journal keeps the level when it reads our stderr.
 * One write(2) per line, so lines from worker threads and worker processes
 * never interleave mid-line. */
#ifndef CRAWLD_LOG_H
#define CRAWLD_LOG_H

#include <stddef.h>
#include <syslog.h>

/* Lines above this priority (numerically greater, i.e. less important) are
 * dropped. */
void log_set_level(int priority);
int log_get_level(void);
/* Names the process in every line: "crawld" or "crawld-worker". Not copied. */
void log_set_ident(const char *ident);
/* Parses "error", "warning", "info" or "debug"; -1 if none of them. */
int log_level_from_name(const char *name);
/* The name of the most verbose level that includes priority. */
const char *log_level_name(int priority);

/* Copies text into buf (size bytes) with every byte that is not printable
 * ASCII written as \xNN, so that a name from outside (a producer's file
 * name) cannot forge or split log lines. Returns buf. */
const char *log_escape(const char *text, char *buf, size_t size);

/* Sets *cause to a malloc'd message for the caller to print (and free), or
 * to NULL when there is no memory for one. Returns -1, so that setup code
 * can end with "return cause_set(cause, ...);". */
int cause_set(char **cause, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

void log_msg(int priority, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#define log_err(...) log_msg(LOG_ERR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARNING, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
