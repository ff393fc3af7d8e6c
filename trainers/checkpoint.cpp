// Checkpoints in the safetensors format: writer, strict reader, and the Module/Optimizer helpers.
// The format and the checksums are described in checkpoint.h.
#include "trainers/checkpoint.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>
#include <set>
#include <tuple>
#include <vector>

#include "trainers/run_log.h"

namespace attend {

// The data buffer is the float32 values' bytes as they lie in memory; that is the format's
// little-endian layout only on a little-endian host (x86-64, AArch64 Linux).
static_assert(std::endian::native == std::endian::little,
              "checkpoint.cpp writes tensor memory as little-endian float32; add byte swapping");
static_assert(sizeof(float) == 4, "float must be IEEE-754 binary32");

namespace {

using json = nlohmann::json;
using ordered_json = nlohmann::ordered_json;

constexpr const char* kMetadataKey = "__metadata__";

std::array<uint32_t, 256> make_crc_table() {
  std::array<uint32_t, 256> table{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    table[i] = c;
  }
  return table;
}

std::string crc_string(uint32_t crc) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "crc32:%08x", crc);
  return buf;
}

std::string errno_text(int err) {
  return std::strerror(err);
}

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw CheckpointError("checkpoint " + path + ": " + what);
}

// The canonical form of a header's content that attend.header_checksum covers.
struct IndexEntry {
  std::string name;
  std::string dtype;
  std::vector<uint64_t> shape;
  uint64_t begin = 0, end = 0;
};

uint32_t header_crc(const std::map<std::string, std::string>& metadata,
                    const std::vector<IndexEntry>& entries_sorted_by_name) {
  std::string c;
  for (const auto& [k, v] : metadata) {
    if (k == kHeaderChecksumKey) continue;
    c += 'M';
    c += k;
    c += '\0';
    c += v;
    c += '\0';
  }
  for (const auto& e : entries_sorted_by_name) {
    c += 'T';
    c += e.name;
    c += '\0';
    c += e.dtype;
    c += '\0';
    for (size_t i = 0; i < e.shape.size(); ++i) {
      if (i) c += ',';
      c += std::to_string(e.shape[i]);
    }
    c += '\0';
    c += std::to_string(e.begin) + "," + std::to_string(e.end);
    c += '\0';
  }
  return crc32(c.data(), c.size());
}

std::string shape_text(const std::vector<uint64_t>& s) {
  std::string out = "[";
  for (size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
  return out + "]";
}

// Quotes a name from the file for an error message (escaped, so the message stays one line).
std::string json_quoted(const std::string& s) {
  std::string out;
  try {
    out = json(s).dump();
  } catch (const json::exception&) {
    out = json(s).dump(-1, ' ', false, json::error_handler_t::replace);
  }
  return out.size() > 200 ? out.substr(0, 200) + "...\"" : out;
}

// Reads a whole file region, failing with a clear message.
class Reader {
 public:
  explicit Reader(std::string path) : path_(std::move(path)) {
    f_ = std::fopen(path_.c_str(), "rb");
    if (!f_) fail(path_, "cannot open: " + errno_text(errno));
    struct stat st {};
    if (::fstat(::fileno(f_), &st) != 0) fail(path_, "cannot stat: " + errno_text(errno));
    if (!S_ISREG(st.st_mode)) fail(path_, "not a regular file");
    size_ = static_cast<uint64_t>(st.st_size);
  }
  ~Reader() { std::fclose(f_); }
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

  uint64_t size() const { return size_; }
  void read(void* out, size_t n, const char* what) {
    if (n == 0) return;
    errno = 0;
    if (std::fread(out, 1, n, f_) != n) {
      if (std::ferror(f_))
        fail(path_, std::string("error reading ") + what + ": " + errno_text(errno));
      fail(path_, std::string("truncated while reading ") + what +
                      " (the file changed while it was being read?)");
    }
  }

 private:
  std::string path_;
  FILE* f_ = nullptr;
  uint64_t size_ = 0;
};

// Parses the header JSON, rejecting duplicate keys (a JSON object parser would silently keep
// one of them).
json parse_header(const std::string& path, const std::string& text) {
  std::vector<std::set<std::string>> keys;
  std::string duplicate;
  json::parser_callback_t cb = [&](int, json::parse_event_t event, json& parsed) {
    if (event == json::parse_event_t::object_start) keys.emplace_back();
    if (event == json::parse_event_t::object_end && !keys.empty()) keys.pop_back();
    if (event == json::parse_event_t::key && !keys.empty() && duplicate.empty() &&
        !keys.back().insert(parsed.get<std::string>()).second)
      duplicate = parsed.get<std::string>();
    return true;
  };
  json h;
  try {
    h = json::parse(text, cb);
  } catch (const json::exception& e) {
    // A syntax error (parse_error), or a number beyond double's range such as 1e999
    // (out_of_range): the message without nlohmann's "[json.exception.NAME] " prefix.
    std::string msg = e.what();
    const size_t start = msg.find("] ");
    if (msg.starts_with("[json.exception.") && start != std::string::npos) msg.erase(0, start + 2);
    fail(path, "header is not valid JSON (" + msg + ")");
  }
  if (!duplicate.empty()) fail(path, "duplicate key " + json_quoted(duplicate) + " in the header");
  if (!h.is_object()) fail(path, "header is not a JSON object");
  return h;
}

bool parse_u64(const json& v, uint64_t& out) {
  if (v.is_number_unsigned()) {
    out = v.get<uint64_t>();
    return true;
  }
  if (v.is_number_integer() && v.get<int64_t>() >= 0) {
    out = static_cast<uint64_t>(v.get<int64_t>());
    return true;
  }
  return false;
}

[[noreturn]] void cannot_save(const std::string& path, const std::string& what) {
  throw CheckpointError("cannot save checkpoint " + path + ": " + what);
}

// The entries of the tensors to save, back to back in std::map order (the bytewise name order the
// format's writer uses), and the CRC-32 of their data.
std::vector<IndexEntry> tensor_index(const std::string& path,
                                     const std::map<std::string, Tensor>& tensors,
                                     uint32_t& data_crc) {
  std::vector<IndexEntry> index;
  uint64_t offset = 0;
  for (const auto& [name, t] : tensors) {
    if (name.empty()) cannot_save(path, "a tensor has an empty name");
    if (name == kMetadataKey) cannot_save(path, "a tensor may not be named __metadata__");
    if (!t.defined()) cannot_save(path, "tensor " + json_quoted(name) + " is undefined");
    IndexEntry e;
    e.name = name;
    e.dtype = "F32";
    for (int64_t d : t.shape()) e.shape.push_back(static_cast<uint64_t>(d));
    const uint64_t bytes = static_cast<uint64_t>(t.numel()) * sizeof(float);
    e.begin = offset;
    e.end = offset + bytes;
    offset = e.end;
    if (bytes) data_crc = crc32(t.data(), bytes, data_crc);
    index.push_back(std::move(e));
  }
  return index;
}

// The header: __metadata__ first, then the tensors in data order, compact, padded to 8 bytes.
std::string header_text(const std::string& path, const std::map<std::string, std::string>& meta,
                        const std::vector<IndexEntry>& index) {
  ordered_json h = ordered_json::object();
  ordered_json m = ordered_json::object();
  for (const auto& [k, v] : meta) m[k] = v;
  h[kMetadataKey] = std::move(m);
  for (const auto& e : index) {
    ordered_json info = ordered_json::object();
    info["dtype"] = e.dtype;
    info["shape"] = e.shape;
    info["data_offsets"] = {e.begin, e.end};
    h[e.name] = std::move(info);
  }
  std::string header;
  try {
    header = h.dump();
  } catch (const ordered_json::type_error&) {
    cannot_save(path, "a tensor name or metadata string is not valid UTF-8");
  }
  header.append((8 - header.size() % 8) % 8, ' ');
  if (header.size() > kMaxHeaderBytes)
    cannot_save(path, "header of " + std::to_string(header.size()) +
                          " bytes exceeds the format's limit of " +
                          std::to_string(kMaxHeaderBytes));
  return header;
}

// The first 8 bytes: the header's length, checked against the format's limit and the file.
uint64_t read_header_length(Reader& r, const std::string& path) {
  const uint64_t file_size = r.size();
  if (file_size < 8)
    fail(path, "file is " + std::to_string(file_size) +
                   " bytes, too short for a safetensors file (at least 8)");
  unsigned char len[8];
  r.read(len, 8, "the header length");
  uint64_t n = 0;
  for (int i = 0; i < 8; ++i) n |= static_cast<uint64_t>(len[i]) << (8 * i);
  if (n > kMaxHeaderBytes)
    fail(path, "header length " + std::to_string(n) + " exceeds the format's limit of " +
                   std::to_string(kMaxHeaderBytes) +
                   " bytes: corrupted, or not a safetensors file");
  if (n > file_size - 8)
    fail(path, "header length " + std::to_string(n) + " is larger than the file allows (" +
                   std::to_string(file_size) +
                   " bytes in all): truncated, or not a safetensors file");
  return n;
}

// The header's n bytes of JSON, parsed.
json read_header(Reader& r, const std::string& path, uint64_t n) {
  std::string text(n, '\0');
  r.read(text.data(), n, "the header");
  if (text.empty() || text[0] != '{')
    fail(path, "header does not start with '{': not a safetensors file");
  return parse_header(path, text);
}

// One tensor's header entry {"dtype": ..., "shape": [...], "data_offsets": [begin, end]}, as
// typed fields (checked against each other and the data later).
IndexEntry read_entry(const std::string& path, const std::string& key, const json& value) {
  const std::string what = "tensor " + json_quoted(key);
  if (!value.is_object()) fail(path, what + " is not a JSON object");
  for (const char* field : {"dtype", "shape", "data_offsets"})
    if (!value.contains(field)) fail(path, what + " has no \"" + field + "\"");
  IndexEntry e;
  e.name = key;
  if (!value["dtype"].is_string()) fail(path, what + ": \"dtype\" is not a string");
  e.dtype = value["dtype"].get<std::string>();
  const json& shape = value["shape"];
  if (!shape.is_array()) fail(path, what + ": \"shape\" is not a list");
  for (const auto& d : shape) {
    uint64_t v = 0;
    if (!parse_u64(d, v))
      fail(path,
           what + ": shape " + shape.dump() + " has an entry that is not a non-negative integer");
    e.shape.push_back(v);
  }
  const json& off = value["data_offsets"];
  if (!off.is_array() || off.size() != 2 || !parse_u64(off[0], e.begin) ||
      !parse_u64(off[1], e.end))
    fail(path, what + ": data_offsets " + off.dump() +
                   " is not a pair of non-negative integers [begin, end]");
  return e;
}

// The header's metadata (into metadata) and its tensor entries, sorted by name (json objects
// iterate in key order).
std::vector<IndexEntry> read_index(const std::string& path, const json& h,
                                   std::map<std::string, std::string>& metadata) {
  std::vector<IndexEntry> index;
  for (const auto& [key, value] : h.items()) {
    if (key != kMetadataKey) {
      index.push_back(read_entry(path, key, value));
      continue;
    }
    if (!value.is_object()) fail(path, "__metadata__ is not a JSON object");
    for (const auto& [mk, mv] : value.items()) {
      if (!mv.is_string()) fail(path, "__metadata__ entry " + json_quoted(mk) + " is not a string");
      metadata[mk] = mv.get<std::string>();
    }
  }
  return index;
}

// Checked first: if it fails, nothing else in the header can be trusted.
void check_header_checksum(const std::string& path,
                           const std::map<std::string, std::string>& metadata,
                           const std::vector<IndexEntry>& index) {
  const auto it = metadata.find(kHeaderChecksumKey);
  if (it == metadata.end()) return;
  const std::string computed = crc_string(header_crc(metadata, index));
  if (it->second != computed)
    fail(path, "header checksum mismatch (stored " + it->second + ", computed " + computed +
                   "): header is corrupted");
}

// A tensor's dtype, rank, and the byte size its shape implies.
void check_entry(const std::string& path, const IndexEntry& e) {
  const std::string what = "tensor " + json_quoted(e.name);
  if (e.dtype != "F32")
    fail(path, what + " has dtype " + json_quoted(e.dtype) + "; attend reads only F32 (float32)");
  if (e.shape.size() > static_cast<size_t>(Shape::kMaxDims))
    fail(path, what + " has " + std::to_string(e.shape.size()) + " dimensions; at most " +
                   std::to_string(Shape::kMaxDims) + " are supported");
  if (e.end < e.begin)
    fail(path, what + ": data_offsets [" + std::to_string(e.begin) + ", " + std::to_string(e.end) +
                   "] end before they begin");
  uint64_t bytes = sizeof(float);
  bool overflow = false;
  for (uint64_t d : e.shape) overflow |= __builtin_mul_overflow(bytes, d, &bytes);
  if (overflow || bytes != e.end - e.begin)
    fail(path, what + " of shape " + shape_text(e.shape) + " needs " +
                   (overflow ? std::string("more than 2^64") : std::to_string(bytes)) +
                   " bytes but its data_offsets [" + std::to_string(e.begin) + ", " +
                   std::to_string(e.end) + "] span " + std::to_string(e.end - e.begin));
}

// The entries in data order, which must tile the data buffer of data_size bytes: contiguous from
// 0, no overlap, no gap, nothing after.
std::vector<const IndexEntry*> data_layout(const std::string& path,
                                           const std::vector<IndexEntry>& index,
                                           uint64_t data_size) {
  std::vector<const IndexEntry*> by_offset;
  for (const auto& e : index) by_offset.push_back(&e);
  std::sort(by_offset.begin(), by_offset.end(), [](const IndexEntry* a, const IndexEntry* b) {
    return std::tie(a->begin, a->end) < std::tie(b->begin, b->end);
  });
  uint64_t expected = 0;
  const IndexEntry* prev = nullptr;
  for (const IndexEntry* e : by_offset) {
    if (e->begin < expected)
      fail(path, "tensors " + json_quoted(prev->name) + " [" + std::to_string(prev->begin) + ", " +
                     std::to_string(prev->end) + ") and " + json_quoted(e->name) + " [" +
                     std::to_string(e->begin) + ", " + std::to_string(e->end) +
                     ") overlap in the data buffer");
    if (e->begin > expected)
      fail(path, "gap in the data buffer: bytes [" + std::to_string(expected) + ", " +
                     std::to_string(e->begin) + ") before tensor " + json_quoted(e->name) +
                     " belong to no tensor");
    expected = e->end;
    prev = e;
  }
  if (data_size < expected)
    fail(path, "truncated: header says " + std::to_string(expected) +
                   " bytes of tensor data, file has " + std::to_string(data_size));
  if (data_size > expected)
    fail(path, std::to_string(data_size - expected) +
                   " unexpected bytes after the tensor data: header says " +
                   std::to_string(expected) + " bytes of tensor data, file has " +
                   std::to_string(data_size));
  return by_offset;
}

// The data, read straight into the tensors in file order, and its checksum verified.
void read_tensors(Reader& r, const std::string& path,
                  const std::vector<const IndexEntry*>& by_offset, Checkpoint& ck) {
  uint32_t data_crc = 0;
  for (const IndexEntry* e : by_offset) {
    std::vector<int64_t> dims(e->shape.begin(), e->shape.end());
    Tensor t = Tensor::empty(Shape(dims));
    const size_t bytes = static_cast<size_t>(e->end - e->begin);
    if (bytes) {
      r.read(t.data(), bytes, "tensor data");
      data_crc = crc32(t.data(), bytes, data_crc);
    }
    ck.tensors.emplace(e->name, std::move(t));
  }
  if (auto it = ck.metadata.find(kChecksumKey); it != ck.metadata.end()) {
    const std::string computed = crc_string(data_crc);
    if (it->second != computed)
      fail(path, "checksum mismatch (stored " + it->second + ", computed " + computed +
                     "): file is corrupted");
  }
}

}  // namespace

uint32_t crc32(const void* data, size_t n, uint32_t crc) {
  static const std::array<uint32_t, 256> table = make_crc_table();
  const auto* p = static_cast<const unsigned char*>(data);
  crc = ~crc;
  for (size_t i = 0; i < n; ++i) crc = table[(crc ^ p[i]) & 0xFFu] ^ (crc >> 8);
  return ~crc;
}

void save_safetensors(const std::string& path, const std::map<std::string, Tensor>& tensors,
                      const std::map<std::string, std::string>& metadata) {
  uint32_t data_crc = 0;
  const std::vector<IndexEntry> index = tensor_index(path, tensors, data_crc);
  std::map<std::string, std::string> meta = metadata;
  meta.emplace("format", "pt");
  meta[kChecksumKey] = crc_string(data_crc);
  meta.erase(kHeaderChecksumKey);
  meta[kHeaderChecksumKey] = crc_string(header_crc(meta, index));
  const std::string header = header_text(path, meta, index);

  // An OS failure (a full disk, a missing directory) is an AtomicWriteError, not a
  // CheckpointError: the checkpoint is fine, the machine is not (the CLI exits 1, not 2).
  AtomicFileWriter f(path, "cannot save checkpoint");
  unsigned char len[8];
  const uint64_t n = header.size();
  for (int i = 0; i < 8; ++i) len[i] = static_cast<unsigned char>(n >> (8 * i));
  f.write(len, 8);
  f.write(header.data(), header.size());
  for (const auto& [name, t] : tensors)
    f.write(t.data(), static_cast<size_t>(t.numel()) * sizeof(float));
  f.commit();
}

Checkpoint load_safetensors(const std::string& path) {
  Reader r(path);
  Checkpoint ck;
  const uint64_t header_bytes = read_header_length(r, path);
  const std::vector<IndexEntry> index =
      read_index(path, read_header(r, path, header_bytes), ck.metadata);
  check_header_checksum(path, ck.metadata, index);
  for (const IndexEntry& e : index) check_entry(path, e);
  const std::vector<const IndexEntry*> by_offset =
      data_layout(path, index, r.size() - 8 - header_bytes);
  read_tensors(r, path, by_offset, ck);
  return ck;
}

void save_module(const std::string& path, const Module& model,
                 const std::map<std::string, std::string>& metadata, const Optimizer* optimizer) {
  // A tied tensor once, under its first name (as safetensors.torch.save_model stores shared
  // tensors); load_state_dict restores it through that name.
  std::map<std::string, Tensor> tensors;
  for (auto& [name, t] : model.named_parameters()) tensors.emplace(name, t);
  for (auto& [name, t] : model.named_buffers()) tensors.emplace(name, t);
  if (optimizer) {
    for (const auto& [name, _] : tensors)
      if (name.rfind(kOptimizerPrefix, 0) == 0)
        throw CheckpointError("cannot save checkpoint " + path + ": model state " +
                              json_quoted(name) + " clashes with the optimizer-state prefix \"" +
                              kOptimizerPrefix + "\"");
    for (auto& [key, t] : optimizer->state_dict()) tensors[kOptimizerPrefix + key] = t;
  }
  save_safetensors(path, tensors, metadata);
}

Checkpoint load_module(const std::string& path, Module& model, Optimizer* optimizer) {
  Checkpoint ck = load_safetensors(path);
  std::map<std::string, Tensor> model_state, optim_state;
  const std::string prefix = kOptimizerPrefix;
  const bool own_optim_names = [&] {
    for (const auto& [name, _] : model.state_dict())
      if (name.rfind(prefix, 0) == 0) return true;
    return false;
  }();
  for (const auto& [name, t] : ck.tensors) {
    if (!own_optim_names && name.rfind(prefix, 0) == 0)
      optim_state[name.substr(prefix.size())] = t;
    else
      model_state[name] = t;
  }
  if (optimizer && optim_state.empty())
    fail(path, "has no optimizer state (no \"" + prefix + "*\" tensors) to load");
  try {
    if (!optimizer) {
      model.load_state_dict(model_state);
      return ck;
    }
    // Both loads validate before changing anything; undo the optimizer's if the model's fails.
    std::map<std::string, Tensor> previous = optimizer->state_dict();
    optimizer->load_state_dict(optim_state);
    try {
      model.load_state_dict(model_state);
    } catch (...) {
      optimizer->load_state_dict(previous);
      throw;
    }
  } catch (const std::exception& e) {
    if (dynamic_cast<const CheckpointError*>(&e)) throw;
    fail(path, e.what());
  }
  return ck;
}

}  // namespace attend
