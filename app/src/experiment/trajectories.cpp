// SPDX-License-Identifier: MIT
// E1: optimizer paths on 2-D functions (experiment/trajectories.hpp).
#include "optlab/experiment/trajectories.hpp"

#include <algorithm>

#include "optlab/core/error.hpp"
#include "optlab/core/text.hpp"
#include "optlab/plot/gnuplot.hpp"
#include "optlab/problems/trajectory.hpp"

namespace optlab::experiment {

TrajectorySpec trajectory_preset(std::string_view name, Lang lang) {
    TrajectorySpec s;
    if (name == "book") {
        s.title = tr(lang, "figure.trajectories.book");
        s.arms = {make_arm("sgd", 0.95), make_arm("momentum", 0.1), make_arm("adagrad", 1.5), make_arm("adam", 0.3)};
    } else if (name == "lecture") {
        s.title = tr(lang, "figure.trajectories.lecture");
        s.arms = {make_arm("sgd", 0.95), make_arm("momentum", 0.1), make_arm("nag", 0.08),
                  make_arm("adagrad", 1.5), make_arm("rmsprop", 0.2), make_arm("adam", 0.3)};
        s.columns = 3;
        s.x_range = {-15, 15};
        s.y_range = {-5, 5};
    } else if (name == "ravine-momentum") {
        s.title = tr(lang, "figure.trajectories.ravine-momentum");
        s.arms = {make_arm("sgd", 0.95, std::string(tr(lang, "figure.trajectories.ravine-momentum.sgd"))),
                  make_arm("momentum", 0.1, std::string(tr(lang, "figure.trajectories.ravine-momentum.momentum")))};
        s.y_range = {-5, 5};
    } else if (name == "local-minima") {
        s.title = tr(lang, "figure.trajectories.local-minima");
        s.function = "local-minima";
        s.start = function_2d("local-minima").start;
        s.steps = 200;
        s.arms = {make_arm("sgd", 0.03, std::string(tr(lang, "figure.trajectories.local-minima.sgd"))),
                  make_arm("momentum", 0.03, std::string(tr(lang, "figure.trajectories.local-minima.momentum")))};
        s.x_range = {-3.5, 3.5};
        s.y_range = {-2, 2};
    } else {
        throw InvalidArgument("trajectories: unknown preset '" + std::string(name) +
                              "' (expected book, lecture, ravine-momentum or local-minima)");
    }
    return s;
}

std::vector<Path> run_trajectories(const TrajectorySpec& spec) {
    const Function2d& fn = function_2d(spec.function);
    std::vector<Path> paths;
    for (const Arm& a : spec.arms) {
        Trajectory t = run_trajectory(fn, a.optimizer, a.hyper, spec.convention, spec.start, spec.steps);
        if (t.diverged) {  // a path is drawn up to its last finite point
            t.points.pop_back();
            t.f.pop_back();
        }
        paths.push_back({a, std::move(t.points), std::move(t.f)});
    }
    return paths;
}

void write_trajectories(const std::filesystem::path& stem, const TrajectorySpec& spec,
                        const std::vector<Path>& paths, Lang lang) {
    const Function2d& fn = function_2d(spec.function);
    std::string csv = "arm,optimizer,step,x,y,f\n";
    for (std::size_t a = 0; a < paths.size(); ++a) {
        for (std::size_t k = 0; k < paths[a].points.size(); ++k) {
            csv += std::to_string(a) + "," + paths[a].arm.optimizer + "," + std::to_string(k) + "," +
                   format_number(paths[a].points[k][0]) + "," + format_number(paths[a].points[k][1]) + "," + format_number(paths[a].f[k]) + "\n";
        }
    }
    write_text(stem.string() + ".csv", csv);
    const int cols = std::max(1, std::min<int>(spec.columns, int(paths.size())));
    const int rows = int((paths.size() + cols - 1) / cols);
    std::string gp;
    gp += "f(x,y) = " + std::string(fn.gnuplot) + "\n";
    // Contours of sign(f)·log(1+|f|): even spacing for gentle bowls and steep valleys alike.
    gp += "g(x,y) = sgn(f(x,y)) * log(1 + abs(f(x,y)))\n";
    // The paths go in as datablocks (whitespace-separated, like gnuplot's contour tables).
    for (std::size_t a = 0; a < paths.size(); ++a) {
        gp += "$path" + std::to_string(a) + " << EOD\n";
        for (const Point2& q : paths[a].points) gp += format_number(q[0]) + " " + format_number(q[1]) + "\n";
        gp += "EOD\n";
    }
    gp += "set isosamples 120,120\nset samples 120,120\n";
    gp += "set xrange [" + format_number(spec.x_range[0]) + ":" + format_number(spec.x_range[1]) + "]\n";
    gp += "set yrange [" + format_number(spec.y_range[0]) + ":" + format_number(spec.y_range[1]) + "]\n";
    gp += "set table " + gnuplot_string(stem.filename().string() + "-contours.dat") +
          "\nset contour base\nunset surface\nset cntrparam levels 14\nset view map\n"
          "splot g(x,y)\nunset table\nunset contour\n";
    gp += "set multiplot layout " + std::to_string(rows) + "," + std::to_string(cols) + " title " +
          gnuplot_string(trf(lang, "figure.trajectories.title",
                             {spec.title, std::string(fn.formula), format_number(spec.start[0]), format_number(spec.start[1]),
                              std::to_string(spec.steps), std::string(to_string(spec.convention))})) + "\n";
    gp += "set xlabel 'x'\nset ylabel 'y'\nunset key\n";
    for (std::size_t a = 0; a < paths.size(); ++a) {
        gp += "set title " + gnuplot_text(paths[a].arm.label) + "\n";
        gp += "plot " + gnuplot_string(stem.filename().string() + "-contours.dat") +
              " using 1:2 with lines lc rgb '#9aa7b8' lw 0.8, \\\n";
        for (const Point2& m : fn.minima) {
            gp += "     '+' using (" + format_number(m[0]) + "):(" + format_number(m[1]) + ") every ::0::0 with points pt 1 ps 2 lc rgb 'black', \\\n";
        }
        gp += "     $path" + std::to_string(a) + " using 1:2 with linespoints pt 7 ps 0.5 lc rgb '#d62728' lw 1.5\n";
    }
    gp += "unset multiplot\n";
    plot_png_svg(stem, gp, 520 * cols, 430 * rows + 40, lang);
}

}  // namespace optlab::experiment
