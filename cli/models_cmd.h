// `attend models`: the registered models, their tasks and hyperparameters with defaults.
#pragma once

namespace attend::cli {

void list_models();

}  // namespace attend::cli
