/* compare_stats.c - medians, percentiles, speedups; see compare_stats.h. */
#include "config.h"

#include <math.h>
#include <stdlib.h>

#include "compare_stats.h"

/* NaN sorts last, so that the numbers form a sorted prefix. */
static int by_value(const void *a, const void *b)
{
  double x = *(const double *)a;
  double y = *(const double *)b;

  if(isnan(x) || isnan(y))
    return isnan(x) - isnan(y);
  return (x > y) - (x < y);
}

size_t compare_sort(double *values, size_t count)
{
  size_t numbers = 0;

  qsort(values, count, sizeof(*values), by_value);
  while(numbers < count && !isnan(values[numbers]))
    numbers++;
  return numbers;
}

double compare_median(const double *sorted, size_t count)
{
  if(count == 0)
    return NAN;
  if(count % 2 == 1)
    return sorted[count / 2];
  return (sorted[count / 2 - 1] + sorted[count / 2]) / 2.0;
}

double compare_percentile(const double *sorted, size_t count, double fraction)
{
  double rank;

  if(count == 0)
    return NAN;
  /* The epsilon keeps float error (0.07 * 100 = 7.000000000000001) from
   * moving the rank up by one. */
  rank = ceil(fraction * (double)count - 1e-9);
  if(!(rank >= 1.0))
    rank = 1.0;
  if(rank > (double)count)
    rank = (double)count;
  return sorted[(size_t)rank - 1];
}

void compare_summarize(double *values, size_t count,
                       struct compare_summary *summary)
{
  size_t numbers = compare_sort(values, count);

  summary->count = numbers;
  summary->median = compare_median(values, numbers);
  summary->min = numbers > 0 ? values[0] : NAN;
  summary->max = numbers > 0 ? values[numbers - 1] : NAN;
}

double compare_speedup(double rate, double baseline_rate)
{
  if(isnan(rate) || !(baseline_rate > 0.0))
    return NAN;
  return rate / baseline_rate;
}
