// Sampling text from a LanguageModel, as nanoGPT's sample.py: temperature, top-k and nucleus
// (top-p) filtering, one token at a time, optionally through the model's key/value cache.
//   V = vocabulary
#pragma once
#include <cstdint>
#include <functional>
#include <vector>

#include "autograd/random.h"
#include "models/language_model.h"

namespace attend {

struct SampleOptions {
  int64_t tokens = 200;      // how many to generate
  float temperature = 1.0f;  // logits / temperature; 0 = greedy (argmax)
  int64_t top_k = 0;         // keep the k most likely (0 = all)
  float top_p = 1.0f;        // keep the smallest set whose probability reaches p (1 = all)
  // Through the key/value cache: each token costs one position's work. Without it every token
  // re-runs the whole (cropped) context, as nanoGPT's generate() does.
  bool cache = true;
};

// One token drawn from logits [V] (a row of floats) with the options' filters: the same draw
// from the same generator state gives the same token.
int64_t sample_token(const float* logits, int64_t V, const SampleOptions& options, Generator& gen);

// Continues prompt (ids, at least one) by options.tokens tokens, calling on_token with each as it
// is drawn; returns the new ids. Inputs longer than the model's context are cropped to the last
// context_length() tokens (nanoGPT); with the cache, once it is full it restarts from the last
// half context, so past the context the cached and uncached samples may differ (they are equal
// while prompt + tokens <= context).
std::vector<int64_t> sample(LanguageModel& model, const std::vector<int64_t>& prompt,
                            const SampleOptions& options, Generator& gen,
                            const std::function<void(int64_t)>& on_token = {});

}  // namespace attend
