// Checkpoints in the safetensors format (see checkpoint.cpp).
#pragma once
