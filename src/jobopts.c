/* jobopts.c - a job's own options; see jobopts.h. */
#include "config.h"

#include <errno.h>
#include <regex.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "jobopts.h"
#include "log.h"

enum key_type { KEY_SWITCH, KEY_COUNT, KEY_SCOPE, KEY_REGEX };

struct key {
  const char *name;
  enum key_type type;
  size_t offset; /* into struct jobopts */
  long long max; /* KEY_COUNT: from 0 to max */
};

#define AT(member) offsetof(struct jobopts, member)

static const struct key keys[] = {
  { "robots", KEY_SWITCH, AT(robots), 0 },
  { "depth", KEY_COUNT, AT(depth), JOBOPTS_MAX_DEPTH },
  { "scope", KEY_SCOPE, AT(scope), 0 },
  { "max_pages", KEY_COUNT, AT(max_pages), 1000000000000LL },
  { "include", KEY_REGEX, AT(include), 0 },
  { "exclude", KEY_REGEX, AT(exclude), 0 },
  { "record_links", KEY_SWITCH, AT(record_links), 0 },
};

#define KEY_COUNT_ALL (sizeof(keys) / sizeof(keys[0]))

static const char *const scope_names[] = { "host", "domain", "prefix" };

const char *jobopts_scope_name(enum jobopts_scope scope)
{
  return scope_names[scope];
}

void jobopts_defaults(struct jobopts *opts, bool robots)
{
  memset(opts, 0, sizeof(*opts));
  opts->robots = robots;
  opts->scope = SCOPE_HOST;
}

static const struct key *key_named(const char *name)
{
  for(size_t i = 0; i < KEY_COUNT_ALL; i++) {
    if(strcmp(keys[i].name, name) == 0)
      return &keys[i];
  }
  return NULL;
}

/* A count field is an int (depth) or a long long (max_pages). */
static void store_count(struct jobopts *opts, const struct key *key,
                        long long value)
{
  char *field = (char *)opts + key->offset;

  if(key->offset == AT(depth))
    *(int *)field = (int)value;
  else
    *(long long *)field = value;
}

static int set_regex(struct jobopts *opts, const struct key *key,
                     const char *text, char **cause)
{
  char *field = (char *)opts + key->offset;
  char why[256];
  regex_t compiled;
  int rc;

  if(strlen(text) >= JOBOPTS_REGEX_MAX)
    return cause_set(cause, "%s: at most %d bytes", key->name,
                     JOBOPTS_REGEX_MAX - 1);
  /* Compiled here only to refuse a bad one now, where the user sees it;
   * the job compiles its own. */
  rc = regcomp(&compiled, text, REG_EXTENDED | REG_NOSUB);
  if(rc != 0) {
    regerror(rc, &compiled, why, sizeof(why));
    return cause_set(cause, "%s: not a POSIX extended regular expression: %s",
                     key->name, why);
  }
  regfree(&compiled);
  memcpy(field, text, strlen(text) + 1);
  return 0;
}

static int set_text(struct jobopts *opts, const struct key *key,
                    const char *text, char **cause)
{
  char *field = (char *)opts + key->offset;
  long long value;
  char *end;

  switch(key->type) {
    case KEY_SWITCH:
      if(strcmp(text, "on") == 0 || strcmp(text, "true") == 0)
        *(bool *)field = true;
      else if(strcmp(text, "off") == 0 || strcmp(text, "false") == 0)
        *(bool *)field = false;
      else
        return cause_set(cause, "%s: expected on or off, got '%s'", key->name,
                         text);
      return 0;
    case KEY_COUNT:
      errno = 0;
      value = strtoll(text, &end, 10);
      if(errno != 0 || end == text || *end != '\0' || value < 0 ||
         value > key->max)
        return cause_set(cause,
                         "%s: expected a whole number from 0 to %lld, got "
                         "'%s'",
                         key->name, key->max, text);
      store_count(opts, key, value);
      return 0;
    case KEY_SCOPE:
      for(size_t i = 0; i < sizeof(scope_names) / sizeof(scope_names[0]);
          i++) {
        if(strcmp(text, scope_names[i]) == 0) {
          *(enum jobopts_scope *)field = (enum jobopts_scope)i;
          return 0;
        }
      }
      return cause_set(cause, "%s: expected host, domain or prefix, got '%s'",
                       key->name, text);
    case KEY_REGEX:
      return set_regex(opts, key, text, cause);
  }
  return cause_set(cause, "%s: unknown option type", key->name);
}

int jobopts_set(struct jobopts *opts, const char *name, const char *text,
                char **cause)
{
  const struct key *key = key_named(name);

  *cause = NULL;
  if(key == NULL)
    return cause_set(cause, "unknown job option '%s'", name);
  if(set_text(opts, key, text, cause) < 0)
    return -1;
  opts->set |= 1u << (key - keys);
  return 0;
}

int jobopts_set_json(struct jobopts *opts, const json_t *object, char **cause)
{
  const char *name;
  json_t *value;

  *cause = NULL;
  if(!json_is_object(object))
    return cause_set(cause, "job options must be a JSON object");
  json_object_foreach((json_t *)object, name, value)
  {
    const struct key *key = key_named(name);
    char number[32];
    const char *text = NULL;

    if(key == NULL)
      return cause_set(cause, "unknown job option '%s'", name);
    if(key->type == KEY_SWITCH && json_is_boolean(value))
      text = json_is_true(value) ? "on" : "off";
    else if(key->type == KEY_COUNT && json_is_integer(value)) {
      snprintf(number, sizeof(number), "%lld",
               (long long)json_integer_value(value));
      text = number;
    }
    else if((key->type == KEY_SCOPE || key->type == KEY_REGEX) &&
            json_is_string(value))
      text = json_string_value(value);
    if(text == NULL)
      return cause_set(cause, "%s: expected a JSON %s", name,
                       key->type == KEY_SWITCH  ? "boolean"
                       : key->type == KEY_COUNT ? "integer"
                                                : "string");
    if(jobopts_set(opts, name, text, cause) < 0)
      return -1;
  }
  return 0;
}

json_t *jobopts_to_json(const struct jobopts *opts)
{
  json_t *object = json_object();

  for(size_t i = 0; object != NULL && i < KEY_COUNT_ALL; i++) {
    const char *field = (const char *)opts + keys[i].offset;
    json_t *value = NULL;

    if(!(opts->set & (1u << i)))
      continue;
    switch(keys[i].type) {
      case KEY_SWITCH:
        value = json_boolean(*(const bool *)field);
        break;
      case KEY_COUNT:
        value = json_integer(keys[i].offset == AT(depth)
                                 ? *(const int *)field
                                 : *(const long long *)field);
        break;
      case KEY_SCOPE:
        value = json_string(
            jobopts_scope_name(*(const enum jobopts_scope *)field));
        break;
      case KEY_REGEX:
        value = json_string(field);
        break;
    }
    if(json_object_set_new(object, keys[i].name, value) < 0) {
      json_decref(object);
      object = NULL;
    }
  }
  return object;
}

int jobopts_check(const struct jobopts *opts, char **cause)
{
  static const char *const link_keys[] = { "scope", "include", "exclude" };

  *cause = NULL;
  if(opts->depth > 0 || opts->record_links)
    return 0;
  /* Options that would change nothing are a mistake the user should
   * hear of, not a silent no-op. */
  for(size_t i = 0; i < sizeof(link_keys) / sizeof(link_keys[0]); i++) {
    if(opts->set & (1u << (key_named(link_keys[i]) - keys)))
      return cause_set(cause,
                       "%s: chooses which links are followed, so it needs "
                       "a depth above 0 (or record_links)",
                       link_keys[i]);
  }
  return 0;
}
