#include "autograd/gradcheck.h"

#include <cmath>
#include <sstream>

#include "autograd/ops.h"

namespace attend {

namespace {

double weighted_sum(const Tensor& y, const Tensor& r) {
  double s = 0;
  for (int64_t i = 0; i < y.numel(); ++i) s += static_cast<double>(y.data()[i]) * r.data()[i];
  return s;
}

std::vector<int64_t> unravel(int64_t flat, const Shape& s) {
  std::vector<int64_t> idx(s.ndim());
  for (int d = s.ndim() - 1; d >= 0; --d) {
    idx[d] = s[d] ? flat % s[d] : 0;
    flat = s[d] ? flat / s[d] : 0;
  }
  return idx;
}

std::string index_text(const std::vector<int64_t>& idx) {
  std::string s = "[";
  for (size_t i = 0; i < idx.size(); ++i) s += (i ? ", " : "") + std::to_string(idx[i]);
  return s + "]";
}

}  // namespace

namespace {

// The shared core: L = sum(f() * r) with a fixed random cotangent r; the analytic gradient of each
// leaf from one backward(), the numeric one from central differences on each element of each
// leaf, perturbed in place and restored. labels[k] names leaf k in the report.
GradcheckResult check_leaves(const std::function<Tensor()>& f, const std::vector<Tensor>& leaves,
                             const std::vector<std::string>& labels, const GradcheckOptions& opt) {
  GradcheckResult res;
  Tensor y = f();
  if (!y.requires_grad()) {
    res.ok = false;
    res.message = "gradcheck: the output does not require grad (no checked tensor reaches it)";
    return res;
  }
  Generator gen(opt.seed);
  Tensor r = randn(y.shape(), gen);
  y.backward(r);
  y = Tensor();  // frees the graph before the many forward passes below

  for (size_t k = 0; k < leaves.size(); ++k) {
    if (!leaves[k].requires_grad()) continue;
    Tensor analytic = leaves[k].grad();
    float* p = leaves[k].impl()->storage->data();
    for (int64_t i = 0; i < leaves[k].numel(); ++i) {
      const float orig = p[i];
      // The steps actually taken in float32, so the division uses the true distance.
      const float xp = static_cast<float>(orig + opt.eps), xm = static_cast<float>(orig - opt.eps);
      double lp, lm;
      {
        NoGradGuard ng;
        p[i] = xp;
        lp = weighted_sum(f(), r);
        p[i] = xm;
        lm = weighted_sum(f(), r);
        p[i] = orig;
      }
      const double numeric = (lp - lm) / (static_cast<double>(xp) - static_cast<double>(xm));
      const double a = analytic.defined() ? analytic.data()[i] : 0.0;
      const double ratio = std::fabs(a - numeric) / (opt.atol + opt.rtol * std::fabs(numeric));
      const double worst = std::isnan(ratio) ? INFINITY : ratio;
      ++res.checked;
      if (res.input < 0 || worst > res.worst_ratio) {
        res.worst_ratio = worst;
        res.input = static_cast<int>(k);
        res.label = labels[k];
        res.index = unravel(i, leaves[k].shape());
        res.analytic = a;
        res.numeric = numeric;
      }
    }
  }
  res.ok = res.worst_ratio <= 1.0;
  std::ostringstream os;
  os.precision(6);
  os << (res.ok ? "gradcheck passed" : "gradcheck failed") << ": worst element is " << res.label
     << " at index " << index_text(res.index) << ": analytic " << res.analytic << ", numeric "
     << res.numeric << ", |diff| " << std::fabs(res.analytic - res.numeric)
     << (res.ok ? " <= " : " > ") << "tolerance " << opt.atol + opt.rtol * std::fabs(res.numeric)
     << " (" << res.checked << " elements checked)";
  res.message = os.str();
  return res;
}

}  // namespace

GradcheckResult gradcheck(const std::function<Tensor(const std::vector<Tensor>&)>& f,
                          const std::vector<Tensor>& inputs, const GradcheckOptions& opt) {
  // Fresh leaves that share nothing with the caller's tensors.
  std::vector<Tensor> xs;
  std::vector<std::string> labels;
  for (const Tensor& t : inputs) {
    Tensor c = t.detach().clone();
    c.requires_grad_(t.requires_grad());
    xs.push_back(c);
    labels.push_back("input " + std::to_string(labels.size()));
  }
  return check_leaves([&] { return f(xs); }, xs, labels, opt);
}

GradcheckResult gradcheck_leaves(const std::function<Tensor()>& f,
                                 const std::vector<std::pair<std::string, Tensor>>& leaves,
                                 const GradcheckOptions& opt) {
  std::vector<Tensor> ts;
  std::vector<std::string> labels;
  std::vector<Tensor> saved_grads;
  for (const auto& [label, t] : leaves) {
    if (!t.is_leaf() || !t.requires_grad())
      throw AutogradError("gradcheck: '" + label + "' is not a leaf that requires grad");
    ts.push_back(t);
    labels.push_back(label);
    saved_grads.push_back(t.grad());
    Tensor(t).set_grad(Tensor());
  }
  GradcheckResult res = check_leaves(f, ts, labels, opt);
  for (size_t k = 0; k < ts.size(); ++k) ts[k].set_grad(saved_grads[k]);
  return res;
}

GradcheckResult gradcheck_parameters(const std::function<Tensor()>& f,
                                     const std::vector<std::pair<std::string, Tensor>>& params,
                                     const GradcheckOptions& opt) {
  std::vector<std::pair<std::string, Tensor>> leaves;
  for (const auto& [name, t] : params) leaves.emplace_back("parameter " + name, t);
  return gradcheck_leaves(f, leaves, opt);
}

}  // namespace attend
