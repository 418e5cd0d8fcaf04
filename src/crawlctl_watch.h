/* crawlctl_watch.h - crawlctl watch: the live view of crawld.
 *
 * crawld streams a frame a second; on a terminal each is drawn over the
 * last on the alternate screen, anywhere else it is one line (or, with
 * --json, the frame itself). */
#ifndef CRAWLD_CRAWLCTL_WATCH_H
#define CRAWLD_CRAWLCTL_WATCH_H

#include "crawlctl_cmd.h"

/* The handler of watch: args[0], if count is 1, is the one job to show.
 * Draws frames until Ctrl-C or crawld's last frame (both 0, the terminal
 * restored) or an error (an exit code). Catches SIGINT, SIGTERM and
 * SIGHUP for that. */
int watch_run(struct ctlclient *client, const struct cli *cli, char **args,
              int count);

#endif
