/* compare_stats.h - the arithmetic behind crawld compare's numbers: the
 * median and range of repeated runs, latency percentiles, speedups.
 *
 * Pure functions without I/O, so that every number compare prints can be
 * checked against known inputs. A value that cannot be known (no runs, no
 * baseline) is NaN, which the reports print as an empty cell or null. */
#ifndef CRAWLD_COMPARE_STATS_H
#define CRAWLD_COMPARE_STATS_H

#include <stddef.h>

/* The median and range of one measure over repeated runs. */
struct compare_summary {
  double median;
  double min;
  double max;
  size_t count; /* values that were not NaN */
};

/* Sorts values in place, ascending, with every NaN after the numbers.
 * Returns how many are not NaN. */
size_t compare_sort(double *values, size_t count);
/* The median of sorted values (no NaN): the middle one for an odd count,
 * the mean of the two middle ones for an even count; NaN for none. */
double compare_median(const double *sorted, size_t count);
/* The nearest-rank percentile of sorted values (no NaN): the value of rank
 * ceil(fraction * count), clamped to 1..count, so always a value that was
 * measured (the rule stats_percentile uses on its histogram). NaN for
 * none. */
double compare_percentile(const double *sorted, size_t count, double fraction);
/* Median, min and max of the values that are not NaN; all NaN (count 0)
 * when there are none. Reorders values (compare_sort). */
void compare_summarize(double *values, size_t count,
                       struct compare_summary *summary);
/* How many times faster than the baseline: rate / baseline_rate, both in
 * pages per second; NaN when either is NaN or the baseline is not above 0.
 */
double compare_speedup(double rate, double baseline_rate);

#endif
