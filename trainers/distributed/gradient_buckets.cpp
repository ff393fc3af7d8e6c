#include "trainers/distributed/gradient_buckets.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <unordered_set>

#include "autograd/creation.h"

namespace attend {

struct GradientBuckets::State {
  struct Bucket {
    std::vector<size_t> params;  // indices into State::params
    std::vector<float> flat;     // gradients, then one flag per parameter (then faults, if last)
    size_t final_params = 0;     // of this step
    std::unique_ptr<PendingSum> sum;
  };

  std::vector<Tensor> params;
  std::vector<size_t> bucket_of, offset_of;  // per parameter: its bucket, its place in the buffer
  std::vector<bool> final;                   // per parameter, this step
  std::vector<Bucket> buckets;
  Communicator* comm = nullptr;
  bool listening = false;
  size_t next = 0;  // the next bucket to start
  size_t started_in_backward = 0;
  double waited = 0;

  void on_final(size_t p);
  void start(size_t b, int faults);
  void start_ready();
  void unpack(Bucket& bucket);
};

// A gradient is final: count it, start every bucket that may start now, and let the sums in
// flight progress (MPI only moves a non-blocking collective forward inside MPI calls).
void GradientBuckets::State::on_final(size_t p) {
  if (!listening || final[p]) return;
  final[p] = true;
  ++buckets[bucket_of[p]].final_params;
  start_ready();
  for (size_t b = 0; b < next; ++b)
    if (buckets[b].sum) buckets[b].sum->test();
}

// Buckets whose parameters are all final start in order; the last waits for finish(), which
// knows the step's fault count.
void GradientBuckets::State::start_ready() {
  while (next + 1 < buckets.size() && buckets[next].final_params == buckets[next].params.size()) {
    start(next++, 0);
    ++started_in_backward;
  }
}

void GradientBuckets::State::start(size_t b, int faults) {
  Bucket& bucket = buckets[b];
  const size_t n = bucket.params.size();
  float* flags = bucket.flat.data() + (bucket.flat.size() - n - (b + 1 == buckets.size() ? 1 : 0));
  for (size_t k = 0; k < n; ++k) {
    const Tensor& p = params[bucket.params[k]];
    float* out = bucket.flat.data() + offset_of[bucket.params[k]];
    const Tensor g = p.grad();
    if (g.defined())
      std::memcpy(out, g.data(), static_cast<size_t>(g.numel()) * sizeof(float));
    else
      std::fill_n(out, p.numel(), 0.0f);
    flags[k] = g.defined() ? 1.0f : 0.0f;
  }
  if (b + 1 == buckets.size()) bucket.flat.back() = static_cast<float>(faults);
  bucket.sum = comm->start_sum(bucket.flat);
}

// The sums into each parameter's .grad; undefined where no rank had a gradient.
void GradientBuckets::State::unpack(Bucket& bucket) {
  const size_t n = bucket.params.size();
  const bool last = &bucket == &buckets.back();
  const float* flags = bucket.flat.data() + (bucket.flat.size() - n - (last ? 1 : 0));
  for (size_t k = 0; k < n; ++k) {
    Tensor& p = params[bucket.params[k]];
    if (flags[k] == 0.0f) continue;
    const float* sum = bucket.flat.data() + offset_of[bucket.params[k]];
    Tensor g = p.grad();
    if (!g.defined()) {
      g = Tensor::empty(p.shape());
      p.set_grad(g);
    }
    std::memcpy(g.data(), sum, static_cast<size_t>(g.numel()) * sizeof(float));
  }
}

GradientBuckets::GradientBuckets(const std::vector<Tensor>& params, Communicator& comm,
                                 int64_t bucket_bytes)
    : state_(std::make_shared<State>()) {
  State& s = *state_;
  s.comm = &comm;
  std::unordered_set<const TensorImpl*> seen;
  for (const Tensor& p : params)
    if (seen.insert(p.impl().get()).second) s.params.push_back(p);
  // Reverse order: the last parameters' gradients are final first.
  const auto cap = static_cast<size_t>(std::max<int64_t>(1, bucket_bytes / 4));
  size_t floats = 0;
  for (size_t i = s.params.size(); i-- > 0;) {
    const auto n = static_cast<size_t>(s.params[i].numel());
    if (s.buckets.empty() || (floats > 0 && floats + n > cap)) {
      s.buckets.emplace_back();
      floats = 0;
    }
    s.buckets.back().params.push_back(i);
    floats += n;
  }
  s.bucket_of.resize(s.params.size());
  s.offset_of.resize(s.params.size());
  for (size_t b = 0; b < s.buckets.size(); ++b) {
    State::Bucket& bucket = s.buckets[b];
    size_t at = 0;
    for (size_t i : bucket.params) {
      s.bucket_of[i] = b;
      s.offset_of[i] = at;
      at += static_cast<size_t>(s.params[i].numel());
    }
    bucket.flat.resize(at + bucket.params.size() + (b + 1 == s.buckets.size() ? 1 : 0));
  }
  s.final.assign(s.params.size(), false);
  const std::weak_ptr<State> weak = state_;
  for (size_t i = 0; i < s.params.size(); ++i)
    s.params[i].register_post_accumulate_grad_hook([weak, i](const Tensor&) {
      if (auto live = weak.lock()) live->on_final(i);
    });
}

GradientBuckets::~GradientBuckets() = default;

void GradientBuckets::begin() {
  State& s = *state_;
  s.final.assign(s.params.size(), false);
  for (State::Bucket& b : s.buckets) {
    b.final_params = 0;
    b.sum.reset();
  }
  s.next = 0;
  s.started_in_backward = 0;
  s.listening = true;
}

int GradientBuckets::finish(int faults) {
  State& s = *state_;
  s.listening = false;
  if (s.buckets.empty()) return faults;
  while (s.next < s.buckets.size()) {
    const size_t b = s.next++;
    s.start(b, b + 1 == s.buckets.size() ? faults : 0);
  }
  const auto t0 = std::chrono::steady_clock::now();
  for (State::Bucket& b : s.buckets) b.sum->wait();
  s.waited += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  for (State::Bucket& b : s.buckets) {
    b.sum.reset();
    s.unpack(b);
  }
  return static_cast<int>(s.buckets.back().flat.back());
}

size_t GradientBuckets::bucket_count() const {
  return state_->buckets.size();
}

std::vector<std::vector<size_t>> GradientBuckets::layout() const {
  std::vector<std::vector<size_t>> out;
  for (const State::Bucket& b : state_->buckets) out.push_back(b.params);
  return out;
}

size_t GradientBuckets::started_during_backward() const {
  return state_->started_in_backward;
}

double GradientBuckets::wait_seconds() const {
  return state_->waited;
}

}  // namespace attend
