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

GradcheckResult gradcheck(const std::function<Tensor(const std::vector<Tensor>&)>& f,
                          const std::vector<Tensor>& inputs, const GradcheckOptions& opt) {
  // Fresh leaves that share nothing with the caller's tensors.
  std::vector<Tensor> xs;
  for (const Tensor& t : inputs) {
    Tensor c = t.detach().clone();
    c.requires_grad_(t.requires_grad());
    xs.push_back(c);
  }
  Tensor y = f(xs);
  Generator gen(opt.seed);
  Tensor r = randn(y.shape(), gen);
  GradcheckResult res;
  if (!y.requires_grad()) {
    res.ok = false;
    res.message =
        "gradcheck: the output does not require grad (no input with requires_grad reaches it)";
    return res;
  }
  // Analytic: backward with cotangent r gives dL/dx for L = sum(y * r).
  y.backward(r);

  for (size_t k = 0; k < xs.size(); ++k) {
    if (!xs[k].requires_grad()) continue;
    Tensor analytic = xs[k].grad();
    float* p = xs[k].data();
    for (int64_t i = 0; i < xs[k].numel(); ++i) {
      const float orig = p[i];
      // The steps actually taken in float32, so the division uses the true distance.
      const float xp = static_cast<float>(orig + opt.eps), xm = static_cast<float>(orig - opt.eps);
      double lp, lm;
      {
        NoGradGuard ng;
        p[i] = xp;
        lp = weighted_sum(f(xs), r);
        p[i] = xm;
        lm = weighted_sum(f(xs), r);
        p[i] = orig;
      }
      const double numeric = (lp - lm) / (static_cast<double>(xp) - static_cast<double>(xm));
      const double a = analytic.defined() ? analytic.data()[i] : 0.0;
      const double ratio = std::fabs(a - numeric) / (opt.atol + opt.rtol * std::fabs(numeric));
      const double worst = std::isnan(ratio) ? INFINITY : ratio;
      if (res.input < 0 || worst > res.worst_ratio) {
        res.worst_ratio = worst;
        res.input = static_cast<int>(k);
        res.index = unravel(i, xs[k].shape());
        res.analytic = a;
        res.numeric = numeric;
      }
    }
  }
  res.ok = res.worst_ratio <= 1.0;
  std::ostringstream os;
  os.precision(6);
  os << (res.ok ? "gradcheck passed" : "gradcheck failed") << ": worst element is input "
     << res.input << " at index " << index_text(res.index) << ": analytic " << res.analytic
     << ", numeric " << res.numeric << ", |diff| " << std::fabs(res.analytic - res.numeric)
     << (res.ok ? " <= " : " > ") << "tolerance " << opt.atol + opt.rtol * std::fabs(res.numeric);
  res.message = os.str();
  return res;
}

}  // namespace attend
