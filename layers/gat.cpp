#include "layers/gat.h"
