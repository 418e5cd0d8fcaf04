/* conf.h - the settings file: INI sections and keys (crawld.conf(5)) read
 * over the built-in defaults, parsed by libinih. */
#ifndef CRAWLD_CONF_H
#define CRAWLD_CONF_H

#include <stdbool.h>

#include "options.h"

/* Reads path over opts, key by key, through options_set(). Returns 0, or -1
 * with *cause set to a malloc'd "path:line: message" (or "path: message" when
 * the file cannot be read) naming the first error; opts may then be partly
 * changed, so load into a copy when the old settings must survive. A missing
 * file is an error unless missing_ok, when it leaves opts as they were. */
int conf_load(const char *path, bool missing_ok, struct crawl_options *opts,
              char **cause);

#endif
