// Writing a data file so that no reader ever sees half of it: the text goes to PATH.tmp, which is
// renamed over PATH only once it is complete (vocabularies, dataset splits).
#pragma once

#include <functional>
#include <ostream>
#include <string>

namespace attend {

// Calls write(stream) on PATH.tmp and renames it to path. Throws DataError naming path when the
// temporary file cannot be opened ("cannot write WHAT (temporary file PATH.tmp)"), when the
// stream fails (disk full) or when the rename fails; the temporary file is removed in the last two
// cases.
void write_file_atomically(const std::string& path, const std::string& what,
                           const std::function<void(std::ostream&)>& write);

}  // namespace attend
