// Indexing ops: index_select, gather, scatter_add, index_add, masked_fill, where, embedding.
// Forward values against loops written here, gradients by explicit accumulation (repeated indices
// must add up), and the errors for bad index tensors. The finite-difference checks are the ops'
// samples (autograd/ops_index.cpp).
#include <boost/test/unit_test.hpp>
#include <functional>
#include <string>
#include <vector>

#include "test_util.h"

using namespace attend;
using attend::test::expect_shape_error;
using attend::test::grad_of;
using attend::test::param;
using attend::test::unravel;

namespace {

// Row-major flat offset of a multi-index in a shape.
int64_t offset_of(const Shape& s, const std::vector<int64_t>& idx) {
  int64_t off = 0;
  for (int d = 0; d < s.ndim(); ++d) off = off * s[d] + idx[d];
  return off;
}

Tensor random_values(const Shape& s, uint64_t seed) {
  Generator g(seed);
  return randn(s, g);
}

int64_t idx_at(const Tensor& index, int64_t flat) {
  return static_cast<int64_t>(index.data()[flat]);
}

// The bad index values every indexing op must reject, for a dimension of size `limit`.
std::vector<std::pair<float, std::string>> bad_values(int64_t limit) {
  return {{static_cast<float>(limit), "index == size"},
          {static_cast<float>(limit + 7), "index > size"},
          {-1.0f, "negative index"},
          {1.5f, "non-integer index"},
          {NAN, "NaN index"}};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(test_ops_index)

// --- index_select ------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(index_select_forward_each_dim) {
  Tensor x = random_values({3, 4, 5}, 1);
  Tensor idx = from_indices({2, 0, 2, 1}, {4});  // repeated 2
  for (int dim = 0; dim < 3; ++dim) {
    BOOST_TEST_CONTEXT("dim " << dim) {
      Tensor out = index_select(x, dim, idx);
      Shape es = x.shape();
      es[dim] = 4;
      BOOST_REQUIRE(out.shape() == es);
      for (int64_t p = 0; p < out.numel(); ++p) {
        std::vector<int64_t> o = unravel(p, out.shape());
        std::vector<int64_t> src = o;
        src[dim] = idx_at(idx, o[dim]);
        BOOST_CHECK_EQUAL(out.data()[p], x.data()[offset_of(x.shape(), src)]);
      }
    }
  }
  // A negative dim counts from the end.
  attend::test::check_close(index_select(x, -1, idx), index_select(x, 2, idx), 0.0f, 0.0f);
}

BOOST_AUTO_TEST_CASE(index_select_hand_example) {
  Tensor x = from_vector({1, 2, 3, 4, 5, 6}, {3, 2});
  attend::test::check_close(index_select(x, 0, from_indices({2, 0, 2}, {3})),
                            from_vector({5, 6, 1, 2, 5, 6}, {3, 2}), 0.0f, 0.0f);
  attend::test::check_close(index_select(x, 1, from_indices({1, 1}, {2})),
                            from_vector({2, 2, 4, 4, 6, 6}, {3, 2}), 0.0f, 0.0f);
}

BOOST_AUTO_TEST_CASE(index_select_repeated_indices_accumulate) {
  Tensor x = param({3, 4}, 2);
  Tensor idx = from_indices({2, 0, 2, 2}, {4});
  index_select(x, 0, idx).sum().backward();
  // row 0 selected once, row 1 never, row 2 three times
  const float expected[3] = {1.0f, 0.0f, 3.0f};
  for (int64_t r = 0; r < 3; ++r)
    for (int64_t c = 0; c < 4; ++c) BOOST_CHECK_EQUAL(grad_of(x).at({r, c}), expected[r]);
}

// --- gather ------------------------------------------------------------------------------------

namespace {
// Index shapes for gather/scatter along each dim of a [3, 4, 5] tensor: longer than x along dim (so
// values repeat) and shorter than x in another dimension (allowed, as in torch.gather).
const Shape kGatherIndexShape[3] = {{5, 2, 4}, {2, 6, 3}, {3, 3, 7}};
}  // namespace

BOOST_AUTO_TEST_CASE(gather_forward_each_dim) {
  Tensor x = random_values({3, 4, 5}, 3);
  for (int dim = 0; dim < 3; ++dim) {
    BOOST_TEST_CONTEXT("dim " << dim) {
      Tensor index = random_indices(kGatherIndexShape[dim], x.shape()[dim], 20 + dim);
      Tensor out = gather(x, dim, index);
      BOOST_REQUIRE(out.shape() == index.shape());
      for (int64_t p = 0; p < out.numel(); ++p) {
        std::vector<int64_t> src = unravel(p, index.shape());
        src[dim] = idx_at(index, p);
        BOOST_CHECK_EQUAL(out.data()[p], x.data()[offset_of(x.shape(), src)]);
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(gather_hand_example) {
  // torch.gather(torch.tensor([[1,2],[3,4]]), 1, torch.tensor([[0,0],[1,0]])) = [[1,1],[4,3]]
  Tensor x = from_vector({1, 2, 3, 4}, {2, 2});
  attend::test::check_close(gather(x, 1, from_indices({0, 0, 1, 0}, {2, 2})),
                            from_vector({1, 1, 4, 3}, {2, 2}), 0.0f, 0.0f);
  attend::test::check_close(gather(x, 0, from_indices({1, 0, 1, 1}, {2, 2})),
                            from_vector({3, 2, 3, 4}, {2, 2}), 0.0f, 0.0f);
}

BOOST_AUTO_TEST_CASE(gather_gradient_accumulates) {
  for (int dim = 0; dim < 3; ++dim) {
    BOOST_TEST_CONTEXT("dim " << dim) {
      Tensor index = random_indices(kGatherIndexShape[dim], Shape{3, 4, 5}[dim], 30 + dim);
      // Explicit: d sum(gather(x) * G) / dx[q] = sum of G over the positions that read q.
      Tensor x = param({3, 4, 5}, 40 + dim);
      Tensor G = random_values(index.shape(), 50 + dim);
      gather(x, dim, index).backward(G);
      std::vector<double> expected(x.numel(), 0.0);
      for (int64_t p = 0; p < index.numel(); ++p) {
        std::vector<int64_t> src = unravel(p, index.shape());
        src[dim] = idx_at(index, p);
        expected[offset_of(x.shape(), src)] += G.data()[p];
      }
      for (int64_t q = 0; q < x.numel(); ++q)
        BOOST_CHECK_SMALL(grad_of(x).data()[q] - expected[q], 1e-5);
    }
  }
}

// --- scatter_add -------------------------------------------------------------------------------

namespace {
struct ScatterCase {
  int dim;
  Shape self, index, src;
};
// src is at least as large as index (its extra elements are not used); index fits self off dim.
const ScatterCase kScatter[] = {
    {0, {3, 4}, {5, 3}, {5, 4}},
    {1, {3, 4}, {2, 6}, {3, 6}},
    {1, {2, 3, 4}, {2, 5, 3}, {2, 5, 4}},
    {-1, {2, 3, 4}, {2, 2, 6}, {2, 3, 6}},
};

// self + src scattered, computed here.
std::vector<double> scatter_reference(const Tensor& self, int dim, const Tensor& index,
                                      const Tensor& src) {
  std::vector<double> out(self.data(), self.data() + self.numel());
  for (int64_t p = 0; p < index.numel(); ++p) {
    std::vector<int64_t> pos = unravel(p, index.shape());
    const float v = src.data()[offset_of(src.shape(), pos)];
    pos[dim] = idx_at(index, p);
    out[offset_of(self.shape(), pos)] += v;
  }
  return out;
}
}  // namespace

BOOST_AUTO_TEST_CASE(scatter_add_forward) {
  int k = 0;
  for (const ScatterCase& c : kScatter) {
    BOOST_TEST_CONTEXT("case " << k) {
      const int dim = c.dim < 0 ? c.dim + c.self.ndim() : c.dim;
      Tensor self = random_values(c.self, 70 + k), src = random_values(c.src, 80 + k);
      Tensor index = random_indices(c.index, c.self[dim], 90 + k);
      Tensor out = scatter_add(self, c.dim, index, src);
      BOOST_REQUIRE(out.shape() == c.self);
      std::vector<double> expected = scatter_reference(self, dim, index, src);
      for (int64_t i = 0; i < out.numel(); ++i)
        BOOST_CHECK_SMALL(out.data()[i] - expected[i], 1e-5);
      // self itself is not modified
      Tensor self_again = random_values(c.self, 70 + k);
      attend::test::check_close(self, self_again, 0.0f, 0.0f);
    }
    ++k;
  }
}

BOOST_AUTO_TEST_CASE(scatter_add_hand_example) {
  // torch.zeros(3).scatter_add(0, [0, 2, 0, 0], [1, 2, 3, 4]) = [8, 0, 2]
  Tensor out =
      scatter_add(zeros({3}), 0, from_indices({0, 2, 0, 0}, {4}), from_vector({1, 2, 3, 4}));
  attend::test::check_close(out, from_vector({8, 0, 2}), 0.0f, 0.0f);
}

BOOST_AUTO_TEST_CASE(scatter_add_gradients_to_self_and_src) {
  int k = 0;
  for (const ScatterCase& c : kScatter) {
    BOOST_TEST_CONTEXT("case " << k) {
      const int dim = c.dim < 0 ? c.dim + c.self.ndim() : c.dim;
      Tensor index = random_indices(c.index, c.self[dim], 100 + k);
      Tensor self = param(c.self, 110 + k), src = param(c.src, 120 + k);
      Tensor G = random_values(c.self, 130 + k);
      scatter_add(self, c.dim, index, src).backward(G);
      // d/dself = G; d/dsrc[pos] = G at the position pos scatters to; 0 where src is unused.
      attend::test::check_close(grad_of(self), G, 0.0f, 0.0f);
      std::vector<double> gsrc(src.numel(), 0.0);
      for (int64_t p = 0; p < index.numel(); ++p) {
        std::vector<int64_t> pos = unravel(p, index.shape());
        const int64_t s = offset_of(src.shape(), pos);
        pos[dim] = idx_at(index, p);
        gsrc[s] += G.data()[offset_of(self.shape(), pos)];
      }
      BOOST_REQUIRE(src.grad().defined());
      for (int64_t i = 0; i < src.numel(); ++i)
        BOOST_CHECK_SMALL(grad_of(src).data()[i] - gsrc[i], 1e-6);
    }
    ++k;
  }
}

BOOST_AUTO_TEST_CASE(scatter_add_gradient_to_src_only) {
  Tensor index = from_indices({0, 0, 1, 0}, {4});
  Tensor self = zeros({2});
  Tensor src = param({4}, 160);
  Tensor out = scatter_add(self, 0, index, src);
  BOOST_CHECK(out.requires_grad());
  out.backward(from_vector({2.0f, -3.0f}));
  attend::test::check_close(grad_of(src), from_vector({2, 2, -3, 2}), 0.0f, 0.0f);
  BOOST_CHECK(!self.grad().defined());
}

BOOST_AUTO_TEST_CASE(scatter_add_shape_errors) {
  expect_shape_error(
      [] {
        scatter_add(zeros({3, 4}), 0, from_indices({0, 0, 0, 0, 0, 0}, {2, 3}), zeros({1, 3}));
      },
      {"scatter_add"}, "index larger than src");
  expect_shape_error(
      [] {
        scatter_add(zeros({3, 2}), 0, from_indices({0, 0, 0}, {1, 3}), zeros({1, 3}));
      },
      {"scatter_add"}, "index wider than self off dim");
  expect_shape_error(
      [] {
        scatter_add(zeros({3}), 0, from_indices({0, 0, 2}, {3}), zeros({2, 3}));
      },
      {"scatter_add"}, "2-D src for a 1-D index");
  expect_shape_error(
      [] {
        scatter_add(zeros({3, 4}), 0, from_indices({0, 1}, {2}), zeros({2}));
      },
      {"scatter_add"}, "1-D index for 2-D self");
}

BOOST_AUTO_TEST_CASE(scatter_add_rejects_src_of_lower_rank_than_index) {
  // torch.zeros(3).scatter_add(0, tensor([0, 0, 2]), tensor(2.)) raises "Index tensor must have the
  // same number of dimensions as src tensor". Accepting it is wrong twice over: the forward
  // silently broadcasts the scalar, and the backward gives src the gradient of one use (not the
  // sum of its three).
  Tensor src = full(Shape{}, 2.0f);
  src.requires_grad_();
  expect_shape_error(
      [&] {
        Tensor out = scatter_add(zeros({3}), 0, from_indices({0, 0, 2}, {3}), src);
        out.sum().backward();
        BOOST_TEST_MESSAGE("scatter_add accepted a 0-D src: out " << out << ", src grad "
                                                                  << src.grad());
      },
      {"scatter_add"}, "0-D src for a 1-D index");
}

// --- index_add ---------------------------------------------------------------------------------

namespace {
struct IndexAddCase {
  int dim;
  Shape self, source;
  std::vector<int64_t> idx;
};
const IndexAddCase kIndexAdd[] = {
    {0, {4, 3}, {5, 3}, {1, 3, 1, 0, 1}},
    {1, {3, 4}, {3, 5}, {3, 3, 0, 2, 3}},
    {1, {2, 3, 2}, {2, 4, 2}, {2, 2, 0, 2}},
};
}  // namespace

BOOST_AUTO_TEST_CASE(index_add_forward_and_gradients) {
  int k = 0;
  for (const IndexAddCase& c : kIndexAdd) {
    BOOST_TEST_CONTEXT("case " << k) {
      Tensor index = from_indices(c.idx, {static_cast<int64_t>(c.idx.size())});
      Tensor self = param(c.self, 200 + k), source = param(c.source, 210 + k);
      Tensor out = index_add(self, c.dim, index, source);
      BOOST_REQUIRE(out.shape() == c.self);
      std::vector<double> expected(self.data(), self.data() + self.numel());
      for (int64_t p = 0; p < source.numel(); ++p) {
        std::vector<int64_t> pos = unravel(p, source.shape());
        pos[c.dim] = c.idx[pos[c.dim]];
        expected[offset_of(self.shape(), pos)] += source.data()[p];
      }
      for (int64_t i = 0; i < out.numel(); ++i)
        BOOST_CHECK_SMALL(out.data()[i] - expected[i], 1e-5);

      Tensor G = random_values(c.self, 220 + k);
      out.backward(G);
      attend::test::check_close(grad_of(self), G, 0.0f, 0.0f);
      for (int64_t p = 0; p < source.numel(); ++p) {
        std::vector<int64_t> pos = unravel(p, source.shape());
        pos[c.dim] = c.idx[pos[c.dim]];
        BOOST_CHECK_EQUAL(grad_of(source).data()[p], G.data()[offset_of(self.shape(), pos)]);
      }
    }
    ++k;
  }
}

BOOST_AUTO_TEST_CASE(index_add_hand_example) {
  // torch.ones(3, 2).index_add(0, [2, 0, 2], [[1, 2], [3, 4], [5, 6]]) = [[4, 5], [1, 1], [7, 9]]
  Tensor out = index_add(ones({3, 2}), 0, from_indices({2, 0, 2}, {3}),
                         from_vector({1, 2, 3, 4, 5, 6}, {3, 2}));
  attend::test::check_close(out, from_vector({4, 5, 1, 1, 7, 9}, {3, 2}), 0.0f, 0.0f);
}

BOOST_AUTO_TEST_CASE(index_add_shape_mismatch_throws) {
  expect_shape_error(
      [] {
        index_add(zeros({4, 3}), 0, from_indices({0, 1}, {2}), zeros({3, 3}));
      },
      {"index_add"}, "3 source rows for 2 indices");
  expect_shape_error(
      [] {
        index_add(zeros({4, 3}), 0, from_indices({0, 1}, {2}), zeros({2, 4}));
      },
      {"index_add"}, "source of the wrong width");
}

// --- masked_fill -------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(masked_fill_broadcast_mask_forward_and_gradient) {
  struct Case {
    Shape mask_shape;
    std::vector<float> mask;
  };
  const Case cases[] = {
      {{3, 1}, {1, 0, 1}},                     // broadcasts over dims 0 and 2
      {{1, 4}, {0, 1, 0, 2}},                  // any nonzero masks
      {{2, 1, 4}, {1, 0, 0, 0, 0, 0, 1, -1}},  // broadcasts over dim 1
      {{2, 3, 4}, std::vector<float>(24, 0)},  // full shape, nothing masked
  };
  int k = 0;
  for (const Case& c : cases) {
    BOOST_TEST_CONTEXT("mask shape " << c.mask_shape.str()) {
      Tensor mask = from_vector(c.mask, c.mask_shape);
      Tensor x = param({2, 3, 4}, 300 + k);
      Tensor out = masked_fill(x, mask, -7.5f);
      BOOST_REQUIRE(out.shape() == x.shape());
      // The mask element for output position (i, j, l): right-aligned, size-1 dims broadcast.
      auto masked = [&](const std::vector<int64_t>& o) {
        std::vector<int64_t> m(c.mask_shape.ndim());
        const int off = 3 - c.mask_shape.ndim();
        for (int d = 0; d < c.mask_shape.ndim(); ++d) m[d] = c.mask_shape[d] == 1 ? 0 : o[d + off];
        return mask.data()[offset_of(c.mask_shape, m)] != 0.0f;
      };
      Tensor G = random_values(x.shape(), 310 + k);
      out.backward(G);
      for (int64_t p = 0; p < x.numel(); ++p) {
        const bool m = masked(unravel(p, x.shape()));
        BOOST_CHECK_EQUAL(out.data()[p], m ? -7.5f : x.data()[p]);
        BOOST_CHECK_EQUAL(grad_of(x).data()[p], m ? 0.0f : G.data()[p]);
      }
    }
    ++k;
  }
}

BOOST_AUTO_TEST_CASE(masked_fill_mask_must_broadcast_to_x) {
  expect_shape_error(
      [] {
        masked_fill(zeros({2, 3}), zeros({4}), 0.0f);
      },
      {"masked_fill"}, "incompatible mask");
  expect_shape_error(
      [] {
        masked_fill(zeros({3}), zeros({2, 3}), 0.0f);
      },
      {"masked_fill"}, "mask larger than x");
}

// --- where -------------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(where_broadcasts_all_three_and_routes_gradients) {
  // cond [2,1,4], a [3,1], b [1,3,4] -> [2,3,4]; no operand has the output's shape.
  Tensor cond = from_vector({1, 0, 0, 2, 0, -1, 1, 0}, {2, 1, 4});
  Tensor a = param({3, 1}, 400), b = param({1, 3, 4}, 401);
  Tensor out = where(cond, a, b);
  BOOST_REQUIRE(out.shape() == Shape({2, 3, 4}));
  Tensor G = random_values({2, 3, 4}, 402);
  out.backward(G);
  std::vector<double> ga(3, 0.0), gb(12, 0.0);
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t j = 0; j < 3; ++j)
      for (int64_t l = 0; l < 4; ++l) {
        const bool c = cond.at({i, 0, l}) != 0.0f;
        const float expected = c ? a.at({j, 0}) : b.at({0, j, l});
        BOOST_CHECK_EQUAL(out.at({i, j, l}), expected);
        const float g = G.at({i, j, l});
        (c ? ga[j] : gb[j * 4 + l]) += g;
      }
  for (int j = 0; j < 3; ++j) BOOST_CHECK_SMALL(grad_of(a).data()[j] - ga[j], 1e-5);
  for (int j = 0; j < 12; ++j) BOOST_CHECK_SMALL(grad_of(b).data()[j] - gb[j], 1e-5);
}

BOOST_AUTO_TEST_CASE(where_same_shapes_and_a_one_element_operand) {
  Tensor cond = from_vector({1, 0, 0, 1}, {2, 2});
  Tensor a = from_vector({1, 2, 3, 4}, {2, 2});
  Tensor b = from_vector({-5.0f});
  attend::test::check_close(where(cond, a, b), from_vector({1, -5, -5, 4}, {2, 2}), 0.0f, 0.0f);
}

BOOST_AUTO_TEST_CASE(where_gradient_to_one_operand_only) {
  Tensor cond = from_vector({1, 0, 1});
  Tensor a = param({3}, 420);
  Tensor b = zeros({3});
  where(cond, a, b).sum().backward();
  attend::test::check_close(grad_of(a), from_vector({1, 0, 1}), 0.0f, 0.0f);
}

BOOST_AUTO_TEST_CASE(where_incompatible_shapes_throw) {
  expect_shape_error(
      [] {
        where(zeros({2, 3}), zeros({4}), zeros({3}));
      },
      {"where"}, "incompatible a");
}

// --- embedding ---------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(embedding_forward_and_repeated_ids_accumulate) {
  Tensor w = param({5, 3}, 500);
  Tensor ids = from_indices({1, 4, 1, 0, 1, 2}, {2, 3});
  Tensor out = embedding(w, ids);
  BOOST_REQUIRE(out.shape() == Shape({2, 3, 3}));
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t j = 0; j < 3; ++j)
      for (int64_t d = 0; d < 3; ++d)
        BOOST_CHECK_EQUAL(out.at({i, j, d}), w.at({idx_at(ids, i * 3 + j), d}));
  Tensor G = random_values({2, 3, 3}, 501);
  out.backward(G);
  std::vector<double> expected(15, 0.0);
  for (int64_t p = 0; p < 6; ++p)
    for (int64_t d = 0; d < 3; ++d) expected[idx_at(ids, p) * 3 + d] += G.data()[p * 3 + d];
  for (int64_t i = 0; i < 15; ++i) BOOST_CHECK_SMALL(grad_of(w).data()[i] - expected[i], 1e-6);
  // Row 3 is never looked up; row 1 three times.
  for (int64_t d = 0; d < 3; ++d) BOOST_CHECK_EQUAL(grad_of(w).at({3, d}), 0.0f);
}

BOOST_AUTO_TEST_CASE(embedding_padding_idx_row_gets_zero_gradient) {
  Tensor w = param({5, 3}, 510);
  Tensor ids = from_indices({1, 4, 1, 0, 1, 2}, {6});
  Tensor out = embedding(w, ids, /*padding_idx=*/1);
  // The forward still returns the padding row's values (as torch.nn.functional.embedding does).
  for (int64_t d = 0; d < 3; ++d) BOOST_CHECK_EQUAL(out.at({0, d}), w.at({1, d}));
  out.sum().backward();
  const float expected[5] = {1, 0, 1, 0, 1};
  for (int64_t r = 0; r < 5; ++r)
    for (int64_t d = 0; d < 3; ++d) BOOST_CHECK_EQUAL(grad_of(w).at({r, d}), expected[r]);
}

BOOST_AUTO_TEST_CASE(embedding_weight_must_be_2d) {
  expect_shape_error([] { embedding(zeros({5}), from_indices({0}, {1})); }, {"embedding"},
                     "1-D weight");
}

// --- bad index tensors -------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(bad_indices_throw_shape_error_naming_the_op) {
  for (const auto& [v, what] : bad_values(3)) {
    BOOST_TEST_CONTEXT(what) {
      // x [3, 4]: every op indexes a dimension of size 3.
      Tensor bad1 = from_vector({0.0f, v});
      Tensor bad2 = from_vector({0.0f, v, 1.0f, 2.0f}, {2, 2});
      expect_shape_error([&] { index_select(zeros({3, 4}), 0, bad1); }, {"index_select"}, what);
      expect_shape_error([&] { index_select(zeros({4, 3}), 1, bad1); }, {"index_select"}, what);
      expect_shape_error([&] { gather(zeros({3, 4}), 0, bad2); }, {"gather"}, what);
      expect_shape_error([&] { gather(zeros({4, 3}), 1, bad2); }, {"gather"}, what);
      expect_shape_error(
          [&] {
            scatter_add(zeros({3, 4}), 0, bad2, ones({2, 2}));
          },
          {"scatter_add"}, what);
      expect_shape_error(
          [&] {
            index_add(zeros({3, 4}), 0, bad1, ones({2, 4}));
          },
          {"index_add"}, what);
      expect_shape_error([&] { embedding(zeros({3, 4}), bad2); }, {"embedding"}, what);
    }
  }
}

BOOST_AUTO_TEST_CASE(bad_indices_also_throw_when_recording_the_graph) {
  Tensor x = param({3, 4}, 600);
  expect_shape_error([&] { index_select(x, 0, from_vector({3.0f})); }, {"index_select"},
                     "index == size");
  expect_shape_error([&] { embedding(x, from_vector({0.5f})); }, {"embedding"},
                     "non-integer index");
}

BOOST_AUTO_TEST_CASE(index_tensor_rank_errors) {
  expect_shape_error(
      [] {
        index_select(zeros({3, 4}), 0, from_indices({0, 1}, {1, 2}));
      },
      {"index_select"}, "2-D index");
  expect_shape_error(
      [] {
        gather(zeros({3, 4}), 0, from_indices({0, 1}, {2}));
      },
      {"gather"}, "1-D index for 2-D x");
  expect_shape_error(
      [] {
        gather(zeros({3, 4}), 0, from_indices({0, 0, 0, 0, 0}, {1, 5}));
      },
      {"gather"}, "index wider than x off dim");
  expect_shape_error(
      [] {
        index_select(zeros({3, 4}), 2, from_indices({0}, {1}));
      },
      {"index_select"}, "dim 2 of 2-D x");
}

BOOST_AUTO_TEST_SUITE_END()
