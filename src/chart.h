/* chart.h - line charts as SVG, drawn by crawld itself (no gnuplot).
 *
 * A chart has a title, two labelled axes with 1-2-5 ticks and one line per
 * series; the legend sits right of the plot, so it never covers a line.
 * Several charts go into one SVG document, stacked vertically. An axis is
 * logarithmic (and says so) when its values span a factor of
 * CHART_LOG_RATIO or more: sizes such as 1, 2, 4, ... 1000 would crowd
 * into one edge, and a baseline 30 times slower would flatten every other
 * line. Otherwise it is linear: the y axis from 0, the x axis over the
 * data.
 *
 * Every series is one <polyline class="series series-KEY" id="CHART-KEY">,
 * so that a reader (or a test) finds each line by its key. */
#ifndef CRAWLD_CHART_H
#define CRAWLD_CHART_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define CHART_LOG_RATIO 10.0

struct chart_series {
  const char *key;   /* class and id suffix: letters, digits, '-' */
  const char *label; /* legend text */
  int style;         /* palette colour: the same style in every chart */
  bool baseline;     /* dashed, without markers or whiskers */
  size_t count;      /* points; a point with a NaN x or y is left out */
  const double *x;
  const double *y;
  const double *y_low; /* whiskers (a range around y), or NULL for none */
  const double *y_high;
};

struct chart {
  const char *id; /* prefix of the series ids */
  const char *title;
  const char *subtitle; /* or NULL */
  const char *x_label;
  const char *y_label;
  bool x_integer; /* x ticks only at whole numbers (worker counts) */
  size_t series_count;
  const struct chart_series *series;
};

/* Writes the charts, stacked, as one SVG document. 0, or -1 when writing
 * failed. */
int chart_write_svg(FILE *out, const struct chart *charts, size_t count);

/* The tick step for a linear axis over span: 1, 2 or 5 times a power of
 * ten, the smallest that needs at most max_intervals steps. 1 for a span
 * that is not above 0. */
double chart_nice_step(double span, int max_intervals);

#endif
