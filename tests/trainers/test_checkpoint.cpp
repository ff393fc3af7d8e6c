// Checkpoints: the safetensors layout byte for byte, bit-identical round trips of tensors,
// metadata, modules and optimizer state, interchange with an independent Python implementation
// (tests/fixtures/safetensors_check.py), a distinct clear error for each kind of damaged or
// mismatched file, and atomic saving that never harms the previous file.
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <cfloat>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "layers/embedding.h"
#include "layers/linear.h"
#include "test_util.h"
#include "trainers/checkpoint.h"
#include "trainers/experiment.h"
#include "trainers/optim.h"
#include "trainers/run_log.h"

using namespace attend;
namespace fs = std::filesystem;
using Bytes = std::vector<unsigned char>;

namespace {

struct TmpDir : test::TmpDir {
  TmpDir() : test::TmpDir("attend_test_checkpoint") {}
};

Bytes read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  BOOST_REQUIRE_MESSAGE(in, "cannot read " << path);
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void write_bytes(const std::string& path, const Bytes& b) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
  BOOST_REQUIRE_MESSAGE(out.good(), "cannot write " << path);
}

uint64_t header_len(const Bytes& b) {
  uint64_t n = 0;
  for (int i = 0; i < 8; ++i) n |= static_cast<uint64_t>(b[i]) << (8 * i);
  return n;
}

// A safetensors file from a header written by hand (no checksums) and raw data bytes.
void write_raw(const std::string& path, std::string header, const Bytes& data, bool pad = true) {
  if (pad) header.append((8 - header.size() % 8) % 8, ' ');
  Bytes b(8 + header.size() + data.size());
  for (int i = 0; i < 8; ++i) b[i] = static_cast<unsigned char>(header.size() >> (8 * i));
  std::memcpy(b.data() + 8, header.data(), header.size());
  if (!data.empty()) std::memcpy(b.data() + 8 + header.size(), data.data(), data.size());
  write_bytes(path, b);
}

// The position of the first occurrence of text in b (required to exist).
size_t find(const Bytes& b, const std::string& text) {
  auto it = std::search(b.begin(), b.end(), text.begin(), text.end());
  BOOST_REQUIRE_MESSAGE(it != b.end(), "'" << text << "' not in the file");
  return static_cast<size_t>(it - b.begin());
}

// f must throw an Error (a CheckpointError unless said otherwise) whose message is one line,
// names path and contains every part.
template <class Error = CheckpointError>
void expect_error(const std::function<void()>& f, const std::string& path,
                  std::initializer_list<std::string> parts) {
  std::vector<std::string> all{path};
  all.insert(all.end(), parts);
  test::expect_one_line_error<Error>(f, all);
}

void expect_load_error(const std::string& path, std::initializer_list<std::string> parts) {
  expect_error([&] { load_safetensors(path); }, path, parts);
}

Tensor from_bits(const std::vector<uint32_t>& bits, const Shape& s) {
  Tensor t = Tensor::empty(s);
  if (!bits.empty()) std::memcpy(t.data(), bits.data(), bits.size() * 4);
  return t;
}

uint32_t bits_of(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}

bool bit_equal(const Tensor& a, const Tensor& b) {
  return a.shape() == b.shape() &&
         (a.numel() == 0 ||
          std::memcmp(a.data(), b.data(), static_cast<size_t>(a.numel()) * 4) == 0);
}

// Tensors covering every corner: special values (NaN payloads, -0, infinities, subnormals),
// a 0-d scalar, an empty tensor, and the maximum rank.
std::map<std::string, Tensor> sample_tensors() {
  Generator g(7);
  std::map<std::string, Tensor> t;
  t["layer.weight"] = randn({3, 5}, g);
  t["layer.bias"] = randn({5}, g);
  t["special"] = from_bits({0x7fc00123u, 0xffa00001u, bits_of(-0.0f), bits_of(INFINITY),
                            bits_of(-INFINITY), bits_of(1e-45f), bits_of(FLT_MAX), bits_of(1.0f)},
                           {8});
  t["scalar"] = full(Shape{}, -2.5f);
  t["empty"] = zeros({0, 3});
  t["deep"] = randn({1, 2, 1, 2, 1, 2, 1, 2}, g);
  return t;
}

std::map<std::string, std::string> sample_metadata() {
  return {{kConfigKey, R"({"d_model": 16, "heads": 2, "dropout": 0.1})"},
          {kVocabKey, R"(["<pad>", "<unk>", "h\u00e9llo", "日本", "\"q\""])"},
          {"note", "line1\nline2 \"quoted\" back\\slash \ttab \x01 ctl"},
          {"empty", ""}};
}

struct TinyNet : UnaryModule {
  TinyNet(Generator& g, int64_t hidden = 8) {
    fc1 = register_module("fc1", std::make_shared<Linear>(4, hidden, g));
    fc2 = register_module("fc2", std::make_shared<Linear>(hidden, 3, g));
  }
  std::string type_name() const override { return "TinyNet"; }
  Tensor forward(const Tensor& x) override { return (*fc2)(tanh((*fc1)(x))); }
  std::shared_ptr<Linear> fc1, fc2;
};

// An embedding and an output projection that share one [V, d] table when tied.
struct TiedNet : Module {
  TiedNet(Generator& g, bool tie) {
    emb = register_module("emb", std::make_shared<Embedding>(6, 4, g));
    out = register_module("out", std::make_shared<Linear>(4, 6, g));
    if (tie) out->tie_weight(emb->weight);
  }
  std::string type_name() const override { return "TiedNet"; }
  Tensor forward(const Tensor& ids) { return (*out)((*emb)(ids)); }
  std::shared_ptr<Embedding> emb;
  std::shared_ptr<Linear> out;
};

bool have_python() {
  return ::access("/usr/bin/python3", X_OK) == 0;
}

const std::string kScript = std::string(ATTEND_FIXTURE_DIR) + "/safetensors_check.py";

// Runs the Python checker; returns its exit status, its stdout in out and stderr in err.
int run_python(const TmpDir& tmp, const std::string& args, std::string* out = nullptr,
               std::string* err = nullptr) {
  const std::string o = tmp / "py.out", e = tmp / "py.err";
  const std::string cmd =
      "/usr/bin/python3 '" + kScript + "' " + args + " > '" + o + "' 2> '" + e + "'";
  const int status = std::system(cmd.c_str());
  auto slurp = [](const std::string& p) {
    std::ifstream in(p);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  };
  if (out) *out = slurp(o);
  if (err) *err = slurp(e);
  BOOST_TEST_MESSAGE("python " << args << " -> status " << status << ", stderr: " << slurp(e));
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// Restores a resource limit and the SIGXFSZ disposition at the end of a scope.
struct FileSizeLimit {
  rlimit old{};
  void (*old_handler)(int) = nullptr;
  explicit FileSizeLimit(rlim_t bytes) {
    BOOST_REQUIRE(::getrlimit(RLIMIT_FSIZE, &old) == 0);
    old_handler = ::signal(SIGXFSZ, SIG_IGN);  // over-limit writes fail with EFBIG instead
    rlimit lim = old;
    lim.rlim_cur = bytes;
    BOOST_REQUIRE(::setrlimit(RLIMIT_FSIZE, &lim) == 0);
  }
  ~FileSizeLimit() {
    ::setrlimit(RLIMIT_FSIZE, &old);
    ::signal(SIGXFSZ, old_handler);
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(test_checkpoint)

BOOST_AUTO_TEST_CASE(crc32_matches_zlib) {
  BOOST_TEST(crc32("", 0) == 0u);
  BOOST_TEST(crc32("123456789", 9) == 0xCBF43926u);  // the standard check value
  BOOST_TEST(crc32("The quick brown fox jumps over the lazy dog", 43) == 0x414FA339u);
  // Incremental use gives the same value as one call.
  BOOST_TEST(crc32("6789", 4, crc32("12345", 5)) == 0xCBF43926u);
}

BOOST_AUTO_TEST_CASE(round_trip_is_bit_identical) {
  TmpDir tmp;
  const std::string path = tmp / "t.safetensors";
  const auto tensors = sample_tensors();
  const auto metadata = sample_metadata();
  save_safetensors(path, tensors, metadata);
  Checkpoint ck = load_safetensors(path);

  BOOST_TEST(ck.tensors.size() == tensors.size());
  for (const auto& [name, t] : tensors) {
    BOOST_REQUIRE_MESSAGE(ck.tensors.count(name), "missing " << name);
    const Tensor& u = ck.tensors.at(name);
    BOOST_CHECK_MESSAGE(bit_equal(t, u), name << " differs after the round trip");
    BOOST_TEST(!u.requires_grad());
  }
  for (const auto& [k, v] : metadata) BOOST_CHECK_MESSAGE(ck.metadata[k] == v, "metadata " << k);
  BOOST_TEST(ck.metadata["format"] == "pt");
  BOOST_TEST(ck.metadata.at(kChecksumKey).rfind("crc32:", 0) == 0u);
  BOOST_TEST(ck.metadata.at(kHeaderChecksumKey).rfind("crc32:", 0) == 0u);
  BOOST_TEST(ck.metadata.size() == metadata.size() + 3);

  // Saving what was loaded (stale checksums included) gives the same file byte for byte.
  const std::string again = tmp / "again.safetensors";
  save_safetensors(again, ck.tensors, ck.metadata);
  BOOST_TEST((read_bytes(again) == read_bytes(path)));
  // No temporary files are left behind.
  BOOST_TEST(tmp.list().size() == 2u);
}

BOOST_AUTO_TEST_CASE(layout_is_the_safetensors_one) {
  TmpDir tmp;
  const std::string path = tmp / "t.safetensors";
  const auto tensors = sample_tensors();
  save_safetensors(path, tensors, {{"k", "v"}});
  const Bytes b = read_bytes(path);
  const uint64_t n = header_len(b);
  BOOST_TEST(n % 8 == 0u);  // padded as the reference writer does
  BOOST_REQUIRE(8 + n <= b.size());
  const std::string header(b.begin() + 8, b.begin() + 8 + static_cast<int64_t>(n));
  BOOST_TEST(header.rfind(R"({"__metadata__":{)", 0) == 0u);
  const size_t last = header.find_last_not_of(' ');
  BOOST_TEST(header[last] == '}');
  BOOST_TEST(n - (last + 1) < 8u);  // only the padding follows the JSON

  // Tensors back to back in sorted-name order, exactly covering the rest of the file.
  const auto h = nlohmann::json::parse(header);
  uint64_t offset = 0;
  for (const auto& [name, t] : tensors) {  // std::map: sorted by name
    const auto& info = h.at(name);
    BOOST_TEST(info.at("dtype") == "F32");
    BOOST_TEST((info.at("shape").get<std::vector<int64_t>>() == t.shape().vec()));
    const auto off = info.at("data_offsets").get<std::vector<uint64_t>>();
    BOOST_TEST(off[0] == offset);
    BOOST_TEST(off[1] - off[0] == static_cast<uint64_t>(t.numel()) * 4);
    if (t.numel())
      BOOST_CHECK_MESSAGE(std::memcmp(b.data() + 8 + n + off[0], t.data(),
                                      static_cast<size_t>(off[1] - off[0])) == 0,
                          name << ": bytes in the file are not its little-endian float32 values");
    offset = off[1];
  }
  BOOST_TEST(8 + n + offset == b.size());
  // The data checksum is the CRC-32 of exactly that buffer.
  char expect[16];
  std::snprintf(expect, sizeof expect, "crc32:%08x", crc32(b.data() + 8 + n, offset));
  BOOST_TEST(h.at("__metadata__").at(kChecksumKey).get<std::string>() == std::string(expect));
}

BOOST_AUTO_TEST_CASE(module_reloads_to_bit_identical_outputs) {
  TmpDir tmp;
  const std::string path = tmp / "model.safetensors";
  Generator g1(1), g2(2), gx(3);
  TinyNet a(g1), b(g2);
  const Tensor x = randn({5, 4}, gx);
  const Tensor ya = a(x);
  BOOST_TEST(!bit_equal(ya, b(x)));  // different weights: the check below can fail

  save_module(path, a, {{kConfigKey, R"({"hidden": 8})"}, {kVocabKey, R"(["a", "b"])"}});
  Checkpoint ck = load_module(path, b);
  BOOST_TEST(bit_equal(ya, b(x)));
  BOOST_TEST(ck.metadata.at(kConfigKey) == R"({"hidden": 8})");
  BOOST_TEST(ck.metadata.at(kVocabKey) == R"(["a", "b"])");
  // Names are the module's own, so the file loads into PyTorch's load_state_dict as is.
  BOOST_TEST(ck.tensors.size() == 4u);
  BOOST_TEST(ck.tensors.count("fc1.weight") == 1u);
  // Loading copies values: the module's parameters are still its own, still trainable leaves.
  BOOST_TEST(b.fc1->weight.requires_grad());
  BOOST_TEST(!b.fc1->weight.is_same(ck.tensors.at("fc1.weight")));
}

// A tied table is stored once, under its first name, and loads back into the tie: both uses
// read the loaded values, and the tensors are still one.
BOOST_AUTO_TEST_CASE(tied_weights_are_stored_once_and_load_back_tied) {
  TmpDir tmp;
  const std::string path = tmp / "tied.safetensors";
  Generator g1(1), g2(2);
  TiedNet a(g1, true), b(g2, true);
  save_module(path, a);
  const Checkpoint ck = load_safetensors(path);
  BOOST_TEST(ck.tensors.size() == 2u);  // emb.weight and out.bias
  BOOST_TEST(ck.tensors.count("emb.weight") == 1u);
  BOOST_TEST(ck.tensors.count("out.weight") == 0u);
  load_module(path, b);
  BOOST_TEST(b.out->weight.is_same(b.emb->weight));
  BOOST_TEST(bit_equal(b.out->weight, a.emb->weight));
  const Tensor ids = from_indices({1, 5, 3}, {3});
  BOOST_TEST(bit_equal(b.forward(ids), a.forward(ids)));
  // An untied model needs both tables: the file lacks one, and says which.
  TiedNet untied(g2, false);
  expect_error([&] { load_module(path, untied); }, path, {"missing key", "out.weight"});
  // A file with every name (a state_dict saved as it is) loads into the tied model too.
  const std::string both = tmp / "both.safetensors";
  save_safetensors(both, a.state_dict());
  load_module(both, b);
  BOOST_TEST(b.out->weight.is_same(b.emb->weight));
}

BOOST_AUTO_TEST_CASE(optimizer_state_resumes_exactly) {
  TmpDir tmp;
  const std::string path = tmp / "train.safetensors";
  Generator g1(1), g2(2), gx(3);
  TinyNet a(g1), b(g2);
  Adam opt_a(a.parameters(), AdamOptions{});
  Adam opt_b(b.parameters(), AdamOptions{});
  const Tensor x = randn({6, 4}, gx);
  auto step = [&x](TinyNet& m, Optimizer& o) {
    o.zero_grad();
    Tensor y = m(x);
    (y * y).sum().backward();
    o.step();
  };
  for (int i = 0; i < 3; ++i) step(a, opt_a);
  save_module(path, a, {}, &opt_a);
  const Checkpoint ck = load_module(path, b, &opt_b);
  BOOST_TEST(ck.tensors.count(std::string(kOptimizerPrefix) + "step") == 1u);
  BOOST_TEST(opt_b.steps_taken() == 3);
  // One more step on each: identical parameters only if the moments were restored exactly.
  step(a, opt_a);
  step(b, opt_b);
  const auto pa = a.state_dict(), pb = b.state_dict();
  for (const auto& [name, t] : pa) BOOST_CHECK_MESSAGE(bit_equal(t, pb.at(name)), name);

  // A model-only file has no optimizer state to give.
  const std::string model_only = tmp / "model.safetensors";
  save_module(model_only, a);
  expect_error([&] { load_module(model_only, b, &opt_b); }, model_only, {"has no optimizer state"});
  // An optimizer-state file still loads into a model alone.
  load_module(path, b);
}

BOOST_AUTO_TEST_CASE(wrong_model_fails_naming_the_file_and_changes_nothing) {
  TmpDir tmp;
  const std::string path = tmp / "model.safetensors";
  Generator g1(1), g2(2), g3(3);
  TinyNet a(g1);
  save_module(path, a);

  TinyNet wider(g2, 5);
  const auto before = wider.state_dict();
  std::map<std::string, Tensor> copy;
  for (const auto& [k, t] : before) copy[k] = t.detach().clone();
  expect_error([&] { load_module(path, wider); }, path,
               {"load_state_dict", "has shape", "fc1.bias"});
  for (const auto& [k, t] : wider.state_dict())
    BOOST_CHECK_MESSAGE(bit_equal(t, copy.at(k)), k << " changed by a failed load");

  Linear other(4, 8, g3);
  expect_error([&] { load_module(path, other); }, path, {"load_state_dict", "key"});
}

BOOST_AUTO_TEST_CASE(python_reads_what_attend_writes) {
  if (!have_python()) {
    BOOST_TEST_MESSAGE("skipped: /usr/bin/python3 not found, cannot run safetensors_check.py");
    return;
  }
  TmpDir tmp;
  const std::string path = tmp / "t.safetensors";
  const auto tensors = sample_tensors();
  const auto metadata = sample_metadata();
  save_safetensors(path, tensors, metadata);
  std::string out;
  BOOST_REQUIRE(run_python(tmp, "read '" + path + "'", &out) == 0);
  const auto s = nlohmann::json::parse(out);
  BOOST_TEST(s.at("tensors").size() == tensors.size());
  for (const auto& [name, t] : tensors) {
    const auto& info = s.at("tensors").at(name);
    BOOST_TEST((info.at("shape").get<std::vector<int64_t>>() == t.shape().vec()));
    const auto bits = info.at("bits").get<std::vector<uint32_t>>();
    BOOST_REQUIRE(bits.size() == static_cast<size_t>(t.numel()));
    for (size_t i = 0; i < bits.size(); ++i)
      BOOST_CHECK_MESSAGE(bits[i] == bits_of(t.data()[i]), name << "[" << i << "]");
  }
  for (const auto& [k, v] : metadata)
    BOOST_CHECK_MESSAGE(s.at("metadata").at(k) == v, "metadata " << k);

  // The Python reader verifies the checksums the same way: it rejects a flipped data bit.
  Bytes b = read_bytes(path);
  b.back() ^= 0x01;
  write_bytes(path, b);
  std::string err;
  BOOST_TEST(run_python(tmp, "read '" + path + "'", nullptr, &err) == 1);
  BOOST_TEST(err.find("checksum mismatch") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(attend_reads_what_python_writes) {
  if (!have_python()) {
    BOOST_TEST_MESSAGE("skipped: /usr/bin/python3 not found, cannot run safetensors_check.py");
    return;
  }
  TmpDir tmp;
  const std::string path = tmp / "py.safetensors";
  BOOST_REQUIRE(run_python(tmp, "write '" + path + "'") == 0);
  const Checkpoint ck = load_safetensors(path);  // verifies both checksums Python computed
  BOOST_TEST(ck.tensors.size() == 4u);
  std::vector<float> a;
  for (int i = 0; i < 6; ++i) a.push_back(0.5f * static_cast<float>(i) - 1.0f);
  BOOST_TEST(bit_equal(ck.tensors.at("a.weight"), from_vector(a, {2, 3})));
  BOOST_TEST(bit_equal(ck.tensors.at("b"), full(Shape{}, 3.25f)));
  BOOST_TEST(bit_equal(ck.tensors.at("c.empty"), zeros({0, 4})));
  BOOST_TEST(
      bit_equal(ck.tensors.at("z"), from_bits({bits_of(static_cast<float>(1e-40)), bits_of(-0.0f),
                                               bits_of(INFINITY), bits_of(65504.0f)},
                                              {4})));
  BOOST_TEST(ck.metadata.at("source") == "safetensors_check.py");
  BOOST_TEST(ck.metadata.at("text") == "h\xc3\xa9llo \xe2\x9c\x93 \"quoted\"\nline");
  BOOST_TEST(ck.metadata.count(kChecksumKey) == 1u);
  BOOST_TEST(ck.metadata.count(kHeaderChecksumKey) == 1u);
}

// --- damaged and mismatched files: each gives its own message ----------------------------------

BOOST_AUTO_TEST_CASE(truncated_file) {
  TmpDir tmp;
  const std::string path = tmp / "t.safetensors";
  save_safetensors(path, sample_tensors());
  Bytes b = read_bytes(path);
  const uint64_t data = b.size() - 8 - header_len(b);
  b.resize(b.size() - 10);
  write_bytes(path, b);
  expect_load_error(path, {"truncated: header says " + std::to_string(data) +
                           " bytes of tensor data, file has " + std::to_string(data - 10)});
  // Cut inside the header.
  b.resize(20);
  write_bytes(path, b);
  expect_load_error(path, {"is larger than the file allows"});
  // Cut inside the length.
  b.resize(3);
  write_bytes(path, b);
  expect_load_error(path, {"too short"});
}

BOOST_AUTO_TEST_CASE(bit_flipped_data) {
  TmpDir tmp;
  const std::string path = tmp / "t.safetensors";
  save_safetensors(path, sample_tensors());
  Bytes b = read_bytes(path);
  b[8 + header_len(b) + 5] ^= 0x10;
  write_bytes(path, b);
  expect_load_error(path, {"checksum mismatch (stored crc32:", "file is corrupted"});
  try {
    load_safetensors(path);
  } catch (const CheckpointError& e) {
    BOOST_TEST(std::string(e.what()).find("header checksum") == std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(bit_flipped_header) {
  TmpDir tmp;
  const std::string path = tmp / "t.safetensors";
  save_safetensors(path, sample_tensors(), sample_metadata());
  const Bytes good = read_bytes(path);

  // A flip that keeps the JSON valid: a tensor name, a shape digit, a metadata value.
  const std::vector<std::pair<std::string, size_t>> flips = {
      {"\"layer.weight\"", 2}, {"[3,5]", 1}, {"d_model", 2}};  // 'a'->'`', '3'->'2', 'm'->'l'
  for (const auto& [at, k] : flips) {
    Bytes b = good;
    b[find(b, at) + k] ^= 0x01;
    write_bytes(path, b);
    BOOST_TEST_MESSAGE("flipped a bit in " << at);
    expect_load_error(path, {"header checksum mismatch", "header is corrupted"});
  }
  // A flip that breaks the JSON.
  Bytes b = good;
  b[find(b, "\"dtype\":") + 7] ^= 0x01;  // ':' -> ';'
  write_bytes(path, b);
  expect_load_error(path, {"header is not valid JSON"});
  // A flip in the first byte of the header.
  b = good;
  b[8] ^= 0x01;
  write_bytes(path, b);
  expect_load_error(path, {"does not start with '{'"});
}

BOOST_AUTO_TEST_CASE(wrong_dtype) {
  TmpDir tmp;
  const std::string path = tmp / "f64.safetensors";
  write_raw(path, R"({"x":{"dtype":"F64","shape":[2],"data_offsets":[0,16]}})", Bytes(16));
  expect_load_error(path, {"tensor \"x\" has dtype \"F64\"", "only F32"});
}

BOOST_AUTO_TEST_CASE(overlapping_offsets) {
  TmpDir tmp;
  const std::string path = tmp / "overlap.safetensors";
  write_raw(path,
            R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},)"
            R"("b":{"dtype":"F32","shape":[4],"data_offsets":[8,24]}})",
            Bytes(24));
  expect_load_error(path, {"tensors \"a\" [0, 16) and \"b\" [8, 24) overlap"});
}

BOOST_AUTO_TEST_CASE(offsets_that_leave_a_gap_or_mismatch_the_shape) {
  TmpDir tmp;
  const std::string path = tmp / "gap.safetensors";
  write_raw(path,
            R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
            R"("b":{"dtype":"F32","shape":[2],"data_offsets":[12,20]}})",
            Bytes(20));
  expect_load_error(path, {"gap in the data buffer", "[8, 12)"});
  write_raw(path, R"({"a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,20]}})", Bytes(20));
  expect_load_error(path, {"shape [2, 3] needs 24 bytes", "span 20"});
  write_raw(path, R"({"a":{"dtype":"F32","shape":[2,-3],"data_offsets":[0,24]}})", Bytes(24));
  expect_load_error(path, {"not a non-negative integer"});
  write_raw(path, R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", Bytes(12));
  expect_load_error(path, {"4 unexpected bytes after the tensor data"});
}

BOOST_AUTO_TEST_CASE(header_length_larger_than_file) {
  TmpDir tmp;
  const std::string path = tmp / "t.safetensors";
  save_safetensors(path, sample_tensors());
  Bytes b = read_bytes(path);
  const uint64_t n = b.size();  // claims a header as long as the whole file
  for (int i = 0; i < 8; ++i) b[i] = static_cast<unsigned char>(n >> (8 * i));
  write_bytes(path, b);
  expect_load_error(path, {"header length " + std::to_string(n) + " is larger than the file"});
  // Random bytes as a length: beyond the format's limit.
  for (int i = 0; i < 8; ++i) b[i] = 0x5a;
  write_bytes(path, b);
  expect_load_error(path, {"exceeds the format's limit"});
}

BOOST_AUTO_TEST_CASE(other_malformed_headers) {
  TmpDir tmp;
  const std::string path = tmp / "bad.safetensors";
  write_raw(path,
            R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
            R"("a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
            Bytes(8));
  expect_load_error(path, {"duplicate key \"a\""});
  write_raw(path, R"({"__metadata__":{"n":3}})", {});
  expect_load_error(path, {"__metadata__ entry \"n\" is not a string"});
  // Found by fuzz/fuzz_checkpoint: a number beyond double's range escaped as nlohmann's
  // out_of_range instead of a CheckpointError.
  write_raw(path, R"({"__metadata__":{"n":"3"},"x":1e999})", {});
  expect_load_error(path, {"header is not valid JSON (number overflow parsing '1e999')"});
  write_raw(path, R"({"a":{"dtype":"F32","shape":[1]}})", Bytes(4));
  expect_load_error(path, {"has no \"data_offsets\""});
  write_raw(path, R"({"a":{"dtype":"F32","shape":[1,1,1,1,1,1,1,1,1],"data_offsets":[0,4]}})",
            Bytes(4));
  expect_load_error(path, {"9 dimensions"});
  // Not padded is still valid (the format does not require it), and an empty file is fine.
  write_raw(path, R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", Bytes(4), false);
  BOOST_TEST(load_safetensors(path).tensors.at("a").numel() == 1);
  write_raw(path, "{}", {});
  BOOST_TEST(load_safetensors(path).tensors.empty());
}

BOOST_AUTO_TEST_CASE(a_forged_model_config_fails_before_the_model_is_built) {
  // Found by fuzz/fuzz_checkpoint: Experiment::from_checkpoint built whatever model the "config"
  // metadata described before comparing it with the weights, so a config of a few bytes could
  // ask for gigabytes, and sizes a model rejects escaped as std::invalid_argument.
  TmpDir tmp;
  const std::string graphs = tmp / "graphs.jsonl";
  std::ofstream(graphs) << R"({"label": 0, "num_nodes": 3, "edges": [[0, 1], [1, 2]]})"
                           "\n"
                        << R"({"label": 1, "num_nodes": 2, "edges": [[0, 1]]})"
                           "\n";
  ExperimentConfig c;
  c.model = "gat-graph";
  c.data = graphs;
  c.hyperparams = {{"layers", "1"}, {"hidden", "2"}, {"heads", "2"}};
  Experiment e = Experiment::create(c);
  const std::string good = tmp / "good.safetensors";
  save_module(good, e.model(), e.checkpoint_metadata());
  BOOST_CHECK_EQUAL(Experiment::from_checkpoint(good, "-").model_name(), "gat-graph");
  const int64_t values = e.model().num_parameters();

  // The same weights under a config changed by f.
  const std::string path = tmp / "forged.safetensors";
  auto forge = [&](const std::function<void(nlohmann::json&)>& f) {
    Checkpoint ck = load_safetensors(good);
    nlohmann::json config = nlohmann::json::parse(ck.metadata.at(kConfigKey));
    f(config);
    ck.metadata[kConfigKey] = config.dump();
    save_safetensors(path, ck.tensors, ck.metadata);
  };
  auto expect_rejected = [&](std::initializer_list<std::string> parts) {
    reset_peak_memory();
    const int64_t before = memory_stats().live_bytes;
    expect_error([&] { Experiment::from_checkpoint(path, "-"); }, path, parts);
    BOOST_CHECK_LT(memory_stats().peak_bytes - before, int64_t{16} << 20);
  };
  forge([](nlohmann::json& j) { j["dims"]["num_features"] = 2000000000; });
  expect_rejected({"num_features 2000000000, impossible with the " + std::to_string(values) +
                   " weight values it holds"});
  forge([](nlohmann::json& j) { j["dims"]["num_classes"] = -1; });
  expect_rejected({"num_classes -1, impossible"});
  // Within every range, and still a model of about a billion weights.
  forge([](nlohmann::json& j) {
    j["hyperparams"]["layers"] = "16";
    j["hyperparams"]["hidden"] = "4096";
    j["hyperparams"]["heads"] = "64";
  });
  expect_rejected({"its config describes a model larger than the " + std::to_string(values) +
                   " weight values it holds"});
  forge([](nlohmann::json& j) { j["dims"]["num_classes"] = 0; });
  expect_rejected({"its config describes no valid model: GATGraphClassifier: num_classes must be"});
}

BOOST_AUTO_TEST_CASE(every_model_at_its_default_size_rebuilds_within_the_bound) {
  // The bound above (dims and bytes from the weights the file holds) never refuses a real model.
  TmpDir tmp;
  const std::string pairs = tmp / "pairs.tsv";
  std::ofstream(pairs) << "Go.\tVa !\nI see a cat.\tJe vois un chat.\n";
  const std::string graphs = tmp / "graphs.jsonl";
  std::ofstream(graphs) << R"({"label": 0, "num_nodes": 3, "edges": [[0, 1], [1, 2]]})"
                           "\n";
  // A text long enough for gpt's default context of 256 in both parts of the 90/10 split.
  const std::string text = tmp / "text.txt";
  {
    std::ofstream f(text);
    for (int i = 0; i < 100; ++i) f << "To be, or not to be: that is the question.\n";
  }
  for (const std::string& model : model_names()) {
    ExperimentConfig c;
    c.model = model;
    if (model != "gpt") c.train_file = c.valid_file = c.test_file = pairs;
    c.data = model == "gat" ? "karate" : model == "gpt" ? text : graphs;
    if (find_model(model).task == TaskKind::kSpeech) {
#ifndef ATTEND_HAVE_AUDIO
      continue;  // built without audio support: no speech data to build it on
#endif
      c.train_file = c.valid_file = c.test_file = "";
      c.data = "toy-digits";
      c.speech.task = audio::DigitTask::kSingles;
    }
    Experiment e = Experiment::create(c);
    const std::string path = tmp / (model + ".safetensors");
    save_module(path, e.model(), e.checkpoint_metadata());
    Experiment back = Experiment::from_checkpoint(path, "-");
    BOOST_CHECK_EQUAL(back.model().num_parameters(), e.model().num_parameters());
  }
}

BOOST_AUTO_TEST_CASE(nonexistent_or_unreadable_path) {
  TmpDir tmp;
  const std::string path = tmp / "missing.safetensors";
  expect_load_error(path, {"cannot open", "No such file or directory"});
  expect_load_error(tmp.dir.string(), {"not a regular file"});
}

// --- atomic saving ------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(failed_save_leaves_the_old_file_intact) {
  TmpDir tmp;
  const std::string path = tmp / "model.safetensors";
  Generator g(5);
  const std::map<std::string, Tensor> old = {{"w", randn({4}, g)}};
  save_safetensors(path, old);
  const Bytes before = read_bytes(path);

  // The temporary file cannot be created: something else sits at its name.
  const std::string tmp_name = path + ".tmp." + std::to_string(::getpid());
  fs::create_directory(tmp_name);
  expect_error<AtomicWriteError>(
      [&] { save_safetensors(path, sample_tensors()); }, path,
      {"cannot save checkpoint", "cannot create temporary file", "Is a directory"});
  fs::remove(tmp_name);
  BOOST_TEST((read_bytes(path) == before));
  BOOST_TEST(bit_equal(load_safetensors(path).tensors.at("w"), old.at("w")));

  // The disk fills up mid-write (a file-size limit makes write() fail with EFBIG).
  {
    FileSizeLimit limit(4096);
    Generator g2(6);
    expect_error<AtomicWriteError>(
        [&] {
          save_safetensors(path, {{"big", randn({100000}, g2)}});
        },
        path, {"cannot save checkpoint", "writing", "File too large"});
  }
  BOOST_TEST((read_bytes(path) == before));
  BOOST_TEST(tmp.list() == std::vector<std::string>{"model.safetensors"});

  // The rename fails (a directory is in the way); the temporary file is removed.
  const std::string dir_path = tmp / "taken";
  fs::create_directories(dir_path + "/inside");
  expect_error<AtomicWriteError>([&] { save_safetensors(dir_path, old); }, dir_path, {"renaming"});
  BOOST_TEST(tmp.list().size() == 2u);

  // The directory does not exist.
  const std::string nowhere = tmp / "no/such/dir/model.safetensors";
  expect_error<AtomicWriteError>([&] { save_safetensors(nowhere, old); }, nowhere,
                                 {"No such file or directory"});
}

BOOST_AUTO_TEST_CASE(invalid_arguments_to_save) {
  TmpDir tmp;
  const std::string path = tmp / "x.safetensors";
  expect_error([&] { save_safetensors(path, {{"u", Tensor()}}); }, path, {"\"u\" is undefined"});
  expect_error(
      [&] {
        save_safetensors(path, {{"__metadata__", zeros({1})}});
      },
      path, {"__metadata__"});
  expect_error([&] { save_safetensors(path, {{"", zeros({1})}}); }, path, {"empty name"});
  expect_error(
      [&] {
        save_safetensors(path, {}, {{"k", "bad \xff utf-8"}});
      },
      path, {"not valid UTF-8"});
  BOOST_TEST(tmp.list().empty());
}

BOOST_AUTO_TEST_SUITE_END()
