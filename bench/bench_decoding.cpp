// Speed on real data (issue 19, item 7): the tutorials' Multi30k Transformer (3+3 layers, d_model
// 256, 8 heads, feed-forward 512, dropout 0.1) on Multi30k de->en, measuring
//   train  : training tokens per second (target tokens, <eos> included, padding not) over --steps
//            batches of --train-batch pairs, after --warmup untimed ones: forward, backward and an
//            Adam step (lr 5e-4), cross-entropy ignoring padding;
//   greedy : sentences per second decoding test_2016_flickr greedily, with the key/value cache
//            (--cache on) or re-running the decoder over the whole prefix (--cache off);
//   beam   : the same with beam search (--beam, 5; length penalty 1).
// The PyTorch side is bench/decoding_pytorch.py; bench/run_decoding.sh runs both and prints one
// table.
//
// Weights are random (seeded): decoding speed depends on how long the outputs are, and a random
// model's outputs do not end where a trained one's would. So the output length is forced, the
// same on both sides: <eos>'s output bias is -1e9 (it is never chosen), the test sentences are
// sorted by the length of their English reference and cut into batches of --batch, and each
// batch decodes exactly (its longest reference in tokens + 1) steps, the length a trained
// model's output would roughly have. Every decoded sentence then costs what a real one of its
// reference's length costs; --export writes the batches (ids and step counts) and the training
// batches for the PyTorch script, so both sides do exactly the same work.
//
// Vocabularies: attend's word tokenizer, lowercased, min-freq 2, built from train (the issue's
// "as a new user would" setting), source de, target en.
//
// Output: one JSON line per run. The checksum is a hash of every decoded token, so runs with and
// without the cache can be compared for identical output.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

#include "autograd/threading.h"
#include "bench/timing.h"
#include "datasets/batching.h"
#include "datasets/tokenizer.h"
#include "datasets/vocab.h"
#include "models/transformer_model.h"
#include "trainers/optim.h"
#include "trainers/tasks/decoding.h"

using namespace attend;
using Clock = std::chrono::steady_clock;

namespace {

std::vector<std::vector<std::string>> read_tokenized(const std::string& path, int64_t limit) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  TokenizerOptions o;
  o.lowercase = true;
  std::vector<std::vector<std::string>> out;
  for (std::string line; std::getline(in, line);) {
    if (limit > 0 && static_cast<int64_t>(out.size()) == limit) break;
    out.push_back(tokenize(line, o));
  }
  return out;
}

struct Data {
  Vocab source_vocab, target_vocab;
  std::vector<SequencePair> train, test;
};

Data load(const std::string& dir, int64_t train_limit, int64_t test_limit) {
  const auto train_de = read_tokenized(dir + "/train.de", train_limit);
  const auto train_en = read_tokenized(dir + "/train.en", train_limit);
  const auto test_de = read_tokenized(dir + "/test_2016_flickr.de", test_limit);
  const auto test_en = read_tokenized(dir + "/test_2016_flickr.en", test_limit);
  if (train_de.size() != train_en.size() || test_de.size() != test_en.size())
    throw std::runtime_error(dir + ": the .de and .en files have different line counts");
  VocabOptions vo;
  vo.min_freq = 2;
  Data d{Vocab::build(train_de, vo), Vocab::build(train_en, vo), {}, {}};
  auto encode = [&](const auto& de, const auto& en, std::vector<SequencePair>& out) {
    for (size_t i = 0; i < de.size(); ++i)
      if (!de[i].empty() && !en[i].empty())
        out.push_back({d.source_vocab.encode(de[i]), d.target_vocab.encode(en[i])});
  };
  encode(train_de, train_en, d.train);
  encode(test_de, test_en, d.test);
  return d;
}

std::shared_ptr<TransformerModel> make_model(const Data& d, uint64_t seed) {
  TransformerModelOptions o;
  o.source_vocab = d.source_vocab.size();
  o.target_vocab = d.target_vocab.size();
  o.d_model = 256;
  o.heads = 8;
  o.feedforward = 512;
  o.encoder_layers = 3;
  o.decoder_layers = 3;
  o.dropout = 0.1f;
  o.max_length = 256;
  Generator init(seed);
  return std::make_shared<TransformerModel>(o, init, std::make_shared<Generator>(seed + 1));
}

// The test set as decoded: sorted by reference length (stable), cut into batches; each batch
// decodes max reference length + 1 steps.
struct DecodeBatch {
  std::vector<int64_t> rows;  // test pairs
  int64_t steps = 0;
};

std::vector<DecodeBatch> decode_batches(const std::vector<SequencePair>& test, int64_t size) {
  std::vector<int64_t> order(test.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
    return test[a].target.size() < test[b].target.size();
  });
  std::vector<DecodeBatch> out;
  for (size_t at = 0; at < order.size(); at += size) {
    DecodeBatch b;
    for (size_t i = at; i < std::min(order.size(), at + size); ++i) {
      b.rows.push_back(order[i]);
      b.steps = std::max<int64_t>(b.steps, static_cast<int64_t>(test[order[i]].target.size()) + 1);
    }
    out.push_back(std::move(b));
  }
  return out;
}

// The training batches of the timed run: a seeded shuffle, --train-batch pairs each.
std::vector<std::vector<int64_t>> train_batches(const Data& d, int64_t size, int64_t count,
                                                uint64_t seed) {
  BatchPlanOptions plan;
  plan.batch_size = size;
  plan.drop_last = true;
  Generator gen(seed);
  auto all = plan_batches(d.train, plan, &gen);
  if (static_cast<int64_t>(all.size()) < count)
    throw std::runtime_error("only " + std::to_string(all.size()) + " training batches of " +
                             std::to_string(size) + ", " + std::to_string(count) + " needed");
  all.resize(count);
  return all;
}

void write_ids(std::ostream& out, const std::vector<int64_t>& ids) {
  out << ids.size();
  for (int64_t id : ids) out << ' ' << id;
  out << '\n';
}

// The workload for decoding_pytorch.py, as collate lays it out (source x <eos>; target <bos> y
// and y <eos>), in plain text:
//   vocab SRC TGT / pad bos eos
//   train N  then per batch: "batch B" and 2 lines per pair (source ids, target ids)
//   test N   then per batch: "batch B STEPS" and one line per sentence (source ids)
void export_workload(const std::string& path, const Data& d,
                     const std::vector<std::vector<int64_t>>& train,
                     const std::vector<DecodeBatch>& test) {
  std::ofstream out(path);
  out << "vocab " << d.source_vocab.size() << ' ' << d.target_vocab.size() << '\n';
  out << "specials " << Vocab::kPad << ' ' << Vocab::kBos << ' ' << Vocab::kEos << '\n';
  out << "train " << train.size() << '\n';
  for (const auto& rows : train) {
    out << "batch " << rows.size() << '\n';
    for (int64_t r : rows) {
      std::vector<int64_t> src = d.train[r].source, tgt = d.train[r].target;
      src.push_back(Vocab::kEos);
      write_ids(out, src);
      write_ids(out, tgt);
    }
  }
  out << "test " << test.size() << '\n';
  for (const DecodeBatch& b : test) {
    out << "batch " << b.rows.size() << ' ' << b.steps << '\n';
    for (int64_t r : b.rows) {
      std::vector<int64_t> src = d.test[r].source;
      src.push_back(Vocab::kEos);
      write_ids(out, src);
    }
  }
  if (!out) throw std::runtime_error("cannot write " + path);
}

uint64_t mix(uint64_t h, uint64_t v) {  // FNV-1a over 64-bit values
  return (h ^ v) * 0x100000001b3ULL;
}

nlohmann::json run_decoding(TransformerModel& model, const Data& d,
                            const std::vector<DecodeBatch>& batches, int64_t beam, bool cache) {
  model.kv_cache = cache;
  model.eval();
  // Forced length: <eos> is never the best token, so every row decodes its batch's steps.
  model.output->bias.data()[Vocab::kEos] = -1e9f;
  int64_t sentences = 0, tokens = 0;
  uint64_t checksum = 0xcbf29ce484222325ULL;
  double seconds = 0;
  for (const DecodeBatch& b : batches) {
    const Batch batch = collate(d.test, b.rows);
    DecodeOptions o;
    o.max_length = b.steps;
    o.beam_size = beam;
    const auto start = Clock::now();
    const std::vector<Hypothesis> hyps = decode(model, batch.source, batch.source_padding_mask, o);
    seconds += std::chrono::duration<double>(Clock::now() - start).count();
    for (const Hypothesis& h : hyps) {
      ++sentences;
      tokens += static_cast<int64_t>(h.tokens.size());
      for (int64_t t : h.tokens) checksum = mix(checksum, static_cast<uint64_t>(t));
      checksum = mix(checksum, ~0ULL);
    }
  }
  return {{"sentences", sentences},
          {"generated_tokens", tokens},
          {"seconds", seconds},
          {"sentences_per_s", sentences / seconds},
          {"tokens_per_s", tokens / seconds},
          {"checksum", std::to_string(checksum)}};
}

nlohmann::json run_training(TransformerModel& model, const Data& d,
                            const std::vector<std::vector<int64_t>>& batches, int64_t warmup) {
  model.train();
  AdamOptions ao;
  ao.lr = 5e-4f;
  Adam adam(model.parameters(), ao);
  const int64_t V = model.target_vocab_size();
  int64_t tokens = 0;
  double seconds = 0;
  std::vector<double> ms;
  float last_loss = 0;
  for (size_t i = 0; i < batches.size(); ++i) {
    const Batch b = collate(d.train, batches[i]);
    const auto start = Clock::now();
    adam.zero_grad();
    Tensor logits = model.forward(b.source, b.source_padding_mask, b.target_input);
    Tensor loss =
        cross_entropy(reshape(logits, {-1, V}), reshape(b.target_output, {-1}), Vocab::kPad);
    loss.backward();
    adam.step();
    last_loss = loss.item();
    const double s = std::chrono::duration<double>(Clock::now() - start).count();
    if (static_cast<int64_t>(i) < warmup) continue;
    seconds += s;
    ms.push_back(1000 * s);
    tokens += b.num_target_tokens();
  }
  const bench::Stats st = bench::summarize(ms);
  return {{"steps", ms.size()},        {"target_tokens", tokens},
          {"seconds", seconds},        {"tokens_per_s", tokens / seconds},
          {"median_ms", st.median_ms}, {"min_ms", st.min_ms},
          {"max_ms", st.max_ms},       {"last_loss", last_loss}};
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Multi30k Transformer: training tokens/s and decoding sentences/s (attend)"};
  std::string data = "../shared/datasets/multi30k/raw", mode = "greedy", cache = "on", export_path;
  int threads = 1;
  int64_t batch = 64, beam = 5, train_batch = 128, steps = 20, warmup = 3, limit = 0,
          train_limit = 0;
  uint64_t seed = 1;
  bool keep_denormals = false;
  app.add_option("--data", data, "Folder with train.{de,en} and test_2016_flickr.{de,en}");
  app.add_option("--mode", mode, "train, greedy or beam")
      ->check(CLI::IsMember({"train", "greedy", "beam"}));
  app.add_option("--cache", cache, "Decode with the key/value cache (on) or without (off)")
      ->check(CLI::IsMember({"on", "off"}));
  app.add_option("--threads", threads, "OpenBLAS (= attend) threads")->check(CLI::Range(1, 256));
  app.add_option("--batch", batch, "Sentences decoded together")->check(CLI::Range(1, 100000));
  app.add_option("--beam", beam, "Beam size of --mode beam")->check(CLI::Range(1, 100));
  app.add_option("--train-batch", train_batch, "Pairs per training step")
      ->check(CLI::Range(1, 100000));
  app.add_option("--steps", steps, "Timed training steps")->check(CLI::Range(1, 100000));
  app.add_option("--warmup", warmup, "Untimed training steps first")->check(CLI::Range(0, 1000));
  app.add_option("--limit", limit, "Decode only the first N test sentences (0 = all)");
  app.add_option("--train-limit", train_limit, "Read only the first N training pairs (0 = all)");
  app.add_option("--seed", seed, "Seed of the weights and of the training batches");
  app.add_option("--export", export_path, "Write the workload for decoding_pytorch.py and exit");
  app.add_flag("--keep-denormals", keep_denormals, "IEEE gradual underflow (default: flush)");
  CLI11_PARSE(app, argc, argv);
  try {
    set_num_threads(threads);
    set_flush_denormal(!keep_denormals);
    const auto load_start = Clock::now();
    const Data d = load(data, train_limit, limit);
    const auto train = train_batches(d, train_batch, warmup + steps, seed);
    const auto test = decode_batches(d.test, batch);
    if (!export_path.empty()) {
      export_workload(export_path, d, train, test);
      return 0;
    }
    auto model = make_model(d, seed);
    nlohmann::json j = {
        {"side", "attend"},
        {"mode", mode},
        {"threads", threads},
        {"core", blas_core_name()},
        {"flush_denormal", flush_denormal()},
        {"vocab", {d.source_vocab.size(), d.target_vocab.size()}},
        {"parameters", model->num_parameters()},
        {"load_seconds", std::chrono::duration<double>(Clock::now() - load_start).count()}};
    if (mode == "train") {
      j["train_batch"] = train_batch;
      j.update(run_training(*model, d, train, warmup));
    } else {
      j["cache"] = cache == "on";
      j["batch"] = batch;
      j["beam"] = mode == "beam" ? beam : 1;
      j.update(run_decoding(*model, d, test, mode == "beam" ? beam : 1, cache == "on"));
    }
    std::cout << j.dump() << std::endl;
  } catch (const std::exception& e) {
    std::cerr << "bench_decoding: " << e.what() << '\n';
    return 2;
  }
  return 0;
}
