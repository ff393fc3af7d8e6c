// Checkpoints in the open safetensors format (https://github.com/huggingface/safetensors), so a
// model trained by attend loads in Python with `safetensors.numpy.load_file` /
// `safetensors.torch.load_file`, and a file written there loads here.
//
// Layout of a file (the reference implementation's, byte for byte):
//
//   8 bytes   N, the header length, unsigned 64-bit little-endian
//   N bytes   UTF-8 JSON: {"__metadata__": {"key": "value", ...},
//                          "name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]}, ...}
//             padded with spaces so that N is a multiple of 8
//   the rest  the tensor data: raw little-endian float32, row-major, tensors back to back in
//             sorted-name order; data_offsets are relative to the start of this buffer
//
// attend adds two entries to __metadata__ (string-valued, as the format requires):
//   "attend.checksum"         "crc32:xxxxxxxx"  CRC-32 of the whole tensor-data buffer
//   "attend.header_checksum"  "crc32:xxxxxxxx"  CRC-32 of the header's content in a canonical
//                                               form (below), so a flipped bit in a name, shape,
//                                               offset or metadata value is caught too
// CRC-32 is the IEEE 802.3 / zlib one (reflected polynomial 0xEDB88320, initial value and final
// xor 0xFFFFFFFF; Python's zlib.crc32), written as 8 lowercase hex digits. The canonical header
// form concatenates, for each metadata entry sorted by key (bytewise) except
// "attend.header_checksum": 'M' key '\0' value '\0'; then for each tensor sorted by name: 'T' name
// '\0' dtype '\0' dims in decimal joined by ',' '\0' begin ',' end '\0'. Both checksums are
// verified when present and skipped when absent (files from other writers); tests/fixtures/
// safetensors_check.py implements the same reader and writer in Python.
//
// Model config and vocabulary travel as metadata strings (by convention JSON text under "config"
// and "vocab"); save_module/load_module add optimizer state as tensors named "optim.<key>".
//
// Saving is atomic: the file is written to "<path>.tmp.<pid>" in the same directory, flushed and
// fsync'ed, then renamed over path, so a crash or a failed write never leaves a partial
// checkpoint and never harms the previous one. Loading checks everything the reference reader
// checks (header length, JSON, dtype, shapes, offsets contiguous and covering the data exactly)
// plus the checksums; every failure is a CheckpointError with a one-line message naming the file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>

#include "autograd/ops.h"
#include "layers/module.h"
#include "trainers/optim.h"

namespace attend {

// Any failure to save or load a checkpoint; the message names the file and the problem.
class CheckpointError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Metadata keys written and verified by attend.
inline constexpr const char* kChecksumKey = "attend.checksum";
inline constexpr const char* kHeaderChecksumKey = "attend.header_checksum";
// Conventional keys for a model's configuration and vocabulary (JSON text).
inline constexpr const char* kConfigKey = "config";
inline constexpr const char* kVocabKey = "vocab";
// Prefix of optimizer-state tensor names in save_module/load_module files.
inline constexpr const char* kOptimizerPrefix = "optim.";
// The reference implementation's limit on the header length.
inline constexpr uint64_t kMaxHeaderBytes = 100'000'000;

// CRC-32 (zlib's): crc32(p, n) of a whole buffer, or crc32(q, m, crc32(p, n)) to continue.
uint32_t crc32(const void* data, size_t n, uint32_t crc = 0);

struct Checkpoint {
  std::map<std::string, Tensor> tensors;
  std::map<std::string, std::string> metadata;  // includes the attend.* checksum entries
};

// Writes tensors (float32; names any non-empty UTF-8 except "__metadata__") and metadata
// (UTF-8 strings) to path atomically. Any "attend.checksum"/"attend.header_checksum" in metadata
// is replaced by freshly computed values, and "format": "pt" is added unless given (Hugging Face
// tools expect it). Content that cannot be saved throws CheckpointError naming path; an OS
// failure (full disk, missing directory, ...) throws AtomicWriteError (run_log.h) naming path and
// the OS error. On any failure the temporary file is removed and a previous file at path is left
// as it was.
void save_safetensors(const std::string& path, const std::map<std::string, Tensor>& tensors,
                      const std::map<std::string, std::string>& metadata = {});

// Reads and validates a safetensors file of F32 tensors; the tensors are new leaves.
Checkpoint load_safetensors(const std::string& path);

// model.state_dict() under its own names (loadable by PyTorch's load_state_dict after
// safetensors.torch.load_file), a tied tensor once under its first name in named_parameters()
// (as safetensors.torch.save_model; load_module and safetensors.torch.load_model restore the
// tie), plus, when optimizer is given, its state_dict() as "optim.<key>".
void save_module(const std::string& path, const Module& model,
                 const std::map<std::string, std::string>& metadata = {},
                 const Optimizer* optimizer = nullptr);

// Loads path into model (strictly: names and shapes must match both ways) and, when given, the
// optimizer state into optimizer. Returns the whole checkpoint (for the metadata). A checkpoint
// of another model fails with load_state_dict's message prefixed with the path; nothing is
// changed on any failure.
Checkpoint load_module(const std::string& path, Module& model, Optimizer* optimizer = nullptr);

}  // namespace attend
