// SPDX-License-Identifier: MIT
// The lecture's experiments (the book's chapter 6; ../shared/EXPERIMENTS.md E1-E4), each a
// function that computes the data, and a writer that keeps it as CSV and draws it (PNG, SVG):
//   E1 trajectories   optimizer paths on a 2-D function, one panel each   (trajectories.hpp)
//   E2 compare        optimizers on Fashion-MNIST over several seeds,
//                     with an lr sweep                                     (compare.hpp)
//   E3 init_histogram activations of 5 layers under different initial weights (init_histogram.hpp)
//   E4 init_compare   training loss under std 0.01, Xavier and He         (compare.hpp)
// The computations are separate from the drawing so tests can check the lecture's claims on
// the numbers, not on the pictures.
#pragma once

#include "optlab/experiment/arms.hpp"
#include "optlab/experiment/compare.hpp"
#include "optlab/experiment/init_histogram.hpp"
#include "optlab/experiment/reconstructions.hpp"
#include "optlab/experiment/trajectories.hpp"
