// The exception types attend throws. Messages are one line and name the op, shape or option at
// fault.
#pragma once

#include <stdexcept>
#include <string>

namespace attend {

// A shape that an op cannot accept: the message names the op and every shape involved.
class ShapeError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// Misuse of the autograd engine (backward twice through a released graph, no grad_fn, ...).
class AutogradError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Anomaly mode found a NaN or Inf; the message names the op whose forward or backward produced it.
class AnomalyError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace attend
