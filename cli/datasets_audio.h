// `attend datasets list|show` for speech data (datasets/audio): the bundled toy-digits bank, FSDD
// folders, manifests and single audio files. Without audio support (libsndfile, FFTW or
// libsamplerate missing at build time) it says so instead.
#pragma once

#include <string>

namespace attend::cli {

// "audio: on (libsndfile-1.2.0, fftw-3.3.10, libsamplerate 0.2.2)" or "audio: off (...)".
std::string audio_support();

// The speech datasets, for `attend datasets list`.
void list_speech_datasets();

// When what is a speech dataset or an audio file, prints its summary and returns true; false
// when it is something else. Throws DataError naming the file at fault.
bool show_speech_dataset(const std::string& what, int samples);

}  // namespace attend::cli
