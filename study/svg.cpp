#include "study/svg.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <sstream>
#include <stdexcept>

namespace attend::study {

namespace {

std::string fmt(const char* format, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

// A short label for an axis tick: 3 significant digits, no trailing noise.
std::string tick_label(double v) {
  return fmt("%.3g", v);
}

// The label of a tick on an axis whose ticks are `step` apart: enough digits that neighbouring
// ticks differ (7.405 and 7.41, not 7.41 twice, on a loss that barely moves); whole numbers in
// full (steps: 1500, not 1.5e+03).
std::string tick_label(double v, double step) {
  if (!(step > 0) || v == 0) return tick_label(v);
  if (step >= 1 && v == std::round(v) && std::abs(v) < 1e9)
    return fmt("%.0f", v);  // 1500, not 1.5e+03
  const int digits = static_cast<int>(std::floor(std::log10(std::abs(v)))) -
                     static_cast<int>(std::floor(std::log10(step))) + 1;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*g", std::clamp(digits, 3, 15), v);
  return buf;
}

double tick_step(const std::vector<double>& ticks) {
  return ticks.size() > 1 ? ticks[1] - ticks[0] : 0.0;
}

// "Nice" tick positions covering [lo, hi]: steps of 1, 2 or 5 times a power of ten.
std::vector<double> nice_ticks(double lo, double hi, int target = 5) {
  if (!(hi > lo)) return {lo};
  const double raw = (hi - lo) / target;
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = mag;
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * mag >= raw) {
      step = m * mag;
      break;
    }
  std::vector<double> ticks;
  for (double t = std::ceil(lo / step) * step; t <= hi + step * 1e-9; t += step)
    ticks.push_back(std::abs(t) < step * 1e-9 ? 0.0 : t);
  return ticks;
}

// Viridis-like ramp from dark purple (0) through teal to yellow (1): perceptually ordered and
// readable in grey, so the heaviest attention weights stand out.
std::string ramp_colour(double t) {
  static const double stops[5][3] = {
      {68, 1, 84}, {59, 82, 139}, {33, 145, 140}, {94, 201, 98}, {253, 231, 37}};
  t = std::clamp(std::isfinite(t) ? t : 0.0, 0.0, 1.0) * 4.0;
  const int i = std::min(3, static_cast<int>(t));
  const double f = t - i;
  char buf[8];
  int rgb[3];
  for (int c = 0; c < 3; ++c)
    rgb[c] = static_cast<int>(std::lround(stops[i][c] + f * (stops[i + 1][c] - stops[i][c])));
  std::snprintf(buf, sizeof buf, "#%02x%02x%02x", rgb[0], rgb[1], rgb[2]);
  return buf;
}

// Ten distinguishable line colours (Tableau 10).
const char* series_colour(size_t i) {
  static const char* colours[] = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
                                  "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"};
  return colours[i % 10];
}

void open_svg(std::ostringstream& out, int width, int height) {
  out << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width << "\" height=\"" << height
      << "\" viewBox=\"0 0 " << width << ' ' << height
      << "\" font-family=\"sans-serif\" font-size=\"12\">\n"
      << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
}

}  // namespace

std::string xml_escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        // Control characters are not allowed in XML 1.0 documents.
        if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n')
          out += ' ';
        else
          out += c;
    }
  }
  return out;
}

std::string heatmap_svg(const Heatmap& map) {
  const size_t rows = map.row_labels.size(), cols = map.col_labels.size();
  if (map.values.size() != rows * cols)
    throw std::invalid_argument("heatmap_svg: " + std::to_string(map.values.size()) +
                                " values for " + std::to_string(rows) + " x " +
                                std::to_string(cols) + " labels");
  auto label_width = [](const std::vector<std::string>& labels) {
    size_t n = 1;
    for (const auto& l : labels) n = std::max(n, l.size());
    return static_cast<int>(std::min<size_t>(n, 24)) * 7 + 10;  // ~7 px per character at 12 px
  };
  const int cell = std::clamp(480 / static_cast<int>(std::max<size_t>({rows, cols, 1})), 8, 36);
  const int left = label_width(map.row_labels) + 20, top = label_width(map.col_labels) + 40;
  const int grid_w = cell * static_cast<int>(cols), grid_h = cell * static_cast<int>(rows);
  const int width = left + grid_w + 90, height = top + grid_h + 30;

  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (float v : map.values)
    if (std::isfinite(v)) lo = std::min<double>(lo, v), hi = std::max<double>(hi, v);
  if (!std::isfinite(lo)) lo = 0, hi = 1;
  const double span = hi > lo ? hi - lo : 1.0;

  std::ostringstream out;
  open_svg(out, width, height);
  out << "<text x=\"" << width / 2 << "\" y=\"18\" text-anchor=\"middle\" font-size=\"14\">"
      << xml_escape(map.title) << "</text>\n";
  // Long labels are cut to 23 bytes and a "~", backing off to a character boundary so a
  // multi-byte UTF-8 character ("é", "€") is never split (invalid UTF-8 breaks the whole file).
  auto clip = [](const std::string& s) {
    if (s.size() <= 24) return s;
    size_t n = 23;
    while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xc0) == 0x80) --n;
    return s.substr(0, n) + "~";
  };
  for (size_t c = 0; c < cols; ++c) {
    const int x = left + static_cast<int>(c) * cell + cell / 2 + 4;
    out << "<text transform=\"translate(" << x << ',' << top - 6
        << ") rotate(-60)\" font-size=\"11\">" << xml_escape(clip(map.col_labels[c]))
        << "</text>\n";
  }
  for (size_t r = 0; r < rows; ++r) {
    const int y = top + static_cast<int>(r) * cell + cell / 2 + 4;
    out << "<text x=\"" << left - 6 << "\" y=\"" << y << "\" text-anchor=\"end\" font-size=\"11\">"
        << xml_escape(clip(map.row_labels[r])) << "</text>\n";
  }
  out << "<g class=\"cells\">\n";
  for (size_t r = 0; r < rows; ++r)
    for (size_t c = 0; c < cols; ++c) {
      const float v = map.values[r * cols + c];
      const double t = (v - lo) / span;
      out << "<rect x=\"" << left + static_cast<int>(c) * cell << "\" y=\""
          << top + static_cast<int>(r) * cell << "\" width=\"" << cell << "\" height=\"" << cell
          << "\" fill=\"" << (std::isfinite(v) ? ramp_colour(t) : std::string("#ff00ff"))
          << "\"><title>" << xml_escape(map.row_labels[r]) << " / " << xml_escape(map.col_labels[c])
          << ": " << fmt("%.4g", v) << "</title></rect>\n";
      if (map.annotate && cell >= 24)
        out << "<text x=\"" << left + static_cast<int>(c) * cell + cell / 2 << "\" y=\""
            << top + static_cast<int>(r) * cell + cell / 2 + 4
            << "\" text-anchor=\"middle\" font-size=\"9\" fill=\"" << (t > 0.6 ? "black" : "white")
            << "\">" << fmt("%.2f", v) << "</text>\n";
    }
  out << "</g>\n";
  // Axis names and the colour scale.
  out << "<text x=\"" << left + grid_w / 2 << "\" y=\"" << top + grid_h + 20
      << "\" text-anchor=\"middle\" font-style=\"italic\">" << xml_escape(map.col_axis)
      << "</text>\n";
  out << "<text transform=\"translate(12," << top + grid_h / 2
      << ") rotate(-90)\" text-anchor=\"middle\" font-style=\"italic\">" << xml_escape(map.row_axis)
      << "</text>\n";
  const int bar_x = left + grid_w + 20, bar_h = std::max(grid_h, 60);
  for (int i = 0; i < 20; ++i)
    out << "<rect x=\"" << bar_x << "\" y=\"" << top + bar_h - (i + 1) * bar_h / 20
        << "\" width=\"12\" height=\"" << bar_h / 20 + 1 << "\" fill=\"" << ramp_colour(i / 19.0)
        << "\"/>\n";
  out << "<text x=\"" << bar_x + 16 << "\" y=\"" << top + 10 << "\">" << tick_label(hi)
      << "</text>\n<text x=\"" << bar_x + 16 << "\" y=\"" << top + bar_h << "\">" << tick_label(lo)
      << "</text>\n</svg>\n";
  return out.str();
}

namespace {

// Where a line chart's plot lies in the picture and which data range it shows.
struct ChartFrame {
  int left = 70, top = 30, plot_w = 0, plot_h = 0;
  double x_lo = 0, x_hi = 1, y_lo = 0, y_hi = 1;  // y on the log10 scale for log_y charts
  bool log_y = false;

  double y_of(double y) const { return log_y ? std::log10(y) : y; }
  bool usable(double x, double y) const {
    return std::isfinite(x) && std::isfinite(y) && (!log_y || y > 0);
  }
  double px(double x) const { return left + (x - x_lo) / (x_hi - x_lo) * plot_w; }
  double py(double y) const { return top + plot_h - (y - y_lo) / (y_hi - y_lo) * plot_h; }
};

ChartFrame chart_frame(const LineChart& chart) {
  ChartFrame f;
  f.log_y = chart.log_y;
  // The legend's width follows its longest name (~7 px a character), so long names (dotted
  // parameter names) are not cut off at the picture's edge; the plot gives up the room.
  size_t longest = 0;
  for (const auto& s : chart.series) longest = std::max(longest, s.name.size());
  const int right =
      std::clamp(40 + 7 * static_cast<int>(longest), 150, std::max(150, chart.width / 2));
  const int bottom = 45;
  f.plot_w = chart.width - f.left - right;
  f.plot_h = chart.height - f.top - bottom;
  double x_lo = std::numeric_limits<double>::infinity(), x_hi = -x_lo, y_lo = x_lo, y_hi = -x_lo;
  for (const auto& s : chart.series)
    for (size_t i = 0; i < std::min(s.x.size(), s.y.size()); ++i)
      if (f.usable(s.x[i], s.y[i])) {
        x_lo = std::min(x_lo, s.x[i]), x_hi = std::max(x_hi, s.x[i]);
        y_lo = std::min(y_lo, f.y_of(s.y[i])), y_hi = std::max(y_hi, f.y_of(s.y[i]));
      }
  if (!std::isfinite(x_lo)) x_lo = 0, x_hi = 1, y_lo = 0, y_hi = 1;
  // A constant (one point, a constant learning rate) gets a range around it on its own scale: a
  // fixed +-0.5 put a rate of 0.001 on the tick labelled 0.
  auto widen = [](double& lo, double& hi) {
    if (hi != lo) return;
    const double pad = lo != 0 ? std::abs(lo) * 0.1 : 0.5;
    lo -= pad, hi += pad;
  };
  widen(x_lo, x_hi);
  widen(y_lo, y_hi);
  const double y_pad = (y_hi - y_lo) * 0.05;
  f.x_lo = x_lo, f.x_hi = x_hi, f.y_lo = y_lo - y_pad, f.y_hi = y_hi + y_pad;
  return f;
}

// Tick positions on the y axis (log10 values for a log axis).
std::vector<double> y_tick_values(const ChartFrame& f) {
  if (!f.log_y) return nice_ticks(f.y_lo, f.y_hi);
  std::vector<double> ticks;
  for (double d = std::ceil(f.y_lo); d <= f.y_hi;
       d += std::max(1.0, std::ceil((f.y_hi - f.y_lo) / 6)))
    ticks.push_back(d);
  // Less than a decade shown (a gradient norm between 0.3 and 2): no power of ten to mark, so
  // round values of the data's own scale, placed on the log axis.
  if (ticks.size() < 2) {
    ticks.clear();
    for (double v : nice_ticks(std::pow(10.0, f.y_lo), std::pow(10.0, f.y_hi)))
      if (v > 0) ticks.push_back(std::log10(v));
  }
  return ticks;
}

// The title, the plot's frame and grid, the tick labels and the axis labels.
void draw_axes(std::ostringstream& out, const LineChart& chart, const ChartFrame& f) {
  const int left = f.left, top = f.top, plot_w = f.plot_w, plot_h = f.plot_h;
  out << "<text x=\"" << left + plot_w / 2 << "\" y=\"18\" text-anchor=\"middle\" font-size=\"14\">"
      << xml_escape(chart.title) << "</text>\n";
  out << "<g class=\"axes\" stroke=\"#999\">\n<rect x=\"" << left << "\" y=\"" << top
      << "\" width=\"" << plot_w << "\" height=\"" << plot_h << "\" fill=\"none\"/>\n";
  const std::vector<double> x_ticks = nice_ticks(f.x_lo, f.x_hi);
  for (double t : x_ticks)
    out << "<line x1=\"" << fmt("%.1f", f.px(t)) << "\" x2=\"" << fmt("%.1f", f.px(t)) << "\" y1=\""
        << top + plot_h << "\" y2=\"" << top + plot_h + 4 << "\"/>\n";
  const std::vector<double> y_ticks = y_tick_values(f);
  for (double t : y_ticks)
    out << "<line x1=\"" << left << "\" x2=\"" << left + plot_w << "\" y1=\""
        << fmt("%.1f", f.py(t)) << "\" y2=\"" << fmt("%.1f", f.py(t)) << "\" stroke=\"#eee\"/>\n";
  out << "</g>\n<g class=\"ticks\" fill=\"#333\">\n";
  for (double t : x_ticks)
    out << "<text x=\"" << fmt("%.1f", f.px(t)) << "\" y=\"" << top + plot_h + 16
        << "\" text-anchor=\"middle\">" << tick_label(t, tick_step(x_ticks)) << "</text>\n";
  for (double t : y_ticks)
    out << "<text x=\"" << left - 6 << "\" y=\"" << fmt("%.1f", f.py(t) + 4)
        << "\" text-anchor=\"end\">"
        << (chart.log_y ? tick_label(std::pow(10.0, t)) : tick_label(t, tick_step(y_ticks)))
        << "</text>\n";
  out << "</g>\n<text x=\"" << left + plot_w / 2 << "\" y=\"" << chart.height - 8
      << "\" text-anchor=\"middle\">" << xml_escape(chart.x_label) << "</text>\n"
      << "<text transform=\"translate(16," << top + plot_h / 2
      << ") rotate(-90)\" text-anchor=\"middle\">" << xml_escape(chart.y_label)
      << (chart.log_y ? " (log scale)" : "") << "</text>\n";
}

// Series k as polylines (a gap in the data, a non-finite point, starts a new one) and its legend
// entry.
void draw_series(std::ostringstream& out, const Series& s, size_t k, const ChartFrame& f) {
  std::vector<std::string> runs(1);
  for (size_t i = 0; i < std::min(s.x.size(), s.y.size()); ++i) {
    if (!f.usable(s.x[i], s.y[i])) {
      if (!runs.back().empty()) runs.emplace_back();
      continue;
    }
    runs.back() += fmt("%.1f", f.px(s.x[i])) + "," + fmt("%.1f", f.py(f.y_of(s.y[i]))) + " ";
  }
  out << "<g class=\"series\" data-name=\"" << xml_escape(s.name) << "\">\n";
  for (const auto& pts : runs) {
    if (pts.empty()) continue;
    out << "<polyline fill=\"none\" stroke=\"" << series_colour(k)
        << "\" stroke-width=\"2\" points=\"" << pts << "\"/>\n";
    // A polyline through one point draws nothing: mark a lone point (one evaluation) with a dot.
    if (pts.find(' ') + 1 == pts.size()) {
      const size_t comma = pts.find(',');
      out << "<circle cx=\"" << pts.substr(0, comma) << "\" cy=\""
          << pts.substr(comma + 1, pts.size() - comma - 2) << "\" r=\"3\" fill=\""
          << series_colour(k) << "\"/>\n";
    }
  }
  out << "</g>\n<rect x=\"" << f.left + f.plot_w + 12 << "\" y=\"" << f.top + 6 + 18 * k
      << "\" width=\"14\" height=\"4\" fill=\"" << series_colour(k) << "\"/>\n<text x=\""
      << f.left + f.plot_w + 30 << "\" y=\"" << f.top + 12 + 18 * k << "\">" << xml_escape(s.name)
      << "</text>\n";
}

}  // namespace

std::string line_chart_svg(const LineChart& chart) {
  const ChartFrame frame = chart_frame(chart);
  std::ostringstream out;
  open_svg(out, chart.width, chart.height);
  draw_axes(out, chart, frame);
  for (size_t k = 0; k < chart.series.size(); ++k) draw_series(out, chart.series[k], k, frame);
  out << "</svg>\n";
  return out.str();
}

std::string alignment_svg(const Heatmap& a, const Spectrogram& s) {
  const size_t rows = a.row_labels.size(), cols = a.col_labels.size();
  if (a.values.size() != rows * cols)
    throw std::invalid_argument("alignment_svg: " + std::to_string(a.values.size()) +
                                " alignment values for " + std::to_string(rows) + " x " +
                                std::to_string(cols) + " labels");
  if (s.values.size() != static_cast<size_t>(s.bins * s.frames) || s.frames_per_step < 1)
    throw std::invalid_argument("alignment_svg: " + std::to_string(s.values.size()) +
                                " feature values for " + std::to_string(s.bins) + " bins x " +
                                std::to_string(s.frames) + " frames");
  const int64_t frames =
      std::max<int64_t>(s.frames, static_cast<int64_t>(cols) * s.frames_per_step);
  const int left = 70, top = 40, gap = 34;
  const int plot_w = static_cast<int>(std::clamp<int64_t>(frames * 3, 400, 960));
  const double px = static_cast<double>(plot_w) / static_cast<double>(std::max<int64_t>(frames, 1));
  const int row_h = std::clamp(260 / static_cast<int>(std::max<size_t>(rows, 1)), 8, 22);
  const int bin_h = std::clamp(160 / static_cast<int>(std::max<int64_t>(s.bins, 1)), 1, 4);
  const int top_h = row_h * static_cast<int>(rows), spec_y = top + top_h + gap;
  const int spec_h = bin_h * static_cast<int>(s.bins);
  const int width = left + plot_w + 30, height = spec_y + spec_h + 50;

  std::ostringstream out;
  open_svg(out, width, height);
  out << "<text x=\"" << width / 2 << "\" y=\"18\" text-anchor=\"middle\" font-size=\"14\">"
      << xml_escape(a.title) << "</text>\n";
  // The alignment: weights 0..max (a softmax row peaks well below 1 when it is spread).
  float hi = 0;
  for (float v : a.values)
    if (std::isfinite(v)) hi = std::max(hi, v);
  if (hi <= 0) hi = 1;
  const double step_w = px * static_cast<double>(s.frames_per_step);
  out << "<g class=\"alignment\">\n";
  for (size_t r = 0; r < rows; ++r) {
    out << "<text x=\"" << left - 6 << "\" y=\""
        << top + static_cast<int>(r) * row_h + row_h / 2 + 4
        << "\" text-anchor=\"end\" font-size=\"11\">" << xml_escape(a.row_labels[r]) << "</text>\n";
    for (size_t c = 0; c < cols; ++c) {
      const float v = a.values[r * cols + c];
      out << "<rect x=\"" << fmt("%.1f", left + static_cast<double>(c) * step_w) << "\" y=\""
          << top + static_cast<int>(r) * row_h << "\" width=\"" << fmt("%.1f", step_w + 0.3)
          << "\" height=\"" << row_h << "\" fill=\"" << ramp_colour(v / hi) << "\"><title>"
          << xml_escape(a.row_labels[r]) << " / " << xml_escape(a.col_labels[c]) << ": "
          << fmt("%.3g", v) << "</title></rect>\n";
    }
  }
  out << "</g>\n<text transform=\"translate(14," << top + top_h / 2
      << ") rotate(-90)\" text-anchor=\"middle\" font-style=\"italic\">" << xml_escape(a.row_axis)
      << "</text>\n";
  // The features, colours quantised to 32 levels and equal neighbours along time merged into one
  // rectangle (a 3-second utterance has 12,000 cells).
  double lo = std::numeric_limits<double>::infinity(), fhi = -lo;
  for (float v : s.values)
    if (std::isfinite(v)) lo = std::min<double>(lo, v), fhi = std::max<double>(fhi, v);
  if (!std::isfinite(lo)) lo = 0, fhi = 1;
  const double span = fhi > lo ? fhi - lo : 1.0;
  auto level = [&](float v) {
    return std::isfinite(v) ? static_cast<int>(std::lround((v - lo) / span * 31)) : 0;
  };
  out << "<text x=\"" << left << "\" y=\"" << spec_y - 6 << "\" font-size=\"12\">"
      << xml_escape(s.title) << "</text>\n<g class=\"features\">\n";
  for (int64_t b = 0; b < s.bins; ++b) {
    const int y = spec_y + static_cast<int>(s.bins - 1 - b) * bin_h;  // low bins at the bottom
    const float* row = s.values.data() + b * s.frames;
    for (int64_t t = 0; t < s.frames;) {
      int64_t e = t + 1;
      while (e < s.frames && level(row[e]) == level(row[t])) ++e;
      out << "<rect x=\"" << fmt("%.1f", left + static_cast<double>(t) * px) << "\" y=\"" << y
          << "\" width=\"" << fmt("%.1f", static_cast<double>(e - t) * px + 0.3) << "\" height=\""
          << bin_h << "\" fill=\"" << ramp_colour(level(row[t]) / 31.0) << "\"/>\n";
      t = e;
    }
  }
  out << "</g>\n<text transform=\"translate(14," << spec_y + spec_h / 2
      << ") rotate(-90)\" text-anchor=\"middle\" font-style=\"italic\">mel bin</text>\n";
  // The shared time axis.
  const double seconds = static_cast<double>(frames) * s.seconds_per_frame;
  const int axis_y = spec_y + spec_h;
  out << "<line x1=\"" << left << "\" y1=\"" << axis_y << "\" x2=\"" << left + plot_w << "\" y2=\""
      << axis_y << "\" stroke=\"black\"/>\n";
  for (double t : nice_ticks(0, seconds, 8)) {
    const double x = left + t / s.seconds_per_frame * px;
    out << "<line x1=\"" << fmt("%.1f", x) << "\" y1=\"" << axis_y << "\" x2=\"" << fmt("%.1f", x)
        << "\" y2=\"" << axis_y + 5 << "\" stroke=\"black\"/>\n<text x=\"" << fmt("%.1f", x)
        << "\" y=\"" << axis_y + 18 << "\" text-anchor=\"middle\">" << tick_label(t) << "</text>\n";
  }
  out << "<text x=\"" << left + plot_w / 2 << "\" y=\"" << axis_y + 36
      << "\" text-anchor=\"middle\" font-style=\"italic\">" << xml_escape(a.col_axis)
      << "</text>\n</svg>\n";
  return out.str();
}

}  // namespace attend::study
