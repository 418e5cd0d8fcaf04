/* chart.c - line charts as SVG; see chart.h. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "chart.h"

/* One chart's box, in SVG pixels. The right margin holds the legend. */
#define WIDTH 900
#define HEIGHT 440
#define PLOT_LEFT 84
#define PLOT_TOP 72
#define PLOT_WIDTH (WIDTH - PLOT_LEFT - 220)
#define PLOT_HEIGHT (HEIGHT - PLOT_TOP - 66)
/* Data stays this far inside the frame, so that no marker sits on it. */
#define INSET 14
#define MAX_TICKS 40
/* Intervals a linear axis aims for: enough to read a value, few enough
 * that the labels stay apart. */
#define LINEAR_INTERVALS 6

/* Okabe-Ito: colours that stay apart for colour-blind readers too. Style 0
 * (the baseline in crawld compare) is a dark grey, not black, so that it
 * does not read as an axis. */
static const char *const palette[] = { "#4d4d4d", "#0072b2", "#d55e00",
                                       "#009e73", "#cc79a7", "#e69f00",
                                       "#56b4e9", "#f0e442" };
#define PALETTE_SIZE (sizeof(palette) / sizeof(palette[0]))

struct axis {
  double min;
  double max;
  bool log;
  double step; /* linear axes: between ticks, for the label decimals */
  size_t tick_count;
  double ticks[MAX_TICKS];
};

double chart_nice_step(double span, int max_intervals)
{
  static const double mantissas[] = { 1, 2, 5, 10 };
  double magnitude;

  if(!(span > 0) || !isfinite(span) || max_intervals < 1)
    return 1;
  magnitude = pow(10, floor(log10(span / max_intervals)));
  for(size_t i = 0; i < sizeof(mantissas) / sizeof(mantissas[0]); i++) {
    /* The tolerance keeps float error from skipping an exact fit. */
    if(span / (mantissas[i] * magnitude) <= max_intervals + 1e-9)
      return mantissas[i] * magnitude;
  }
  return 10 * magnitude;
}

static bool point_ok(const struct chart_series *series, size_t i)
{
  return isfinite(series->x[i]) && isfinite(series->y[i]);
}

/* The range of every x (or every y, whiskers included) that is drawn. */
static void data_range(const struct chart *chart, bool x, double *low,
                       double *high)
{
  *low = INFINITY;
  *high = -INFINITY;
  for(size_t s = 0; s < chart->series_count; s++) {
    const struct chart_series *series = &chart->series[s];

    for(size_t i = 0; i < series->count; i++) {
      double values[3] = { NAN, NAN, NAN };

      if(!point_ok(series, i))
        continue;
      if(x) {
        values[0] = series->x[i];
      }
      else {
        values[0] = series->y[i];
        if(series->y_low != NULL && !series->baseline) {
          values[1] = series->y_low[i];
          values[2] = series->y_high[i];
        }
      }
      for(int v = 0; v < 3; v++) {
        if(isfinite(values[v]) && values[v] < *low)
          *low = values[v];
        if(isfinite(values[v]) && values[v] > *high)
          *high = values[v];
      }
    }
  }
}

/* From zero (or from the data when from_zero is false) to the data's
 * maximum, both rounded out to a step; a single value gets a step on
 * either side. */
static void linear_axis(struct axis *axis, double low, double high,
                        bool from_zero, bool integer)
{
  double step;

  if(!isfinite(low)) {
    low = 0;
    high = 1;
  }
  axis->log = false;
  if(from_zero && low > 0)
    low = 0;
  step =
      chart_nice_step(high > low ? high - low : fabs(high), LINEAR_INTERVALS);
  if(integer && step < 1)
    step = 1;
  axis->min = floor(low / step) * step;
  axis->max = ceil(high / step) * step;
  if(axis->max <= axis->min) {
    axis->min -= step;
    axis->max += step;
  }
  axis->step = step;
  axis->tick_count = 0;
  for(int i = 0; axis->tick_count < MAX_TICKS; i++) {
    double tick = axis->min + i * step;

    if(tick > axis->max + step / 1000)
      break;
    axis->ticks[axis->tick_count++] = tick;
  }
}

/* The largest of 1, 2 or 5 times a power of ten that is not above value
 * (up: the smallest not below it). */
static double log_tick_near(double value, bool up)
{
  static const double mantissas[] = { 1, 2, 5, 10 };
  double decade = pow(10, floor(log10(value)));
  double best = up ? 10 * decade : decade;

  for(size_t m = 0; m < sizeof(mantissas) / sizeof(mantissas[0]); m++) {
    double tick = mantissas[m] * decade;

    /* The tolerance keeps float error from passing an exact tick by. */
    if(up && tick >= value * (1 - 1e-9) && tick < best)
      best = tick;
    if(!up && tick <= value * (1 + 1e-9) && tick > best)
      best = tick;
  }
  return best;
}

/* From the tick below the data to the tick above it, with ticks at 1, 2
 * and 5 times each power of ten, or at the powers alone when that would
 * crowd the axis. */
static void log_axis(struct axis *axis, double low, double high)
{
  static const double mantissas[] = { 1, 2, 5 };

  axis->log = true;
  axis->min = log_tick_near(low, false);
  axis->max = log_tick_near(high, true);
  axis->step = 0;
  for(size_t used = 3;; used = 1) {
    axis->tick_count = 0;
    for(int decade = (int)floor(log10(axis->min));
        decade <= (int)ceil(log10(axis->max)); decade++) {
      for(size_t m = 0; m < used && axis->tick_count < MAX_TICKS; m++) {
        double tick = mantissas[m] * pow(10, decade);

        if(tick >= axis->min * (1 - 1e-9) && tick <= axis->max * (1 + 1e-9))
          axis->ticks[axis->tick_count++] = tick;
      }
    }
    if(axis->tick_count <= 10 || used == 1)
      break;
  }
}

static void make_axis(struct axis *axis, const struct chart *chart, bool x)
{
  double low;
  double high;

  data_range(chart, x, &low, &high);
  if(isfinite(low) && low > 0 && high / low >= CHART_LOG_RATIO)
    log_axis(axis, low, high);
  else
    linear_axis(axis, low, high, !x, x && chart->x_integer);
}

/* Where value falls along the axis: 0 at min, 1 at max. */
static double axis_fraction(const struct axis *axis, double value)
{
  if(axis->log)
    return (log10(value) - log10(axis->min)) /
           (log10(axis->max) - log10(axis->min));
  return (value - axis->min) / (axis->max - axis->min);
}

static double x_pixel(const struct axis *axis, double value)
{
  return PLOT_LEFT + INSET +
         axis_fraction(axis, value) * (PLOT_WIDTH - 2 * INSET);
}

static double y_pixel(const struct axis *axis, double value, double top)
{
  return top + PLOT_TOP + INSET +
         (1 - axis_fraction(axis, value)) * (PLOT_HEIGHT - 2 * INSET);
}

/* A tick label: as many decimals as the step needs (a log tick is its own
 * step), and k or M for large values so that labels stay short. */
static void format_tick(char *buf, size_t size, const struct axis *axis,
                        double value)
{
  double step = axis->log ? value : axis->step;
  int decimals = step >= 1 || step <= 0 ? 0 : (int)ceil(-log10(step) - 1e-9);

  if(fabs(value) >= 1e6)
    snprintf(buf, size, "%gM", value / 1e6);
  else if(fabs(value) >= 1e4)
    snprintf(buf, size, "%gk", value / 1e3);
  else
    snprintf(buf, size, "%.*f", decimals,
             fabs(value) < step / 1e6 ? 0.0 : value);
}

/* Text for SVG: the five XML specials as entities. */
static void put_text(FILE *out, const char *text)
{
  for(const char *c = text; *c != '\0'; c++) {
    switch(*c) {
      case '&':
        fputs("&amp;", out);
        break;
      case '<':
        fputs("&lt;", out);
        break;
      case '>':
        fputs("&gt;", out);
        break;
      case '"':
        fputs("&quot;", out);
        break;
      case '\'':
        fputs("&apos;", out);
        break;
      default:
        fputc(*c, out);
    }
  }
}

static void draw_frame(FILE *out, const struct chart *chart,
                       const struct axis *x, const struct axis *y, double top)
{
  double bottom = top + PLOT_TOP + PLOT_HEIGHT;
  char label[32];

  fprintf(out,
          "<text x=\"%d\" y=\"%.1f\" font-size=\"18\" "
          "font-weight=\"bold\">",
          PLOT_LEFT, top + 28);
  put_text(out, chart->title);
  fputs("</text>\n", out);
  if(chart->subtitle != NULL) {
    fprintf(out, "<text x=\"%d\" y=\"%.1f\" font-size=\"13\" fill=\"#555\">",
            PLOT_LEFT, top + 49);
    put_text(out, chart->subtitle);
    fputs("</text>\n", out);
  }
  for(size_t i = 0; i < y->tick_count; i++) {
    double py = y_pixel(y, y->ticks[i], top);

    format_tick(label, sizeof(label), y, y->ticks[i]);
    fprintf(out,
            "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" "
            "stroke=\"#e3e3e3\"/>\n",
            PLOT_LEFT, py, PLOT_LEFT + PLOT_WIDTH, py);
    fprintf(out,
            "<text class=\"y-tick\" x=\"%d\" y=\"%.1f\" "
            "font-size=\"13\" text-anchor=\"end\">%s</text>\n",
            PLOT_LEFT - 8, py + 4.5, label);
  }
  for(size_t i = 0; i < x->tick_count; i++) {
    double px = x_pixel(x, x->ticks[i]);

    format_tick(label, sizeof(label), x, x->ticks[i]);
    fprintf(out,
            "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
            "stroke=\"#e3e3e3\"/>\n",
            px, top + PLOT_TOP, px, bottom);
    fprintf(out,
            "<text class=\"x-tick\" x=\"%.1f\" y=\"%.1f\" "
            "font-size=\"13\" text-anchor=\"middle\">%s</text>\n",
            px, bottom + 19, label);
  }
  fprintf(out,
          "<rect x=\"%d\" y=\"%.1f\" width=\"%d\" height=\"%d\" "
          "fill=\"none\" stroke=\"#777\"/>\n",
          PLOT_LEFT, top + PLOT_TOP, PLOT_WIDTH, PLOT_HEIGHT);
  fprintf(out,
          "<text class=\"x-label\" x=\"%.1f\" y=\"%.1f\" "
          "font-size=\"15\" text-anchor=\"middle\">",
          PLOT_LEFT + PLOT_WIDTH / 2.0, bottom + 46);
  put_text(out, chart->x_label);
  fprintf(out, "%s</text>\n", x->log ? " (log scale)" : "");
  fprintf(out,
          "<text class=\"y-label\" font-size=\"15\" "
          "text-anchor=\"middle\" transform=\"translate(24 %.1f) "
          "rotate(-90)\">",
          top + PLOT_TOP + PLOT_HEIGHT / 2.0);
  put_text(out, chart->y_label);
  fprintf(out, "%s</text>\n", y->log ? " (log scale)" : "");
}

/* A marker whose shape follows the style (circle, square, triangle,
 * diamond), so that lines on top of each other stay apart, in grey too. */
static void draw_marker(FILE *out, int style, double px, double py,
                        const char *colour)
{
  static const char attributes[] = "stroke=\"white\" stroke-width=\"1.2\"";

  switch(style % 4) {
    case 0:
      fprintf(out,
              "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4.8\" fill=\"%s\" %s/>\n",
              px, py, colour, attributes);
      break;
    case 1:
      fprintf(out,
              "<rect x=\"%.1f\" y=\"%.1f\" width=\"9\" height=\"9\" "
              "fill=\"%s\" %s/>\n",
              px - 4.5, py - 4.5, colour, attributes);
      break;
    case 2:
      fprintf(out, "<path d=\"M%.1f %.1fl5.5 9.5h-11z\" fill=\"%s\" %s/>\n",
              px, py - 6, colour, attributes);
      break;
    default:
      fprintf(out, "<path d=\"M%.1f %.1fl6 6-6 6-6-6z\" fill=\"%s\" %s/>\n",
              px, py - 6, colour, attributes);
  }
}

/* Whiskers of series number index out of count are moved sideways by a
 * few pixels each, so that the ranges of points at the same x do not hide
 * each other. */
static void draw_whiskers(FILE *out, const struct chart_series *series,
                          size_t index, size_t count, const struct axis *x,
                          const struct axis *y, double top, const char *colour)
{
  double dodge = 3.0 * ((double)index - (double)(count - 1) / 2);

  for(size_t i = 0; i < series->count; i++) {
    double px;
    double low;
    double high;

    if(!point_ok(series, i) || !isfinite(series->y_low[i]) ||
       !isfinite(series->y_high[i]))
      continue;
    px = x_pixel(x, series->x[i]) + dodge;
    low = y_pixel(y, series->y_low[i], top);
    high = y_pixel(y, series->y_high[i], top);
    /* Shorter than a marker: nothing to show. */
    if(low - high < 2)
      continue;
    fprintf(out,
            "<path d=\"M%.1f %.1fV%.1fM%.1f %.1fh8M%.1f %.1fh8\" "
            "stroke=\"%s\" stroke-width=\"1.3\" fill=\"none\"/>\n",
            px, low, high, px - 4, low, px - 4, high, colour);
  }
}

static void draw_series(FILE *out, const struct chart *chart, size_t index,
                        const struct axis *x, const struct axis *y, double top)
{
  const struct chart_series *series = &chart->series[index];
  const char *colour = palette[(size_t)series->style % PALETTE_SIZE];

  if(series->y_low != NULL && series->y_high != NULL && !series->baseline)
    draw_whiskers(out, series, index, chart->series_count, x, y, top, colour);
  fprintf(out,
          "<polyline class=\"series series-%s\" id=\"%s-%s\" "
          "fill=\"none\" stroke=\"%s\" stroke-width=\"2.5\" "
          "stroke-linejoin=\"round\"%s points=\"",
          series->key, chart->id, series->key, colour,
          series->baseline ? " stroke-dasharray=\"8 6\"" : "");
  for(size_t i = 0; i < series->count; i++) {
    if(point_ok(series, i))
      fprintf(out, "%s%.1f,%.1f", i > 0 ? " " : "", x_pixel(x, series->x[i]),
              y_pixel(y, series->y[i], top));
  }
  fputs("\"/>\n", out);
  if(series->baseline)
    return;
  for(size_t i = 0; i < series->count; i++) {
    if(point_ok(series, i))
      draw_marker(out, series->style, x_pixel(x, series->x[i]),
                  y_pixel(y, series->y[i], top), colour);
  }
}

/* Right of the plot: one line sample (with its marker) and label per
 * series. */
static void draw_legend(FILE *out, const struct chart *chart, double top)
{
  double left = PLOT_LEFT + PLOT_WIDTH + 22;

  for(size_t s = 0; s < chart->series_count; s++) {
    const struct chart_series *series = &chart->series[s];
    const char *colour = palette[(size_t)series->style % PALETTE_SIZE];
    double py = top + PLOT_TOP + 14 + 26.0 * (double)s;

    fprintf(out, "<g class=\"legend legend-%s\">\n", series->key);
    fprintf(out,
            "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
            "stroke=\"%s\" stroke-width=\"2.5\"%s/>\n",
            left, py, left + 30, py, colour,
            series->baseline ? " stroke-dasharray=\"8 6\"" : "");
    if(!series->baseline)
      draw_marker(out, series->style, left + 15, py, colour);
    fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"14\">", left + 38,
            py + 5);
    put_text(out, series->label);
    fputs("</text>\n</g>\n", out);
  }
}

int chart_write_svg(FILE *out, const struct chart *charts, size_t count)
{
  fprintf(out,
          "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
          "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
          "height=\"%zu\" viewBox=\"0 0 %d %zu\" "
          "font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">\n"
          "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n",
          WIDTH, count * HEIGHT, WIDTH, count * HEIGHT);
  for(size_t c = 0; c < count; c++) {
    const struct chart *chart = &charts[c];
    double top = (double)(c * HEIGHT);
    struct axis x;
    struct axis y;

    make_axis(&x, chart, true);
    make_axis(&y, chart, false);
    fprintf(out, "<g class=\"chart\" id=\"chart-%s\">\n", chart->id);
    draw_frame(out, chart, &x, &y, top);
    for(size_t s = 0; s < chart->series_count; s++)
      draw_series(out, chart, s, &x, &y, top);
    draw_legend(out, chart, top);
    fputs("</g>\n", out);
  }
  fputs("</svg>\n", out);
  return ferror(out) ? -1 : 0;
}
