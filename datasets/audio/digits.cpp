// Digit banks (FSDD, the bundled toy set), their splits, and digit strings (see digits.h).
#include "datasets/audio/digits.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <map>
#include <optional>
#include <set>

#include "datasets/bundled.h"
#include "datasets/data_error.h"
#include "datasets/line_reader.h"
#include "datasets/split.h"

namespace attend::audio {

namespace fs = std::filesystem;

namespace {

std::optional<int> parse_int(std::string_view s) {
  int v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

// "{digit}_{speaker}_{index}" (the stem of an FSDD file name); nullopt if it is not that.
std::optional<DigitRecording> parse_fsdd_name(const std::string& stem) {
  const size_t a = stem.find('_'), b = stem.rfind('_');
  if (a == std::string::npos || a == b) return std::nullopt;
  const auto digit = parse_int(std::string_view(stem).substr(0, a));
  const auto index = parse_int(std::string_view(stem).substr(b + 1));
  const std::string speaker = stem.substr(a + 1, b - a - 1);
  if (!digit || *digit < 0 || *digit > 9 || !index || *index < 0 || speaker.empty())
    return std::nullopt;
  DigitRecording r;
  r.digit = *digit;
  r.speaker = speaker;
  r.index = *index;
  return r;
}

fs::path recordings_dir(const std::string& dir) {
  const fs::path sub = fs::path(dir) / "recordings";
  std::error_code ec;
  return fs::is_directory(sub, ec) ? sub : fs::path(dir);
}

void sort_bank(DigitBank& bank) {
  std::sort(bank.recordings.begin(), bank.recordings.end(),
            [](const DigitRecording& x, const DigitRecording& y) {
              return std::tie(x.speaker, x.digit, x.index) < std::tie(y.speaker, y.digit, y.index);
            });
  for (size_t i = 1; i < bank.recordings.size(); ++i)
    if (bank.recordings[i].id() == bank.recordings[i - 1].id())
      throw DataError(bank.recordings[i].source, 0,
                      "recording " + bank.recordings[i].id() + " occurs twice");
}

double mean_power(const std::vector<float>& x, size_t begin, size_t end) {
  double p = 0;
  for (size_t i = begin; i < end; ++i) p += static_cast<double>(x[i]) * x[i];
  return end > begin ? p / static_cast<double>(end - begin) : 0.0;
}

void add_noise_at(std::vector<float>& x, double signal_power, double snr_db, Generator& gen) {
  if (signal_power <= 0) return;
  const auto sigma = static_cast<float>(std::sqrt(signal_power / std::pow(10.0, snr_db / 10.0)));
  for (float& v : x) v += sigma * gen.normal();
}

// Uniform in [lo, hi].
double draw(Generator& gen, double lo, double hi) {
  return lo + (hi - lo) * static_cast<double>(gen.uniform());
}

}  // namespace

const std::string& digit_word(int digit) {
  static const std::array<std::string, 10> words = {"zero", "one", "two",   "three", "four",
                                                    "five", "six", "seven", "eight", "nine"};
  if (digit < 0 || digit > 9)
    throw DataError("digit_word: " + std::to_string(digit) + " is not a digit");
  return words[static_cast<size_t>(digit)];
}

std::string DigitRecording::id() const {
  return std::to_string(digit) + "_" + speaker + "_" + std::to_string(index);
}

std::vector<std::string> DigitBank::speakers() const {
  std::set<std::string> s;
  for (const DigitRecording& r : recordings) s.insert(r.speaker);
  return {s.begin(), s.end()};
}

bool looks_like_fsdd(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return false;
  for (const auto& entry : fs::directory_iterator(recordings_dir(dir), ec))
    if (entry.path().extension() == ".wav" && parse_fsdd_name(entry.path().stem().string()))
      return true;
  return false;
}

DigitBank load_fsdd(const std::string& dir, const ReadAudioOptions& options) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    throw DataError(dir, 0, "not a directory (expected the FSDD folder holding recordings/)");
  DigitBank bank;
  bank.name = "fsdd";
  const fs::path rec = recordings_dir(dir);
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(rec, ec))
    if (entry.path().extension() == ".wav") files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  for (const fs::path& f : files) {
    std::optional<DigitRecording> r = parse_fsdd_name(f.stem().string());
    if (!r)
      throw DataError(f.string(), 0,
                      "not named {digit}_{speaker}_{index}.wav as FSDD recordings are");
    r->source = f.string();
    Waveform w = read_audio(r->source, options);
    if (bank.sample_rate == 0) bank.sample_rate = w.sample_rate;
    if (w.sample_rate != bank.sample_rate)
      throw DataError(r->source, 0,
                      "sample rate " + std::to_string(w.sample_rate) + " Hz differs from the " +
                          std::to_string(bank.sample_rate) +
                          " Hz of the other recordings (set a common rate to resample to)");
    r->samples = std::move(w.samples);
    bank.recordings.push_back(std::move(*r));
  }
  if (bank.recordings.empty())
    throw DataError(rec.string(), 0, "no {digit}_{speaker}_{index}.wav recordings here");
  sort_bank(bank);
  return bank;
}

std::vector<std::string> toy_digits_files() {
  const std::string dir = bundled_data_dir();
  return {dir + "/toy-digits.flac", dir + "/toy-digits.tsv"};
}

DigitBank load_toy_digits(const ReadAudioOptions& options) {
  const std::vector<std::string> files = toy_digits_files();
  for (const std::string& f : files)
    if (!fs::exists(f))
      throw DataError(f, 0, "missing; datasets/generators/gen_toy_digits.py writes it");
  // The index first, so a bad line is reported before the audio is decoded.
  struct Row {
    DigitRecording r;
    int64_t start, length, line;
  };
  std::vector<Row> rows;
  LineReader in(files[1]);
  std::string line;
  while (in.next(line)) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string_view> cols;
    for (size_t s = 0;;) {
      const size_t t = line.find('\t', s);
      cols.push_back(std::string_view(line).substr(s, t == std::string::npos ? t : t - s));
      if (t == std::string::npos) break;
      s = t + 1;
    }
    if (cols.size() != 5)
      in.fail("expected digit<TAB>voice<TAB>index<TAB>start<TAB>length, got " +
              quote_excerpt(line));
    Row row;
    const auto d = parse_int(cols[0]), i = parse_int(cols[2]), s = parse_int(cols[3]),
               n = parse_int(cols[4]);
    if (!d || *d < 0 || *d > 9 || cols[1].empty() || !i || *i < 0 || !s || *s < 0 || !n || *n < 1)
      in.fail("bad field in " + quote_excerpt(line));
    row.r.digit = *d;
    row.r.speaker = std::string(cols[1]);
    row.r.index = *i;
    row.r.source = files[0];
    row.start = *s;
    row.length = *n;
    row.line = in.line_number();
    rows.push_back(std::move(row));
  }
  if (rows.empty()) in.fail_at(1, "no recordings listed");
  // Slices are cut at the stored rate, then each is resampled on its own (as FSDD files are).
  ReadAudioOptions native = options;
  native.sample_rate = 0;
  const Waveform all = read_audio(files[0], native);
  DigitBank bank;
  bank.name = "toy-digits";
  bank.sample_rate = options.sample_rate > 0 ? options.sample_rate : all.sample_rate;
  for (Row& row : rows) {
    if (row.start + row.length > static_cast<int64_t>(all.samples.size()))
      in.fail_at(row.line, "samples " + std::to_string(row.start) + ".." +
                               std::to_string(row.start + row.length) + " lie beyond the " +
                               std::to_string(all.samples.size()) + " of " + files[0]);
    const auto first = all.samples.begin() + row.start;
    std::vector<float> slice(first, first + row.length);
    row.r.samples = resample(slice, all.sample_rate, bank.sample_rate, options.quality);
    bank.recordings.push_back(std::move(row.r));
  }
  sort_bank(bank);
  return bank;
}

DigitSplitOptions DigitSplitOptions::for_bank(const std::string& bank_name) {
  DigitSplitOptions o;
  if (bank_name == "toy-digits") o.test_indices = o.valid_indices = 1;
  return o;
}

DigitSplit split_digit_bank(const DigitBank& bank, const DigitSplitOptions& o) {
  if (o.test_indices < 0 || o.valid_indices < 0)
    throw DataError("digit split: test_indices and valid_indices must be >= 0");
  const std::string& held = o.held_out_speaker;
  if (!held.empty()) {
    const std::vector<std::string> sp = bank.speakers();
    if (std::find(sp.begin(), sp.end(), held) == sp.end()) {
      std::string known;
      for (const std::string& s : sp) known += (known.empty() ? "" : ", ") + s;
      throw DataError(bank.name + ": no speaker '" + held + "' to hold out (speakers: " + known +
                      ")");
    }
  }
  DigitSplit s;
  for (size_t i = 0; i < bank.recordings.size(); ++i) {
    const DigitRecording& r = bank.recordings[i];
    const auto p = static_cast<int64_t>(i);
    if (!held.empty()) {
      (r.speaker == held ? s.test : r.index < o.valid_indices ? s.valid : s.train).push_back(p);
    } else {
      (r.index < o.test_indices                     ? s.test
       : r.index < o.test_indices + o.valid_indices ? s.valid
                                                    : s.train)
          .push_back(p);
    }
  }
  return s;
}

void add_noise(std::vector<float>& samples, double snr_db, Generator& gen) {
  add_noise_at(samples, mean_power(samples, 0, samples.size()), snr_db, gen);
}

std::vector<AudioClip> make_digit_strings(const DigitBank& bank,
                                          const std::vector<int64_t>& positions,
                                          const DigitStringOptions& o,
                                          const std::string& id_prefix) {
  if (o.min_digits < 1 || o.max_digits < o.min_digits)
    throw DataError("digit strings: need 1 <= min_digits <= max_digits, got " +
                    std::to_string(o.min_digits) + ".." + std::to_string(o.max_digits));
  if (!(o.min_gap_seconds >= 0 && o.max_gap_seconds >= o.min_gap_seconds && o.edge_seconds >= 0))
    throw DataError("digit strings: need 0 <= min_gap_seconds <= max_gap_seconds, edge >= 0");
  if (!(o.max_snr_db >= o.min_snr_db)) throw DataError("digit strings: max_snr_db < min_snr_db");
  if (o.count < 0) throw DataError("digit strings: count must be >= 0");
  if (o.count > 0 && positions.empty())
    throw DataError(bank.name + ": no recordings in this split to build digit strings from");
  // Each speaker's recordings, and a deck dealt from them.
  std::map<std::string, std::vector<int64_t>> by_speaker;
  for (int64_t p : positions)
    by_speaker[bank.recordings.at(static_cast<size_t>(p)).speaker].push_back(p);
  std::vector<std::string> speakers;
  for (const auto& [name, recs] : by_speaker) speakers.push_back(name);
  std::map<std::string, std::vector<int64_t>> decks;
  Generator gen(o.seed);
  const bool noisy = o.min_snr_db != 0 || o.max_snr_db != 0;
  const auto edge = static_cast<size_t>(std::lround(o.edge_seconds * bank.sample_rate));

  std::vector<AudioClip> out;
  out.reserve(static_cast<size_t>(o.count));
  for (int64_t n = 0; n < o.count; ++n) {
    const std::string& speaker = speakers[gen.randint(speakers.size())];
    const auto len = static_cast<int>(
        o.min_digits + gen.randint(static_cast<uint64_t>(o.max_digits - o.min_digits + 1)));
    AudioClip c;
    c.speaker = speaker;
    c.samples.assign(edge, 0.0f);
    for (int k = 0; k < len; ++k) {
      std::vector<int64_t>& deck = decks[speaker];
      if (deck.empty()) {
        deck = by_speaker[speaker];
        shuffle(deck, gen);
      }
      const DigitRecording& r = bank.recordings[static_cast<size_t>(deck.back())];
      deck.pop_back();
      if (k > 0) {
        const double gap = draw(gen, o.min_gap_seconds, o.max_gap_seconds);
        c.samples.resize(
            c.samples.size() + static_cast<size_t>(std::lround(gap * bank.sample_rate)), 0.0f);
        c.transcript += ' ';
      }
      c.samples.insert(c.samples.end(), r.samples.begin(), r.samples.end());
      c.transcript += digit_word(r.digit);
    }
    // Signal power from the start of the first digit to the end of the last, gaps included.
    const double power = mean_power(c.samples, edge, c.samples.size());
    c.samples.resize(c.samples.size() + edge, 0.0f);
    if (noisy) add_noise_at(c.samples, power, draw(gen, o.min_snr_db, o.max_snr_db), gen);
    char id[32];
    std::snprintf(id, sizeof id, "-%05lld", static_cast<long long>(n));
    c.id = id_prefix + id;
    c.source = bank.name;
    out.push_back(std::move(c));
  }
  return out;
}

std::vector<AudioClip> make_single_digits(const DigitBank& bank,
                                          const std::vector<int64_t>& positions, double min_snr_db,
                                          double max_snr_db, uint64_t seed) {
  Generator gen(seed);
  const bool noisy = min_snr_db != 0 || max_snr_db != 0;
  std::vector<AudioClip> out;
  out.reserve(positions.size());
  for (int64_t p : positions) {
    const DigitRecording& r = bank.recordings.at(static_cast<size_t>(p));
    AudioClip c;
    c.id = r.id();
    c.speaker = r.speaker;
    c.transcript = digit_word(r.digit);
    c.samples = r.samples;
    c.source = r.source;
    if (noisy) add_noise(c.samples, draw(gen, min_snr_db, max_snr_db), gen);
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace attend::audio
