// Atomic data-file writes (see atomic_write.h).
#include "datasets/atomic_write.h"

#include <cstdio>
#include <fstream>

#include "datasets/data_error.h"

namespace attend {

void write_file_atomically(const std::string& path, const std::string& what,
                           const std::function<void(std::ostream&)>& write) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw DataError(path, 0, "cannot write " + what + " (temporary file " + tmp + ")");
    write(out);
    out.flush();
    if (!out) {
      std::remove(tmp.c_str());
      throw DataError(path, 0, "write failed (disk full?)");
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    throw DataError(path, 0, "cannot rename the temporary file into place");
  }
}

}  // namespace attend
