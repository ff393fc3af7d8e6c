#include "layers/dropout.h"

#include <sstream>

namespace attend {

Dropout::Dropout(float prob, std::shared_ptr<Generator> gen) : p(prob), gen_(std::move(gen)) {
  if (!(p >= 0.0f && p <= 1.0f))
    throw std::invalid_argument("Dropout: p must be in [0, 1], got " + std::to_string(p));
  if (!gen_) throw std::invalid_argument("Dropout: a generator is required");
}

std::string Dropout::extra_repr() const {
  std::ostringstream os;
  os << "p=" << p << ", inplace=False";
  return os.str();
}

}  // namespace attend
