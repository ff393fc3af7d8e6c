// Checkpoint averaging as fairseq's scripts/average_checkpoints.py does it: the element-wise mean
// of the model's weights over several checkpoints of one run (usually its last few epochs), which
// often scores better than any one of them (Vaswani et al. 2017 averaged the last 5 or 20).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "trainers/checkpoint.h"

namespace attend {

// The mean of the model weights of these checkpoints, summed in double precision and rounded to
// float once, with the metadata of the last one (model config, vocabularies, tokenizer models)
// and a list of the files under "averaged_from"; no optimizer or trainer state (the result is a
// model, not a point to resume from). Throws CheckpointError naming a file that cannot be read,
// that holds other weights (names or shapes) than the first, or that was trained with another
// model configuration, vocabulary or tokenizer; and when paths is empty.
Checkpoint average_checkpoints(const std::vector<std::string>& paths);

// The last n epoch checkpoints of a run directory (RUN_DIR/epoch-N.safetensors, written with
// --keep-epoch-checkpoints), oldest first. Throws CheckpointError naming the directory when it
// has fewer than n.
std::vector<std::string> last_epoch_checkpoints(const std::string& run_dir, int64_t n);

}  // namespace attend
