/* crawlctl_submit.h - crawlctl submit: hands URL files to crawld.
 *
 * Each file is dropped into the state directory that status reports the
 * way every producer must (spool.h): copied into incoming/.tmp/, synced,
 * renamed into incoming/; then crawld is asked which job it became. */
#ifndef CRAWLD_CRAWLCTL_SUBMIT_H
#define CRAWLD_CRAWLCTL_SUBMIT_H

#include "crawlctl_cmd.h"

/* The handler of submit: args are count files ("-" for standard input),
 * each printed as its job id in turn. Stops at the first that fails, whose
 * temporary file it removes. Returns 0 or an exit code. */
int submit_run(struct ctlclient *client, const struct cli *cli, char **args,
               int count);

#endif
