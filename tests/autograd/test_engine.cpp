// The backward engine: ordering, accumulation, hooks, retain_grad, release of saved tensors,
// errors, grad mode and anomaly mode.
#include <boost/test/unit_test.hpp>

#include "autograd/node.h"
#include "test_util.h"

using namespace attend;
using attend::test::param;

BOOST_AUTO_TEST_SUITE(test_engine)

BOOST_AUTO_TEST_CASE(gradient_accumulates_over_uses) {
  Tensor x = from_vector({1.5f, -2.0f});
  x.requires_grad_();
  // y = x*x + 3x  -> dy/dx = 2x + 3 ; x is used three times
  Tensor y = sum(x * x + x * 3.0f);
  y.backward();
  BOOST_CHECK_CLOSE(x.grad().data()[0], 6.0f, 1e-4);
  BOOST_CHECK_CLOSE(x.grad().data()[1], -1.0f, 1e-4);
  // A second backward on a new graph accumulates into .grad, as in PyTorch.
  sum(x).backward();
  BOOST_CHECK_CLOSE(x.grad().data()[0], 7.0f, 1e-4);
}

BOOST_AUTO_TEST_CASE(diamond_graph_runs_each_node_once) {
  Tensor x = from_vector({0.5f});
  x.requires_grad_();
  Tensor a = tanh(x);
  Tensor b = a * a;       // uses a twice
  Tensor c = exp(a) + b;  // and again
  c.sum().backward();
  const float t = std::tanh(0.5f);
  const float expected = (std::exp(t) + 2 * t) * (1 - t * t);
  BOOST_CHECK_CLOSE(x.grad().item(), expected, 1e-3);
}

BOOST_AUTO_TEST_CASE(leaf_grad_does_not_alias_between_inputs) {
  // add() hands the same gradient to both inputs; scaling one .grad must not change the other.
  Tensor a = param({3}, 1), b = param({3}, 2);
  sum(a + b).backward();
  Tensor ga = a.grad();
  mul_(ga, 10.0f);
  BOOST_CHECK_EQUAL(b.grad().data()[0], 1.0f);
}

BOOST_AUTO_TEST_CASE(long_chain_backpropagates_without_recursion) {
  // 100,000 nodes: a recursive topological sort or recursive graph destruction would overflow.
  Tensor x = from_vector({1.0f});
  x.requires_grad_();
  Tensor y = x;
  for (int i = 0; i < 100000; ++i) y = y * 1.0000001f;
  y.sum().backward();
  BOOST_CHECK_CLOSE(x.grad().item(), std::pow(1.0000001f, 100000.0f), 1e-2);
  y = Tensor();  // destroying the 100,000-node graph must not recurse either
}

BOOST_AUTO_TEST_CASE(backward_frees_saved_tensors) {
  set_allocator_caching(false);
  Tensor x = param({256, 256}, 3);
  const int64_t before = memory_stats().live_bytes;
  Tensor loss;
  {
    Tensor h = x;
    for (int i = 0; i < 8; ++i) h = tanh(h * 1.01f);  // every tanh saves a 256 KiB output
    loss = h.sum();
  }
  const int64_t with_graph = memory_stats().live_bytes;
  BOOST_CHECK_GT(with_graph - before, 8 * 256 * 256 * 4);
  loss.backward();
  // Left: x's .grad and the scalar loss, a few hundred KiB at most; the graph's tensors are gone
  // although `loss` (and through it every Node) is still alive.
  const int64_t after = memory_stats().live_bytes;
  BOOST_TEST_MESSAGE("live bytes: before " << before << ", with graph " << with_graph
                                           << ", after backward " << after);
  BOOST_CHECK_LT(after - before, 256 * 256 * 4 + 4096);
  set_allocator_caching(true);
}

BOOST_AUTO_TEST_CASE(backward_twice_through_released_graph_fails_clearly) {
  Tensor x = param({4}, 4);
  Tensor y = tanh(x).sum();
  y.backward();
  try {
    y.backward();
    BOOST_FAIL("second backward did not throw");
  } catch (const AutogradError& e) {
    BOOST_CHECK(std::string(e.what()).find("second time") != std::string::npos);
    BOOST_CHECK(std::string(e.what()).find("retain_graph") != std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(retain_graph_allows_second_backward) {
  Tensor x = param({4}, 5);
  Tensor y = tanh(x).sum();
  y.backward(Tensor(), /*retain_graph=*/true);
  Tensor first = x.grad().detach().clone();
  y.backward();
  for (int i = 0; i < 4; ++i) BOOST_CHECK_CLOSE(x.grad().data()[i], 2 * first.data()[i], 1e-4);
}

BOOST_AUTO_TEST_CASE(retain_grad_keeps_intermediate_gradient) {
  Tensor x = param({3}, 6);
  Tensor h = x * 2.0f;
  h.retain_grad();
  Tensor k = x * 3.0f;  // not retained
  sum(h * h + k).backward();
  BOOST_REQUIRE(h.grad().defined());
  for (int i = 0; i < 3; ++i) BOOST_CHECK_CLOSE(h.grad().data()[i], 2 * h.data()[i], 1e-4);
  BOOST_CHECK(!k.grad().defined());
}

BOOST_AUTO_TEST_CASE(hooks_see_and_replace_gradients) {
  Tensor x = param({3}, 7);
  Tensor h = x * 2.0f;
  float seen = 0;
  h.register_hook([&seen](const Tensor& g) {
    seen = g.data()[0];
    return g * 10.0f;  // replace: everything upstream sees 10x
  });
  int leaf_calls = 0;
  x.register_hook([&leaf_calls](const Tensor&) {
    ++leaf_calls;
    return Tensor();  // observe only
  });
  h.sum().backward();
  BOOST_CHECK_EQUAL(seen, 1.0f);
  BOOST_CHECK_EQUAL(leaf_calls, 1);
  BOOST_CHECK_CLOSE(x.grad().data()[1], 20.0f, 1e-4);
}

// Post-accumulate hooks say when a leaf's .grad is final: after the last of its gradients has
// been added (here from three uses), once per pass; data-parallel training starts all-reducing a
// gradient there.
BOOST_AUTO_TEST_CASE(post_accumulate_hook_fires_once_with_the_final_gradient) {
  Tensor w = param({3}, 9), x = param({3}, 10);
  std::vector<float> seen;
  int calls = 0;
  w.register_post_accumulate_grad_hook([&](const Tensor& leaf) {
    ++calls;
    BOOST_CHECK(leaf.is_same(w));
    seen.assign(leaf.grad().data(), leaf.grad().data() + 3);
  });
  // d/dw of sum(w*w + w*x) = 2w + x, delivered along three edges.
  sum(w * w + w * x).backward();
  BOOST_CHECK_EQUAL(calls, 1);
  BOOST_REQUIRE_EQUAL(seen.size(), 3u);
  for (int i = 0; i < 3; ++i) BOOST_CHECK_CLOSE(seen[i], 2 * w.data()[i] + x.data()[i], 1e-4);
  sum(x).backward();  // a pass that does not reach w
  BOOST_CHECK_EQUAL(calls, 1);
  sum(w).backward();  // w as the only leaf of a one-node graph
  BOOST_CHECK_EQUAL(calls, 2);
  w.backward(ones({3}));  // the root itself is the leaf
  BOOST_CHECK_EQUAL(calls, 3);
}

BOOST_AUTO_TEST_CASE(post_accumulate_hooks_fire_in_backward_order) {
  // y = w2 * tanh(w1 * x): w2's gradient is final before the pass reaches w1.
  Tensor w1 = param({4}, 11), w2 = param({4}, 12), x = param({4}, 13);
  std::vector<std::string> order;
  bool w1_final_when_w2_done = true;
  w1.register_post_accumulate_grad_hook([&](const Tensor&) { order.push_back("w1"); });
  w2.register_post_accumulate_grad_hook([&](const Tensor&) {
    order.push_back("w2");
    w1_final_when_w2_done = w1.grad().defined();
  });
  sum(w2 * tanh(w1 * x)).backward();
  BOOST_CHECK((order == std::vector<std::string>{"w2", "w1"}));
  BOOST_CHECK(!w1_final_when_w2_done);
}

BOOST_AUTO_TEST_CASE(post_accumulate_hook_fires_when_no_gradient_arrives) {
  // An op whose backward gives its input no gradient: the leaf is reached, its .grad stays
  // undefined, and the hook still says the pass is done with it (a data-parallel rank then
  // contributes zeros for it).
  Tensor w = param({2}, 14), v = param({2}, 15);
  Tensor blocked = record(attend::test::test_op("no_gradient"), w.detach().clone(), {&w},
                          [](const Tensor&) { return std::vector<Tensor>{Tensor()}; });
  bool called = false, had_grad = true;
  w.register_post_accumulate_grad_hook([&](const Tensor& leaf) {
    called = true;
    had_grad = leaf.grad().defined();
  });
  sum(blocked + v).backward();
  BOOST_CHECK(called);
  BOOST_CHECK(!had_grad);
  BOOST_CHECK_THROW((w * 2.0f).register_post_accumulate_grad_hook([](const Tensor&) {}),
                    AutogradError);
}

BOOST_AUTO_TEST_CASE(non_scalar_backward_needs_and_uses_explicit_gradient) {
  Tensor x = param({2, 3}, 8);
  Tensor y = x * x;
  BOOST_CHECK_THROW(y.backward(), AutogradError);
  Tensor g = from_vector({1, 2, 3, 4, 5, 6}, {2, 3});
  BOOST_CHECK_THROW(y.backward(from_vector({1, 2}, {2})), ShapeError);
  y.backward(g);
  for (int i = 0; i < 6; ++i)
    BOOST_CHECK_CLOSE(x.grad().data()[i], 2 * x.data()[i] * g.data()[i], 1e-4);
}

BOOST_AUTO_TEST_CASE(no_grad_guard_records_nothing) {
  Tensor x = param({3}, 9);
  {
    NoGradGuard ng;
    Tensor y = tanh(x) * 2.0f;
    BOOST_CHECK(!y.requires_grad());
    BOOST_CHECK(!y.grad_fn());
    BOOST_CHECK(!grad_enabled());
  }
  BOOST_CHECK(grad_enabled());
  BOOST_CHECK(tanh(x).requires_grad());
}

BOOST_AUTO_TEST_CASE(backward_without_grad_fails_clearly) {
  Tensor x = from_vector({1.0f});
  BOOST_CHECK_THROW(x.backward(), AutogradError);
}

BOOST_AUTO_TEST_CASE(detach_shares_data_and_leaves_graph) {
  Tensor x = param({3}, 10);
  Tensor y = x * 2.0f;
  Tensor d = y.detach();
  BOOST_CHECK(!d.requires_grad());
  BOOST_CHECK_EQUAL(d.data(), y.data());
  Tensor c = y.clone();
  BOOST_CHECK_NE(c.data(), y.data());
  BOOST_CHECK(c.requires_grad());
}

BOOST_AUTO_TEST_CASE(anomaly_mode_names_forward_op) {
  DetectAnomalyGuard guard;
  Tensor x = from_vector({-1.0f, 4.0f});
  x.requires_grad_();
  try {
    Tensor y = sqrt(x) * 2.0f;  // sqrt(-1) = NaN: sqrt is the first op to produce it
    BOOST_FAIL("no anomaly reported");
  } catch (const AnomalyError& e) {
    BOOST_CHECK_MESSAGE(std::string(e.what()).find("'sqrt'") != std::string::npos, e.what());
    BOOST_CHECK(std::string(e.what()).find("forward") != std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(anomaly_mode_names_backward_op) {
  Tensor x = from_vector({0.0f, 4.0f});
  x.requires_grad_();
  Tensor y = sqrt(x).sum();  // finite forward; d sqrt/dx at 0 is inf
  DetectAnomalyGuard guard;
  try {
    y.backward();
    BOOST_FAIL("no anomaly reported");
  } catch (const AnomalyError& e) {
    BOOST_CHECK_MESSAGE(std::string(e.what()).find("backward of 'sqrt'") != std::string::npos,
                        e.what());
  }
}

BOOST_AUTO_TEST_CASE(anomaly_mode_off_lets_nan_through) {
  Tensor x = from_vector({-1.0f});
  BOOST_CHECK(std::isnan(sqrt(x).item()));
}

BOOST_AUTO_TEST_CASE(user_op_with_shape_bug_is_reported) {
  // A user's op whose backward returns the wrong shape gets a clear error, not memory corruption.
  Tensor x = param({2, 3}, 11);
  Tensor out = x.detach().clone();
  out = record(attend::test::test_op("my_op"), out, {&x}, [](const Tensor&) {
    return std::vector<Tensor>{zeros({3, 2})};
  });
  try {
    out.sum().backward();
    BOOST_FAIL("no error");
  } catch (const ShapeError& e) {
    BOOST_CHECK_MESSAGE(std::string(e.what()).find("my_op") != std::string::npos, e.what());
  }
}

BOOST_AUTO_TEST_SUITE_END()
