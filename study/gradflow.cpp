#include "study/gradflow.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "autograd/creation.h"
#include "autograd/ops.h"
#include "study/svg.h"
#include "trainers/optim.h"

namespace attend::study {

RecallBatch make_recall_batch(const RecallTask& task, int64_t distractors, int64_t batch,
                              Generator& gen) {
  if (task.num_keys < 1 || task.num_distractors < 1 || distractors < 0 || batch < 1)
    throw std::invalid_argument("make_recall_batch: need keys, distractors >= 1, L >= 0, B >= 1");
  const int64_t t_len = distractors + 1;
  std::vector<int64_t> tokens(static_cast<size_t>(batch * t_len)), labels(batch);
  for (int64_t b = 0; b < batch; ++b) {
    const auto key = static_cast<int64_t>(gen.randint(task.num_keys));
    labels[b] = key;
    tokens[b * t_len] = key;
    for (int64_t t = 1; t < t_len; ++t)
      tokens[b * t_len + t] =
          task.num_keys + static_cast<int64_t>(gen.randint(task.num_distractors));
  }
  return {from_indices(tokens, {batch, t_len}), from_indices(labels, {batch})};
}

const std::vector<std::string>& encoder_names() {
  static const std::vector<std::string> names = {"rnn", "lstm", "gru", "attention"};
  return names;
}

std::string encoder_name(EncoderKind kind) {
  return encoder_names()[static_cast<size_t>(kind)];
}

EncoderKind parse_encoder(const std::string& name) {
  const auto& names = encoder_names();
  for (size_t i = 0; i < names.size(); ++i)
    if (names[i] == name) return static_cast<EncoderKind>(i);
  throw std::invalid_argument("unknown encoder '" + name +
                              "'; choose from rnn, lstm, gru, attention");
}

RecallModel::RecallModel(EncoderKind kind_, const RecallTask& task, int64_t embedding_dim,
                         int64_t hidden, int64_t max_len_, Generator& gen)
    : kind(kind_), max_len(max_len_) {
  embedding = register_module("embedding",
                              std::make_shared<Embedding>(task.vocab_size(), embedding_dim, gen));
  if (kind == EncoderKind::kAttention) {
    pos = register_module("pos",
                          std::make_shared<SinusoidalPositionalEncoding>(embedding_dim, max_len));
    key_proj = register_module("key_proj", std::make_shared<Linear>(embedding_dim, hidden, gen));
    value_proj =
        register_module("value_proj", std::make_shared<Linear>(embedding_dim, hidden, gen));
    const float bound = 1.0f / std::sqrt(static_cast<float>(hidden));
    query = register_parameter("query", uniform({hidden}, -bound, bound, gen));
  } else {
    RNNOptions opt;
    opt.batch_first = true;
    std::shared_ptr<RNNBase> net;
    if (kind == EncoderKind::kRNN) net = std::make_shared<RNN>(embedding_dim, hidden, gen, opt);
    if (kind == EncoderKind::kLSTM) net = std::make_shared<LSTM>(embedding_dim, hidden, gen, opt);
    if (kind == EncoderKind::kGRU) net = std::make_shared<GRU>(embedding_dim, hidden, gen, opt);
    rnn = register_module("rnn", net);
  }
  classifier = register_module("classifier", std::make_shared<Linear>(hidden, task.num_keys, gen));
}

Tensor RecallModel::forward_embedded(const Tensor& x) const {
  if (x.dim() != 3 || x.size(2) != embedding->embedding_dim)
    throw std::invalid_argument("RecallModel: expected embedded inputs [B, T, " +
                                std::to_string(embedding->embedding_dim) + "], got " +
                                x.shape().str());
  const int64_t b = x.size(0), t = x.size(1);
  if (kind != EncoderKind::kAttention) {
    RNNOutput out = rnn->forward(x);  // h_n [1, B, H]
    return classifier->forward(reshape(out.h_n, {b, rnn->hidden_size}));
  }
  if (t > max_len)
    throw std::invalid_argument("RecallModel: sequence of " + std::to_string(t) +
                                " positions, more than max_len " + std::to_string(max_len));
  const int64_t a = query.size(0);
  Tensor h = pos->forward(x);                    // [B, T, E]
  Tensor k = key_proj->forward(h);               // [B, T, A]
  Tensor s = matmul(k, reshape(query, {a, 1}));  // [B, T, 1]
  s = mul(reshape(s, {b, t}), 1.0f / std::sqrt(static_cast<float>(a)));
  Tensor w = softmax(s, 1);                           // [B, T]
  Tensor v = value_proj->forward(h);                  // [B, T, H]
  Tensor context = matmul(reshape(w, {b, 1, t}), v);  // [B, 1, H]
  return classifier->forward(reshape(context, {b, v.size(2)}));
}

Tensor recall_loss(const RecallModel& model, const Tensor& x, const Tensor& labels) {
  return cross_entropy(model.forward_embedded(x), labels, -100, 0.0f, Reduction::kSum);
}

Tensor input_gradient(const RecallModel& model, const Tensor& x, const Tensor& labels) {
  // Only x asks for a gradient: the parameters are switched off for this backward (and back on
  // afterwards), so their .grad stays as it was and no work is spent on them.
  std::vector<Tensor> params = model.parameters();
  std::vector<bool> had(params.size());
  for (size_t i = 0; i < params.size(); ++i) {
    had[i] = params[i].requires_grad();
    params[i].requires_grad_(false);
  }
  struct Restore {
    std::vector<Tensor>& p;
    std::vector<bool>& h;
    ~Restore() {
      for (size_t i = 0; i < p.size(); ++i) p[i].requires_grad_(h[i]);
    }
  } restore{params, had};
  Tensor leaf = x.detach().clone();
  leaf.requires_grad_();
  recall_loss(model, leaf, labels).backward();
  return leaf.grad();
}

std::vector<double> gradient_norm_by_distance(const Tensor& grad) {
  if (!grad.defined() || grad.dim() != 3)
    throw std::invalid_argument("gradient_norm_by_distance: expected a gradient [B, T, E]");
  const int64_t b = grad.size(0), t = grad.size(1), e = grad.size(2);
  std::vector<double> out(static_cast<size_t>(t), 0.0);
  const float* g = grad.data();
  for (int64_t i = 0; i < b; ++i)
    for (int64_t p = 0; p < t; ++p) {
      double sq = 0;
      for (int64_t j = 0; j < e; ++j) {
        const double v = g[(i * t + p) * e + j];
        sq += v * v;
      }
      out[static_cast<size_t>(t - 1 - p)] += std::sqrt(sq) / static_cast<double>(b);
    }
  return out;
}

double recall_accuracy(const RecallModel& model, const RecallBatch& batch) {
  NoGradGuard no_grad;
  Tensor pred = argmax(model.forward(batch.tokens), 1);
  const int64_t n = batch.labels.numel();
  int64_t right = 0;
  for (int64_t i = 0; i < n; ++i) right += pred.data()[i] == batch.labels.data()[i];
  return static_cast<double>(right) / static_cast<double>(n);
}

std::string DistanceBucket::label() const {
  return lo == hi ? std::to_string(lo) : std::to_string(lo) + "-" + std::to_string(hi);
}

std::vector<DistanceBucket> distance_buckets(int64_t max_distance) {
  std::vector<DistanceBucket> out;
  if (max_distance < 0) return out;
  out.push_back({0, 0});
  for (int64_t lo = 1; lo <= max_distance; lo *= 2)
    out.push_back({lo, std::min(2 * lo - 1, max_distance)});
  return out;
}

double bucket_mean(const std::vector<double>& per_distance, const DistanceBucket& bucket) {
  double sum = 0;
  int64_t n = 0;
  for (int64_t d = bucket.lo; d <= bucket.hi && d < static_cast<int64_t>(per_distance.size());
       ++d, ++n)
    sum += per_distance[static_cast<size_t>(d)];
  return n ? sum / static_cast<double>(n) : std::nan("");
}

GradflowResult run_gradflow_study(const GradflowConfig& c, const GradflowProgress& progress) {
  if (c.lengths.empty() || c.encoders.empty())
    throw std::invalid_argument("gradflow: need at least one length and one encoder");
  const auto start = std::chrono::steady_clock::now();
  GradflowResult r;
  r.config = c;
  r.gradflow_length = *std::max_element(c.lengths.begin(), c.lengths.end());
  const int64_t total = c.steps * static_cast<int64_t>(c.lengths.size() * c.encoders.size());
  int64_t done = 0;
  for (EncoderKind kind : c.encoders) {
    EncoderResult er;
    er.kind = kind;
    for (size_t li = 0; li < c.lengths.size(); ++li) {
      const int64_t len = c.lengths[li];
      // Same data for every encoder at a length; a different initialisation per (encoder, L).
      Generator data(c.seed * 7919 + static_cast<uint64_t>(len));
      Generator held_out(c.seed * 7919 + static_cast<uint64_t>(len) + 0x9e3779b9ULL);
      Generator init(c.seed * 104729 + static_cast<uint64_t>(kind) * 1009 + li);
      const RecallBatch eval = make_recall_batch(c.task, len, c.eval_size, held_out);
      RecallModel model(kind, c.task, c.embedding_dim, c.hidden, len + 1, init);
      const bool measure = len == r.gradflow_length && er.grad_init.empty();
      auto grad_norms = [&] {
        Tensor x;
        {
          NoGradGuard no_grad;
          x = model.embed(eval.tokens);
        }
        return gradient_norm_by_distance(input_gradient(model, x, eval.labels));
      };
      if (measure) er.grad_init = grad_norms();
      AdamOptions opt;
      opt.lr = c.lr;
      Adam adam(model.parameters(), opt);
      const int64_t tail = std::max<int64_t>(1, c.steps / 10);
      double tail_loss = 0, recent = 0;
      for (int64_t step = 0; step < c.steps; ++step) {
        const RecallBatch batch = make_recall_batch(c.task, len, c.batch_size, data);
        adam.zero_grad();
        Tensor loss = cross_entropy(model.forward(batch.tokens), batch.labels);
        loss.backward();
        if (c.clip_norm > 0) clip_grad_norm_(adam.params(), c.clip_norm);
        adam.step();
        const double l = loss.item();
        recent = step == 0 ? l : 0.9 * recent + 0.1 * l;
        if (step >= c.steps - tail) tail_loss += l / static_cast<double>(tail);
        ++done;
        if (progress) progress(done, total, recent);
      }
      er.accuracy.push_back(recall_accuracy(model, eval));
      er.final_loss.push_back(c.steps > 0 ? tail_loss : std::nan(""));
      if (measure) er.grad_trained = grad_norms();
    }
    r.encoders.push_back(std::move(er));
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

namespace {

std::string cell(const char* format, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

// A plain-text table: the first column left-aligned, the others right-aligned, each as wide as
// its widest cell.
std::string table(const std::vector<std::string>& header,
                  const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width(header.size(), 0);
  auto widen = [&](const std::vector<std::string>& row) {
    for (size_t i = 0; i < row.size() && i < width.size(); ++i)
      width[i] = std::max(width[i], row[i].size());
  };
  widen(header);
  for (const auto& row : rows) widen(row);
  auto line = [&](const std::vector<std::string>& row) {
    std::string s;
    for (size_t i = 0; i < row.size(); ++i) {
      const std::string pad(width[i] - row[i].size(), ' ');
      s += i == 0 ? row[i] + pad : "  " + pad + row[i];
    }
    return s + "\n";
  };
  std::string out = line(header);
  size_t total = 0;
  for (size_t w : width) total += w + 2;
  out += std::string(total - 2, '-') + "\n";
  for (const auto& row : rows) out += line(row);
  return out;
}

}  // namespace

std::string gradflow_table(const GradflowResult& r) {
  std::vector<std::string> header = {"distance"};
  for (const auto& e : r.encoders) {
    header.push_back(encoder_name(e.kind) + " init");
    header.push_back(encoder_name(e.kind) + " trained");
  }
  std::vector<std::vector<std::string>> rows;
  for (const DistanceBucket& b : distance_buckets(r.gradflow_length)) {
    std::vector<std::string> row = {b.label()};
    for (const auto& e : r.encoders) {
      row.push_back(cell("%.2e", bucket_mean(e.grad_init, b)));
      row.push_back(cell("%.2e", bucket_mean(e.grad_trained, b)));
    }
    rows.push_back(row);
  }
  // After training the norms also scale with the loss that is left (a solved task has small
  // gradients everywhere), so the table says what that loss was.
  const auto& lengths = r.config.lengths;
  const size_t li = static_cast<size_t>(
      std::find(lengths.begin(), lengths.end(), r.gradflow_length) - lengths.begin());
  std::string losses = "training loss at the end (mean of the last 10% of steps):";
  for (const auto& e : r.encoders)
    if (li < e.final_loss.size())
      losses += " " + encoder_name(e.kind) + cell(" %.3g", e.final_loss[li]);
  return "mean ||d loss / d x_t|| by distance from the output (L+1-t), L = " +
         std::to_string(r.gradflow_length) + ", at init and after training\n" +
         table(header, rows) + losses + "\n";
}

std::string accuracy_table(const GradflowResult& r) {
  std::vector<std::string> header = {"L"};
  for (const auto& e : r.encoders) header.push_back(encoder_name(e.kind));
  header.push_back("chance");
  std::vector<std::vector<std::string>> rows;
  const double chance = 1.0 / static_cast<double>(r.config.task.num_keys);
  for (size_t li = 0; li < r.config.lengths.size(); ++li) {
    std::vector<std::string> row = {std::to_string(r.config.lengths[li])};
    for (const auto& e : r.encoders) row.push_back(cell("%.3f", e.accuracy[li]));
    row.push_back(cell("%.3f", chance));
    rows.push_back(row);
  }
  return "held-out accuracy after " + std::to_string(r.config.steps) + " Adam steps (batch " +
         std::to_string(r.config.batch_size) + ", hidden " + std::to_string(r.config.hidden) +
         ")\n" + table(header, rows);
}

std::string gradflow_chart_svg(const GradflowResult& r) {
  LineChart chart;
  chart.title = "Gradient norm vs distance (L = " + std::to_string(r.gradflow_length) + ")";
  chart.x_label = "distance from the output (L+1-t)";
  chart.y_label = "mean ||d loss / d x_t||";
  chart.log_y = true;
  for (const auto& e : r.encoders)
    for (int trained = 0; trained < 2; ++trained) {
      const auto& g = trained ? e.grad_trained : e.grad_init;
      Series s;
      s.name = encoder_name(e.kind) + (trained ? " trained" : " init");
      for (size_t d = 0; d < g.size(); ++d) {
        s.x.push_back(static_cast<double>(d));
        s.y.push_back(g[d]);
      }
      chart.series.push_back(std::move(s));
    }
  return line_chart_svg(chart);
}

std::string accuracy_chart_svg(const GradflowResult& r) {
  LineChart chart;
  chart.title = "Recall accuracy vs distance L (" + std::to_string(r.config.steps) + " steps)";
  chart.x_label = "L (distractors between the key and the output)";
  chart.y_label = "held-out accuracy";
  for (const auto& e : r.encoders) {
    Series s;
    s.name = encoder_name(e.kind);
    for (size_t li = 0; li < r.config.lengths.size(); ++li) {
      s.x.push_back(static_cast<double>(r.config.lengths[li]));
      s.y.push_back(e.accuracy[li]);
    }
    chart.series.push_back(std::move(s));
  }
  Series chance;
  chance.name = "chance (1/K)";
  const auto [lo, hi] = std::minmax_element(r.config.lengths.begin(), r.config.lengths.end());
  chance.x = {static_cast<double>(*lo), static_cast<double>(*hi)};
  chance.y = {1.0 / static_cast<double>(r.config.task.num_keys),
              1.0 / static_cast<double>(r.config.task.num_keys)};
  chart.series.push_back(std::move(chance));
  return line_chart_svg(chart);
}

nlohmann::json gradflow_json(const GradflowResult& r) {
  const GradflowConfig& c = r.config;
  nlohmann::json j;
  nlohmann::json enc = nlohmann::json::array();
  for (EncoderKind k : c.encoders) enc.push_back(encoder_name(k));
  j["task"] = {
      {"description", "recall x_1 (one of K keys) after L distractor tokens (a separate set of D)"},
      {"num_keys", c.task.num_keys},
      {"num_distractors", c.task.num_distractors},
      {"chance", 1.0 / static_cast<double>(c.task.num_keys)}};
  j["config"] = {{"lengths", c.lengths},
                 {"encoders", enc},
                 {"hidden", c.hidden},
                 {"embedding_dim", c.embedding_dim},
                 {"steps", c.steps},
                 {"batch_size", c.batch_size},
                 {"optimizer", "adam"},
                 {"lr", c.lr},
                 {"clip_norm", c.clip_norm},
                 {"eval_size", c.eval_size},
                 {"seed", c.seed}};
  j["gradflow_length"] = r.gradflow_length;
  j["seconds"] = r.seconds;
  auto num = [](double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(); };
  auto arr = [&](const std::vector<double>& v) {
    nlohmann::json a = nlohmann::json::array();
    for (double x : v) a.push_back(num(x));
    return a;
  };
  nlohmann::json buckets = nlohmann::json::array();
  for (const DistanceBucket& b : distance_buckets(r.gradflow_length))
    buckets.push_back({{"lo", b.lo}, {"hi", b.hi}});
  j["distance_buckets"] = buckets;
  nlohmann::json encoders = nlohmann::json::object();
  for (const auto& e : r.encoders) {
    nlohmann::json x;
    x["accuracy"] = arr(e.accuracy);
    x["final_train_loss"] = arr(e.final_loss);
    x["grad_norm_by_distance"] = {{"init", arr(e.grad_init)}, {"trained", arr(e.grad_trained)}};
    nlohmann::json bi = nlohmann::json::array(), bt = nlohmann::json::array();
    for (const DistanceBucket& b : distance_buckets(r.gradflow_length)) {
      bi.push_back(num(bucket_mean(e.grad_init, b)));
      bt.push_back(num(bucket_mean(e.grad_trained, b)));
    }
    x["grad_norm_by_bucket"] = {{"init", bi}, {"trained", bt}};
    encoders[encoder_name(e.kind)] = x;
  }
  j["encoders"] = encoders;
  return j;
}

}  // namespace attend::study
