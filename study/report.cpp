#include "study/report.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <numbers>
#include <optional>
#include <sstream>
#include <vector>

#include "datasets/data_error.h"
#include "study/attention_maps.h"
#include "study/run_history.h"
#include "study/svg.h"
#include "trainers/checkpoint.h"
#include "trainers/experiment.h"
#include "trainers/run_log.h"

namespace attend::study {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

std::string fmt(double v) {
  if (std::isnan(v)) return "NaN";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

std::string esc(const std::string& s) {
  return xml_escape(s);
}

// A file of the run directory as text: nullopt when it does not exist; DataError naming it when it
// exists but cannot be read.
std::optional<std::string> read_optional(const fs::path& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return std::nullopt;
  if (fs::is_directory(path, ec)) throw DataError(path.string(), 0, "is a directory, not a file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw DataError(path.string(), 0, std::string("cannot read: ") + std::strerror(errno));
  std::stringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) throw DataError(path.string(), 0, "cannot read");
  return buffer.str();
}

// At most 2 x kBuckets points per line, so a long run logged every step stays a page of a few
// megabytes: each bucket of consecutive records keeps its lowest and highest value (in step order),
// so spikes survive where a plain stride would drop them.
constexpr size_t kBuckets = 1000;

Series series(const std::string& name, const StepSeries& s) {
  const size_t n = std::min(s.step.size(), s.value.size());
  if (n <= 2 * kBuckets) return Series{name, s.step, s.value};
  Series out{name, {}, {}};
  const size_t per = (n + kBuckets - 1) / kBuckets;
  for (size_t b = 0; b < n; b += per) {
    const size_t e = std::min(n, b + per);
    size_t lo = e, hi = e;
    for (size_t i = b; i < e; ++i) {
      if (!std::isfinite(s.value[i])) continue;
      if (lo == e || s.value[i] < s.value[lo]) lo = i;
      if (hi == e || s.value[i] > s.value[hi]) hi = i;
    }
    if (lo == e) {  // nothing finite in the bucket: keep the gap
      out.x.push_back(s.step[b]);
      out.y.push_back(std::nan(""));
      continue;
    }
    for (size_t i : {std::min(lo, hi), std::max(lo, hi)}) {
      out.x.push_back(s.step[i]);
      out.y.push_back(s.value[i]);
      if (lo == hi) break;
    }
  }
  return out;
}

bool has_data(const LineChart& c) {
  for (const Series& s : c.series)
    for (size_t i = 0; i < std::min(s.x.size(), s.y.size()); ++i)
      if (std::isfinite(s.x[i]) && std::isfinite(s.y[i]) && (!c.log_y || s.y[i] > 0)) return true;
  return false;
}

// A chart, or a note when there is nothing to draw.
std::string chart_or_note(const LineChart& c, const std::string& note) {
  if (!has_data(c)) return "<p class=\"note\">" + esc(note) + "</p>\n";
  return "<figure>" + line_chart_svg(c) + "</figure>\n";
}

// A half-width chart, two to a row inside <div class="row">.
LineChart small_chart(const std::string& title, const std::string& y_label) {
  LineChart c;
  c.title = title;
  c.x_label = "step";
  c.y_label = y_label;
  c.width = 540;
  c.height = 300;
  return c;
}

std::string table(const std::map<std::string, double>& values) {
  std::string out = "<table>\n<tr><th>metric</th><th>value</th></tr>\n";
  for (const auto& [k, v] : values)
    out += "<tr><td>" + esc(k) + "</td><td>" + fmt(v) + "</td></tr>\n";
  return out + "</table>\n";
}

// "encoder.layers.0.self_attn.in_proj_weight" -> "encoder.layers.0.self_attn"; a top-level
// parameter is its own module.
std::string module_of(const std::string& param) {
  const size_t dot = param.rfind('.');
  return dot == std::string::npos ? param : param.substr(0, dot);
}

// The joint L2 norm of several parameters' gradient norms, step by step.
StepSeries joint_norm(const std::vector<const StepSeries*>& parts) {
  std::map<double, double> sq;
  for (const StepSeries* p : parts)
    for (size_t i = 0; i < p->step.size(); ++i) sq[p->step[i]] += p->value[i] * p->value[i];
  StepSeries out;
  for (const auto& [step, v] : sq) {
    out.step.push_back(step);
    out.value.push_back(std::sqrt(v));
  }
  return out;
}

// The modules' joint norms, at most 8 lines per chart so the colours stay apart.
std::string module_charts(const RunHistory& h,
                          const std::map<std::string, std::vector<std::string>>& modules) {
  std::vector<Series> lines;
  for (const auto& [module, params] : modules) {
    std::vector<const StepSeries*> parts;
    for (const auto& p : params) parts.push_back(&h.param_grad_norms.at(p));
    lines.push_back(series(module, joint_norm(parts)));
  }
  std::string out;
  const size_t per_chart = 8, charts = (lines.size() + per_chart - 1) / per_chart;
  for (size_t c = 0; c < charts; ++c) {
    LineChart chart;
    chart.title = "Gradient norm by module" +
                  (charts > 1 ? " (" + std::to_string(c + 1) + "/" + std::to_string(charts) + ")"
                              : std::string());
    chart.x_label = "step";
    chart.y_label = "gradient L2 norm";
    chart.log_y = true;
    chart.width = 900;
    for (size_t i = c * per_chart; i < std::min(lines.size(), (c + 1) * per_chart); ++i)
      chart.series.push_back(lines[i]);
    out += chart_or_note(chart, chart.title + ": every norm is zero or missing");
  }
  return out;
}

// Every parameter at a glance: log10 of its norm, parameters down, logged steps across (at most
// 40 columns, evenly spaced).
std::string parameter_heatmap(const RunHistory& h) {
  std::vector<double> steps;
  for (const auto& [name, s] : h.param_grad_norms)
    for (double st : s.step) steps.push_back(st);
  std::sort(steps.begin(), steps.end());
  steps.erase(std::unique(steps.begin(), steps.end()), steps.end());
  std::vector<double> cols;
  const size_t max_cols = 40;
  for (size_t i = 0; i < std::min(steps.size(), max_cols); ++i)
    cols.push_back(steps[steps.size() <= max_cols ? i : i * (steps.size() - 1) / (max_cols - 1)]);
  Heatmap map;
  map.title = "log10 gradient norm per parameter";
  map.row_axis = "parameter";
  map.col_axis = "step";
  for (double st : cols) map.col_labels.push_back(fmt(st));
  for (const auto& [name, s] : h.param_grad_norms) {
    // Names differ at their end (decoder.layers.0.cross_attn.in_proj_weight / ..._bias) and the
    // heatmap shows 24 characters: a long one keeps its last 23 (names are ASCII).
    map.row_labels.push_back(name.size() > 24 ? "~" + name.substr(name.size() - 23) : name);
    std::map<double, double> at;
    for (size_t i = 0; i < s.step.size(); ++i) at[s.step[i]] = s.value[i];
    for (double st : cols) {
      auto it = at.find(st);
      const double v = it == at.end() ? std::nan("") : it->second;
      map.values.push_back(v > 0 ? static_cast<float>(std::log10(v)) : std::nanf(""));
    }
  }
  return "<figure>" + heatmap_svg(map) + "</figure>\n";
}

// Each module's parameters on their own, folded away.
std::string module_details(const RunHistory& h,
                           const std::map<std::string, std::vector<std::string>>& modules) {
  std::string out = "<h3>Parameters of each module</h3>\n";
  for (const auto& [module, params] : modules) {
    LineChart chart;
    chart.title = module;
    chart.x_label = "step";
    chart.y_label = "gradient L2 norm";
    chart.log_y = true;
    chart.width = 900;
    for (const auto& p : params) chart.series.push_back(series(p, h.param_grad_norms.at(p)));
    out += "<details><summary>" + esc(module) + " (" + std::to_string(params.size()) +
           (params.size() == 1 ? " parameter" : " parameters") + ")</summary>\n" +
           chart_or_note(chart, module + ": every norm is zero or missing") + "</details>\n";
  }
  return out;
}

std::string grad_norm_section(const RunHistory& h) {
  std::string out = "<h2 id=\"param-grads\">Gradient norm by layer</h2>\n";
  if (h.param_grad_norms.empty())
    return out +
           "<p class=\"note\">This run did not log per-parameter gradient norms. Train with "
           "<code>attend train --log-grad-norms</code> (every <code>--log-every</code> steps) to "
           "see each layer's gradient norm over training here.</p>\n";
  std::map<std::string, std::vector<std::string>> modules;  // module -> its parameters
  for (const auto& [name, s] : h.param_grad_norms) modules[module_of(name)].push_back(name);
  out +=
      "<p>L2 norm of each parameter's gradient before clipping, at every logged step; a "
      "module's norm joins its parameters'. " +
      std::to_string(h.param_grad_norms.size()) + " parameters in " +
      std::to_string(modules.size()) + " modules.</p>\n";
  return out + module_charts(h, modules) + parameter_heatmap(h) + module_details(h, modules);
}

// The maps of one example: the ones that show what the output looks at (cross-attention, the
// seq2seq decoder's steps, a GAT node's layers) first, the rest folded away.
// Only the first example carries the folded ones (with_folded), to keep the page small: a
// summarisation example's self-attention maps are ~100 x 100 cells each.
std::string example_maps(const AttentionMaps& maps, bool with_folded) {
  constexpr size_t kMaxMaps = 48;  // a big transformer has layers x heads x 3 maps
  std::string shown, folded;
  size_t n = 0, folded_n = 0;
  for (const AttentionMap& m : maps.maps) {
    if (n++ >= kMaxMaps) break;
    const bool main = m.name.rfind("cross", 0) == 0 || m.name.rfind("decoder step", 0) == 0 ||
                      m.name.rfind("node", 0) == 0 || m.features.has_value();
    if (main) {
      shown += "<figure>" + attention_map_svg(m) + "</figure>\n";
    } else {
      if (with_folded) folded += "<figure>" + attention_map_svg(m) + "</figure>\n";
      ++folded_n;
    }
  }
  std::string out = shown;
  if (folded_n > 0 && with_folded)
    out += "<details><summary>" + std::to_string(folded_n) +
           " more maps (self-attention)</summary>\n" + folded + "</details>\n";
  else if (folded_n > 0)
    out += "<p class=\"note\">" + std::to_string(folded_n) +
           " self-attention maps: the first example shows them; attend attention draws them for "
           "any input.</p>\n";
  if (maps.maps.size() > kMaxMaps)
    out += "<p class=\"note\">" + std::to_string(maps.maps.size() - kMaxMaps) +
           " more maps not shown (attend attention writes them all).</p>\n";
  return out;
}

// A speech model's alignments for the first validation utterances, each with its reference,
// the model's transcription and how monotonic the alignment is.
std::string speech_examples(Experiment& e, int64_t examples) {
  SpeechTask* task = e.speech_task();
  if (!task || task->data().dataset.valid.empty())
    return "<p class=\"note\">The validation split has no utterance to show.</p>\n";
  const auto& valid = task->data().dataset.valid;
  const size_t n = std::min(valid.size(), static_cast<size_t>(examples));
  std::string out =
      "<p>Each figure: the speller's attention over the listener's steps while it spells the "
      "utterance greedily (one row per character written), over the log-mel features it heard. "
      "Monotonic: the share of steps whose attention peak does not move back in time.</p>\n";
  for (size_t i = 0; i < n; ++i) {
    const std::string heading = "validation utterance " + std::to_string(i + 1);
    try {
      const AttentionMaps maps = speech_attention_maps(e, valid[i].features, heading);
      std::string output;
      for (const auto& t : maps.output_tokens) output += t == "\u2581" ? " " : t;
      char mono[32];
      std::snprintf(mono, sizeof mono, "%.0f%%", 100 * maps.monotonic);
      out += "<h3>" + esc(heading) + "</h3>\n<p>reference: <code>" + esc(valid[i].transcript) +
             "</code>, model output: <code>" + esc(output) + "</code>, monotonic: " + mono +
             "</p>\n" + example_maps(maps, false);
    } catch (const DataError& ex) {
      out += "<p class=\"note\">" + esc(heading) + ": " + esc(ex.what()) + "</p>\n";
    }
  }
  return out;
}

// resolved: the run's config.json (null if none): its decoding length applies here too, so the
// outputs shown are the ones the run's evaluation produced.
std::string attention_section(const std::string& checkpoint, int64_t examples,
                              const json& resolved) {
  if (examples <= 0) return "<p class=\"note\">Not drawn (--examples 0).</p>\n";
  if (checkpoint.empty())
    return "<p class=\"note\">No checkpoint in the run directory yet, so no attention maps.</p>\n";
  ExperimentConfig overrides;
  if (resolved.is_object() && resolved.contains("text") && resolved["text"].is_object()) {
    const json& t = resolved["text"];
    if (t.contains("max_decode_length") && t["max_decode_length"].is_number_integer() &&
        t["max_decode_length"].get<int64_t>() >= 1 &&
        t["max_decode_length"].get<int64_t>() <= 100000)
      overrides.text_task.decode.max_length = t["max_decode_length"].get<int64_t>();
  }
  std::optional<Experiment> e;
  try {
    e.emplace(Experiment::from_checkpoint(checkpoint, "", overrides));
  } catch (const std::exception& ex) {
    // The weights were readable (the model config came from them); the data may have moved.
    return "<p class=\"note\">Cannot rebuild the experiment of " + esc(checkpoint) +
           " to draw attention maps: " + esc(ex.what()) + "</p>\n";
  }
  std::string out = "<p>From the weights in <code>" + esc(checkpoint) + "</code>.</p>\n";
  // Examples stop once the maps passed this size (long sources make big maps).
  constexpr size_t kBudget = 4u << 20;
  int drawn = 0;
  auto one = [&](const std::string& heading, const std::string& input, int64_t node) {
    try {
      const AttentionMaps maps = compute_attention_maps(*e, input, node);
      out += "<h3>" + esc(heading) + "</h3>\n";
      if (!maps.output_tokens.empty()) {
        std::string output;
        for (const auto& t : maps.output_tokens) output += (output.empty() ? "" : " ") + t;
        out += "<p>" + std::string(node >= 0 ? "predicted class: " : "model output: ") + "<code>" +
               esc(output) + "</code></p>\n";
      }
      out += example_maps(maps, drawn++ == 0);
      return true;
    } catch (const DataError& ex) {
      out += "<p class=\"note\">" + esc(heading) + ": " + esc(ex.what()) + "</p>\n";
      return false;
    }
  };
  if (e->kind() == TaskKind::kSequence) {
    const TextData* data = e->text_data();
    if (!data || data->valid.sources.empty())
      return out + "<p class=\"note\">The validation split has no sentence to show.</p>\n";
    const size_t n = std::min(data->valid.sources.size(), static_cast<size_t>(examples));
    for (size_t i = 0; i < n; ++i) {
      if (out.size() > kBudget) {
        out += "<p class=\"note\">" + std::to_string(n - i) +
               " more examples not drawn, to keep this page small (attend attention draws any "
               "input).</p>\n";
        break;
      }
      one("validation example " + std::to_string(i + 1) + ": " + data->valid.sources[i],
          data->valid.sources[i], -1);
    }
  } else if (e->kind() == TaskKind::kLanguageModel) {
    LanguageModelTask* lm = e->lm_task();
    if (!lm || lm->data().valid.empty())
      return out + "<p class=\"note\">No validation text to show.</p>\n";
    // The first characters of the validation split, at most a context (and 48: a readable map).
    const std::vector<int32_t>& v = lm->data().valid;
    const size_t n = std::min<size_t>(
        {v.size(), 48, static_cast<size_t>(lm->language_model().context_length())});
    const std::string text = lm->data().vocab.decode(
        std::vector<int64_t>(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(n)));
    one("the start of the validation text", text, -1);
  } else if (e->kind() == TaskKind::kSpeech) {
    out += speech_examples(*e, examples);
  } else if (e->kind() == TaskKind::kNodeClassification) {
    for (int64_t node = 0; node < examples; ++node)
      if (!one("node " + std::to_string(node), "", node)) break;
  } else {
    out += "<p class=\"note\">No attention maps for a " + esc(e->model_name()) +
           " model (graph classification) yet.</p>\n";
  }
  return out;
}

const char* kStyle = R"(<style>
body { font-family: sans-serif; margin: 1em auto; max-width: 1120px; color: #222; }
.row { display: flex; flex-wrap: wrap; gap: 0 16px; } .row figure { margin: 0.5em 0; }
h1 { font-size: 1.6em; } h2 { border-bottom: 1px solid #ccc; margin-top: 2em; }
figure { margin: 1em 0; } .note { color: #555; font-style: italic; }
table { border-collapse: collapse; } td, th { border: 1px solid #ccc; padding: 2px 8px; }
td:nth-child(2) { text-align: right; font-family: monospace; }
pre { background: #f6f6f6; padding: 8px; overflow-x: auto; font-size: 12px; }
details { margin: 0.3em 0; } summary { cursor: pointer; }
</style>
)";

// RUN_DIR/metrics.jsonl; DataError naming what is wrong when there is none (a missing or odd
// directory, or the parent of attend train --runs' seed directories).
fs::path metrics_path(const std::string& run_dir) {
  const fs::path dir = run_dir;
  std::error_code ec;
  if (run_dir.empty()) throw DataError("empty run directory path; give a run directory");
  if (!fs::exists(dir, ec)) throw DataError(run_dir, 0, "no such run directory");
  if (!fs::is_directory(dir, ec))
    throw DataError(run_dir, 0, "not a directory (give the run directory of attend train)");
  const fs::path metrics = dir / "metrics.jsonl";
  if (fs::exists(metrics, ec)) return metrics;
  // attend train --runs N writes one run directory per seed: OUT/seed-S.
  std::vector<std::string> seeds;
  for (const auto& entry : fs::directory_iterator(dir, ec))
    if (entry.is_directory(ec) && entry.path().filename().string().rfind("seed-", 0) == 0 &&
        fs::exists(entry.path() / "metrics.jsonl", ec))
      seeds.push_back(entry.path().filename().string());
  std::sort(seeds.begin(), seeds.end());
  if (!seeds.empty())
    throw DataError(metrics.string(), 0,
                    "missing: this directory holds the runs of attend train --runs (" +
                        seeds.front() + ", ...); give one of them, e.g. " +
                        (dir / seeds.front()).string());
  throw DataError(metrics.string(), 0,
                  "missing: not a run directory of attend train, or the run has not started");
}

// What the report shows of the run directory besides the metrics log.
struct RunFiles {
  std::string run_dir;
  std::string checkpoint_path;  // best.safetensors, else last.safetensors, else ""
  json model_config;            // its "config" metadata; null without one
  std::optional<std::string> config_toml, config_json;
  json resolved;  // config.json parsed; null when it is missing or not JSON (it is only shown then)
  std::string model, data;  // from model_config, or "unknown model" / "unknown data"
};

RunFiles read_run_files(const std::string& run_dir) {
  const fs::path dir = run_dir;
  std::error_code ec;
  RunFiles f;
  f.run_dir = run_dir;
  for (const char* name : {"best.safetensors", "last.safetensors"})
    if (fs::exists(dir / name, ec)) {
      f.checkpoint_path = (dir / name).string();
      break;
    }
  if (!f.checkpoint_path.empty()) {
    const Checkpoint ck = load_safetensors(f.checkpoint_path);
    auto it = ck.metadata.find(kConfigKey);
    if (it != ck.metadata.end()) try {
        f.model_config = json::parse(it->second);
      } catch (const json::exception&) {
        throw CheckpointError(f.checkpoint_path + ": model config is not JSON");
      }
  }
  f.config_toml = read_optional(dir / "config.toml");
  f.config_json = read_optional(dir / "config.json");
  if (f.config_json) try {
      f.resolved = json::parse(*f.config_json);
    } catch (const json::exception&) {
    }
  auto config_text = [&](const char* key) {
    if (f.model_config.is_object() && f.model_config.contains(key) &&
        f.model_config[key].is_string())
      return f.model_config[key].get<std::string>();
    return std::string("unknown ") + key;
  };
  f.model = config_text("model");
  f.data = config_text("data");
  return f;
}

std::string page_head(const ReportOptions& o, const RunHistory& h, const RunFiles& f) {
  std::ostringstream html;
  html << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>"
       << esc("attend report: " + f.model + " on " + f.data) << "</title>\n"
       << kStyle << "</head>\n<body>\n";
  html << "<h1>" << esc(f.model) << " on " << esc(f.data) << "</h1>\n";
  html << "<p>Run directory <code>" << esc(o.run_dir) << "</code>: " << h.records
       << " records in metrics.jsonl, " << fmt(h.last_step) << " steps, " << fmt(h.last_epoch)
       << (h.last_epoch == 1 ? " epoch" : " epochs");
  if (h.skipped_batches > 0) html << ", " << h.skipped_batches << " non-finite batches skipped";
  html << ".</p>\n";
  html << "<p>Contents: <a href=\"#loss\">loss</a> · <a href=\"#metrics\">metrics</a> · "
          "<a href=\"#lr\">learning rate and gradient norm</a> · "
          "<a href=\"#param-grads\">by layer</a> · <a href=\"#attention\">attention</a> · "
          "<a href=\"#test\">test</a> · <a href=\"#config\">configuration</a></p>\n";
  return html.str();
}

std::string loss_section(const RunHistory& h) {
  LineChart loss;
  loss.title = "Loss";
  loss.x_label = "step";
  loss.y_label = "cross-entropy";
  loss.series.push_back(series("train (logged step)", h.train_loss));
  if (h.valid.count("train_loss"))
    loss.series.push_back(series("train (epoch mean)", h.valid.at("train_loss")));
  if (h.valid.count("loss")) loss.series.push_back(series("validation", h.valid.at("loss")));
  std::string out = "<h2 id=\"loss\">Loss</h2>\n" + chart_or_note(loss, "No loss was logged yet.");
  if (!h.valid.count("bpc")) return out;
  // A language model's loss in bits per character (per token): nats / ln 2.
  LineChart bpc;
  bpc.title = "Bits per character";
  bpc.x_label = "step";
  bpc.y_label = "bits per character";
  StepSeries train_bits = h.train_loss;
  for (double& v : train_bits.value) v /= std::numbers::ln2;
  bpc.series.push_back(series("train (logged step)", train_bits));
  bpc.series.push_back(series("validation", h.valid.at("bpc")));
  return out + chart_or_note(bpc, "No loss was logged yet.");
}

// A language model's sample at each evaluation, the latest open.
std::string samples_section(const RunHistory& h) {
  if (h.samples.empty()) return "";
  std::string out = "<h2 id=\"samples\">Samples</h2>\n";
  for (size_t i = h.samples.size(); i-- > 0;)
    out += std::string("<details") + (i + 1 == h.samples.size() ? " open" : "") +
           "><summary>step " + fmt(h.samples[i].first) + "</summary><pre>" +
           esc(h.samples[i].second) + "</pre></details>\n";
  return out;
}

// Validation metrics, one chart each (they have different scales), and the last values.
std::string metrics_section(const RunHistory& h) {
  std::string out = "<h2 id=\"metrics\">Validation metrics</h2>\n";
  bool any_metric = false;
  std::string metric_charts;
  for (const auto& [key, s] : h.valid) {
    if (key == "loss" || key == "train_loss") continue;
    any_metric = true;
    LineChart c = small_chart("validation " + key, key);
    c.series.push_back(series(key, s));
    metric_charts += chart_or_note(c, "validation " + key + ": no finite value logged");
  }
  if (any_metric) out += "<div class=\"row\">\n" + metric_charts + "</div>\n";
  if (!any_metric) out += "<p class=\"note\">No validation record in the log yet.</p>\n";
  std::map<std::string, double> last_valid;
  for (const auto& [key, s] : h.valid)
    if (!s.empty()) last_valid[key] = s.value.back();
  if (!last_valid.empty())
    out += "<p>Last validation (step " + fmt(h.valid.begin()->second.step.back()) + "):</p>\n" +
           table(last_valid);
  return out;
}

std::string lr_section(const RunHistory& h) {
  std::string out =
      "<h2 id=\"lr\">Learning rate and global gradient norm</h2>\n<div class=\"row\">\n";
  LineChart lr = small_chart("Learning rate", "learning rate");
  lr.series.push_back(series("lr", h.lr));
  out += chart_or_note(lr, "No training step was logged (see --log-every).");
  LineChart gn = small_chart("Global gradient norm (before clipping)", "L2 norm");
  gn.log_y = true;
  gn.series.push_back(series("grad_norm", h.grad_norm));
  return out + chart_or_note(gn, "No training step was logged (see --log-every).") + "</div>\n";
}

std::string test_section(const RunHistory& h) {
  const std::string head = "<h2 id=\"test\">Test metrics</h2>\n";
  if (h.test.empty())
    return head +
           "<p class=\"note\">No test record: the run has not finished (the best weights are "
           "scored on the test split at the end).</p>\n";
  return head + table(h.test);
}

std::string config_section(const RunFiles& f) {
  std::string out =
      "<h2 id=\"config\">Configuration</h2>\n<h3>config.toml (the options; --resume reads "
      "them)</h3>\n";
  out += f.config_toml
             ? "<pre>" + esc(*f.config_toml) + "</pre>\n"
             : std::string("<p class=\"note\">No config.toml in the run directory.</p>\n");
  if (f.config_json)
    out += "<h3>config.json (resolved)</h3>\n<pre>" + esc(*f.config_json) + "</pre>\n";
  out += "<h3>Model config of " +
         esc(f.checkpoint_path.empty() ? "the checkpoint"
                                       : fs::path(f.checkpoint_path).filename().string()) +
         "</h3>\n";
  out += f.model_config.is_null()
             ? std::string("<p class=\"note\">No checkpoint with a model config.</p>\n")
             : "<pre>" + esc(f.model_config.dump(2)) + "</pre>\n";
  return out;
}

}  // namespace

std::string build_report(const ReportOptions& o) {
  const RunHistory h = read_run_history(metrics_path(o.run_dir).string());
  const RunFiles f = read_run_files(o.run_dir);
  std::ostringstream html;
  html << page_head(o, h, f) << loss_section(h) << metrics_section(h) << lr_section(h)
       << samples_section(h) << grad_norm_section(h) << "<h2 id=\"attention\">Attention maps</h2>\n"
       << attention_section(f.checkpoint_path, o.examples, f.resolved) << test_section(h)
       << config_section(f) << "</body>\n</html>\n";
  return html.str();
}

std::string write_report(const ReportOptions& o) {
  const std::string out = o.out.empty() ? (fs::path(o.run_dir) / "report.html").string() : o.out;
  const std::string html = build_report(o);
  write_text_file_atomic(out, html);
  return out;
}

}  // namespace attend::study
