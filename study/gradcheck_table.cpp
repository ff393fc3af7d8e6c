#include "study/gradcheck_table.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <exception>
#include <utility>

#include "layers/layer_info.h"

namespace attend {

namespace {

std::string lower(std::string s) {
  for (char& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return s;
}

bool glob_match(const char* p, const char* s) {
  if (!*p) return !*s;
  if (*p == '*') return glob_match(p + 1, s) || (*s && glob_match(p, s + 1));
  return *s && (*p == '?' || *p == *s) && glob_match(p + 1, s + 1);
}

size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

std::string format_number(double v, const char* fmt = "%.3g") {
  if (std::isinf(v)) return "inf";
  if (std::isnan(v)) return "nan";
  char buf[64];
  std::snprintf(buf, sizeof buf, fmt, v);
  return buf;
}

std::string index_text(const std::vector<int64_t>& idx) {
  std::string s = "[";
  for (size_t i = 0; i < idx.size(); ++i) s += (i ? ", " : "") + std::to_string(idx[i]);
  return s + "]";
}

}  // namespace

std::vector<const OpInfo*> gradcheck_descriptors() {
  std::vector<const OpInfo*> all = op_registry().all();
  const std::vector<const OpInfo*>& layers = layer_registry().all();
  all.insert(all.end(), layers.begin(), layers.end());
  return all;
}

std::vector<const OpInfo*> select_descriptors(const std::vector<const OpInfo*>& all,
                                              const std::string& name) {
  for (const OpInfo* d : all)
    if (name == d->name) return {d};
  std::vector<const OpInfo*> out;
  const std::string want = lower(name);
  const bool glob = name.find_first_of("*?") != std::string::npos;
  for (const OpInfo* d : all) {
    const std::string have = lower(d->name);
    if (glob ? glob_match(want.c_str(), have.c_str()) : have.find(want) != std::string::npos)
      out.push_back(d);
  }
  return out;
}

std::vector<std::string> close_descriptor_names(const std::vector<const OpInfo*>& all,
                                                const std::string& name, size_t limit) {
  const std::string want = lower(name);
  std::vector<std::pair<size_t, std::string>> scored;
  for (const OpInfo* d : all) {
    const size_t dist = edit_distance(want, lower(d->name));
    if (dist <= std::max<size_t>(2, want.size() / 3)) scored.emplace_back(dist, d->name);
  }
  std::stable_sort(scored.begin(), scored.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::string> out;
  for (size_t i = 0; i < scored.size() && i < limit; ++i) out.push_back(scored[i].second);
  return out;
}

GradcheckRow run_descriptor(const OpInfo& d, const GradcheckOptions& options) {
  const auto t0 = std::chrono::steady_clock::now();
  GradcheckRow row{d.name, d.kind == OpKind::kLayer ? "layer" : "op", {}, "", 0, 0};
  auto fail = [&row](const std::string& sample, const std::string& why) {
    row.result.ok = false;
    row.result.worst_ratio = INFINITY;
    row.result.message = why;
    row.sample = sample;
  };
  int64_t checked = 0;
  try {
    const std::vector<Sample> samples = d.samples();
    row.samples = samples.size();
    bool first = true;
    for (const Sample& s : samples) {
      GradcheckResult r;
      try {
        r = check_sample(s, options);
      } catch (const std::exception& e) {
        fail(s.name, std::string("the check threw: ") + e.what());
        break;
      }
      checked += r.checked;
      const bool worse = !(r.worst_ratio <= row.result.worst_ratio);  // NaN counts as worse
      if (row.result.ok && (first || !r.ok || worse)) {
        row.result = r;
        row.sample = s.name;
      }
      first = false;
      if (s.reference && row.result.ok) {
        const ReferenceResult ref = check_reference(s, options.seed);
        if (!ref.ok) fail(s.name, "the sample " + ref.message);
      }
    }
  } catch (const std::exception& e) {
    fail("", std::string("making the samples threw: ") + e.what());
  }
  row.result.checked = checked;
  row.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return row;
}

std::vector<GradcheckRow> run_descriptors(const std::vector<const OpInfo*>& descriptors,
                                          const GradcheckOptions& options) {
  std::vector<GradcheckRow> rows;
  for (const OpInfo* d : descriptors) rows.push_back(run_descriptor(*d, options));
  auto key = [](const GradcheckRow& r) {
    return std::isnan(r.result.worst_ratio) ? INFINITY : r.result.worst_ratio;
  };
  std::stable_sort(rows.begin(), rows.end(), [&](const GradcheckRow& a, const GradcheckRow& b) {
    if (a.result.ok != b.result.ok) return !a.result.ok;
    return key(a) > key(b);
  });
  return rows;
}

std::string format_gradcheck_table(const std::vector<GradcheckRow>& rows) {
  const std::vector<std::string> head = {"name",
                                         "kind",
                                         "samples",
                                         "checked",
                                         "worst |analytic-numeric|",
                                         "at",
                                         "sample",
                                         "ratio to tolerance",
                                         "ok"};
  std::vector<std::vector<std::string>> cells;
  for (const auto& r : rows) {
    const GradcheckResult& g = r.result;
    const std::string at = g.label.empty() ? "-" : g.label + " " + index_text(g.index);
    cells.push_back({r.name, r.kind, std::to_string(r.samples), std::to_string(g.checked),
                     g.label.empty() ? "-" : format_number(std::fabs(g.analytic - g.numeric)), at,
                     r.sample.empty() ? "-" : r.sample, format_number(g.worst_ratio, "%.2f"),
                     g.ok ? "ok" : "FAIL"});
  }
  std::vector<size_t> width(head.size());
  for (size_t k = 0; k < head.size(); ++k) {
    width[k] = head[k].size();
    for (const auto& row : cells) width[k] = std::max(width[k], row[k].size());
  }
  const std::vector<bool> right = {false, false, true, true, true, false, false, true, false};
  auto line = [&](const std::vector<std::string>& row) {
    std::string s;
    for (size_t k = 0; k < row.size(); ++k) {
      const std::string pad(width[k] - row[k].size(), ' ');
      if (k) s += "  ";
      s += right[k] ? pad + row[k] : (k + 1 == row.size() ? row[k] : row[k] + pad);
    }
    return s + "\n";
  };
  std::string out = line(head);
  size_t total = 0;
  for (size_t w : width) total += w;
  out += std::string(total + 2 * (width.size() - 1), '-') + "\n";
  for (const auto& row : cells) out += line(row);
  bool first = true;
  for (const auto& r : rows)
    if (!r.result.ok) {
      if (first) out += "\n";
      first = false;
      out += r.name + (r.sample.empty() ? "" : ", sample '" + r.sample + "'") + ": " +
             r.result.message + "\n";
    }
  return out;
}

std::string gradcheck_summary(const std::vector<GradcheckRow>& rows) {
  size_t passed = 0;
  const GradcheckRow* worst = nullptr;
  for (const auto& r : rows) {
    passed += r.result.ok;
    if (!worst || !(r.result.worst_ratio <= worst->result.worst_ratio)) worst = &r;
  }
  std::string s = std::to_string(rows.size()) + (rows.size() == 1 ? " check, " : " checks, ") +
                  std::to_string(passed) + " passed";
  if (worst)
    s += ", worst ratio " + format_number(worst->result.worst_ratio, "%.2f") + " (" + worst->name +
         ")";
  return s;
}

}  // namespace attend
