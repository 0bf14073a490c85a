// SPDX-License-Identifier: MIT
// What the report's sentences claim, computed from the run's numbers (no HTML here). Each
// claim is a verdict by a stated criterion — the constants below, which docs/figures.md
// lists — so a sentence says what the data say, also when they contradict the lecture.
// tests/report/report_test.cpp recomputes every verdict from the CSV and JSON files the run
// wrote, with code of its own.
#pragma once

#include <string>
#include <vector>

#include "optlab/experiment/experiments.hpp"

namespace optlab::findings {

// ---- the criteria -----------------------------------------------------------------------------

/// A path "zig-zags" when its y changes sign on at least this share of its steps.
inline constexpr double kZigZagShare = 0.5;
/// Sigmoid or tanh activations "pile up at the ends" when more than this share of layer 5's
/// values fall in the two end bins of the histogram.
inline constexpr double kPileUpShare = 0.5;
/// They "collapse onto the centre" (0.5 for sigmoid, 0 for tanh) when layer 5's mean is within
/// kCollapseMean of it and its standard deviation below kCollapseStd.
inline constexpr double kCollapseMean = 0.01, kCollapseStd = 0.03;
/// Xavier "keeps them spread" when layer 5's standard deviation is at least kSpreadFactor times
/// std 0.01's and fewer than kSpreadEndShare of its values sit in the end bins.
inline constexpr double kSpreadFactor = 3.0, kSpreadEndShare = 0.05;
/// std 0.01 "shrinks the ReLU signal" when every layer's mean is below 1/kShrinkFactor of the
/// layer before it.
inline constexpr double kShrinkFactor = 5.0;
/// He "keeps every ReLU layer alike" when the layers' standard deviations are within this
/// factor of each other.
inline constexpr double kAlikeFactor = 2.0;
/// A training curve "stays at ln 10" (a uniform guess over 10 classes) when every seed's
/// smoothed loss is within kFlatBand of ln 10 at every iteration; a network "has learned" when
/// its smoothed loss at the end (mean over seeds) is more than kLearnedMargin below ln 10.
inline constexpr double kFlatBand = 0.02, kLearnedMargin = 0.1;
/// A network "learns only the class frequencies" when its smoothed loss at the end is within
/// this of the entropy of the training labels' frequencies.
inline constexpr double kPriorBand = 0.01;
/// One time beats another (the suite's seconds to a target) only when shorter by this factor:
/// times measured at different moments on a shared machine drift by ±30%.
inline constexpr double kTimeMargin = 1.3;

// ---- section 1: paths on 2-D functions -------------------------------------------------------

struct PathFacts {
    std::string optimizer, label;
    int steps = 0;
    int y_flips = 0;            // sign changes of y along the path
    double max_x = 0;           // the furthest x reached
    double final_x = 0, final_f = 0;
    int shrinking_steps = 0;    // steps shorter than the step before (of steps − 1)
    double first_step = 0, last_step = 0;
    bool zig_zags() const { return y_flips >= kZigZagShare * steps; }
};
PathFacts path_facts(const experiment::Path& path);
/// The paths' facts, ordered by their loss at the end (lowest first).
std::vector<PathFacts> by_final_loss(const std::vector<experiment::Path>& paths);

/// The local-minima function's wells and the ridge between them (x of each stationary point).
struct Wells {
    double deep = 0, ridge = 0, shallow = 0;
};
Wells local_minima_wells();

// ---- section 3: initial weights ---------------------------------------------------------------

struct HistogramFacts {
    const experiment::LayerHistogram* layer5 = nullptr;
    double end_share = 0;  // layer 5's values in the two end bins, of those in range
};
HistogramFacts histogram_facts(const std::vector<experiment::LayerHistogram>& hist, const std::string& activation,
                               const std::string& init);
/// The activation's value at the centre of its histogram: 0.5 (sigmoid) or 0 (tanh).
double centre(const std::string& activation);

struct InitHistogramVerdicts {
    // sigmoid and tanh, in that order
    bool piles_up[2] = {}, collapses[2] = {}, spreads[2] = {};
    bool relu_small_shrinks = false, relu_xavier_narrows = false, relu_he_alike = false;
    double relu_small_factor = 0;  // the smallest layer-to-layer shrink of std 0.01's mean
    double relu_he_ratio = 0;      // largest over smallest standard deviation of He's layers
    bool lecture_rule_holds() const;
};
InitHistogramVerdicts init_histogram_verdicts(const std::vector<experiment::LayerHistogram>& hist);

/// An init-compare arm's curves: whether it stays at ln 10 (every seed, every iteration) and
/// where its smoothed loss ends.
struct CurveFacts {
    const experiment::CompareRow* row = nullptr;
    bool flat = false;
    double end = 0;  // smoothed loss at the last iteration, mean over seeds
    bool learned() const;
};
CurveFacts curve_facts(const experiment::CompareResult& r, const std::string& label_prefix);
/// The entropy (nats) of the labels' frequencies: the loss of a network that only learns them.
double label_entropy(const Dataset& d);

// ---- section 4: which optimizer on Fashion-MNIST ----------------------------------------------

/// The table's rows by their final loss, lowest first; tied_with_next[i]: row i and i + 1 are
/// within the sum of their seed standard deviations of each other (several seeds only).
struct Ranking {
    std::vector<const experiment::CompareRow*> rows;
    std::vector<bool> tied_with_next;
};
Ranking rank_by_final_loss(const experiment::CompareResult& r);
/// The registry name of a compare row ("Adam (lr 0.001)" → "adam"), from the spec's arms.
std::string optimizer_of(const experiment::CompareSpec& spec, const experiment::CompareRow& row);

}  // namespace optlab::findings
