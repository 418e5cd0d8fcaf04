/* scope.c - which discovered links a job follows; see scope.h. */
#include "config.h"

#include <regex.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hostkey.h"
#include "log.h"
#include "scope.h"

/* The seeds' hosts, domains or "host/dir/" prefixes: an open-addressing
 * set of strings, at most half full. */
struct scope {
  enum jobopts_scope kind;
  char **keys; /* NULL: free slot */
  size_t slots;
  size_t count;
  bool has_include, has_exclude;
  regex_t include, exclude;
  char *scratch; /* a key being looked up */
  size_t scratch_size;
};

/* The host of a normalised URL: its start and length; false when there is
 * none. An IPv6 literal keeps its brackets. */
static bool url_host(const char *url, const char **host, size_t *len)
{
  const char *start = strstr(url, "://");
  const char *end;

  if(start == NULL)
    return false;
  start += 3;
  if(*start == '[')
    end = strchr(start, ']') != NULL ? strchr(start, ']') + 1 : NULL;
  else
    end = start + strcspn(start, ":/?#");
  if(end == NULL || end == start)
    return false;
  *host = start;
  *len = (size_t)(end - start);
  return true;
}

/* The path of a normalised URL, up to its query: "/" when it has none. */
static const char *url_path(const char *host_end, size_t *len)
{
  const char *path = host_end + strcspn(host_end, "/?#");

  if(*path != '/') {
    *len = 1;
    return "/";
  }
  *len = strcspn(path, "?#");
  return path;
}

/* The slot holding key, or the free slot where it would go. */
static size_t find_slot(const struct scope *scope, const char *key, size_t len)
{
  size_t slot = hostkey_hash_bytes(key, len) & (scope->slots - 1);

  while(scope->keys[slot] != NULL &&
        !(strncmp(scope->keys[slot], key, len) == 0 &&
          scope->keys[slot][len] == '\0'))
    slot = (slot + 1) & (scope->slots - 1);
  return slot;
}

static bool has_key(const struct scope *scope, const char *key, size_t len)
{
  return scope->keys[find_slot(scope, key, len)] != NULL;
}

static int grow(struct scope *scope)
{
  size_t old_slots = scope->slots;
  char **old = scope->keys;

  scope->slots = old_slots * 2;
  scope->keys = calloc(scope->slots, sizeof(*scope->keys));
  if(scope->keys == NULL) {
    scope->keys = old;
    scope->slots = old_slots;
    return -1;
  }
  for(size_t i = 0; i < old_slots; i++) {
    if(old[i] != NULL)
      scope->keys[find_slot(scope, old[i], strlen(old[i]))] = old[i];
  }
  free(old);
  return 0;
}

static int add_key(struct scope *scope, const char *key, size_t len)
{
  size_t slot;

  if(has_key(scope, key, len))
    return 0;
  if((scope->count + 1) * 2 > scope->slots && grow(scope) < 0)
    return -1;
  slot = find_slot(scope, key, len);
  scope->keys[slot] = strndup(key, len);
  if(scope->keys[slot] == NULL)
    return -1;
  scope->count++;
  return 0;
}

/* host + path[0, len) in the scratch buffer, for a prefix key. */
static const char *prefix_key(struct scope *scope, const char *host,
                              size_t host_len, const char *path, size_t len)
{
  size_t need = host_len + len + 1;

  if(need > scope->scratch_size) {
    char *bigger = realloc(scope->scratch, need);

    if(bigger == NULL)
      return NULL;
    scope->scratch = bigger;
    scope->scratch_size = need;
  }
  memcpy(scope->scratch, host, host_len);
  memcpy(scope->scratch + host_len, path, len);
  scope->scratch[host_len + len] = '\0';
  return scope->scratch;
}

static int compile(regex_t *regex, const char *text, const char *name,
                   char **cause)
{
  int rc = regcomp(regex, text, REG_EXTENDED | REG_NOSUB);
  char why[256];

  if(rc == 0)
    return 0;
  regerror(rc, regex, why, sizeof(why));
  return cause_set(cause, "%s: not a POSIX extended regular expression: %s",
                   name, why);
}

struct scope *scope_new(const struct jobopts *options, char **cause)
{
  struct scope *scope = calloc(1, sizeof(*scope));

  *cause = NULL;
  if(scope == NULL ||
     (scope->keys = calloc(16, sizeof(*scope->keys))) == NULL) {
    free(scope);
    cause_set(cause, "out of memory");
    return NULL;
  }
  scope->slots = 16;
  scope->kind = options->scope;
  if(options->include[0] != '\0') {
    if(compile(&scope->include, options->include, "include", cause) < 0) {
      scope_free(scope);
      return NULL;
    }
    scope->has_include = true;
  }
  if(options->exclude[0] != '\0') {
    if(compile(&scope->exclude, options->exclude, "exclude", cause) < 0) {
      scope_free(scope);
      return NULL;
    }
    scope->has_exclude = true;
  }
  return scope;
}

int scope_add_seed(struct scope *scope, const char *url)
{
  const char *host, *path;
  char host_text[HOSTKEY_MAX];
  size_t host_len, path_len;

  if(!url_host(url, &host, &host_len) || host_len >= sizeof(host_text))
    return 0;
  switch(scope->kind) {
    case SCOPE_HOST:
      return add_key(scope, host, host_len);
    case SCOPE_DOMAIN:
      memcpy(host_text, host, host_len);
      host_text[host_len] = '\0';
      return add_key(scope, hostkey_domain(host_text),
                     strlen(hostkey_domain(host_text)));
    case SCOPE_PREFIX:
      path = url_path(host + host_len, &path_len);
      /* The directory: up to and including the last '/'. */
      while(path[path_len - 1] != '/')
        path_len--;
      if(prefix_key(scope, host, host_len, path, path_len) == NULL)
        return -1;
      return add_key(scope, scope->scratch, host_len + path_len);
  }
  return 0;
}

static bool in_scope(struct scope *scope, const char *url)
{
  const char *host, *path;
  char host_text[HOSTKEY_MAX];
  size_t host_len, path_len;

  if(!url_host(url, &host, &host_len) || host_len >= sizeof(host_text))
    return false;
  switch(scope->kind) {
    case SCOPE_HOST:
      return has_key(scope, host, host_len);
    case SCOPE_DOMAIN:
      memcpy(host_text, host, host_len);
      host_text[host_len] = '\0';
      return has_key(scope, hostkey_domain(host_text),
                     strlen(hostkey_domain(host_text)));
    case SCOPE_PREFIX:
      /* Every directory the path is under, "/" first. */
      path = url_path(host + host_len, &path_len);
      for(size_t len = 1; len <= path_len; len++) {
        if(path[len - 1] != '/')
          continue;
        if(prefix_key(scope, host, host_len, path, len) == NULL)
          return false;
        if(has_key(scope, scope->scratch, host_len + len))
          return true;
      }
      return false;
  }
  return false;
}

bool scope_allows(struct scope *scope, const char *url)
{
  if(!in_scope(scope, url))
    return false;
  if(scope->has_include && regexec(&scope->include, url, 0, NULL, 0) != 0)
    return false;
  return !(scope->has_exclude &&
           regexec(&scope->exclude, url, 0, NULL, 0) == 0);
}

size_t scope_size(const struct scope *scope)
{
  return scope->count;
}

void scope_free(struct scope *scope)
{
  if(scope == NULL)
    return;
  for(size_t i = 0; i < scope->slots; i++)
    free(scope->keys[i]);
  free(scope->keys);
  if(scope->has_include)
    regfree(&scope->include);
  if(scope->has_exclude)
    regfree(&scope->exclude);
  free(scope->scratch);
  free(scope);
}
