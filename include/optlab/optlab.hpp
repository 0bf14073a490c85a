// SPDX-License-Identifier: MIT
// optlab: the optimizers that train neural networks. One include for the whole library.
#pragma once

#include "optlab/core/error.hpp"
#include "optlab/core/fields.hpp"
#include "optlab/core/parallel.hpp"
#include "optlab/core/param_store.hpp"
#include "optlab/core/rng.hpp"
#include "optlab/core/text.hpp"
#include "optlab/data/dataset.hpp"
#include "optlab/data/idx.hpp"
#include "optlab/data/sampler.hpp"
#include "optlab/init/initializers.hpp"
#include "optlab/io/hyper_json.hpp"
#include "optlab/io/optimizer_state.hpp"
#include "optlab/io/safetensors.hpp"
#include "optlab/nn/network.hpp"
#include "optlab/optim/registry.hpp"
#include "optlab/optimizers.hpp"  // every optimizer (generated from include/optlab/optim/)
#include "optlab/problems/functions2d.hpp"
#include "optlab/problems/image_classification.hpp"
#include "optlab/problems/trajectory.hpp"
#include "optlab/schedule/lr_scheduler.hpp"
#include "optlab/transform/clip.hpp"
