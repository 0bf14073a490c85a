// SPDX-License-Identifier: MIT
// The report's verdicts from the run's numbers (findings.hpp gives the criteria).
#include "findings.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace optlab::findings {

using namespace experiment;

// ---- paths -------------------------------------------------------------------------------------

PathFacts path_facts(const Path& path) {
    PathFacts f;
    f.optimizer = path.arm.optimizer;
    f.label = path.arm.label;
    const auto& p = path.points;
    f.steps = int(p.size()) - 1;
    f.max_x = p.empty() ? NAN : p[0][0];
    double previous = NAN;
    for (std::size_t k = 1; k < p.size(); ++k) {
        f.y_flips += (p[k][1] > 0) != (p[k - 1][1] > 0);
        f.max_x = std::max(f.max_x, p[k][0]);
        const double step = std::hypot(p[k][0] - p[k - 1][0], p[k][1] - p[k - 1][1]);
        if (k == 1) f.first_step = step;
        f.shrinking_steps += step < previous;
        f.last_step = previous = step;
    }
    if (!p.empty()) f.final_x = p.back()[0];
    f.final_f = path.f.empty() ? NAN : path.f.back();
    return f;
}

std::vector<PathFacts> by_final_loss(const std::vector<Path>& paths) {
    std::vector<PathFacts> facts;
    for (const Path& p : paths) facts.push_back(path_facts(p));
    // A path that diverged has no last loss worth ranking: it goes last.
    auto key = [](const PathFacts& f) { return std::isfinite(f.final_f) ? f.final_f : std::numeric_limits<double>::infinity(); };
    std::stable_sort(facts.begin(), facts.end(), [&](const PathFacts& a, const PathFacts& b) { return key(a) < key(b); });
    return facts;
}

Wells local_minima_wells() {
    // f = x⁴/4 − 2x² + x + y²: stationary where x³ − 4x + 1 = 0, by Newton from each side.
    auto root = [](double x) {
        for (int i = 0; i < 60; ++i) x -= (x * x * x - 4 * x + 1) / (3 * x * x - 4);
        return x;
    };
    return {root(-2.1), root(0.25), root(1.9)};
}

// ---- initial weights ---------------------------------------------------------------------------

HistogramFacts histogram_facts(const std::vector<LayerHistogram>& hist, const std::string& activation, const std::string& init) {
    HistogramFacts f;
    for (const auto& h : hist) {
        if (h.activation == activation && h.init == init && h.layer == 5) f.layer5 = &h;
    }
    if (!f.layer5 || f.layer5->counts.empty()) return f;
    const auto& c = f.layer5->counts;
    const double in_range = double(std::accumulate(c.begin(), c.end(), std::size_t{0}));
    f.end_share = in_range > 0 ? double(c.front() + c.back()) / in_range : 0.0;
    return f;
}

double centre(const std::string& activation) { return activation == "tanh" ? 0.0 : 0.5; }

bool InitHistogramVerdicts::lecture_rule_holds() const {
    return piles_up[0] && collapses[0] && spreads[0] && piles_up[1] && collapses[1] && spreads[1] &&
           relu_small_shrinks && relu_he_alike;
}

InitHistogramVerdicts init_histogram_verdicts(const std::vector<LayerHistogram>& hist) {
    InitHistogramVerdicts v;
    const char* squashing[2] = {"sigmoid", "tanh"};
    for (int a = 0; a < 2; ++a) {
        const HistogramFacts large = histogram_facts(hist, squashing[a], "std=1");
        const HistogramFacts small = histogram_facts(hist, squashing[a], "std=0.01");
        const HistogramFacts xavier = histogram_facts(hist, squashing[a], "xavier");
        if (!large.layer5 || !small.layer5 || !xavier.layer5) continue;
        v.piles_up[a] = large.end_share > kPileUpShare;
        v.collapses[a] = std::abs(small.layer5->mean - centre(squashing[a])) < kCollapseMean && small.layer5->std < kCollapseStd;
        v.spreads[a] = xavier.layer5->std >= kSpreadFactor * small.layer5->std && xavier.end_share < kSpreadEndShare;
    }
    auto layers = [&](const std::string& init) {
        std::vector<const LayerHistogram*> out;
        for (const auto& h : hist) {
            if (h.activation == "relu" && h.init == init) out.push_back(&h);
        }
        std::sort(out.begin(), out.end(), [](auto* a, auto* b) { return a->layer < b->layer; });
        return out;
    };
    const auto small = layers("std=0.01"), xavier = layers("xavier"), he = layers("he");
    if (small.size() >= 2) {
        v.relu_small_shrinks = true;
        v.relu_small_factor = std::numeric_limits<double>::infinity();
        for (std::size_t l = 1; l < small.size(); ++l) {
            const double factor = small[l - 1]->mean / small[l]->mean;
            v.relu_small_factor = std::min(v.relu_small_factor, factor);
            v.relu_small_shrinks = v.relu_small_shrinks && small[l]->mean < small[l - 1]->mean / kShrinkFactor;
        }
    }
    if (xavier.size() >= 2) {
        v.relu_xavier_narrows = true;
        for (std::size_t l = 1; l < xavier.size(); ++l) v.relu_xavier_narrows = v.relu_xavier_narrows && xavier[l]->std < xavier[l - 1]->std;
    }
    if (!he.empty()) {
        double lo = he[0]->std, hi = he[0]->std;
        for (auto* h : he) lo = std::min(lo, h->std), hi = std::max(hi, h->std);
        v.relu_he_ratio = hi / lo;
        v.relu_he_alike = v.relu_he_ratio <= kAlikeFactor;
    }
    return v;
}

bool CurveFacts::learned() const { return end < std::log(10.0) - kLearnedMargin; }

CurveFacts curve_facts(const CompareResult& r, const std::string& label_prefix) {
    CurveFacts f;
    for (const auto& row : r.table) {
        if (row.label.rfind(label_prefix, 0) == 0) {
            f.row = &row;
            break;
        }
    }
    if (!f.row) return f;
    f.end = f.row->smoothed_last_mean;
    f.flat = true;
    for (const auto& run : r.runs) {
        if (run.label != f.row->label || run.lr != f.row->lr) continue;
        for (double s : smooth_curve(run.loss)) f.flat = f.flat && std::abs(s - std::log(10.0)) <= kFlatBand;
    }
    return f;
}

double label_entropy(const Dataset& d) {
    std::vector<double> count(256, 0.0);
    for (auto label : d.labels) count[label] += 1;
    double h = 0;
    for (double c : count) {
        if (c > 0) h -= c / double(d.labels.size()) * std::log(c / double(d.labels.size()));
    }
    return h;
}

// ---- which optimizer on Fashion-MNIST ----------------------------------------------------------

Ranking rank_by_final_loss(const CompareResult& r) {
    Ranking k;
    for (const auto& row : r.table) k.rows.push_back(&row);
    auto key = [](const CompareRow* row) {
        return std::isfinite(row->final_loss_mean) ? row->final_loss_mean : std::numeric_limits<double>::infinity();
    };
    std::stable_sort(k.rows.begin(), k.rows.end(), [&](auto* a, auto* b) { return key(a) < key(b); });
    for (std::size_t i = 0; i + 1 < k.rows.size(); ++i) {
        const CompareRow& a = *k.rows[i];
        const CompareRow& b = *k.rows[i + 1];
        k.tied_with_next.push_back(a.final_loss_std + b.final_loss_std > 0 &&
                                   std::abs(b.final_loss_mean - a.final_loss_mean) <= a.final_loss_std + b.final_loss_std);
    }
    return k;
}

std::string optimizer_of(const CompareSpec& spec, const CompareRow& row) {
    for (const Arm& a : spec.arms) {
        if (a.label == row.label) return a.optimizer;
    }
    return "";
}

}  // namespace optlab::findings
