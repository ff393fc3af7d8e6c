// A progress display for long work (training epochs, evaluation, decoding), in the style of tqdm:
//
//   train  42% |█████▌    | 420/1000 [00:12<00:17, 1.2k tok/s, loss 2.345]
//
// On a terminal the line is redrawn in place with '\r' (at most ~10 times a second); into a file
// or a CI log it is printed as plain lines, at most one every line_interval_seconds plus one at
// the end, with no '\r' and no escape codes. A progress display must never take a run down:
// no method throws, and odd input (negative counts, done > total, a clock going backwards, a
// null FILE*) is clamped or ignored.
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <optional>
#include <string>

#include "autograd/enum_names.h"

namespace attend {

struct ProgressOptions {
  FILE* out = stderr;  // not owned; nullptr prints nothing
  // kAuto: kBar when out is a terminal (isatty), else kLines. kOff: print nothing (render()
  // still works).
  enum class Mode { kAuto, kBar, kLines, kOff } mode = Mode::kAuto;
  // Lines mode: the least time between two printed lines (the final line is always printed).
  // 0 prints on every update.
  double line_interval_seconds = 10;
  // Current time in seconds; empty uses std::chrono::steady_clock. Injectable for tests.
  std::function<double()> clock;
  // Bar mode: the line's width in columns. 0: the COLUMNS environment variable, else the
  // terminal's width, else 80 (less one column, so the terminal never wraps the line).
  int width = 0;
};

// The modes by name (`--progress auto|bar|lines|off`).
inline constexpr EnumNames<ProgressOptions::Mode, 4> kProgressModes{
    {{{ProgressOptions::Mode::kAuto, "auto"},
      {ProgressOptions::Mode::kBar, "bar"},
      {ProgressOptions::Mode::kLines, "lines"},
      {ProgressOptions::Mode::kOff, "off"}}}};

class ProgressBar {
 public:
  // total: the number of steps the work has; 0 (or negative) when unknown, which shows no
  // percentage, bar or ETA. unit: what update()'s units_delta counts ("tok", "node", "sent");
  // the rate shown is units per second, or steps per second ("it/s") when unit is empty.
  ProgressBar(std::string label, int64_t total, std::string unit, ProgressOptions options = {});
  // In bar mode, ends a partly drawn line that finish() never completed (so what is printed
  // next, an error message say, starts on a line of its own).
  ~ProgressBar();
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  // done: steps completed so far (clamped to [0, total] when total is known); units_delta:
  // units processed since the previous update (negative counts as 0); loss: the value to show
  // (the caller's running mean), kept until another is passed. Redraws when due.
  void update(int64_t done, int64_t units_delta, std::optional<double> loss = {});
  // Prints the final line (elapsed time, average rate, total units) and a newline. Later
  // calls of update() and finish() print nothing.
  void finish();

  // The current line as it would be printed in this bar's mode (without '\r' or newline).
  std::string render() const;

  // Formatting helpers, exposed for tests and for other displays:
  // 0.5 -> "0.50", 12.34 -> "12.3", 456 -> "456", 1234 -> "1.2k", 12345 -> "12.3k",
  // 2.5e6 -> "2.5M"; non-finite or negative -> "?".
  static std::string format_count(double value);
  // Seconds as "MM:SS" below an hour, else "H:MM:SS"; negative, non-finite or absurd -> "?".
  static std::string format_duration(double seconds);

 private:
  int bar_width() const;
  double read_clock() const;
  double now() const;
  std::string render_at(int width) const;
  void draw(bool final_line);

  std::string label_, unit_;
  int64_t total_ = 0;
  ProgressOptions options_;
  ProgressOptions::Mode mode_;  // resolved: never kAuto
  double line_interval_ = 10;

  double start_ = 0;      // clock value at construction
  double last_time_ = 0;  // clock value at the last update (what render() uses)
  double last_draw_ = 0;  // bar mode: when the line was last drawn
  double last_line_ = 0;  // lines mode: when a line was last printed
  bool drawn_ = false;    // bar mode: a line is on screen (no newline yet)
  size_t drawn_columns_ = 0;
  bool finished_ = false;

  int64_t done_ = 0;
  int64_t units_ = 0;
  std::optional<double> loss_;
};

}  // namespace attend
