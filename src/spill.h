/* spill.h - the frontier's overflow on disk: URLs of hosts whose queue in
 * memory is full, kept in one unlinked temporary file, so that a host that
 * holds most of a huge URL file costs disk, not memory, and the reader can
 * go on to the other hosts' lines.
 *
 * Each host's spilled URLs form a chain through the file (every entry holds
 * the offset of the next one), read back in the order they were written.
 * The file only grows while anything is spilled, and is emptied when every
 * chain is. It is scratch space: after a crash the journal, not the spill,
 * says which lines still need a record. */
#ifndef CRAWLD_SPILL_H
#define CRAWLD_SPILL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* One host's spilled URLs. All zero is an empty chain. */
struct spill_chain {
  off_t head; /* offset + 1 of the oldest entry; 0 when empty */
  off_t tail; /* offset + 1 of the newest */
  long long count;
};

/* A spilled URL as it comes back. */
struct spill_entry {
  uint32_t job_slot;
  int attempt;
  long long seq;
  char *url; /* malloc'd; the caller frees */
  size_t url_len;
  int depth;
  bool links; /* task.h's: the worker sends the page's links up */
  char *via;  /* malloc'd, or NULL; the caller frees */
  size_t via_len;
};

struct spill;

/* An unlinked file in dir. NULL with *cause set (malloc'd) on failure. */
struct spill *spill_open(const char *dir, char **cause);
/* Appends an entry to chain. 0, or -1 with errno set (disk full, ...). */
int spill_push(struct spill *spill, struct spill_chain *chain,
               const struct spill_entry *entry);
/* Takes the oldest entry of a non-empty chain. 0, or -1 with errno set. */
int spill_pop(struct spill *spill, struct spill_chain *chain,
              struct spill_entry *entry);
/* URLs spilled and not yet taken back, over every chain. */
long long spill_count(const struct spill *spill);
/* Bytes the file holds now. */
off_t spill_size(const struct spill *spill);
void spill_close(struct spill *spill);

#endif
