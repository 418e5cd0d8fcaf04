#ifndef CRAWLD_UTF8_H
#define CRAWLD_UTF8_H
/*
 * UTF-8 validation and repair.
 *
 * "Valid" follows RFC 3629: no overlong forms, no surrogates (U+D800 to
 * U+DFFF), nothing above U+10FFFF, no truncated sequence. On top of that a
 * NUL byte is never valid, because the results end up in C strings.
 */

#include <stdbool.h>
#include <stddef.h>

/*
 * Copies src[0..len) into a new NUL-terminated string that is valid UTF-8.
 *
 * Each maximal subpart of an ill-formed sequence (the Unicode / WHATWG
 * decoder practice) becomes one U+FFFD, and so does each NUL byte:
 *   "\xC3\x28"     -> U+FFFD "("
 *   "\xED\xA0\x80" -> U+FFFD U+FFFD U+FFFD
 *   "\xF0\x9F\x98" -> U+FFFD (truncated at the end)
 *   "\xC0\xAF"     -> U+FFFD U+FFFD
 *
 * The copy stops after max_chars code points (0 = no limit), a U+FFFD
 * counting as one, and never splits a character.
 *
 * Returns NULL only on allocation failure; the caller frees the result.
 * *out_len, if out_len is not NULL, gets the byte length. *repaired, if
 * repaired is not NULL, is set to true when anything was replaced and left
 * untouched otherwise (cutting at max_chars is not a repair).
 */
char *utf8_sanitize(const char *src, size_t len, size_t max_chars,
                    size_t *out_len, bool *repaired);

/*
 * The same repair for a stream: copies src[0..len) to dst, which has room
 * for 3 * len bytes, and returns the bytes written. When more is to come
 * (final false) a character cut short at the end of src is not copied:
 * *consumed, if not NULL, says how far src was taken, and the caller gives
 * the rest again in front of the next piece. *repaired as above.
 */
size_t utf8_repair(const char *src, size_t len, char *dst, bool final,
                   size_t *consumed, bool *repaired);

/* True when src[0..len) is valid UTF-8 (same rules) with no NUL byte. */
bool utf8_valid(const char *src, size_t len);

#endif /* CRAWLD_UTF8_H */
