// SpecAugment's frequency and time masks (Park et al. 2019, "SpecAugment: A Simple Data
// Augmentation Method for Automatic Speech Recognition", section 2), applied to one utterance's
// features [frames, bins] during training:
//   frequency mask (freq_masks times): f ~ U{0..F}, f0 ~ U{0..bins - f}, bins [f0, f0 + f) masked;
//   time mask (time_masks times): t ~ U{0..min(T, floor(p * frames))}, t0 ~ U{0..frames - t},
//   frames [t0, t0 + t) masked.
// Masked values become mask_value, 0 by default: on normalised features that is the mean, as the
// paper does. Time warping (the paper's W) is not implemented; the paper found it the least
// important of the three.
#pragma once

#include <cstdint>
#include <string>

#include "autograd/random.h"
#include "autograd/tensor.h"

namespace attend::audio {

struct SpecAugmentOptions {
  int64_t freq_masks = 2;        // mF
  int64_t freq_mask_max = 27;    // F
  int64_t time_masks = 2;        // mT
  int64_t time_mask_max = 100;   // T
  float time_mask_ratio = 1.0f;  // p: no time mask longer than p * frames
  float mask_value = 0.0f;

  // The paper's policies (Table 1): "LB" (F 27, mF 1, T 100, p 1, mT 1), "LD" (F 27, mF 2, T 100,
  // p 1, mT 2, the default above), "SM" (F 15, mF 2, T 70, p 0.2, mT 2), "SS" (F 27, mF 2, T 70,
  // p 0.2, mT 2). Throws DataError for another name.
  static SpecAugmentOptions policy(const std::string& name);
};

// A masked copy of features [frames, bins]; gen decides every mask, so a seed fixes them. Throws
// DataError for negative counts or a ratio outside [0, 1].
Tensor spec_augment(const Tensor& features, const SpecAugmentOptions& options, Generator& gen);

}  // namespace attend::audio
