/* crawlctl_format.c - values of a reply as table cells; see
 * crawlctl_format.h. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "crawlctl_format.h"

const char *const fmt_kinds[3] = { "thread", "process", "total" };

json_t *fmt_at(json_t *root, const char *path)
{
  char key[64];

  while(root != NULL && *path != '\0') {
    size_t len = strcspn(path, ".");

    if(len >= sizeof(key))
      return NULL;
    memcpy(key, path, len);
    key[len] = '\0';
    root = json_object_get(root, key);
    path += len;
    if(*path == '.')
      path++;
  }
  return root;
}

const char *fmt_str(json_t *value)
{
  return json_is_string(value) ? json_string_value(value) : "-";
}

struct text fmt_number(json_t *value, int decimals)
{
  struct text text;

  if(json_is_integer(value))
    snprintf(text.s, sizeof(text.s), "%" JSON_INTEGER_FORMAT,
             json_integer_value(value));
  else if(json_is_real(value))
    snprintf(text.s, sizeof(text.s), "%.*f", decimals, json_real_value(value));
  else
    snprintf(text.s, sizeof(text.s), "-");
  return text;
}

struct text fmt_count(json_t *value)
{
  if(json_is_integer(value) && json_integer_value(value) < 0)
    return fmt_number(NULL, 0);
  return fmt_number(value, 0);
}

struct text fmt_duration(json_t *value)
{
  struct text text;
  long long s;

  if(!json_is_number(value) || json_number_value(value) < 0)
    return fmt_number(NULL, 0);
  s = (long long)(json_number_value(value) + 0.5);
  if(s < 60)
    snprintf(text.s, sizeof(text.s), "%llds", s);
  else if(s < 3600)
    snprintf(text.s, sizeof(text.s), "%lldm%02llds", s / 60, s % 60);
  else if(s < 86400)
    snprintf(text.s, sizeof(text.s), "%lldh%02lldm", s / 3600, s % 3600 / 60);
  else
    snprintf(text.s, sizeof(text.s), "%lldd%02lldh", s / 86400,
             s % 86400 / 3600);
  return text;
}

struct text fmt_bytes(json_t *value)
{
  static const char *const units[] = {
    "B", "KiB", "MiB", "GiB", "TiB", "PiB"
  };
  struct text text;
  double size;
  int unit = 0;

  if(!json_is_integer(value))
    return fmt_number(NULL, 0);
  size = (double)json_integer_value(value);
  while(size >= 1024 && unit < 5) {
    size /= 1024;
    unit++;
  }
  if(unit == 0)
    snprintf(text.s, sizeof(text.s), "%.0f B", size);
  else
    snprintf(text.s, sizeof(text.s), "%.1f %s", size, units[unit]);
  return text;
}

struct text fmt_percent(json_t *done, json_t *total)
{
  struct text text;

  if(!json_is_integer(done) || !json_is_integer(total) ||
     json_integer_value(total) <= 0)
    return fmt_number(NULL, 0);
  snprintf(text.s, sizeof(text.s), "%.1f%%",
           100.0 * (double)json_integer_value(done) /
               (double)json_integer_value(total));
  return text;
}
