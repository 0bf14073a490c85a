// SPDX-License-Identifier: MIT
// Hyper-parameters as JSON: {"lr": 0.001, "betas": [0.9, 0.999], "amsgrad": false}, the form
// they take in optimizer-state files, checkpoints and `optlab trajectory --format json`.
#pragma once

#include <string>
#include <string_view>

#include "optlab/optim/hyper.hpp"

namespace optlab {

/// One JSON object; numbers in the shortest form that reads back to the same double.
std::string hyper_to_json(const HyperParams& hyper);
/// Reads such an object back; throws IoError naming `where` and the offending entry.
HyperParams hyper_from_json(std::string_view json, const std::string& where);

}  // namespace optlab
