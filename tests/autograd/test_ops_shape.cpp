// Shape ops: reshape/view (with -1 inference), flatten, unsqueeze, squeeze, transpose, permute,
// concat, stack, narrow and slice. Forward values are checked against index arithmetic written
// here (out[idx] == x[f(idx)]), gradients by hand, and errors for the op name and the shapes
// involved. The finite-difference checks are the ops' samples (autograd/ops_shape.cpp).
#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <csignal>
#include <functional>
#include <string>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

#include "test_util.h"

using namespace attend;
using attend::test::check_close;
using attend::test::param;

namespace {

using Index = std::vector<int64_t>;

using attend::test::unravel;

// Row-major element at a multi-index, computed here rather than with Tensor::at.
float elem(const Tensor& t, const Index& idx) {
  BOOST_REQUIRE_EQUAL(static_cast<int>(idx.size()), t.ndim());
  int64_t flat = 0;
  for (int d = 0; d < t.ndim(); ++d) {
    BOOST_REQUIRE(idx[d] >= 0 && idx[d] < t.shape()[d]);
    flat = flat * t.shape()[d] + idx[d];
  }
  return t.data()[flat];
}

// Checks out has shape `shape` and out[idx] == source(idx) for every index (exact: shape ops move
// values without arithmetic).
void check_map(const Tensor& out, const Shape& shape,
               const std::function<float(const Index&)>& source) {
  BOOST_REQUIRE_MESSAGE(out.shape() == shape,
                        "shape " << out.shape().str() << " != expected " << shape.str());
  for (int64_t i = 0; i < out.numel(); ++i) {
    const Index idx = unravel(i, shape);
    const float expected = source(idx);
    if (out.data()[i] != expected) {
      BOOST_ERROR("element " << i << ": " << out.data()[i] << " != expected " << expected);
      return;
    }
  }
}

// 0, 1, 2, ... in the given shape: every element distinct, so a misplaced one shows.
Tensor iota(const Shape& s, float offset = 0) {
  Tensor t = Tensor::empty(s);
  for (int64_t i = 0; i < t.numel(); ++i) t.data()[i] = offset + static_cast<float>(i);
  return t;
}

using attend::test::check_mentions;
using attend::test::shape_error_message;

// Runs f in a forked child with default signal handlers, so that a crash (a library bug) is
// reported as this test's failure rather than taking down the test process: "ok" when f returned
// true, otherwise what went wrong.
std::string run_in_child(const std::function<bool()>& f) {
  const pid_t pid = fork();
  if (pid < 0) return "fork failed";
  if (pid == 0) {
    for (int sig : {SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL}) std::signal(sig, SIG_DFL);
    int code = 2;
    try {
      code = f() ? 0 : 1;
    } catch (const std::exception&) {
      code = 3;
    }
    _exit(code);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  if (WIFSIGNALED(status)) return "crashed with signal " + std::to_string(WTERMSIG(status));
  switch (WEXITSTATUS(status)) {
    case 0:
      return "ok";
    case 1:
      return "wrong result";
    case 3:
      return "threw an exception";
    default:
      return "exited with status " + std::to_string(WEXITSTATUS(status));
  }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(test_ops_shape)

// --- reshape / view / flatten ------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(reshape_keeps_row_major_order) {
  Tensor x = iota({2, 3, 4});
  struct Case {
    std::vector<int64_t> request;
    Shape expected;
  };
  const std::vector<Case> cases = {
      {{24}, {24}},
      {{4, 6}, {4, 6}},
      {{-1, 4}, {6, 4}},
      {{2, -1, 2}, {2, 6, 2}},
      {{4, -1}, {4, 6}},
      {{-1}, {24}},
      {{1, 24, 1}, {1, 24, 1}},
      {{3, 2, 2, 2}, {3, 2, 2, 2}},
      {{2, 3, 4}, {2, 3, 4}},
  };
  for (const Case& c : cases) BOOST_TEST_CONTEXT("reshape to " << c.expected.str()) {
      Tensor y = reshape(x, c.request);
      // Flat order is unchanged: element i of the result is element i of x.
      check_map(y, c.expected, [&](const Index& idx) {
        int64_t flat = 0;
        for (int d = 0; d < c.expected.ndim(); ++d) flat = flat * c.expected[d] + idx[d];
        return x.data()[flat];
      });
    }
  // To and from a 0-d tensor.
  Tensor one = full({1, 1}, 5.0f);
  BOOST_CHECK(reshape(one, {}).shape() == Shape{});
  BOOST_CHECK_EQUAL(reshape(one, {}).item(), 5.0f);
  BOOST_CHECK(reshape(full({}, 2.0f), {1, 1, 1}).shape() == Shape({1, 1, 1}));
  BOOST_CHECK(reshape(full({}, 2.0f), {-1}).shape() == Shape({1}));
  // view and the methods are the same thing.
  BOOST_CHECK(view(x, {6, -1}).shape() == Shape({6, 4}));
  BOOST_CHECK(x.reshape({4, 6}).shape() == Shape({4, 6}));
  BOOST_CHECK(x.view({24}).shape() == Shape({24}));
  // An empty tensor reshapes too.
  BOOST_CHECK(reshape(zeros({0, 3}), {3, 0}).shape() == Shape({3, 0}));
}

BOOST_AUTO_TEST_CASE(reshape_is_a_view) {
  Tensor x = iota({2, 3});
  Tensor v = view(x, {3, 2});
  BOOST_CHECK_EQUAL(v.data(), x.data());
  v.data()[5] = 100.0f;  // writes through the view are visible in x (torch.view semantics)
  BOOST_CHECK_EQUAL(elem(x, {1, 2}), 100.0f);
}

BOOST_AUTO_TEST_CASE(reshape_gradients) {
  Tensor x = param({2, 3, 4}, 1);
  // The gradient comes back in x's shape, element for element.
  Tensor p = x.detach().clone();
  p.requires_grad_();
  Tensor w = iota({6, 4});
  sum(reshape(p, {6, 4}) * w).backward();
  check_close(p.grad(), iota({2, 3, 4}), 0, 0);
}

BOOST_AUTO_TEST_CASE(reshape_errors_name_op_and_shapes) {
  Tensor x = ones({2, 3});
  // Wrong element count.
  check_mentions(shape_error_message([&] { reshape(x, {4, 5}); }), {"reshape", "[4, 5]", "[2, 3]"});
  // -1 that cannot be inferred.
  check_mentions(shape_error_message([&] {
                   reshape(x, {-1, 4});
                 }),
                 {"reshape", "[-1, 4]", "[2, 3]"});
  check_mentions(shape_error_message([&] {
                   reshape(x, {0, -1});
                 }),
                 {"reshape", "[0, -1]", "[2, 3]"});
  // Two -1s: the message shows what was asked for, and the input's shape.
  check_mentions(shape_error_message([&] {
                   reshape(x, {-1, -1});
                 }),
                 {"reshape", "[-1, -1]", "[2, 3]"});
  // A negative size other than -1.
  check_mentions(shape_error_message([&] { reshape(x, {-2, -3}); }), {"reshape", "-2", "[2, 3]"});
  BOOST_CHECK_THROW(view(x, {7}), ShapeError);
  BOOST_CHECK_THROW(x.view({5}), ShapeError);
}

BOOST_AUTO_TEST_CASE(flatten_any_rank) {
  Tensor x = iota({2, 3, 4});
  check_map(flatten(x), {24}, [&](const Index& i) { return x.data()[i[0]]; });
  BOOST_CHECK(flatten(full({}, 1.0f)).shape() ==
              Shape({1}));  // torch.flatten of a 0-d tensor is [1]
  BOOST_CHECK(flatten(iota({5})).shape() == Shape({5}));
}

// --- unsqueeze / squeeze -----------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(unsqueeze_every_position) {
  Tensor x = iota({2, 3});
  const Shape expected[] = {{1, 2, 3}, {2, 1, 3}, {2, 3, 1}};
  for (int d = -3; d <= 2; ++d) BOOST_TEST_CONTEXT("unsqueeze(x, " << d << ")") {
      const int pos = d < 0 ? d + 3 : d;  // as torch: dim in [-ndim-1, ndim]
      Tensor y = unsqueeze(x, d);
      check_map(y, expected[pos], [&](const Index& i) {
        Index j = i;
        j.erase(j.begin() + pos);
        return elem(x, j);
      });
    }
  BOOST_CHECK(unsqueeze(full({}, 1.0f), 0).shape() == Shape({1}));
  BOOST_CHECK(unsqueeze(full({}, 1.0f), -1).shape() == Shape({1}));
  check_mentions(shape_error_message([&] { unsqueeze(x, 3); }), {"unsqueeze", "3"});
  check_mentions(shape_error_message([&] { unsqueeze(x, -4); }), {"unsqueeze", "-4"});
}

BOOST_AUTO_TEST_CASE(squeeze_one_dimension) {
  Tensor x = iota({2, 1, 3, 1});
  check_map(squeeze(x, 1), {2, 3, 1}, [&](const Index& i) {
    return elem(x, {i[0], 0, i[1], i[2]});
  });
  check_map(squeeze(x, -1), {2, 1, 3}, [&](const Index& i) {
    return elem(x, {i[0], i[1], i[2], 0});
  });
  check_map(squeeze(x, -3), {2, 3, 1}, [&](const Index& i) {
    return elem(x, {i[0], 0, i[1], i[2]});
  });
  // A dimension that is not 1 is left alone (torch.squeeze(x, dim)).
  BOOST_CHECK(squeeze(x, 0).shape() == Shape({2, 1, 3, 1}));
  BOOST_CHECK(squeeze(x, 2).shape() == Shape({2, 1, 3, 1}));
  BOOST_CHECK(squeeze(full({1}, 4.0f), 0).shape() == Shape{});
  // squeeze undoes unsqueeze.
  Tensor y = iota({3, 4});
  for (int d = 0; d <= 2; ++d) check_close(squeeze(unsqueeze(y, d), d), y, 0, 0);
  check_mentions(shape_error_message([&] { squeeze(x, 4); }), {"squeeze", "4"});
  check_mentions(shape_error_message([&] { squeeze(x, -5); }), {"squeeze", "-5"});
}

// --- transpose / permute -----------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(transpose_values_and_gradients) {
  Tensor x = iota({2, 3, 4});
  struct Case {
    int d0, d1;
  };
  const Case cases[] = {{0, 1}, {0, 2}, {1, 2}, {2, 0}, {-1, 0}, {1, -1}, {-3, -2}, {1, 1}};
  for (const Case& c : cases) BOOST_TEST_CONTEXT("transpose(x, " << c.d0 << ", " << c.d1 << ")") {
      const int a = c.d0 < 0 ? c.d0 + 3 : c.d0, b = c.d1 < 0 ? c.d1 + 3 : c.d1;
      std::vector<int64_t> s = {2, 3, 4};
      std::swap(s[a], s[b]);
      check_map(transpose(x, c.d0, c.d1), Shape(s), [&](const Index& i) {
        Index j = i;
        std::swap(j[a], j[b]);
        return elem(x, j);
      });
    }
  Tensor m = from_vector({1, 2, 3, 4, 5, 6}, {2, 3});
  check_close(m.transpose(0, 1), from_vector({1, 4, 2, 5, 3, 6}, {3, 2}), 0, 0);
  check_close(transpose(transpose(x, 0, 2), 0, 2), x, 0, 0);
  check_mentions(shape_error_message([&] { transpose(x, 0, 3); }), {"transpose", "3"});
  check_mentions(shape_error_message([&] { transpose(x, -4, 1); }), {"transpose", "-4"});
}

BOOST_AUTO_TEST_CASE(permute_values_and_gradients) {
  Tensor x = iota({2, 3, 4});
  const int64_t dims[] = {2, 3, 4};
  std::vector<int> perm = {0, 1, 2};
  do {
    BOOST_TEST_CONTEXT("permute(x, {" << perm[0] << ", " << perm[1] << ", " << perm[2] << "})") {
      check_map(permute(x, perm), {dims[perm[0]], dims[perm[1]], dims[perm[2]]},
                [&](const Index& i) {
                  Index j(3);
                  for (int k = 0; k < 3; ++k) j[perm[k]] = i[k];  // out dim k is x's dim perm[k]
                  return elem(x, j);
                });
    }
  } while (std::next_permutation(perm.begin(), perm.end()));
  // Negative entries count from the end; rank 4 with a permutation that is not its own inverse.
  BOOST_CHECK(permute(x, {-1, 0, -2}).shape() == Shape({4, 2, 3}));
  check_close(permute(x, {-1, 0, -2}), permute(x, {2, 0, 1}), 0, 0);
  Tensor y = param({2, 3, 4, 5}, 41);
  check_map(permute(y.detach(), {3, 0, 1, 2}), {5, 2, 3, 4}, [&](const Index& i) {
    return elem(y, {i[1], i[2], i[3], i[0]});
  });
  // Permuting back with the inverse permutation gives x.
  check_close(permute(permute(x, {1, 2, 0}), {2, 0, 1}), x, 0, 0);
}

BOOST_AUTO_TEST_CASE(permute_errors) {
  Tensor x = ones({2, 3, 4});
  check_mentions(shape_error_message([&] { permute(x, {0, 1}); }), {"permute", "[2, 3, 4]"});
  check_mentions(shape_error_message([&] { permute(x, {0, 1, 2, 3}); }), {"permute", "[2, 3, 4]"});
  check_mentions(shape_error_message([&] { permute(x, {0, 1, 1}); }), {"permute", "1"});
  check_mentions(shape_error_message([&] { permute(x, {0, 1, 3}); }), {"permute", "3"});
  check_mentions(shape_error_message([&] {
                   permute(x, {2, -1, 0});
                 }),
                 {"permute"});  // -1 is 2: repeated
}

// --- concat / stack ----------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(concat_along_each_dim) {
  for (int d = -3; d <= 2; ++d) BOOST_TEST_CONTEXT("concat along " << d) {
      const int pd = d < 0 ? d + 3 : d;
      // Three inputs of sizes 1, 2 and 3 along the concat dimension, [2, 3, 4] elsewhere.
      std::vector<Tensor> parts;
      std::vector<int64_t> starts;
      int64_t total = 0;
      for (int k = 0; k < 3; ++k) {
        std::vector<int64_t> s = {2, 3, 4};
        s[pd] = k + 1;
        parts.push_back(iota(Shape(s), 100.0f * k));
        starts.push_back(total);
        total += k + 1;
      }
      std::vector<int64_t> os = {2, 3, 4};
      os[pd] = total;
      check_map(concat(parts, d), Shape(os), [&](const Index& i) {
        int k = 2;
        while (i[pd] < starts[k]) --k;
        Index j = i;
        j[pd] -= starts[k];
        return elem(parts[k], j);
      });
    }
}

BOOST_AUTO_TEST_CASE(concat_by_hand_and_with_mixed_requires_grad) {
  Tensor a = from_vector({1, 2, 3, 4}, {2, 2}), b = from_vector({5, 6}, {2, 1});
  check_close(concat({a, b}, 1), from_vector({1, 2, 5, 3, 4, 6}, {2, 3}), 0, 0);
  check_close(concat({a, from_vector({7, 8}, {1, 2})}, 0), from_vector({1, 2, 3, 4, 7, 8}, {3, 2}),
              0, 0);
  check_close(concat({a}, 0), a, 0, 0);  // one input

  // The middle input does not require grad: it gets none, the others get their slice.
  Tensor p = param({2, 2}, 60), q = param({2, 1}, 61).detach(), r = param({2, 3}, 62);
  Tensor y = concat({p, q, r}, 1);
  BOOST_CHECK(y.requires_grad());
  sum(y * iota({2, 6})).backward();
  check_close(p.grad(), from_vector({0, 1, 6, 7}, {2, 2}), 0, 0);
  BOOST_CHECK(!q.grad().defined());
  check_close(r.grad(), from_vector({3, 4, 5, 9, 10, 11}, {2, 3}), 0, 0);

  // The same tensor twice collects both gradients.
  Tensor t = param({3}, 66);
  sum(concat({t, t}, 0)).backward();
  check_close(t.grad(), full({3}, 2.0f), 0, 0);
}

BOOST_AUTO_TEST_CASE(concat_errors_name_op_and_shapes) {
  Tensor a = ones({2, 3}), b = ones({4, 5});
  check_mentions(shape_error_message([&] { concat({a, b}, 0); }), {"concat", "[2, 3]", "[4, 5]"});
  check_mentions(shape_error_message([&] {
                   concat({a, ones({2, 3, 1})}, 1);
                 }),
                 {"concat", "[2, 3]", "[2, 3, 1]"});
  check_mentions(shape_error_message([&] { concat({a, a}, 2); }), {"concat", "2"});
  check_mentions(shape_error_message([] { concat({}, 0); }), {"concat"});
  // torch.cat: "zero-dimensional tensor (at position 0) cannot be concatenated".
  check_mentions(shape_error_message([] {
                   concat({full({}, 1.0f), full({}, 2.0f)}, 0);
                 }),
                 {"concat"});
}

BOOST_AUTO_TEST_CASE(stack_along_each_dim) {
  for (int d = -3; d <= 2; ++d) BOOST_TEST_CONTEXT("stack along " << d) {
      const int pd = d < 0 ? d + 3 : d;  // stack's dim ranges over [-ndim-1, ndim]
      std::vector<Tensor> parts = {iota({2, 3}), iota({2, 3}, 100), iota({2, 3}, 200),
                                   iota({2, 3}, 300)};
      std::vector<int64_t> os = {2, 3};
      os.insert(os.begin() + pd, 4);
      check_map(stack(parts, d), Shape(os), [&](const Index& i) {
        Index j = i;
        j.erase(j.begin() + pd);
        return elem(parts[i[pd]], j);
      });
    }
  // 0-d tensors stack into a vector (torch.stack([tensor(1.), tensor(2.)]) is tensor([1., 2.])).
  check_close(stack({full({}, 1.0f), full({}, 2.0f)}, 0), from_vector({1, 2}), 0, 0);
  // Mixed requires_grad.
  Tensor p = param({2}, 73), q = param({2}, 74).detach();
  sum(stack({q, p}, 1) * from_vector({1, 2, 3, 4}, {2, 2})).backward();
  check_close(p.grad(), from_vector({2, 4}), 0, 0);
  BOOST_CHECK(!q.grad().defined());
}

BOOST_AUTO_TEST_CASE(stack_errors_name_op_and_shapes) {
  check_mentions(shape_error_message([] {
                   stack({ones({2, 3}), ones({3, 2})}, 0);
                 }),
                 {"stack", "[2, 3]", "[3, 2]"});
  check_mentions(shape_error_message([] {
                   stack({ones({2, 3}), ones({2, 3})}, 3);
                 }),
                 {"stack", "3"});
  check_mentions(shape_error_message([] { stack({}, 0); }), {"stack"});
}

// --- narrow / slice ----------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(narrow_values_and_gradients) {
  Tensor x = iota({4, 5, 3});
  struct Case {
    int dim;
    int64_t start, length;
  };
  const Case cases[] = {{0, 1, 2},  {1, 0, 5},   {1, 2, 3}, {2, 2, 1},
                        {-1, 0, 2}, {-2, -3, 2}, {0, 3, 1}};
  for (const Case& c : cases)
    BOOST_TEST_CONTEXT("narrow(x, " << c.dim << ", " << c.start << ", " << c.length << ")") {
      const int pd = c.dim < 0 ? c.dim + 3 : c.dim;
      const int64_t start =
          c.start < 0 ? c.start + x.shape()[pd] : c.start;  // torch.narrow allows start < 0
      std::vector<int64_t> os = {4, 5, 3};
      os[pd] = c.length;
      check_map(narrow(x, c.dim, c.start, c.length), Shape(os), [&](const Index& i) {
        Index j = i;
        j[pd] += start;
        return elem(x, j);
      });
    }
  BOOST_CHECK(narrow(x, 1, 2, 0).shape() == Shape({4, 0, 3}));
  // By hand: the gradient is the upstream gradient placed in the narrowed window, zero elsewhere.
  Tensor p = param({2, 4}, 81);
  sum(narrow(p, 1, 1, 2) * from_vector({1, 2, 3, 4}, {2, 2})).backward();
  check_close(p.grad(), from_vector({0, 1, 2, 0, 0, 3, 4, 0}, {2, 4}), 0, 0);
}

BOOST_AUTO_TEST_CASE(narrow_errors_name_op_and_shape) {
  Tensor x = ones({4, 5});
  check_mentions(shape_error_message([&] { narrow(x, 1, 3, 3); }), {"narrow", "[4, 5]"});
  check_mentions(shape_error_message([&] { narrow(x, 0, 0, 5); }), {"narrow", "[4, 5]"});
  check_mentions(shape_error_message([&] { narrow(x, 0, -5, 1); }), {"narrow", "[4, 5]"});
  check_mentions(shape_error_message([&] { narrow(x, 0, 1, -1); }), {"narrow", "[4, 5]"});
  check_mentions(shape_error_message([&] { narrow(x, 2, 0, 1); }), {"narrow", "2"});
}

BOOST_AUTO_TEST_CASE(slice_python_semantics) {
  Tensor x = iota({6, 2});
  struct Case {
    int64_t start, end;
    int64_t first, count;  // Python's x[start:end] on range(6): first element and length
  };
  const Case cases[] = {
      {1, 4, 1, 3},    {0, 6, 0, 6}, {-2, 6, 4, 2}, {-4, -1, 2, 3}, {2, -2, 2, 2},   {0, 100, 0, 6},
      {-100, 2, 0, 2}, {4, 2, 0, 0}, {6, 6, 0, 0},  {5, -1, 0, 0},  {-1, 100, 5, 1},
  };
  for (const Case& c : cases) BOOST_TEST_CONTEXT("x[" << c.start << ":" << c.end << "]") {
      Tensor y = slice(x, 0, c.start, c.end);
      check_map(y, {c.count, 2}, [&](const Index& i) { return elem(x, {c.first + i[0], i[1]}); });
    }
  // Along the last dimension with a negative dim.
  Tensor z = iota({2, 5});
  check_map(slice(z, -1, -3, -1), {2, 2}, [&](const Index& i) {
    return elem(z, {i[0], 2 + i[1]});
  });
  check_mentions(shape_error_message([&] { slice(z, 2, 0, 1); }), {"slice", "2"});
}

BOOST_AUTO_TEST_CASE(transpose_of_a_zero_dim_tensor) {
  // torch.tensor(3.).transpose(0, 0) and .transpose(-1, 0) return the 0-d tensor. Run in a child
  // process: a crash there fails this test instead of ending the whole suite.
  for (int d : {0, -1}) BOOST_TEST_CONTEXT("transpose(0-d tensor, " << d << ", 0)") {
      const std::string outcome = run_in_child([d] {
        Tensor t = transpose(full({}, 3.0f), d, 0);
        return t.ndim() == 0 && t.data()[0] == 3.0f;
      });
      BOOST_CHECK_MESSAGE(outcome == "ok", outcome);
    }
}

BOOST_AUTO_TEST_SUITE_END()
