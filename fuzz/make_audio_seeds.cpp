// Writes the seeds of the audio_file and speech_manifest targets with attend's own writer (so they
// are real files): `make_audio_seeds FUZZ_DIR` (scripts/fuzz.sh --seeds runs it). Every file is a
// few hundred samples, so the corpus stays small.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "datasets/audio/audio_file.h"

using namespace attend::audio;
namespace fs = std::filesystem;

namespace {

void written(const fs::path& p) {
  std::printf("%s (%ju bytes)\n", p.c_str(), static_cast<uintmax_t>(fs::file_size(p)));
}

void audio(const fs::path& p, const std::vector<float>& x, int rate, int channels,
           AudioEncoding enc, AudioContainer container) {
  write_audio(p.string(), x, rate, channels, enc, container);
  written(p);
}

void text(const fs::path& p, const std::string& s) {
  std::ofstream(p, std::ios::binary) << s;
  written(p);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_audio_seeds FUZZ_DIR\n");
    return 2;
  }
  const fs::path files = fs::path(argv[1]) / "corpus" / "audio_file";
  const fs::path manifests = fs::path(argv[1]) / "corpus" / "speech_manifest";
  fs::create_directories(files);
  fs::create_directories(manifests);
  // 480 samples (60 ms at 8 kHz, two 25 ms frames) of a falling sawtooth.
  std::vector<float> x(480);
  for (size_t i = 0; i < x.size(); ++i) x[i] = 0.8f * (1.0f - static_cast<float>(i % 40) / 20.0f);
  using E = AudioEncoding;
  using C = AudioContainer;
  audio(files / "u8.wav", x, 8000, 1, E::kPcm8, C::kWav);
  audio(files / "s16.wav", x, 8000, 1, E::kPcm16, C::kWav);
  audio(files / "s24_44k.wav", x, 44100, 1, E::kPcm24, C::kWav);
  audio(files / "s32.wav", x, 16000, 1, E::kPcm32, C::kWav);
  audio(files / "float.wav", x, 16000, 1, E::kFloat, C::kWav);
  audio(files / "stereo.wav", x, 8000, 2, E::kPcm16, C::kWav);
  audio(files / "8ch.wav", x, 8000, 8, E::kPcm24, C::kWav);
  audio(files / "s16.flac", x, 8000, 1, E::kPcm16, C::kFlac);
  audio(files / "s24_stereo.flac", x, 48000, 2, E::kPcm24, C::kFlac);
  audio(files / "s8.flac", x, 8000, 1, E::kPcm8, C::kFlac);
  audio(files / "empty.wav", {}, 8000, 1, E::kPcm16, C::kWav);
  // Manifests naming the files fuzz_speech_manifest.cpp writes beside them.
  text(manifests / "three.tsv", "a.wav\tthree one four\nb.flac\tfive\nsub/c.wav\tnine two\n");
  text(manifests / "comments.tsv", "# train\n\na.wav\tHELLO  WORLD\r\nb.flac\t caf\xC3\xA9 \n");
  text(manifests / "missing.tsv", "a.wav\tone\nnot-there.wav\ttwo\n");
  return 0;
}
