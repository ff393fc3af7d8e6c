// read_audio / probe_audio / write_audio over libsndfile (see audio_file.h).
#include "datasets/audio/audio_file.h"

#include <fftw3.h>
#include <samplerate.h>
#include <sndfile.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <utility>

#include "datasets/data_error.h"

namespace attend::audio {

namespace {

// Rates outside this range are corrupt headers rather than audio (libsamplerate also converts by
// at most a factor of 256).
constexpr int kMinRate = 1000, kMaxRate = 768000;
// A float file's samples beyond this are refused: full scale is 1, and the power spectrum of
// louder samples would overflow float32.
constexpr float kMaxFloatSample = 1e4f;

struct SndfileCloser {
  void operator()(SNDFILE* f) const { sf_close(f); }
};
using SndfilePtr = std::unique_ptr<SNDFILE, SndfileCloser>;

// The first bytes decide which container this is, before libsndfile parses anything: attend reads
// WAV (RIFF, RIFX, RF64), FLAC, AIFF, Ogg and MP3, and lets none of libsndfile's rarer parsers
// (MAT4/5, XI, SDS, ...) see a file that is none of these.
std::string sniff_container(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  unsigned char b[12] = {};
  in.read(reinterpret_cast<char*>(b), sizeof b);
  const auto n = static_cast<size_t>(in.gcount());
  const auto starts = [&](const char* magic) {
    const size_t len = std::strlen(magic);
    return n >= len && std::memcmp(b, magic, len) == 0;
  };
  if (n == 0) return "empty";
  if ((starts("RIFF") || starts("RIFX") || starts("RF64")) && n >= 12 &&
      std::memcmp(b + 8, "WAVE", 4) == 0)
    return "WAV";
  if (starts("fLaC")) return "FLAC";
  if (starts("FORM") && n >= 12 &&
      (std::memcmp(b + 8, "AIFF", 4) == 0 || std::memcmp(b + 8, "AIFC", 4) == 0))
    return "AIFF";
  if (starts("OggS")) return "Ogg";
  if (starts("ID3") || (n >= 2 && b[0] == 0xFF && (b[1] & 0xE0) == 0xE0)) return "MP3";
  return "";
}

// "0.5 s", "3600 s".
std::string seconds_text(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g s", s);
  return buf;
}

[[noreturn]] void fail(const std::string& path, const std::string& message) {
  throw DataError(path, 0, message);
}

// Opens path for reading, with one-line errors for every way that fails.
SndfilePtr open_for_reading(const std::string& path, SF_INFO& info) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) fail(path, "no such file");
  if (std::filesystem::is_directory(path, ec)) fail(path, "is a directory, not an audio file");
  const std::string container = sniff_container(path);
  if (container == "empty") fail(path, "empty file (0 bytes), not audio");
  if (container.empty())
    fail(path,
         "not an audio file attend reads (WAV, FLAC, AIFF, Ogg or MP3: none of their "
         "signatures is at the start)");
  info = SF_INFO{};
  SndfilePtr f(sf_open(path.c_str(), SFM_READ, &info));
  if (!f) {
    std::string why = sf_strerror(nullptr);
    std::replace(why.begin(), why.end(), '\n', ' ');
    fail(path, "cannot read as " + container + " audio (damaged or truncated?): " + why);
  }
  if (info.samplerate < kMinRate || info.samplerate > kMaxRate)
    fail(path, "sample rate " + std::to_string(info.samplerate) + " Hz is outside " +
                   std::to_string(kMinRate) + ".." + std::to_string(kMaxRate) +
                   " Hz (a corrupt header?)");
  if (info.channels < 1) fail(path, "header declares no channels");
  return f;
}

std::string major_name(int format) {
  switch (format & SF_FORMAT_TYPEMASK) {
    case SF_FORMAT_WAV:
      return "WAV";
    case SF_FORMAT_WAVEX:
      return "WAV (extensible)";
    case SF_FORMAT_RF64:
      return "RF64";
    case SF_FORMAT_FLAC:
      return "FLAC";
    case SF_FORMAT_AIFF:
      return "AIFF";
    case SF_FORMAT_OGG:
      return "Ogg";
    case SF_FORMAT_MPEG:
      return "MP3";
  }
  return "other";
}

std::string encoding_name(int format) {
  switch (format & SF_FORMAT_SUBMASK) {
    case SF_FORMAT_PCM_S8:
      return "PCM_S8";
    case SF_FORMAT_PCM_U8:
      return "PCM_U8";
    case SF_FORMAT_PCM_16:
      return "PCM_16";
    case SF_FORMAT_PCM_24:
      return "PCM_24";
    case SF_FORMAT_PCM_32:
      return "PCM_32";
    case SF_FORMAT_FLOAT:
      return "FLOAT";
    case SF_FORMAT_DOUBLE:
      return "DOUBLE";
    case SF_FORMAT_ULAW:
      return "ULAW";
    case SF_FORMAT_ALAW:
      return "ALAW";
    case SF_FORMAT_VORBIS:
      return "VORBIS";
    case SF_FORMAT_OPUS:
      return "OPUS";
  }
  SF_FORMAT_INFO fi{};
  fi.format = format & SF_FORMAT_SUBMASK;
  if (sf_command(nullptr, SFC_GET_FORMAT_INFO, &fi, sizeof fi) == 0 && fi.name) return fi.name;
  return "other";
}

AudioInfo info_of(const SF_INFO& info) {
  AudioInfo a;
  // libsndfile reports SF_COUNT_MAX when a stream does not say its length (some Ogg/MP3 files).
  a.frames = info.frames == SF_COUNT_MAX ? -1 : static_cast<int64_t>(info.frames);
  a.sample_rate = info.samplerate;
  a.channels = info.channels;
  a.format = major_name(info.format);
  a.encoding = encoding_name(info.format);
  return a;
}

// A WAV whose data chunk claims more bytes than the file holds was cut off. libsndfile then reads
// what is there and notes the mismatch in its log ("data : 8602 (should be 2956)"); attend refuses
// the file instead of training on part of an utterance. Sizes of 0 and 0xFFFFFFFF are what
// streaming writers (ffmpeg to a pipe) leave when they cannot seek back, not truncation.
void check_wav_data_length(SNDFILE* f, const std::string& path) {
  std::string log(8192, '\0');
  sf_command(f, SFC_GET_LOG_INFO, log.data(), static_cast<int>(log.size()));
  const size_t at = log.find("\ndata : ");
  if (at == std::string::npos) return;
  unsigned long long declared = 0, actual = 0;
  if (std::sscanf(log.c_str() + at, "\ndata : %llu (should be %llu)", &declared, &actual) != 2)
    return;
  if (declared == 0 || declared >= 0xFFFFFFF0ull || declared <= actual) return;
  fail(path, "truncated: the data chunk declares " + std::to_string(declared) +
                 " bytes, the file holds " + std::to_string(actual));
}

}  // namespace

AudioInfo probe_audio(const std::string& path) {
  SF_INFO info;
  SndfilePtr f = open_for_reading(path, info);
  return info_of(info);
}

Waveform read_audio(const std::string& path, const ReadAudioOptions& options) {
  SF_INFO info;
  SndfilePtr f = open_for_reading(path, info);
  Waveform w;
  w.file = info_of(info);
  const int fmt = info.format & SF_FORMAT_TYPEMASK;
  if (fmt == SF_FORMAT_WAV || fmt == SF_FORMAT_WAVEX) check_wav_data_length(f.get(), path);
  const auto max_frames = static_cast<int64_t>(options.max_seconds * info.samplerate);
  if (w.file.frames > max_frames)
    fail(path, "longer than " + seconds_text(options.max_seconds) + " (header declares " +
                   std::to_string(w.file.frames) + " samples at " +
                   std::to_string(info.samplerate) + " Hz)");

  // Read in chunks rather than trusting the header's length for one allocation; mix down to the
  // mean of the channels as we go. chunk: [frames, channels] interleaved.
  const int channels = info.channels;
  const sf_count_t chunk_frames = std::max<sf_count_t>(1, 16384 / channels);
  std::vector<float> chunk(static_cast<size_t>(chunk_frames * channels));
  const bool is_float = (info.format & SF_FORMAT_SUBMASK) == SF_FORMAT_FLOAT ||
                        (info.format & SF_FORMAT_SUBMASK) == SF_FORMAT_DOUBLE;
  if (w.file.frames > 0) w.samples.reserve(static_cast<size_t>(w.file.frames));
  for (;;) {
    const sf_count_t got = sf_readf_float(f.get(), chunk.data(), chunk_frames);
    if (got <= 0) break;
    if (static_cast<int64_t>(w.samples.size()) + got > max_frames)
      fail(path, "longer than " + seconds_text(options.max_seconds));
    for (sf_count_t i = 0; i < got; ++i) {
      const float* frame = chunk.data() + i * channels;
      float sum = 0.0f;
      for (int c = 0; c < channels; ++c) {
        const float v = frame[c];
        if (is_float && !(std::fabs(v) <= kMaxFloatSample))
          fail(path, "sample " + std::to_string(w.samples.size()) + " (channel " +
                         std::to_string(c + 1) + ") is " + std::to_string(v) +
                         ": float samples must be finite and within +-1e4 (full scale is 1)");
        sum += v;
      }
      w.samples.push_back(channels == 1 ? sum : sum / static_cast<float>(channels));
    }
  }
  if (sf_error(f.get()) != SF_ERR_NO_ERROR) {
    std::string why = sf_strerror(f.get());
    std::replace(why.begin(), why.end(), '\n', ' ');
    fail(path, "damaged audio data after " + std::to_string(w.samples.size()) +
                   " samples (truncated?): " + why);
  }
  // MP3 headers only estimate their length; the other formats state it exactly.
  if (fmt != SF_FORMAT_MPEG && w.file.frames >= 0 &&
      static_cast<int64_t>(w.samples.size()) < w.file.frames)
    fail(path, "truncated: the header declares " + std::to_string(w.file.frames) +
                   " samples per channel, the file holds " + std::to_string(w.samples.size()));
  w.file.frames = static_cast<int64_t>(w.samples.size());
  w.sample_rate = info.samplerate;
  if (options.sample_rate > 0 && options.sample_rate != info.samplerate) {
    try {
      w.samples = resample(w.samples, info.samplerate, options.sample_rate, options.quality);
    } catch (const DataError& e) {
      fail(path, e.what());
    }
    w.sample_rate = options.sample_rate;
  }
  return w;
}

void write_audio(const std::string& path, std::span<const float> interleaved, int sample_rate,
                 int channels, AudioEncoding encoding, AudioContainer container) {
  if (channels < 1 || interleaved.size() % static_cast<size_t>(channels) != 0)
    fail(path, "write_audio: " + std::to_string(interleaved.size()) +
                   " samples do not make whole frames of " + std::to_string(channels) +
                   " channel(s)");
  SF_INFO info{};
  info.samplerate = sample_rate;
  info.channels = channels;
  // libsndfile's subtype and the integer width (0 for float) of each AudioEncoding, in its order.
  static constexpr std::pair<int, int> kSubtypes[] = {{SF_FORMAT_PCM_S8, 8},
                                                      {SF_FORMAT_PCM_16, 16},
                                                      {SF_FORMAT_PCM_24, 24},
                                                      {SF_FORMAT_PCM_32, 32},
                                                      {SF_FORMAT_FLOAT, 0}};
  const auto [subtype, bits] = kSubtypes[static_cast<size_t>(encoding)];
  info.format = subtype;
  // WAV stores 8-bit samples unsigned.
  if (container == AudioContainer::kWav && bits == 8) info.format = SF_FORMAT_PCM_U8;
  info.format |= container == AudioContainer::kWav ? SF_FORMAT_WAV : SF_FORMAT_FLAC;
  if (!sf_format_check(&info))
    fail(path, std::string("write_audio: libsndfile cannot write this encoding to ") +
                   (container == AudioContainer::kWav ? "WAV" : "FLAC") +
                   " (FLAC holds 8, 16 or 24-bit integers)");
  SndfilePtr f(sf_open(path.c_str(), SFM_WRITE, &info));
  if (!f) fail(path, std::string("cannot write: ") + sf_strerror(nullptr));
  const auto frames = static_cast<sf_count_t>(interleaved.size() / static_cast<size_t>(channels));
  sf_count_t written = 0;
  if (bits == 0) {
    written = sf_writef_float(f.get(), interleaved.data(), frames);
  } else {
    // Integer files get round(x * 2^(bits-1)), clipped, placed in the high bits of an int: the
    // exact inverse of reading (libsndfile's own float writer scales by 2^(bits-1) - 1).
    const double scale = std::ldexp(1.0, bits - 1);
    const double hi = scale - 1.0;
    std::vector<int> ints(interleaved.size());
    for (size_t i = 0; i < ints.size(); ++i) {
      if (!std::isfinite(interleaved[i]))
        fail(path, "write_audio: sample " + std::to_string(i) + " is not finite");
      const double q = std::clamp(std::nearbyint(interleaved[i] * scale), -scale, hi);
      ints[i] = static_cast<int>(static_cast<int64_t>(q) * (int64_t{1} << (32 - bits)));
    }
    written = sf_writef_int(f.get(), ints.data(), frames);
  }
  if (written != frames) fail(path, std::string("write failed: ") + sf_strerror(f.get()));
}

bool has_audio_extension(const std::string& name) {
  std::string path = name;
  std::transform(path.begin(), path.end(), path.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (const char* ext : {".wav", ".flac", ".aif", ".aiff", ".ogg", ".oga", ".opus", ".mp3"}) {
    const std::string e = ext;
    if (path.size() > e.size() && path.compare(path.size() - e.size(), e.size(), e) == 0)
      return true;
  }
  return false;
}

std::string audio_library_versions() {
  // libsamplerate's string goes on with a copyright notice: "libsamplerate-0.2.2 (c) 2002-...".
  std::string src = src_get_version();
  src = src.substr(0, src.find(' '));
  return std::string(sf_version_string()) + ", " + fftwf_version + ", " + src;
}

}  // namespace attend::audio
