// SPDX-License-Identifier: MIT
// An optimizer's state as a safetensors file (docs/formats.md#optimizer-state), readable by
// Python's safetensors or a few lines of numpy:
//   tensors   "<prefix><param>/<buffer>", e.g. "optimizer/layer1.weight/exp_avg", F32 or F64,
//             with the parameter's shape (PyTorch's state names: exp_avg, momentum_buffer, ...)
//   metadata  "<prefix>format" = "optlab.optimizer_state", "<prefix>format_version" = "1",
//             "<prefix>optimizer", "<prefix>convention", "<prefix>dtype", and "<prefix>groups":
//             a JSON list of {params, hyper, step, scalars}; plus the file's "crc32".
// Loading refuses a newer format version, another optimizer, convention, dtype, group layout
// or tensor shape, naming what differs.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "optlab/io/safetensors.hpp"
#include "optlab/optim/optimizer.hpp"

namespace optlab {

/// Adds `state` to `file` under `prefix` (so a checkpoint can hold model and optimizer).
template <class T>
void add_optimizer_state(SafetensorsFile& file, const OptimizerState<T>& state,
                         std::string_view prefix = "optimizer/");
/// Reads the state stored under `prefix`; `source` names the file in errors.
template <class T>
OptimizerState<T> extract_optimizer_state(const SafetensorsFile& file, std::string_view source,
                                          std::string_view prefix = "optimizer/");

/// Writes optimizer.state_dict() to `path` atomically.
template <class T>
void save_optimizer_state(const std::filesystem::path& path, const Optimizer<T>& optimizer);
/// Reads `path` and loads it into `optimizer` (see Optimizer::load_state_dict).
template <class T>
void load_optimizer_state(const std::filesystem::path& path, Optimizer<T>& optimizer);

}  // namespace optlab
