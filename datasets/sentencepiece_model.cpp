// SentencePieceModel over libsentencepiece's C++ API (see sentencepiece_model.h).
#include "datasets/sentencepiece_model.h"

#include <algorithm>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "datasets/data_error.h"

#ifdef ATTEND_HAVE_SENTENCEPIECE
#include <sentencepiece_processor.h>
#include <sentencepiece_trainer.h>
#endif

namespace attend {

namespace {

#ifndef ATTEND_HAVE_SENTENCEPIECE
[[noreturn]] void not_built() {
  throw DataError(
      "this build of attend has no SentencePiece: install libsentencepiece-dev and rebuild "
      "(CMake then finds it), or use --tokenizer word");
}
#endif

#ifdef ATTEND_HAVE_SENTENCEPIECE
// The training sentences as SentencePiece's trainer reads them, without copying them.
class Sentences : public sentencepiece::SentenceIterator {
 public:
  explicit Sentences(const std::vector<std::string>& s) : s_(s) { skip_empty(); }
  bool done() const override { return i_ >= s_.size(); }
  void Next() override {
    ++i_;
    skip_empty();
  }
  const std::string& value() const override { return s_[i_]; }
  sentencepiece::util::Status status() const override { return {}; }

 private:
  void skip_empty() {
    while (i_ < s_.size() && s_[i_].empty()) ++i_;
  }
  const std::vector<std::string>& s_;
  size_t i_ = 0;
};

// SentencePiece's "Vocabulary size too high (N). Please set it to a value <= M." as a sentence
// that names the limit; other failures keep SentencePiece's own words.
std::string training_error(const std::string& message, int64_t vocab_size) {
  const std::string_view limit_at = "Please set it to a value <= ";
  if (const size_t at = message.find(limit_at);
      at != std::string::npos && message.find("Vocabulary size too high") != std::string::npos) {
    const size_t start = at + limit_at.size();
    const size_t end = message.find_first_not_of("0123456789", start);
    return "vocabulary size " + std::to_string(vocab_size) +
           " is more than the training text allows: at most " +
           message.substr(start, end == std::string::npos ? end : end - start) +
           " pieces (give a smaller vocabulary size or more text)";
  }
  // "Internal: ./src/trainer_interface.cc(660) [...] what" -> "what"
  const size_t close = message.rfind("] ");
  return "SentencePiece training failed: " +
         (close == std::string::npos ? message : message.substr(close + 2));
}

// The length-delimited fields of a serialized protobuf message's top level, as (field number,
// bytes) in order, when that level reads cleanly. Only what load() needs below.
std::optional<std::vector<std::pair<uint64_t, std::string_view>>> length_delimited_fields(
    std::string_view msg) {
  std::vector<std::pair<uint64_t, std::string_view>> fields;
  size_t i = 0;
  auto varint = [&](uint64_t& v) {
    v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (i >= msg.size()) return false;
      const auto byte = static_cast<unsigned char>(msg[i++]);
      v |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if (byte < 0x80) return true;
    }
    return false;
  };
  while (i < msg.size()) {
    uint64_t key = 0, v = 0;
    if (!varint(key)) return std::nullopt;
    switch (key & 7) {
      case 0:
        if (!varint(v)) return std::nullopt;
        break;
      case 1:
      case 5: {
        const size_t n = (key & 7) == 1 ? 8 : 4;
        if (msg.size() - i < n) return std::nullopt;
        i += n;
        break;
      }
      case 2:
        if (!varint(v) || v > msg.size() - i) return std::nullopt;
        fields.emplace_back(key >> 3, msg.substr(i, v));
        i += v;
        break;
      default:
        return std::nullopt;
    }
  }
  return fields;
}

// ModelProto's normalizer_spec and denormalizer_spec fields.
constexpr uint64_t kNormalizerSpec = 3, kDenormalizerSpec = 5;

// The normalizer_spec of every model train() writes: SentencePiece's default rule, nmt_nfkc, and
// its precompiled table (train() sets no normalisation option); taken once from a model trained on
// three characters.
const std::string& trained_normalizer_spec() {
  static const std::string spec = [] {
    const std::vector<std::string> text = {"abc"};
    Sentences input(text);
    std::string serialized;
    const auto status = sentencepiece::SentencePieceTrainer::Train(
        std::unordered_map<std::string, std::string>{{"model_type", "char"},
                                                     {"vocab_size", "8"},
                                                     {"hard_vocab_limit", "false"},
                                                     {"num_threads", "1"},
                                                     {"minloglevel", "2"}},
        &input, &serialized);
    const auto fields = status.ok() ? length_delimited_fields(serialized) : std::nullopt;
    if (fields)
      for (const auto& [number, bytes] : *fields)
        if (number == kNormalizerSpec) return std::string(bytes);
    return std::string();
  }();
  return spec;
}
#endif

}  // namespace

bool sentencepiece_supported() {
#ifdef ATTEND_HAVE_SENTENCEPIECE
  return true;
#else
  return false;
#endif
}

struct SentencePieceModel::Impl {
#ifdef ATTEND_HAVE_SENTENCEPIECE
  sentencepiece::SentencePieceProcessor processor;
#endif
};

SentencePieceModel::SentencePieceModel() : impl_(std::make_unique<Impl>()) {}
SentencePieceModel::~SentencePieceModel() = default;
SentencePieceModel::SentencePieceModel(SentencePieceModel&&) noexcept = default;
SentencePieceModel& SentencePieceModel::operator=(SentencePieceModel&&) noexcept = default;

SentencePieceModel SentencePieceModel::train(const std::vector<std::string>& sentences,
                                             const SentencePieceOptions& options) {
#ifdef ATTEND_HAVE_SENTENCEPIECE
  if (std::all_of(sentences.begin(), sentences.end(), [](const auto& s) { return s.empty(); }))
    throw DataError("SentencePiece: no training sentences");
  if (options.vocab_size < Vocab::kNumSpecials + 1)
    throw DataError("vocabulary size " + std::to_string(options.vocab_size) +
                    " is too small: SentencePiece needs more than the 4 specials");
  const std::unordered_map<std::string, std::string> spec = {
      {"model_type", kSubwordAlgorithms.name(options.algorithm)},
      {"vocab_size", std::to_string(options.vocab_size)},
      // Every character of the training text gets a piece, so text made of those characters
      // decodes back exactly (the default 0.9995 maps the rarest to <unk>).
      {"character_coverage", "1.0"},
      // attend's specials at attend's indices (vocab.h).
      {"pad_id", "0"},
      {"bos_id", "1"},
      {"eos_id", "2"},
      {"unk_id", "3"},
      {"pad_piece", "<pad>"},
      {"bos_piece", "<bos>"},
      {"eos_piece", "<eos>"},
      {"unk_piece", "<unk>"},
      // Every sentence, in order, and long documents too (the default skips those over 4192
      // bytes): the model depends on nothing but the text and the options.
      {"input_sentence_size", "0"},
      {"shuffle_input_sentence", "false"},
      {"max_sentence_length", "1000000"},
      // One thread: the statistics are summed in the same order on any machine.
      {"num_threads", "1"},
      // Only errors, which come back as the status below.
      {"minloglevel", "2"},
  };
  sentencepiece::SetRandomGeneratorSeed(static_cast<unsigned>(options.seed % 0xFFFFFFFFull));
  Sentences input(sentences);
  std::string serialized;
  const auto status = sentencepiece::SentencePieceTrainer::Train(spec, &input, &serialized);
  if (!status.ok()) throw DataError(training_error(status.ToString(), options.vocab_size));
  return load(std::move(serialized));
#else
  (void)sentences;
  (void)options;
  not_built();
#endif
}

SentencePieceModel SentencePieceModel::load(std::string serialized) {
#ifdef ATTEND_HAVE_SENTENCEPIECE
  // libsentencepiece trusts the normalisation table inside a model (it reads strings at offsets
  // the table gives, unchecked), so a damaged one crashes it on the first sentence. Every model
  // attend trains has the same table; a model with another one is refused before it is used.
  // Fields that do not read cleanly are left to LoadFromSerializedProto to refuse.
  int normalizers = 0, denormalizers = 0;
  std::string_view normalizer;
  if (const auto fields = length_delimited_fields(serialized))
    for (const auto& [number, bytes] : *fields) {
      if (number == kNormalizerSpec) ++normalizers, normalizer = bytes;
      denormalizers += number == kDenormalizerSpec;
    }
  if (normalizers > 0 &&
      (normalizers != 1 || denormalizers != 0 || normalizer != trained_normalizer_spec()))
    throw DataError(
        "SentencePiece model: its normalisation rules are not the ones attend trains with "
        "(nmt_nfkc): a damaged model, or one attend did not train");
  SentencePieceModel m;
  if (const auto status = m.impl_->processor.LoadFromSerializedProto(serialized); !status.ok())
    throw DataError("not a SentencePiece model (" + status.ToString() + ")");
  const int n = m.impl_->processor.GetPieceSize();
  const std::vector<std::string>& specials = Vocab::specials();
  for (int64_t k = 0; k < Vocab::kNumSpecials; ++k)
    if (k >= n || m.impl_->processor.IdToPiece(static_cast<int>(k)) != specials[k])
      throw DataError("SentencePiece model: piece " + std::to_string(k) + " must be " +
                      specials[k] + " (a model attend did not train?)");
  m.pieces_.reserve(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) m.pieces_.push_back(m.impl_->processor.IdToPiece(i));
  m.serialized_ = std::move(serialized);
  (void)m.vocab();  // every piece a valid, unique token, or a DataError now
  return m;
#else
  (void)serialized;
  not_built();
#endif
}

std::vector<std::string> SentencePieceModel::encode(std::string_view text) const {
#ifdef ATTEND_HAVE_SENTENCEPIECE
  std::vector<std::string> pieces;
  if (const auto status = impl_->processor.Encode(text, &pieces); !status.ok())
    throw DataError("SentencePiece: cannot encode " + quote_excerpt(text) + ": " +
                    status.ToString());
  return pieces;
#else
  (void)text;
  not_built();
#endif
}

std::string SentencePieceModel::decode(const std::vector<std::string>& pieces) const {
#ifdef ATTEND_HAVE_SENTENCEPIECE
  std::string text;
  if (const auto status = impl_->processor.Decode(pieces, &text); !status.ok())
    throw DataError("SentencePiece: cannot decode: " + status.ToString());
  return text;
#else
  (void)pieces;
  not_built();
#endif
}

Vocab SentencePieceModel::vocab() const {
  return Vocab(std::vector<std::string>(pieces_.begin() + Vocab::kNumSpecials, pieces_.end()));
}

}  // namespace attend
