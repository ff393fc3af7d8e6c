// `attend datasets list` and `attend datasets show NAME|PATH`: what a dataset holds, before
// training on it.
#pragma once

#include <string>

namespace attend::cli {

void list_datasets();
// NAME: a bundled dataset; PATH: a TSV/JSONL/CSV pairs file (optionally .gz) or a LINQS
// NAME.content file (NAME.cites beside it). Throws with a one-line message on bad input.
void show_dataset(const std::string& name_or_path, int samples);

}  // namespace attend::cli
