// The tqdm-style progress display; see progress.h.
#include "trainers/progress.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <limits>

namespace attend {

namespace {

constexpr double kBarRedrawSeconds = 0.1;
constexpr int kMinBarCells = 3;

double steady_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

bool is_terminal(FILE* f) {
  if (!f) return false;
  const int fd = ::fileno(f);
  return fd >= 0 && ::isatty(fd) == 1;
}

// Columns a UTF-8 string takes, counting each code point as one column.
size_t columns(const std::string& s) {
  size_t n = 0;
  for (const char c : s)
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  return n;
}

std::string printf_string(const char* format, double value) {
  char buf[64];
  const int n = std::snprintf(buf, sizeof buf, format, value);
  return n < 0 ? std::string("?") : std::string(buf);
}

// The bar's cells: full blocks, one partial block in eighths, then spaces.
std::string bar_cells(double fraction, int cells) {
  static const char* const kEighths[] = {"", "▏", "▎", "▍", "▌", "▋", "▊", "▉"};
  fraction = std::clamp(fraction, 0.0, 1.0);
  const int eighths = static_cast<int>(std::floor(fraction * cells * 8));
  const int full = std::min(eighths / 8, cells);
  const int partial = full < cells ? eighths % 8 : 0;
  std::string out;
  for (int i = 0; i < full; ++i) out += "█";
  int used = full;
  if (partial > 0) {
    out += kEighths[partial];
    ++used;
  }
  out.append(static_cast<size_t>(cells - used), ' ');
  return out;
}

}  // namespace

std::string ProgressBar::format_count(double value) {
  if (!std::isfinite(value) || value < 0) return "?";
  static const char* const kSuffixes[] = {"", "k", "M", "G", "T", "P", "E"};
  constexpr int kLast = static_cast<int>(sizeof kSuffixes / sizeof kSuffixes[0]) - 1;
  double scaled = value;
  for (int i = 0;; ++i, scaled /= 1000) {
    const char* format = scaled < 1 ? "%.2f" : scaled < 100 ? "%.1f" : "%.0f";
    const std::string s = printf_string(format, scaled);
    // Move up a suffix when rounding reached 1000 ("999.7" prints as "1000": "1.00k" instead).
    if (i == kLast || std::strtod(s.c_str(), nullptr) < 1000) return s + kSuffixes[i];
  }
}

std::string ProgressBar::format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0 || seconds >= 1e4 * 3600) return "?";
  const auto total = static_cast<long long>(std::floor(seconds));
  const long long h = total / 3600;
  const int m = static_cast<int>(total / 60 % 60);
  const int s = static_cast<int>(total % 60);
  char buf[48];
  if (h > 0)
    std::snprintf(buf, sizeof buf, "%lld:%02d:%02d", h, m, s);
  else
    std::snprintf(buf, sizeof buf, "%02d:%02d", m, s);
  return buf;
}

ProgressBar::ProgressBar(std::string label, int64_t total, std::string unit,
                         ProgressOptions options)
    : label_(std::move(label)),
      unit_(std::move(unit)),
      total_(std::max<int64_t>(total, 0)),
      options_(std::move(options)) {
  using Mode = ProgressOptions::Mode;
  mode_ = options_.mode;
  if (!options_.out) mode_ = Mode::kOff;
  if (mode_ == Mode::kAuto) mode_ = is_terminal(options_.out) ? Mode::kBar : Mode::kLines;
  if (mode_ != Mode::kBar && mode_ != Mode::kLines && mode_ != Mode::kOff) mode_ = Mode::kOff;
  const double interval = options_.line_interval_seconds;
  line_interval_ =
      std::isnan(interval) ? ProgressOptions{}.line_interval_seconds : std::max(interval, 0.0);
  const double t = read_clock();
  last_time_ = std::isnan(t) ? 0 : t;
  start_ = last_draw_ = last_line_ = last_time_;
}

ProgressBar::~ProgressBar() {
  if (drawn_ && !finished_ && mode_ == ProgressOptions::Mode::kBar) {
    std::fputc('\n', options_.out);
    std::fflush(options_.out);
  }
}

int ProgressBar::bar_width() const {
  if (options_.width > 0) return options_.width;
  int width = 80;
  const char* env = std::getenv("COLUMNS");
  const long cols = env ? std::strtol(env, nullptr, 10) : 0;
  struct winsize ws {};
  if (cols > 0 && cols < 100000)
    width = static_cast<int>(cols);
  else if (options_.out && ::ioctl(::fileno(options_.out), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
    width = ws.ws_col;
  return width - 1;  // never fill the last column: some terminals wrap there
}

double ProgressBar::read_clock() const {
  try {
    return options_.clock ? options_.clock() : steady_seconds();
  } catch (...) {
    return std::numeric_limits<double>::quiet_NaN();
  }
}

// The clock's value, never NaN and never earlier than the last one seen (a throwing or
// misbehaving injected clock freezes time instead of breaking the display).
double ProgressBar::now() const {
  const double t = read_clock();
  if (std::isnan(t)) return last_time_;
  return std::max(t, last_time_);
}

void ProgressBar::update(int64_t done, int64_t units_delta, std::optional<double> loss) {
  if (finished_) return;
  try {
    const double t = now();
    last_time_ = t;
    done_ = std::max<int64_t>(done, 0);
    if (total_ > 0) done_ = std::min(done_, total_);
    if (units_delta > 0)
      units_ = units_ > std::numeric_limits<int64_t>::max() - units_delta
                   ? std::numeric_limits<int64_t>::max()
                   : units_ + units_delta;
    if (loss) loss_ = loss;

    if (mode_ == ProgressOptions::Mode::kBar) {
      if (!drawn_ || t - last_draw_ >= kBarRedrawSeconds) {
        draw(false);
        last_draw_ = t;
      }
    } else if (mode_ == ProgressOptions::Mode::kLines) {
      if (t - last_line_ >= line_interval_) {
        draw(false);
        last_line_ = t;
      }
    }
  } catch (...) {
    // Out of memory while formatting: skip this redraw.
  }
}

void ProgressBar::finish() {
  if (finished_) return;
  finished_ = true;
  try {
    last_time_ = now();
    draw(true);
  } catch (...) {
  }
}

void ProgressBar::draw(bool final_line) {
  FILE* out = options_.out;
  if (!out) return;
  if (mode_ == ProgressOptions::Mode::kBar) {
    const std::string line = render_at(bar_width());
    const size_t cols = columns(line);
    std::string text = "\r" + line;
    if (cols < drawn_columns_) text.append(drawn_columns_ - cols, ' ');  // erase the old tail
    if (final_line) text += '\n';
    std::fputs(text.c_str(), out);
    drawn_ = !final_line;
    drawn_columns_ = final_line ? 0 : cols;
  } else if (mode_ == ProgressOptions::Mode::kLines) {
    std::fputs((render_at(0) + "\n").c_str(), out);
  } else {
    return;
  }
  std::fflush(out);
}

std::string ProgressBar::render() const {
  try {
    return render_at(mode_ == ProgressOptions::Mode::kBar ? bar_width() : 0);
  } catch (...) {
    return std::string();
  }
}

// width > 0: bar mode, the line fills width columns when there is room for a bar; width 0: no
// bar (lines mode).
std::string ProgressBar::render_at(int width) const {
  const double elapsed = std::max(last_time_ - start_, 0.0);
  const bool known = total_ > 0;

  std::string head = label_;
  if (known) {
    const int percent = static_cast<int>(
        std::floor(100.0 * static_cast<double>(done_) / static_cast<double>(total_)));
    char buf[16];
    std::snprintf(buf, sizeof buf, "%3d%%", std::clamp(percent, 0, 100));
    if (!head.empty()) head += ' ';
    head += buf;
  }

  // Built by appending (GCC 12 warns falsely, -Wrestrict, on "literal" + std::string here).
  std::string tail = std::to_string(done_);
  if (known) tail.append("/").append(std::to_string(total_));
  tail.append(" [").append(format_duration(elapsed));
  if (known && !finished_) {
    tail += '<';
    if (done_ > 0)
      tail += format_duration(static_cast<double>(total_ - done_) * elapsed /
                              static_cast<double>(done_));
    else
      tail += '?';
  }
  const std::string unit = unit_.empty() ? "it" : unit_;
  if (finished_ && !unit_.empty())
    tail.append(", ").append(format_count(static_cast<double>(units_))).append(" ").append(unit_);
  const double count = unit_.empty() ? static_cast<double>(done_) : static_cast<double>(units_);
  tail.append(", ")
      .append(elapsed > 0 ? format_count(count / elapsed) : std::string("?"))
      .append(" ")
      .append(unit)
      .append("/s");
  if (loss_) tail.append(", loss ").append(printf_string("%.4g", *loss_));
  tail += "]";

  if (known && width > 0) {
    // head + " |" + cells + "| " + tail
    const long cells = static_cast<long>(width) - static_cast<long>(columns(head)) -
                       static_cast<long>(columns(tail)) - 4 + (head.empty() ? 1 : 0);
    if (cells >= kMinBarCells) {
      const double fraction = static_cast<double>(done_) / static_cast<double>(total_);
      return head + (head.empty() ? "|" : " |") + bar_cells(fraction, static_cast<int>(cells)) +
             "| " + tail;
    }
  }
  return head.empty() ? tail : head + " " + tail;
}

}  // namespace attend
