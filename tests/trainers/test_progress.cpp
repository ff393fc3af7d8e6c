// The progress display: exact lines for known inputs (rates, ETA, bar cells in eighths, width),
// bar-mode redraw throttling, lines mode for logs (no '\r', at most one line per interval, a
// final line), unknown totals, clamping, finish, and odd input that must not throw.
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <cstdio>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>

#include "trainers/progress.h"

using namespace attend;
using Mode = ProgressOptions::Mode;

namespace {

// A FILE* that the progress bar writes into, and what it wrote.
struct Capture {
  FILE* f = std::tmpfile();
  Capture() { BOOST_REQUIRE(f != nullptr); }
  ~Capture() {
    if (f) std::fclose(f);
  }
  std::string text() const {
    std::fflush(f);
    std::rewind(f);
    std::string out;
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
    std::fseek(f, 0, SEEK_END);
    return out;
  }
};

// A clock the test moves by hand.
struct FakeClock {
  double t = 0;
  std::function<double()> fn() {
    return [this] { return t; };
  }
};

ProgressOptions options(Capture& c, FakeClock& clock, Mode mode, int width = 0) {
  ProgressOptions o;
  o.out = c.f;
  o.mode = mode;
  o.clock = clock.fn();
  o.width = width;
  return o;
}

size_t count(const std::string& s, const std::string& what) {
  size_t n = 0;
  for (size_t p = s.find(what); p != std::string::npos; p = s.find(what, p + what.size())) ++n;
  return n;
}

// Display columns of UTF-8 text (one per code point).
size_t columns(const std::string& s) {
  size_t n = 0;
  for (const char c : s)
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  return n;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(test_progress)

BOOST_AUTO_TEST_CASE(count_and_duration_formatting) {
  BOOST_TEST(ProgressBar::format_count(0) == "0.00");
  BOOST_TEST(ProgressBar::format_count(0.5) == "0.50");
  BOOST_TEST(ProgressBar::format_count(12.34) == "12.3");
  BOOST_TEST(ProgressBar::format_count(456) == "456");
  BOOST_TEST(ProgressBar::format_count(999.7) == "1.00k");  // not "1000"
  BOOST_TEST(ProgressBar::format_count(1234) == "1.2k");
  BOOST_TEST(ProgressBar::format_count(12345) == "12.3k");
  BOOST_TEST(ProgressBar::format_count(123456) == "123k");
  BOOST_TEST(ProgressBar::format_count(2.5e6) == "2.5M");
  BOOST_TEST(ProgressBar::format_count(7e9) == "7.0G");
  BOOST_TEST(ProgressBar::format_count(-1) == "?");
  BOOST_TEST(ProgressBar::format_count(std::nan("")) == "?");
  BOOST_TEST(ProgressBar::format_count(std::numeric_limits<double>::infinity()) == "?");
  BOOST_TEST(!ProgressBar::format_count(1e300).empty());

  BOOST_TEST(ProgressBar::format_duration(0) == "00:00");
  BOOST_TEST(ProgressBar::format_duration(12.9) == "00:12");
  BOOST_TEST(ProgressBar::format_duration(17 * 60 + 5) == "17:05");
  BOOST_TEST(ProgressBar::format_duration(3599) == "59:59");
  BOOST_TEST(ProgressBar::format_duration(3600) == "1:00:00");
  BOOST_TEST(ProgressBar::format_duration(26 * 3600 + 61) == "26:01:01");
  BOOST_TEST(ProgressBar::format_duration(-1) == "?");
  BOOST_TEST(ProgressBar::format_duration(std::nan("")) == "?");
  BOOST_TEST(ProgressBar::format_duration(1e300) == "?");
}

BOOST_AUTO_TEST_CASE(rate_eta_and_loss_for_known_input) {
  Capture c;
  FakeClock clock;
  clock.t = 100;  // the clock's origin is arbitrary
  ProgressBar bar("train", 1000, "tok", options(c, clock, Mode::kLines));
  BOOST_TEST(bar.render() == "train   0% 0/1000 [00:00<?, ? tok/s]");
  clock.t = 112;
  // 14400 tokens in 12 s = 1200 tok/s; ETA = 580 steps x 12 s / 420 steps = 16.6 s.
  bar.update(400, 14000);
  bar.update(420, 400, 2.345);
  BOOST_TEST(bar.render() == "train  42% 420/1000 [00:12<00:16, 1.2k tok/s, loss 2.345]");
  // The loss stays until another is passed.
  clock.t = 124;
  bar.update(840, 14400);
  BOOST_TEST(bar.render() == "train  84% 840/1000 [00:24<00:04, 1.2k tok/s, loss 2.345]");
  bar.update(840, 0, 1.5);
  BOOST_TEST(bar.render() == "train  84% 840/1000 [00:24<00:04, 1.2k tok/s, loss 1.5]");
}

BOOST_AUTO_TEST_CASE(steps_per_second_without_a_unit) {
  Capture c;
  FakeClock clock;
  ProgressBar bar("", 8, "", options(c, clock, Mode::kLines));
  clock.t = 4;
  bar.update(2, 999);  // units are not shown without a unit name
  BOOST_TEST(bar.render() == " 25% 2/8 [00:04<00:12, 0.50 it/s]");
}

BOOST_AUTO_TEST_CASE(bar_cells_and_width) {
  Capture c;
  FakeClock clock;
  ProgressBar bar("ep", 8, "", options(c, clock, Mode::kBar, 50));
  clock.t = 3;
  bar.update(3, 0);
  // 3/8 of 12 cells = 4.5 cells: four full blocks and a half block.
  const std::string expected = "ep  37% |████▌       | 3/8 [00:03<00:05, 1.0 it/s]";
  BOOST_TEST(bar.render() == expected);
  BOOST_TEST(columns(expected) == 50u);

  // Every width with room for a bar gives a line of exactly that many columns.
  for (int width : {68, 80, 120, 200}) {
    ProgressBar b("epoch 3", 1000, "tok", options(c, clock, Mode::kBar, width));
    for (int64_t done : {0, 1, 125, 333, 999, 1000}) {
      clock.t += 1.7;
      b.update(done, 4321, 0.123456);
      const std::string line = b.render();
      BOOST_TEST(columns(line) == static_cast<size_t>(width), line);
      BOOST_TEST(count(line, "|") == 2u, line);
    }
  }
  // Eighths: 1/80 of 10 cells is one eighth of a cell.
  ProgressBar fine("", 80, "", options(c, clock, Mode::kBar, 10 + 4 + 30));
  fine.update(1, 0);
  const std::string line = fine.render();
  BOOST_TEST(line.find("|▏         |") != std::string::npos, line);
  // Too narrow for a bar: no bar, but the numbers are all there.
  ProgressBar narrow("ep", 8, "", options(c, clock, Mode::kBar, 20));
  narrow.update(3, 0);
  BOOST_TEST(narrow.render().find('|') == std::string::npos);
  BOOST_TEST(narrow.render().find("3/8") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(bar_mode_redraws_in_place_at_most_ten_times_a_second) {
  Capture c;
  FakeClock clock;
  {
    ProgressBar bar("x", 100, "tok", options(c, clock, Mode::kBar, 60));
    for (int i = 1; i <= 100; ++i) {
      clock.t = i / 100.0;  // 100 updates over one second
      bar.update(i, 10);
    }
    const std::string out = c.text();
    BOOST_TEST(out.find('\n') == std::string::npos);
    // The first update draws at once, then one redraw per 0.1 s.
    BOOST_TEST(count(out, "\r") >= 9u);
    BOOST_TEST(count(out, "\r") <= 11u);
    bar.finish();
  }
  const std::string out = c.text();
  BOOST_TEST(out.back() == '\n');
  BOOST_TEST(count(out, "\n") == 1u);
  const std::string last = out.substr(out.rfind('\r') + 1);
  BOOST_TEST(last == "x 100% |█████████████| 100/100 [00:01, 1.0k tok, 1.0k tok/s]\n");
}

BOOST_AUTO_TEST_CASE(bar_mode_erases_a_longer_previous_line) {
  Capture c;
  FakeClock clock;
  ProgressBar bar("x", 0, "tok", options(c, clock, Mode::kBar, 60));
  clock.t = 1;
  bar.update(5, 10, 123.5);
  clock.t = 2;
  bar.update(6, 10);
  const std::string out = c.text();
  const std::string first = out.substr(1, out.rfind('\r') - 1);
  const std::string second = out.substr(out.rfind('\r') + 1);
  BOOST_TEST(first == "x 5 [00:01, 10.0 tok/s, loss 123.5]");
  BOOST_TEST(second == "x 6 [00:02, 10.0 tok/s, loss 123.5]");
  // Shorter line: padded with spaces over the old one (never an escape code).
  ProgressBar shrinking("y", 0, "", options(c, clock, Mode::kBar, 60));
  clock.t = 3;
  shrinking.update(123456, 0);
  clock.t = 4;
  shrinking.update(1, 0);
  const std::string out2 = c.text();
  const std::string a = out2.substr(out.size());
  BOOST_TEST(a.find('\x1b') == std::string::npos);
  const std::string last = a.substr(a.rfind('\r') + 1);
  const std::string prev = a.substr(1, a.rfind('\r') - 1);
  BOOST_TEST(columns(last) == columns(prev));
  BOOST_TEST(last.substr(0, 5) == "y 1 [");
}

BOOST_AUTO_TEST_CASE(lines_mode_respects_the_interval_and_never_uses_carriage_returns) {
  Capture c;
  FakeClock clock;
  ProgressOptions o = options(c, clock, Mode::kLines, 200);
  o.line_interval_seconds = 10;
  {
    ProgressBar bar("train", 350, "tok", o);
    for (int i = 1; i <= 350; ++i) {
      clock.t = i / 10.0;  // 35 s in all
      bar.update(i, 100, 2.0);
      if (i == 50) BOOST_TEST(c.text().empty());  // 5 s: nothing yet
    }
    BOOST_TEST(count(c.text(), "\n") == 3u);  // at 10, 20 and 30 s
    bar.finish();
  }
  const std::string out = c.text();
  BOOST_TEST(out.find('\r') == std::string::npos);
  BOOST_TEST(out.find('\x1b') == std::string::npos);
  BOOST_TEST(out.find("|") == std::string::npos);  // no bar in logs
  BOOST_TEST(count(out, "\n") == 4u);
  BOOST_TEST(out ==
             "train  28% 100/350 [00:10<00:25, 1.0k tok/s, loss 2]\n"
             "train  57% 200/350 [00:20<00:15, 1.0k tok/s, loss 2]\n"
             "train  85% 300/350 [00:30<00:05, 1.0k tok/s, loss 2]\n"
             "train 100% 350/350 [00:35, 35.0k tok, 1.0k tok/s, loss 2]\n");
}

BOOST_AUTO_TEST_CASE(lines_mode_interval_zero_prints_every_update) {
  Capture c;
  FakeClock clock;
  ProgressOptions o = options(c, clock, Mode::kLines);
  o.line_interval_seconds = 0;
  ProgressBar bar("e", 3, "", o);
  for (int i = 1; i <= 3; ++i) bar.update(i, 0);
  bar.finish();
  BOOST_TEST(count(c.text(), "\n") == 4u);
}

BOOST_AUTO_TEST_CASE(auto_mode_is_lines_when_not_a_terminal_and_off_prints_nothing) {
  Capture c;
  FakeClock clock;
  {
    ProgressOptions o = options(c, clock, Mode::kAuto, 60);
    o.line_interval_seconds = 0;
    ProgressBar bar("a", 10, "tok", o);
    bar.update(5, 10);
    bar.finish();
  }
  BOOST_TEST(c.text() ==
             "a  50% 5/10 [00:00<00:00, ? tok/s]\na  50% 5/10 [00:00, 10.0 tok, ? tok/s]\n");

  Capture c2;
  {
    ProgressBar off("o", 10, "tok", options(c2, clock, Mode::kOff));
    off.update(5, 10);
    BOOST_TEST(off.render() == "o  50% 5/10 [00:00<00:00, ? tok/s]");
    off.finish();
  }
  BOOST_TEST(c2.text().empty());
}

BOOST_AUTO_TEST_CASE(unknown_total_shows_no_percentage_bar_or_eta) {
  Capture c;
  FakeClock clock;
  for (int64_t total : {int64_t{0}, int64_t{-5}}) {
    ProgressBar bar("decode", total, "sent", options(c, clock, Mode::kBar, 80));
    clock.t += 10;
    bar.update(250, 250);
    const std::string line = bar.render();
    BOOST_TEST(line.find('%') == std::string::npos, line);
    BOOST_TEST(line.find('|') == std::string::npos, line);
    BOOST_TEST(line.find('<') == std::string::npos, line);
    BOOST_TEST(line == "decode 250 [00:10, 25.0 sent/s]");
    bar.finish();
    BOOST_TEST(bar.render() == "decode 250 [00:10, 250 sent, 25.0 sent/s]");
  }
}

BOOST_AUTO_TEST_CASE(counts_are_clamped) {
  Capture c;
  FakeClock clock;
  ProgressBar bar("c", 1000, "tok", options(c, clock, Mode::kBar, 70));
  clock.t = 10;
  bar.update(1500, 100);
  BOOST_TEST(bar.render().find("100% |") != std::string::npos, bar.render());
  BOOST_TEST(bar.render().find(" 1000/1000 [00:10<00:00,") != std::string::npos, bar.render());
  bar.update(-7, -100);  // negative units are ignored
  BOOST_TEST(bar.render().find("  0% |") != std::string::npos, bar.render());
  BOOST_TEST(bar.render().find(" 0/1000 [00:10<?, 10.0 tok/s]") != std::string::npos, bar.render());
  BOOST_TEST(columns(bar.render()) == 70u);
}

BOOST_AUTO_TEST_CASE(finish_prints_totals_once) {
  Capture c;
  FakeClock clock;
  ProgressOptions o = options(c, clock, Mode::kLines);
  ProgressBar bar("eval", 20, "node", o);
  clock.t = 20;
  bar.update(20, 24000, 0.25);
  BOOST_TEST(count(c.text(), "\n") == 1u);  // 20 s >= the 10 s interval
  bar.finish();
  const std::string once = c.text();
  BOOST_TEST(once ==
             "eval 100% 20/20 [00:20<00:00, 1.2k node/s, loss 0.25]\n"
             "eval 100% 20/20 [00:20, 24.0k node, 1.2k node/s, loss 0.25]\n");
  bar.finish();
  bar.update(5, 5);
  BOOST_TEST(c.text() == once);
}

BOOST_AUTO_TEST_CASE(destroying_an_unfinished_bar_ends_its_line) {
  Capture c;
  FakeClock clock;
  {
    ProgressBar bar("x", 10, "", options(c, clock, Mode::kBar, 50));
    bar.update(3, 0);
    BOOST_TEST(c.text().find('\n') == std::string::npos);
  }
  BOOST_TEST(c.text().back() == '\n');
  BOOST_TEST(count(c.text(), "\n") == 1u);
}

BOOST_AUTO_TEST_CASE(odd_input_never_throws) {
  Capture c;
  const double nan = std::nan("");
  const double inf = std::numeric_limits<double>::infinity();
  const int64_t big = std::numeric_limits<int64_t>::max();
  for (Mode mode : {Mode::kAuto, Mode::kBar, Mode::kLines, Mode::kOff}) {
    for (int width : {-3, 0, 1, 5, 100000}) {
      int calls = 0;
      ProgressOptions o;
      o.out = c.f;
      o.mode = mode;
      o.width = width;
      o.line_interval_seconds = nan;
      o.clock = [&calls, nan, inf]() -> double {
        switch (++calls % 5) {
          case 0:
            throw std::runtime_error("clock");
          case 1:
            return nan;
          case 2:
            return -inf;
          case 3:
            return 1e300;
          default:
            return calls;  // and sometimes backwards, relative to 1e300
        }
      };
      BOOST_CHECK_NO_THROW({
        ProgressBar bar("odd \xff label", big, "", o);
        bar.update(big, big, nan);
        bar.update(big, big, inf);
        bar.update(-big, -big, -0.0);
        bar.update(std::numeric_limits<int64_t>::min(), 0);
        (void)bar.render();
        bar.finish();
        (void)bar.render();
      });
    }
  }
  ProgressOptions null_out;
  null_out.out = nullptr;
  BOOST_CHECK_NO_THROW({
    ProgressBar bar("n", 5, "tok", null_out);
    bar.update(1, 1);
    bar.finish();
    BOOST_TEST(!bar.render().empty());
  });
  // Units saturate instead of overflowing.
  FakeClock clock;
  ProgressBar sat("s", 0, "tok", options(c, clock, Mode::kOff));
  clock.t = 1;
  sat.update(1, big);
  sat.update(2, big);
  BOOST_TEST(sat.render() == "s 2 [00:01, 9.2E tok/s]");
}

BOOST_AUTO_TEST_SUITE_END()
