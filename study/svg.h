// Standalone SVG charts (no scripts, no external fonts or files), so a figure opens in any browser
// or image viewer offline and can be inlined into an HTML report as is.
#pragma once
#include <string>
#include <vector>

namespace attend::study {

// A matrix of values drawn as coloured cells, row labels on the left, column labels on top
// (rotated), a colour scale from the smallest to the largest value. For attention:
// rows = queries (target tokens / decoder steps), columns = keys (source tokens / neighbours).
struct Heatmap {
  std::string title;
  std::string row_axis, col_axis;  // axis names, e.g. "target", "source"
  std::vector<std::string> row_labels, col_labels;
  std::vector<float> values;  // [rows, cols] row-major
  bool annotate = false;      // print each value in its cell (small maps)
};
std::string heatmap_svg(const Heatmap& map);

// A speech recogniser's alignment over time with the features it heard under it: the top panel
// is the attention of each output step (rows: the characters spelled, <eos> included) over the
// listener's steps (columns), the bottom panel the log-mel features [bins, frames] (lowest
// frequency at the bottom), both on one time axis in seconds, so a reader sees which sound each
// character attended to. Each listener step covers frames_per_step feature frames.
struct Spectrogram {
  std::string title;
  std::vector<float> values;  // [bins, frames] row-major, bin 0 = lowest frequency
  int64_t bins = 0, frames = 0;
  double seconds_per_frame = 0.01;
  int64_t frames_per_step = 1;
};
std::string alignment_svg(const Heatmap& alignment, const Spectrogram& features);

// Lines through (x, y) points, one per series, with axes, ticks, a legend. Non-finite points are
// skipped (a gap, not a crash).
struct Series {
  std::string name;
  std::vector<double> x, y;
};
struct LineChart {
  std::string title, x_label, y_label;
  std::vector<Series> series;
  bool log_y = false;  // log10 y axis; non-positive values are skipped
  int width = 640, height = 360;
};
std::string line_chart_svg(const LineChart& chart);

// Text made safe inside XML/HTML element content and attribute values.
std::string xml_escape(const std::string& text);

// (To write a figure to disk: write_text_file_atomic in trainers/run_log.h.)

}  // namespace attend::study
