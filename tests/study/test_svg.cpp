// study/svg.cpp: escaping, the heatmap's cells and label checks, gaps and the log axis of line
// charts.
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "study/svg.h"

using namespace attend::study;

namespace {

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t p = text.find(what); p != std::string::npos; p = text.find(what, p + what.size()))
    ++n;
  return n;
}

// The text between the first `open` and the next `close` after it.
std::string section(const std::string& text, const std::string& open, const std::string& close) {
  const size_t a = text.find(open);
  BOOST_REQUIRE(a != std::string::npos);
  const size_t b = text.find(close, a + open.size());
  BOOST_REQUIRE(b != std::string::npos);
  return text.substr(a + open.size(), b - a - open.size());
}

// The points="..." of every polyline in an SVG, each as its number of points.
std::vector<size_t> polyline_sizes(const std::string& svg) {
  std::vector<size_t> sizes;
  const std::string key = "<polyline";
  for (size_t p = svg.find(key); p != std::string::npos; p = svg.find(key, p + 1)) {
    const size_t a = svg.find("points=\"", p) + 8, b = svg.find('"', a);
    const std::string pts = svg.substr(a, b - a);
    sizes.push_back(count(pts, ","));
  }
  return sizes;
}

Heatmap map_2x3() {
  Heatmap h;
  h.title = "t";
  h.row_labels = {"r1", "r2"};
  h.col_labels = {"c1", "c2", "c3"};
  h.values = {0.1f, 0.2f, 0.7f, 0.3f, 0.3f, 0.4f};
  return h;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(test_svg)

BOOST_AUTO_TEST_CASE(xml_escape_replaces_markup_characters) {
  BOOST_TEST(xml_escape("a<b>&\"c'd") == "a&lt;b&gt;&amp;&quot;c&#39;d");
  BOOST_TEST(xml_escape("plain é text") == "plain é text");  // UTF-8 passes through
  BOOST_TEST(xml_escape(std::string("x\x01y")) == "x y");    // control characters are not XML
}

BOOST_AUTO_TEST_CASE(heatmap_has_one_cell_per_value) {
  for (auto [rows, cols] : {std::pair{1, 1}, {2, 3}, {7, 5}, {40, 3}}) {
    Heatmap h;
    for (int r = 0; r < rows; ++r) h.row_labels.push_back(std::to_string(r));
    for (int c = 0; c < cols; ++c) h.col_labels.push_back(std::to_string(c));
    for (int i = 0; i < rows * cols; ++i) h.values.push_back(static_cast<float>(i));
    const std::string svg = heatmap_svg(h);
    const std::string cells = section(svg, "<g class=\"cells\">", "</g>");
    BOOST_TEST(count(cells, "<rect ") == static_cast<size_t>(rows * cols));
    BOOST_TEST(count(svg, "<svg ") == 1u);
    BOOST_TEST(count(svg, "</svg>") == 1u);
  }
}

BOOST_AUTO_TEST_CASE(heatmap_refuses_a_value_count_that_does_not_match_the_labels) {
  Heatmap h = map_2x3();
  h.values.pop_back();
  BOOST_CHECK_THROW(heatmap_svg(h), std::invalid_argument);
  h.values = std::vector<float>(7, 0.5f);
  BOOST_CHECK_THROW(heatmap_svg(h), std::invalid_argument);
  h = map_2x3();
  h.col_labels.push_back("c4");
  BOOST_CHECK_THROW(heatmap_svg(h), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(heatmap_escapes_labels_and_titles) {
  Heatmap h = map_2x3();
  h.title = "a <b> & c";
  h.row_labels[0] = "<eos>";
  h.col_labels[1] = "l'\"x\"";
  const std::string svg = heatmap_svg(h);
  BOOST_TEST(svg.find("<eos>") == std::string::npos);
  BOOST_TEST(svg.find("&lt;eos&gt;") != std::string::npos);
  BOOST_TEST(svg.find("a &lt;b&gt; &amp; c") != std::string::npos);
  BOOST_TEST(svg.find("l&#39;&quot;x&quot;") != std::string::npos);
  // Every '&' starts an entity: no raw ampersand or stray '<' from a label.
  for (size_t p = svg.find('&'); p != std::string::npos; p = svg.find('&', p + 1))
    BOOST_TEST(svg.find(';', p) - p <= 6u);
}

// True when text is well-formed UTF-8 (what an XML parser demands of the file).
bool valid_utf8(const std::string& text) {
  for (size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    const size_t n = c < 0x80           ? 1
                     : (c >> 5) == 0x6  ? 2
                     : (c >> 4) == 0xe  ? 3
                     : (c >> 3) == 0x1e ? 4
                                        : 0;
    if (n == 0 || i + n > text.size()) return false;
    for (size_t k = 1; k < n; ++k)
      if ((static_cast<unsigned char>(text[i + k]) & 0xc0) != 0x80) return false;
    i += n;
  }
  return true;
}

BOOST_AUTO_TEST_CASE(long_labels_are_clipped_between_characters) {
  Heatmap h = map_2x3();
  h.row_labels[0] = "déjà-vu-été-à-la-télévision";  // 33 bytes: clipped near byte 24
  h.col_labels[2] = "€€€€€€€€€€€€";                 // 3-byte characters
  const std::string svg = heatmap_svg(h);
  BOOST_TEST(valid_utf8(svg));
  BOOST_TEST(svg.find("déjà-vu-été-à-la-t") != std::string::npos);  // the start is kept
}

BOOST_AUTO_TEST_CASE(heatmap_colours_a_non_finite_value_apart) {
  Heatmap h = map_2x3();
  h.values[4] = std::numeric_limits<float>::quiet_NaN();
  const std::string svg = heatmap_svg(h);
  BOOST_TEST(count(section(svg, "<g class=\"cells\">", "</g>"), "#ff00ff") == 1u);
}

BOOST_AUTO_TEST_CASE(a_nan_point_splits_a_series_into_two_lines) {
  LineChart chart;
  chart.series.push_back({"loss", {1, 2, 3, 4, 5}, {1, 2, NAN, 3, 4}});
  BOOST_TEST(polyline_sizes(line_chart_svg(chart)) == (std::vector<size_t>{2, 2}),
             boost::test_tools::per_element());
  chart.series[0].y[2] = 2.5;  // no gap: one line through all five points
  BOOST_TEST(polyline_sizes(line_chart_svg(chart)) == (std::vector<size_t>{5}),
             boost::test_tools::per_element());
  chart.series[0].x[0] = INFINITY;  // a non-finite x is a gap too (at the start: no empty line)
  BOOST_TEST(polyline_sizes(line_chart_svg(chart)) == (std::vector<size_t>{4}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(log_axis_skips_values_that_are_not_positive) {
  LineChart chart;
  chart.series.push_back({"norm", {1, 2, 3, 4, 5}, {-1, 0, 10, 100, 1000}});
  BOOST_TEST(polyline_sizes(line_chart_svg(chart)) == (std::vector<size_t>{5}),
             boost::test_tools::per_element());
  chart.log_y = true;
  const std::string svg = line_chart_svg(chart);
  BOOST_TEST(polyline_sizes(svg) == (std::vector<size_t>{3}), boost::test_tools::per_element());
  BOOST_TEST(svg.find("(log scale)") != std::string::npos);
  // The axis spans the positive values only: ticks at 10, 100, 1000 and none at or below 0.
  const std::string ticks = section(svg, "<g class=\"ticks\"", "</g>");
  BOOST_TEST(ticks.find(">1e+03<") != std::string::npos);
  BOOST_TEST(ticks.find(">-1<") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(log_axis_within_one_decade_still_has_ticks) {
  // A gradient norm between 0.3 and 2 contains only one power of ten: the axis is marked with
  // round values of the data's scale instead of being left bare.
  LineChart chart;
  chart.log_y = true;
  chart.series.push_back({"grad_norm", {1, 2, 3, 4}, {0.3, 0.8, 1.5, 2.0}});
  const std::string ticks = section(line_chart_svg(chart), "<g class=\"ticks\"", "</g>");
  size_t labels = 0;
  for (size_t at = ticks.find("text-anchor=\"end\""); at != std::string::npos;
       at = ticks.find("text-anchor=\"end\"", at + 1))
    ++labels;
  BOOST_TEST(labels >= 3u);
  BOOST_TEST(ticks.find(">1<") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
