// Graph-attention ops over an edge list.
#include "autograd/ops_graph.h"

namespace attend {}  // namespace attend
