// Batch planning (shuffle, bucketing) and collation (padding, masks, shifted targets).
#include "datasets/batching.h"

#include <algorithm>
#include <numeric>

#include "autograd/creation.h"
#include "datasets/data_error.h"
#include "datasets/split.h"

namespace attend {

std::vector<std::vector<int64_t>> plan_batches(std::span<const SequencePair> data,
                                               const BatchPlanOptions& options, Generator* gen) {
  std::vector<std::pair<int64_t, int64_t>> lengths;
  lengths.reserve(data.size());
  for (const SequencePair& p : data)
    lengths.emplace_back(static_cast<int64_t>(p.source.size()),
                         static_cast<int64_t>(p.target.size()));
  return plan_batches_by_length(lengths, options, gen);
}

std::vector<std::vector<int64_t>> plan_batches_by_length(
    std::span<const std::pair<int64_t, int64_t>> lengths, const BatchPlanOptions& options,
    Generator* gen) {
  if (options.batch_size < 1)
    throw DataError("plan_batches: batch_size must be at least 1, got " +
                    std::to_string(options.batch_size));
  if (options.shuffle && !gen)
    throw DataError("plan_batches: shuffle needs a Generator (pass one, or set shuffle = false)");
  const auto n = static_cast<int64_t>(lengths.size());
  std::vector<int64_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  if (options.shuffle) shuffle(order, *gen);

  const bool bucket = options.bucket_batches > 1;
  if (bucket) {
    const int64_t chunk = options.bucket_batches * options.batch_size;
    const auto by_length = [&](int64_t a, int64_t b) { return lengths[a] < lengths[b]; };
    // stable_sort: equal lengths keep their shuffled order, so the seed still decides them.
    for (int64_t s = 0; s < n; s += chunk)
      std::stable_sort(order.begin() + s, order.begin() + std::min(n, s + chunk), by_length);
  }

  std::vector<std::vector<int64_t>> batches;
  for (int64_t s = 0; s < n; s += options.batch_size) {
    const int64_t e = std::min(n, s + options.batch_size);
    if (options.drop_last && e - s < options.batch_size) break;
    batches.emplace_back(order.begin() + s, order.begin() + e);
  }
  // Sorted chunks would otherwise feed batches from short to long within every chunk.
  if (bucket && options.shuffle) {
    std::vector<int64_t> perm = permutation(static_cast<int64_t>(batches.size()), *gen);
    std::vector<std::vector<int64_t>> shuffled;
    shuffled.reserve(batches.size());
    for (int64_t p : perm) shuffled.push_back(std::move(batches[p]));
    batches = std::move(shuffled);
  }
  return batches;
}

int64_t Batch::num_target_tokens() const {
  return std::accumulate(target_lengths.begin(), target_lengths.end(), int64_t{0});
}

namespace {

// Rows of ids padded into a [B, T] index tensor and its padding mask.
void pad_rows(const std::vector<std::vector<int64_t>>& rows, int64_t pad, Tensor& ids,
              Tensor& mask) {
  const auto b = static_cast<int64_t>(rows.size());
  int64_t t = 0;
  for (const auto& r : rows) t = std::max(t, static_cast<int64_t>(r.size()));
  std::vector<int64_t> flat(b * t, pad);
  std::vector<float> m(b * t, 1.0f);
  for (int64_t i = 0; i < b; ++i) {
    std::copy(rows[i].begin(), rows[i].end(), flat.begin() + i * t);
    std::fill(m.begin() + i * t, m.begin() + i * t + static_cast<int64_t>(rows[i].size()), 0.0f);
  }
  ids = from_indices(flat, {b, t});
  mask = from_vector(m, {b, t});
}

// Keeps at most limit ids in total once `extra` specials are added (limit 0 = all).
size_t kept(size_t n, int64_t limit, int extra) {
  if (limit <= 0) return n;
  return std::min<size_t>(n, static_cast<size_t>(std::max<int64_t>(0, limit - extra)));
}

}  // namespace

size_t collated_source_length(size_t n, const CollateOptions& o) {
  const int specials = o.source_bos + o.source_eos;
  return kept(n, o.max_source_len, specials) + specials;
}

size_t collated_target_length(size_t n, const CollateOptions& o) {
  return kept(n, o.max_target_len, 1) + 1;
}

Batch collate(std::span<const SequencePair> data, std::span<const int64_t> positions,
              const CollateOptions& o) {
  if (positions.empty()) throw DataError("collate: empty batch");
  Batch b;
  std::vector<std::vector<int64_t>> src, tin, tout;
  for (int64_t p : positions) {
    if (p < 0 || p >= static_cast<int64_t>(data.size()))
      throw DataError("collate: position " + std::to_string(p) + " out of range for " +
                      std::to_string(data.size()) + " examples");
    const SequencePair& ex = data[p];
    std::vector<int64_t> s;
    if (o.source_bos) s.push_back(o.bos);
    const size_t ns = kept(ex.source.size(), o.max_source_len, o.source_bos + o.source_eos);
    s.insert(s.end(), ex.source.begin(), ex.source.begin() + ns);
    if (o.source_eos) s.push_back(o.eos);
    if (s.empty())
      throw DataError("collate: example " + std::to_string(p) +
                      " has an empty source (enable source_eos or drop it)");
    const size_t nt = kept(ex.target.size(), o.max_target_len, 1);
    std::vector<int64_t> in{o.bos}, out;
    in.insert(in.end(), ex.target.begin(), ex.target.begin() + nt);
    out.assign(ex.target.begin(), ex.target.begin() + nt);
    out.push_back(o.eos);
    b.source_lengths.push_back(static_cast<int64_t>(s.size()));
    b.target_lengths.push_back(static_cast<int64_t>(out.size()));
    b.positions.push_back(p);
    src.push_back(std::move(s));
    tin.push_back(std::move(in));
    tout.push_back(std::move(out));
  }
  pad_rows(src, o.pad, b.source, b.source_padding_mask);
  pad_rows(tin, o.pad, b.target_input, b.target_padding_mask);
  Tensor same_mask;  // target_output is padded exactly like target_input
  pad_rows(tout, o.pad, b.target_output, same_mask);
  return b;
}

std::vector<Batch> make_batches(std::span<const SequencePair> data, const BatchPlanOptions& plan,
                                const CollateOptions& collate_options, Generator* gen) {
  std::vector<Batch> out;
  for (const auto& positions : plan_batches(data, plan, gen))
    out.push_back(collate(data, positions, collate_options));
  return out;
}

}  // namespace attend
