// SPDX-License-Identifier: MIT
// E1: optimizer paths on a 2-D function, one panel each, over its contour lines.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "optlab/experiment/arms.hpp"
#include "optlab/language/language.hpp"
#include "optlab/optim/convention.hpp"
#include "optlab/problems/functions2d.hpp"

namespace optlab::experiment {

struct TrajectorySpec {
    std::string title;
    std::string function = "ravine";
    Point2 start{-7.0, 2.0};
    int steps = 30;
    Convention convention = Convention::book;
    std::vector<Arm> arms;
    int columns = 2;  // panels per row
    Point2 x_range{-10, 10}, y_range{-10, 10};
};
struct Path {
    Arm arm;
    std::vector<Point2> points;  // the start and the point after each update, while finite
    std::vector<double> f;
};
/// "book" (E1: SGD 0.95, Momentum 0.1, AdaGrad 1.5, Adam 0.3), "lecture" (the six-panel
/// comparison: + NAG 0.08, RMSprop 0.2), "ravine-momentum" (SGD with and without momentum),
/// "local-minima" (SGD stops in the shallow well, Momentum rolls on).
TrajectorySpec trajectory_preset(std::string_view name, Lang lang = Lang::en);
std::vector<Path> run_trajectories(const TrajectorySpec& spec);
/// Writes <stem>.csv (arm,optimizer,step,x,y,f) and draws <stem>.png/.svg.
void write_trajectories(const std::filesystem::path& stem, const TrajectorySpec& spec,
                        const std::vector<Path>& paths, Lang lang = Lang::en);

}  // namespace optlab::experiment
