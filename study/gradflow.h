// Gradient flow over distance: does the loss reach an input many steps back? A long-range recall
// task (remember the first token after L distractors), four encoders (tanh RNN, LSTM, GRU, and an
// attention pooling), the norm of d loss / d x_t against the distance from the output, and the
// accuracy each encoder reaches as L grows under a fixed training budget.
//   B = batch, T = L + 1 positions, E = embedding size, H = hidden size, K = key classes
#pragma once

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "layers/embedding.h"
#include "layers/linear.h"
#include "layers/positional_encoding.h"
#include "layers/rnn.h"

namespace attend::study {

// Tokens 0 .. K-1 are keys, K .. K+D-1 distractors. A sequence is x_1 x_2 .. x_{L+1}: one key,
// then L distractors drawn uniformly; its label is the key x_1. Chance accuracy is 1/K.
struct RecallTask {
  int64_t num_keys = 8;         // K
  int64_t num_distractors = 8;  // D
  int64_t vocab_size() const { return num_keys + num_distractors; }
};
struct RecallBatch {
  Tensor tokens;  // [B, L+1] token ids (whole numbers in floats)
  Tensor labels;  // [B] class of each row = tokens[:, 0]
};
RecallBatch make_recall_batch(const RecallTask& task, int64_t distractors, int64_t batch,
                              Generator& gen);

enum class EncoderKind { kRNN, kLSTM, kGRU, kAttention };
// "rnn", "lstm", "gru", "attention"
const std::vector<std::string>& encoder_names();
std::string encoder_name(EncoderKind kind);
EncoderKind parse_encoder(const std::string& name);  // std::invalid_argument naming the choices

// Embedding -> encoder -> Linear(H, K) logits.
//   rnn / lstm / gru: a one-layer recurrent network (layers/rnn.h) over the embedded sequence; the
//     classifier reads its final hidden state h_{L+1}.
//   attention: h_t = x_t + sinusoidal position; one learned query q [A] scores every position with
//     scaled dot-product s_t = q . W_k h_t / sqrt(A); a = softmax(s) over the T positions; the
//     context sum_t a_t W_v h_t [H] goes to the classifier. Every position is one hop from the
//     output, whatever its distance.
class RecallModel : public Module {
 public:
  RecallModel(EncoderKind kind, const RecallTask& task, int64_t embedding_dim, int64_t hidden,
              int64_t max_len, Generator& gen);
  Tensor embed(const Tensor& tokens) const { return embedding->forward(tokens); }  // [B,T,E]
  Tensor forward_embedded(const Tensor& x) const;  // x [B, T, E] -> logits [B, K]
  Tensor forward(const Tensor& tokens) const { return forward_embedded(embed(tokens)); }
  std::string type_name() const override { return "RecallModel"; }

  EncoderKind kind;
  int64_t max_len;
  std::shared_ptr<Embedding> embedding;
  std::shared_ptr<RNNBase> rnn;                       // rnn / lstm / gru
  std::shared_ptr<SinusoidalPositionalEncoding> pos;  // attention
  std::shared_ptr<Linear> key_proj, value_proj;       // attention: [A, E], [H, E]
  Tensor query;                                       // attention: [A]
  std::shared_ptr<Linear> classifier;                 // [K, H]
};

// The summed cross-entropy of the batch (so d loss / d x_b is row b's own gradient, not 1/B of it).
Tensor recall_loss(const RecallModel& model, const Tensor& x, const Tensor& labels);
// d recall_loss / d x for the embedded inputs x [B, T, E]: x is copied into a leaf tensor that
// requires grad, and backward fills its .grad. Parameters' .grad are left as they were.
Tensor input_gradient(const RecallModel& model, const Tensor& x, const Tensor& labels);
// grad [B, T, E] -> T values: entry d is the mean over the batch of ||grad[b, T-1-d, :]||, i.e.
// indexed by the distance d = (L+1) - t from the output (d = 0: the last input, d = L: the key).
std::vector<double> gradient_norm_by_distance(const Tensor& grad);
// Fraction of rows whose argmax logit is the label (no grad).
double recall_accuracy(const RecallModel& model, const RecallBatch& batch);

// Distance buckets for the table: 0, 1, 2-3, 4-7, 8-15, ... up to max_distance.
struct DistanceBucket {
  int64_t lo, hi;  // inclusive
  std::string label() const;
};
std::vector<DistanceBucket> distance_buckets(int64_t max_distance);
double bucket_mean(const std::vector<double>& per_distance, const DistanceBucket& bucket);

struct GradflowConfig {
  std::vector<int64_t> lengths = {5, 10, 20, 50};  // L values (distractors)
  std::vector<EncoderKind> encoders = {EncoderKind::kRNN, EncoderKind::kLSTM, EncoderKind::kGRU,
                                       EncoderKind::kAttention};
  RecallTask task;
  int64_t hidden = 32;
  int64_t embedding_dim = 16;
  int64_t steps = 600;  // Adam steps per encoder and length, fresh batch each step
  int64_t batch_size = 32;
  float lr = 1e-2f;
  float clip_norm = 1.0f;
  int64_t eval_size = 512;  // held-out sequences for accuracy and gradient norms
  uint64_t seed = 1;
};

struct EncoderResult {
  EncoderKind kind;
  std::vector<double> accuracy;    // per length, after training, on held-out sequences
  std::vector<double> final_loss;  // per length, mean training loss of the last 10% of steps
  // At the longest length: per distance (0 .. L), before and after training.
  std::vector<double> grad_init, grad_trained;
};
struct GradflowResult {
  GradflowConfig config;
  int64_t gradflow_length = 0;  // the L at which gradients were measured (the longest)
  std::vector<EncoderResult> encoders;
  double seconds = 0;
};

// progress(done_steps, total_steps, recent_loss) after every training step.
using GradflowProgress = std::function<void(int64_t, int64_t, double)>;
GradflowResult run_gradflow_study(const GradflowConfig& config,
                                  const GradflowProgress& progress = {});

// Rows = distance buckets, columns = encoder at init / trained.
std::string gradflow_table(const GradflowResult& result);
// Rows = lengths, columns = encoders, plus chance.
std::string accuracy_table(const GradflowResult& result);
std::string gradflow_chart_svg(const GradflowResult& result);  // log y
std::string accuracy_chart_svg(const GradflowResult& result);
nlohmann::json gradflow_json(const GradflowResult& result);

}  // namespace attend::study
