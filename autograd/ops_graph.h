// Graph-attention ops over an edge list (see ops_graph.cpp).
#pragma once

#include "autograd/tensor.h"

namespace attend {}  // namespace attend
