// LineReader over a plain file (std::ifstream) or a gzip file (zlib's gzFile, when available).
#include "datasets/line_reader.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "datasets/utf8.h"

#ifdef ATTEND_HAVE_ZLIB
#include <zlib.h>
#endif

namespace attend {

bool gzip_supported() {
#ifdef ATTEND_HAVE_ZLIB
  return true;
#else
  return false;
#endif
}

struct LineReader::Source {
  std::ifstream plain;
#ifdef ATTEND_HAVE_ZLIB
  gzFile gz = nullptr;
  ~Source() {
    if (gz) gzclose(gz);
  }
#endif
  // Reads one line into `line`; false at end of input; sets `error` on a read failure.
  bool getline(std::string& line, bool& error) {
#ifdef ATTEND_HAVE_ZLIB
    if (gz) {
      line.clear();
      char buf[8192];
      bool any = false;
      while (gzgets(gz, buf, sizeof buf)) {
        any = true;
        const size_t n = std::strlen(buf);
        line.append(buf, n);
        if (n > 0 && buf[n - 1] == '\n') {
          line.pop_back();
          return true;
        }
      }
      int err = Z_OK;
      gzerror(gz, &err);
      error = err != Z_OK && err != Z_STREAM_END;
      return any && !error;
    }
#endif
    if (!std::getline(plain, line)) {
      error = plain.bad();
      return false;
    }
    return true;
  }
};

LineReader::LineReader(const std::string& path) : path_(path), src_(std::make_unique<Source>()) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (!std::filesystem::exists(status)) throw DataError(path, 0, "cannot open: no such file");
  if (std::filesystem::is_directory(status))
    throw DataError(path, 0, "cannot open: it is a directory, expected a file");
  src_->plain.open(path, std::ios::binary);
  if (!src_->plain) throw DataError(path, 0, std::string("cannot open: ") + std::strerror(errno));
  // gzip is recognised by its magic bytes, whatever the file is called.
  unsigned char magic[2] = {0, 0};
  src_->plain.read(reinterpret_cast<char*>(magic), 2);
  const bool gzipped = src_->plain.gcount() == 2 && magic[0] == 0x1F && magic[1] == 0x8B;
  src_->plain.clear();
  src_->plain.seekg(0);
  if (!gzipped) return;
#ifdef ATTEND_HAVE_ZLIB
  src_->plain.close();
  src_->gz = gzopen(path.c_str(), "rb");
  if (!src_->gz) throw DataError(path, 0, "cannot open gzip file");
  gzbuffer(src_->gz, 1 << 16);
#else
  throw DataError(path, 0,
                  "file is gzip-compressed and this build of attend has no zlib: decompress it "
                  "first (gunzip -k " +
                      path + ")");
#endif
}

LineReader::~LineReader() = default;

bool LineReader::next(std::string& line) {
  bool error = false;
  if (!src_->getline(line, error)) {
    if (error) fail_at(line_no_ + 1, "read error");
    return false;
  }
  ++line_no_;
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (line_no_ == 1 && line.starts_with("\xEF\xBB\xBF")) line.erase(0, 3);
  // Control bytes other than tab, CR, FF and VT are valid UTF-8 but never text: the file is
  // binary (a pickle, a model, an image), and saying so beats "invalid UTF-8" about its bytes.
  for (size_t i = 0; i < line.size(); ++i)
    if (const auto c = static_cast<unsigned char>(line[i]); c < 0x20 && (c < 0x09 || c > 0x0D))
      fail("binary data (byte " + std::to_string(i + 1) + " is 0x" + "0123456789ABCDEF"[c >> 4] +
           "0123456789ABCDEF"[c & 15] + "), not a text file");
  if (const size_t bad = utf8::find_invalid(line); bad != utf8::npos)
    fail(utf8::describe_invalid(line, bad));
  return true;
}

void LineReader::fail(const std::string& message) const {
  fail_at(line_no_, message);
}

void LineReader::fail_at(int64_t line, const std::string& message) const {
  throw DataError(path_, line, message);
}

}  // namespace attend
