// Graph attention layers (see gat.cpp).
#pragma once

#include "layers/module.h"
