// Reading and writing audio files through libsndfile: WAV (8/16/24/32-bit integer, 32/64-bit
// float, A-law, mu-law), FLAC, and the other formats libsndfile knows (AIFF, AU, Ogg Vorbis...).
// A file comes back as one channel of float samples in [-1, 1] (integer PCM divided by 2^(bits-1),
// as libsndfile, torchaudio and Kaldi's wav reader scaled by 1/32768 do), optionally resampled.
//
// Documented conversions (never an error):
//   - several channels (stereo, 8-channel ...) are mixed down to their mean;
//   - any sample rate is resampled to ReadAudioOptions::sample_rate with libsamplerate;
//   - an empty file (no samples) gives an empty Waveform: the caller decides (a dataset refuses it,
//     `attend datasets show` counts it).
// Errors (DataError, one line, "FILE: what is wrong"): a missing or unreadable file, bytes
// libsndfile does not recognise as audio, a truncated file (fewer samples than its header
// declares, or a damaged FLAC stream), a sample rate outside 1 kHz..768 kHz, a file longer than
// max_seconds, a float file holding NaN or infinity.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "datasets/audio/resample.h"

namespace attend::audio {

// What the file's header says, before any conversion.
struct AudioInfo {
  int64_t frames = 0;  // samples per channel
  int sample_rate = 0;
  int channels = 0;
  std::string format;    // "WAV", "FLAC", ... (libsndfile's major format name)
  std::string encoding;  // "PCM_16", "PCM_24", "FLOAT", ...
  double seconds() const { return sample_rate > 0 ? static_cast<double>(frames) / sample_rate : 0; }
};

// Mono samples at sample_rate, and what the file held.
struct Waveform {
  std::vector<float> samples;  // [frames], mono, in [-1, 1] for integer files
  int sample_rate = 0;
  AudioInfo file;  // the file as stored (rate, channels, encoding)
  double seconds() const {
    return sample_rate > 0 ? static_cast<double>(samples.size()) / sample_rate : 0;
  }
};

struct ReadAudioOptions {
  // Resample to this rate (Hz); 0 keeps the file's rate.
  int sample_rate = 0;
  ResampleQuality quality = ResampleQuality::kSincMedium;
  // Longer files are refused (a corrupt header must not make attend allocate gigabytes).
  double max_seconds = 3600.0;
};

// The header only (fast: nothing is decoded). Throws DataError as read_audio does for a missing or
// unrecognised file.
AudioInfo probe_audio(const std::string& path);

// The whole file, mixed down to mono and resampled as asked.
Waveform read_audio(const std::string& path, const ReadAudioOptions& options = {});

// How write_audio stores samples.
enum class AudioEncoding { kPcm8, kPcm16, kPcm24, kPcm32, kFloat };
enum class AudioContainer { kWav, kFlac };

// Writes interleaved samples ([frames, channels] row-major, in [-1, 1]) as WAV or FLAC (FLAC holds
// 8, 16 or 24-bit integers only). For tests and tools: it writes in place, not atomically. Throws
// DataError naming the file on failure.
void write_audio(const std::string& path, std::span<const float> interleaved, int sample_rate,
                 int channels = 1, AudioEncoding encoding = AudioEncoding::kPcm16,
                 AudioContainer container = AudioContainer::kWav);

// True when path ends in .wav, .flac, .aif(f), .ogg, .oga, .opus or .mp3, in any case.
bool has_audio_extension(const std::string& path);

// The audio libraries in use: "libsndfile-1.2.0, fftw-3.3.10-sse2-avx, libsamplerate 0.2.2".
std::string audio_library_versions();

}  // namespace attend::audio
