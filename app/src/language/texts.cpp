// SPDX-License-Identifier: MIT
// The one table of the pages' texts, English and Korean side by side (language/language.hpp).
// Keys: report.… (the report's page), figure.… (gnuplot's titles, axes and legends),
// explorable.… and playground.… (the explorable's HTML, written by explorable.cpp), page.… (its
// script's texts, web/explorable.js, read there as T('…') without the prefix), summary.NAME
// (the Korean of a registry optimizer's summary), lecture.NAME (the Korean of a docs section's
// *Lecture* line), formula.… . Placeholders {0}, {1}, … are filled in the order of their
// number; a Korean text may use them in another order. texts_test fails on a text without
// Korean (Hangul), on placeholders that differ between the two, on a key used by the code or the
// script that is not here, and on a key here that nothing uses.
//
// The Korean follows the lecture's words where it has them: 매개변수 갱신 (parameter update),
// 확률적 경사 하강법 (SGD), 학습률 (learning rate), 손실 함수 (loss function), 기울기 (gradient),
// 모멘텀, 가중치의 초기값 (initial weights), Xavier 초기값, He 초기값, 활성화 함수, 표준편차,
// 하이퍼파라미터; optimizer names, formulas, code and numbers stay as they are.
#include "optlab/language/language.hpp"

#include <nlohmann/json.hpp>

#include <array>

#include "optlab/core/error.hpp"
#include "optlab/optim/registry.hpp"

namespace optlab {

namespace {

constexpr std::array kTexts = std::to_array<Text>({
    // ---- the report: head and opening ----------------------------------------------------------
    {"report.title", "optlab report: which optimizer?", "optlab 보고서: 어느 optimizer를 쓸 것인가?"},
    {"report.h1", "Which optimizer? — an optlab report", "어느 optimizer를 쓸 것인가? — optlab 보고서"},
    {"report.intro",
     "Training is the search for the parameters that minimise a loss. This page runs the lecture's\n"
     "experiments with optlab and shows what they answer: how the update rules move, how the initial\n"
     "weights decide whether a network learns at all, and how the optimizers compare on real data.\n"
     "Every figure has its data beside it as CSV; every number below comes from this run.",
     "신경망 학습의 목적은 손실 함수의 값을 가능한 한 낮추는 매개변수를 찾는 것입니다. 이 페이지는 강의의\n"
     "실험을 optlab으로 실행하고 그 답을 보여 줍니다: 매개변수 갱신 규칙이 어떻게 움직이는지, 가중치의 초기값이\n"
     "신경망의 학습 여부를 어떻게 가르는지, 그리고 실제 데이터에서 optimizer들이 어떻게 비교되는지.\n"
     "모든 그림 옆에는 그 데이터가 CSV로 있고, 아래의 모든 숫자는 이번 실행에서 나온 것입니다."},
    {"report.quick-note", "Quick mode: 300 iterations and one seed per run. ", "빠른 모드: 실행마다 300번 반복, 시드 하나. "},
    {"report.generated", "Generated in {0} s.", "{0}초 만에 생성했습니다."},

    // ---- counts --------------------------------------------------------------------------------
    {"report.times.one", "{0} time", "{0}번"},
    {"report.times.many", "{0} times", "{0}번"},
    {"report.steps", "{0} steps", "{0}단계"},
    {"report.iterations", "{0} iterations", "{0}번의 반복"},
    {"report.list.and", " and ", " 및 "},

    // ---- section 1: paths ----------------------------------------------------------------------
    {"report.paths.heading", "<h2>1. How the update rules move</h2>\n", "<h2>1. 매개변수 갱신 규칙은 어떻게 움직이는가</h2>\n"},
    {"report.paths.intro",
     "<p>Paths on f(x, y) = x²/20 + y², whose curvature along y is 20 times that along x, from (−7, 2) at the book's "
     "learning rates; the minimum is (0, 0). ",
     "<p>f(x, y) = x²/20 + y² 위의 경로입니다. y 방향의 곡률이 x 방향의 20배이며, (−7, 2)에서 책의 학습률로 출발합니다. "
     "최솟값은 (0, 0)입니다. "},
    {"report.crossings", "crosses the valley floor {0}", "골짜기 바닥을 {0} 가로지릅니다"},
    {"report.crossings.never", "never crosses the valley floor", "골짜기 바닥을 한 번도 가로지르지 않습니다"},
    {"report.sgd-zigzag.holds", "SGD zig-zags across the ravine: its y changes sign {0} in {1}.",
     "확률적 경사 하강법(SGD)은 골짜기를 가로질러 지그재그로 움직입니다: {1} 동안 y의 부호가 {0} 바뀝니다."},
    {"report.sgd-zigzag.not", "SGD's y changes sign only {0} in {1}: it hardly zig-zags here.",
     "SGD의 y는 {1} 동안 부호가 {0}밖에 바뀌지 않습니다: 여기서는 거의 지그재그로 움직이지 않습니다."},
    {"report.momentum-calmer.holds", "Momentum, the lecture's ball rolling in a bowl, {0}, fewer than SGD,",
     "강의에서 그릇 속을 구르는 공에 비유한 모멘텀은 SGD보다 적게, {0}."},
    {"report.momentum-calmer.not", "Momentum, the lecture's ball rolling in a bowl, {0}, no fewer than SGD,",
     "강의에서 그릇 속을 구르는 공에 비유한 모멘텀은 SGD보다 적지 않게, {0}."},
    {"report.momentum-overshoots.holds", "and its speed carries it past the minimum along x, to x = {0}.",
     "그 속도 때문에 x 방향으로 최솟값을 지나쳐 x = {0}까지 갑니다."},
    {"report.momentum-overshoots.not", "and never passes the minimum's x = 0 (it gets to x = {0}).",
     "최솟값의 x = 0을 한 번도 지나치지 않습니다(x = {0}까지 갑니다)."},
    {"report.adagrad-shrinks.holds",
     "AdaGrad's steps shrink at every step as its squared gradients accumulate (from {0} to {1}), and it {2}.",
     "AdaGrad의 보폭은 기울기의 제곱이 쌓이면서 매 단계 줄어듭니다({0} → {1}). 그리고 {2}."},
    {"report.adagrad-shrinks.not",
     "AdaGrad's steps shrink on only {0} of {1} steps as its squared gradients accumulate (from {2} to {3}), and it {4}.",
     "AdaGrad의 보폭은 기울기의 제곱이 쌓이는 동안 {1}단계 중 {0}단계에서만 줄어듭니다({2} → {3}). 그리고 {4}."},
    {"report.adam-path.passes", "Adam, Momentum and AdaGrad in one rule, {0} and passes x = 0, to x = {1}. ",
     "모멘텀과 AdaGrad를 하나로 합친 Adam은 {0}. 그리고 x = 0을 지나 x = {1}까지 갑니다. "},
    {"report.adam-path.stays", "Adam, Momentum and AdaGrad in one rule, {0} and stays left of x = 0. ",
     "모멘텀과 AdaGrad를 하나로 합친 Adam은 {0}. 그리고 x = 0의 왼쪽에 머뭅니다. "},
    {"report.book-winner.holds",
     "After {0} their losses rank them {1}: AdaGrad ends lowest, so on this function AdaGrad looks best, as the lecture says.",
     "{0} 뒤 손실 함수의 값으로 순위를 매기면 {1}입니다: AdaGrad가 가장 낮게 끝나므로, 강의에서 말한 대로 이 함수에서는 "
     "AdaGrad가 가장 좋아 보입니다."},
    {"report.book-winner.not",
     "After {0} their losses rank them {1}: {2} ends lowest, not AdaGrad, which the lecture says looks best here.",
     "{0} 뒤 손실 함수의 값으로 순위를 매기면 {1}입니다: 가장 낮게 끝나는 것은 강의에서 여기서 가장 좋아 보인다고 한 "
     "AdaGrad가 아니라 {2}입니다."},
    {"report.paths.depends",
     " The answer depends on the problem and the hyper-parameters, which is why the next sections measure.",
     " 답은 풀어야 할 문제와 하이퍼파라미터에 따라 달라집니다. 그래서 다음 절들에서 측정합니다."},
    {"report.ravine-damped.holds",
     "In the ravine (Figure 3) SGD's y changes sign {0}, with momentum {1}: the heavy ball damps the oscillation across the valley.",
     "골짜기(그림 3)에서 SGD의 y는 부호가 {0}, 모멘텀을 쓰면 {1} 바뀝니다: 무거운 공이 골짜기를 가로지르는 진동을 줄입니다."},
    {"report.ravine-damped.not",
     "In the ravine (Figure 3) SGD's y changes sign {0}, with momentum {1}: here the heavy ball does not damp the oscillation "
     "across the valley.",
     "골짜기(그림 3)에서 SGD의 y는 부호가 {0}, 모멘텀을 쓰면 {1} 바뀝니다: 여기서는 무거운 공이 골짜기를 가로지르는 진동을 "
     "줄이지 못합니다."},
    {"report.local-minima.shallow", "x = {0}, in the shallow well", "얕은 우물 안의 x = {0}"},
    {"report.local-minima.deeper", "x = {0}, in the deeper well", "더 깊은 우물 안의 x = {0}"},
    {"report.local-minima.holds",
     "With a shallow local minimum on the way (Figure 4: x⁴/4 − 2x² + x + y², whose wells are at x = {0} and, deeper, "
     "x = {1}, with a ridge at x = {2}), after {3} steps SGD ends at {4}, Momentum at {5}: Momentum's speed carried it "
     "over the ridge where SGD stopped.",
     "가는 길에 얕은 local minimum이 있을 때(그림 4: x⁴/4 − 2x² + x + y², 우물은 x = {0}과 더 깊은 x = {1}, 그 사이 "
     "능선은 x = {2}), {3}단계 뒤 SGD는 {4}, 모멘텀은 {5}에서 끝납니다: SGD가 멈춘 곳에서 모멘텀은 속도 덕분에 능선을 "
     "넘었습니다."},
    {"report.local-minima.not",
     "With a shallow local minimum on the way (Figure 4: x⁴/4 − 2x² + x + y², whose wells are at x = {0} and, deeper, "
     "x = {1}, with a ridge at x = {2}), after {3} steps SGD ends at {4}, Momentum at {5}: not the lecture's picture of "
     "a ball rolling over the ridge this time.",
     "가는 길에 얕은 local minimum이 있을 때(그림 4: x⁴/4 − 2x² + x + y², 우물은 x = {0}과 더 깊은 x = {1}, 그 사이 "
     "능선은 x = {2}), {3}단계 뒤 SGD는 {4}, 모멘텀은 {5}에서 끝납니다: 이번에는 공이 능선을 넘어 구르는 강의의 그림과 "
     "다릅니다."},

    // ---- section 2: the update rules -----------------------------------------------------------
    {"report.rules.heading",
     "<h2>2. The update rules</h2>\n<p class=\"note\">Exactly as optlab computes them, in the order the code computes them: "
     "docs/optimizers.md's text, typeset. θ parameter, g gradient, γ learning rate, λ weight_decay, t the step; ±g is −g "
     "under maximize.</p>\n",
     "<h2>2. 매개변수 갱신 규칙</h2>\n<p class=\"note\">optlab이 계산하는 그대로, 코드가 계산하는 순서대로 적었습니다: "
     "docs/optimizers.md의 식을 조판한 것입니다. θ 매개변수, g 기울기, γ 학습률, λ weight_decay, t 단계; maximize일 때 "
     "±g는 −g입니다.</p>\n"},
    {"formula.lecture", "Lecture", "강의"},
    {"formula.block.every-group-together", "every group together", "모든 그룹을 함께"},
    // Arms' labels with words in them (the others are names and settings, "Adam (lr 0.001)").
    {"arm.std0-relu", "std=0 (all zero), relu", "std=0 (모두 0), relu"},

    // ---- section 3: initial weights ------------------------------------------------------------
    {"report.init.heading",
     "<h2>3. Initial weights decide whether a network learns</h2>\n<p>Activations of five layers of 100 units for 1000 "
     "random inputs, without training (the criteria behind each sentence are in docs/figures.md). ",
     "<h2>3. 가중치의 초기값이 신경망 학습의 성패를 가름</h2>\n<p>학습 없이, 무작위 입력 1000개에 대한 100개 뉴런 5개 층의 "
     "활성화 값입니다(각 문장의 기준은 docs/figures.md에 있습니다). "},
    {"report.hist.sigmoid.piles-up",
     "With std 1, sigmoid activations pile up at 0 and 1 ({0} of layer 5 in the two end bins), where the gradient vanishes;",
     "표준편차 1이면 sigmoid의 활성화 값이 0과 1에 몰립니다(5층 값의 {0}가 양 끝 두 구간에). 그곳에서 기울기가 사라집니다;"},
    {"report.hist.sigmoid.not-piles-up",
     "With std 1, sigmoid activations do not pile up at 0 and 1 ({0} of layer 5 in the two end bins);",
     "표준편차 1이어도 sigmoid의 활성화 값이 0과 1에 몰리지 않습니다(5층 값의 {0}가 양 끝 두 구간에);"},
    {"report.hist.tanh.piles-up",
     "Tanh behaves alike: with std 1 its activations pile up at −1 and 1 ({0} of layer 5 in the two end bins);",
     "tanh도 마찬가지입니다: 표준편차 1이면 활성화 값이 −1과 1에 몰립니다(5층 값의 {0}가 양 끝 두 구간에);"},
    {"report.hist.tanh.not-piles-up",
     "Tanh behaves alike: with std 1 its activations do not pile up at −1 and 1 ({0} of layer 5 in the two end bins);",
     "tanh도 마찬가지입니다: 표준편차 1이어도 활성화 값이 −1과 1에 몰리지 않습니다(5층 값의 {0}가 양 끝 두 구간에);"},
    {"report.hist.sigmoid.collapses",
     "with std 0.01 they collapse onto {2} (mean {0}, std {1}), so every unit says the same;",
     "표준편차 0.01이면 {2}에 모여 버려(평균 {0}, 표준편차 {1}) 모든 뉴런이 같은 값을 냅니다;"},
    {"report.hist.collapses", "with std 0.01 they collapse onto {2} (mean {0}, std {1});",
     "표준편차 0.01이면 {2}에 모여 버립니다(평균 {0}, 표준편차 {1});"},
    {"report.hist.not-collapses", "with std 0.01 they do not collapse onto {2} (mean {0}, std {1});",
     "표준편차 0.01이어도 {2}에 모이지 않습니다(평균 {0}, 표준편차 {1});"},
    {"report.hist.xavier-spreads.holds",
     "Xavier (std 1/√n) keeps them spread (std {0}, {1}× std 0.01's, {2} in the end bins).",
     "Xavier 초기값(표준편차 1/√n)은 값을 고르게 퍼뜨립니다(표준편차 {0}, 표준편차 0.01일 때의 {1}배, 양 끝 구간에 {2})."},
    {"report.hist.xavier-spreads.not",
     "Xavier (std 1/√n) does not keep them spread by this measure (std {0}, {1}× std 0.01's, {2} in the end bins).",
     "Xavier 초기값(표준편차 1/√n)도 이 기준으로는 값을 퍼뜨리지 못합니다(표준편차 {0}, 표준편차 0.01일 때의 {1}배, 양 끝 "
     "구간에 {2})."},
    {"report.hist.relu-small-shrinks.holds",
     "For ReLU, std 0.01 shrinks the signal layer by layer, at least {0}× per layer (mean {1} in layer 1, {2} in layer 5);",
     "ReLU에서는 표준편차 0.01이 신호를 층마다 적어도 {0}배씩 줄입니다(평균: 1층 {1}, 5층 {2});"},
    {"report.hist.relu-small-shrinks.not",
     "For ReLU, std 0.01 does not shrink the signal {0}× at every layer (mean {1} in layer 1, {2} in layer 5);",
     "ReLU에서 표준편차 0.01이 모든 층에서 신호를 {0}배씩 줄이지는 않습니다(평균: 1층 {1}, 5층 {2});"},
    {"report.hist.relu-xavier-narrows.holds", "Xavier's layers narrow with depth (std {0} in layer 1, {1} in layer 5);",
     "Xavier 초기값의 층은 깊어질수록 좁아집니다(표준편차: 1층 {0}, 5층 {1});"},
    {"report.hist.relu-xavier-narrows.not", "Xavier's layers do not narrow at every layer (std {0} in layer 1, {1} in layer 5);",
     "Xavier 초기값의 층이 모든 층에서 좁아지지는 않습니다(표준편차: 1층 {0}, 5층 {1});"},
    {"report.hist.relu-he-alike.holds", "He (std √(2/n)) keeps every layer alike (std {0} in layer 1, {1} in layer 5).",
     "He 초기값(표준편차 √(2/n))은 모든 층을 비슷하게 유지합니다(표준편차: 1층 {0}, 5층 {1})."},
    {"report.hist.relu-he-alike.not",
     "He (std √(2/n)) lets its layers' spreads differ by more than {2}× (std {0} in layer 1, {1} in layer 5).",
     "He 초기값(표준편차 √(2/n))에서도 층마다 퍼짐이 {2}배 넘게 다릅니다(표준편차: 1층 {0}, 5층 {1})."},
    {"report.init-rule.holds", "The histograms bear out the lecture's rule: Xavier for sigmoid and tanh, He for ReLU.",
     "히스토그램이 강의의 규칙을 뒷받침합니다: sigmoid와 tanh에는 Xavier 초기값, ReLU에는 He 초기값."},
    {"report.init-rule.not",
     "Not every histogram bears out the lecture's rule, Xavier for sigmoid and tanh and He for ReLU: the sentences above say which.",
     "sigmoid와 tanh에는 Xavier 초기값, ReLU에는 He 초기값이라는 강의의 규칙을 모든 히스토그램이 뒷받침하지는 않습니다: "
     "어느 것인지는 위의 문장들에 있습니다."},
    {"report.init.histogram-caption", "Activation histograms, {0}.", "활성화 값 히스토그램, {0}."},
    {"report.init.compare-caption", "Training loss under different initial weights ({0} iterations, {1} seed(s)).",
     "가중치의 초기값에 따른 학습 손실({0}번 반복, 시드 {1}개)."},
    {"report.relu-small-flat.holds",
     "On Fashion-MNIST, std 0.01 does not learn with ReLU: its smoothed loss stays within {0} of {1} (a uniform guess over "
     "the ten classes) for all {2}, ending at {3}, while He's reaches {4}.",
     "Fashion-MNIST에서 ReLU와 표준편차 0.01은 학습하지 못합니다: 평활한 손실이 {2} 내내 {1}(열 개 클래스를 고르게 찍는 "
     "값)에서 {0} 안에 머물고 끝값은 {3}인데, He 초기값은 {4}에 이릅니다."},
    {"report.relu-small-flat.not", "On Fashion-MNIST, std 0.01's loss leaves {0} with ReLU (it ends at {1}; He's at {2}).",
     "Fashion-MNIST에서 ReLU와 표준편차 0.01의 손실은 {0}에서 벗어납니다(끝값 {1}, He 초기값은 {2})."},
    {"report.relu-he-below-xavier.holds", "He ends below Xavier ({0} against {1}), as the lecture advises for ReLU.",
     "강의가 ReLU에 권하는 대로 He 초기값이 Xavier 초기값보다 낮게 끝납니다({0} 대 {1})."},
    {"report.relu-he-below-xavier.not", "Xavier ends below He here ({0} against {1}), against the lecture's advice for ReLU.",
     "ReLU에 대한 강의의 권고와 달리 여기서는 Xavier 초기값이 He 초기값보다 낮게 끝납니다({0} 대 {1})."},
    {"report.sigmoid.intro", "The sigmoid networks train with a larger step, SGD lr {0}. ",
     "sigmoid 신경망은 더 큰 보폭(SGD 학습률 {0})으로 학습합니다. "},
    {"report.sigmoid.numbers", "Xavier {0}, std 0.01 {1}", "Xavier 초기값 {0}, 표준편차 0.01 {1}"},
    {"report.sigmoid.lecture",
     "There Xavier's network learns (its smoothed loss ends at {0}) while std 0.01's stays within {1} of ln 10 ({2}): its "
     "activations all sit at 0.5, so every unit says the same.",
     "거기서 Xavier 초기값의 신경망은 학습하지만(평활한 손실의 끝값 {0}), 표준편차 0.01의 신경망은 ln 10에서 {1} 안에 "
     "머뭅니다({2}): 활성화 값이 모두 0.5에 있어 모든 뉴런이 같은 값을 냅니다."},
    {"report.sigmoid.both", "There both learn ({0}).", "거기서는 둘 다 학습합니다({0})."},
    {"report.sigmoid.neither", "In this run's {0} neither has left ln 10 yet ({1}).",
     "이번 실행의 {0} 동안에는 둘 다 아직 ln 10을 벗어나지 못했습니다({1})."},
    {"report.sigmoid.xavier", "There Xavier's network learns ({0}) and std 0.01's leaves ln 10 without staying flat.",
     "거기서 Xavier 초기값의 신경망은 학습하고({0}), 표준편차 0.01의 신경망도 평평하게 머물지 않고 ln 10을 벗어납니다."},
    {"report.sigmoid.small", "There std 0.01's network learns and Xavier's does not ({0}), against the lecture.",
     "강의와 달리 거기서는 표준편차 0.01의 신경망이 학습하고 Xavier 초기값의 신경망은 학습하지 못합니다({0})."},
    {"report.zero-prior.holds",
     "With std 0 every weight starts equal: all units of a layer compute the same value and receive the same gradient, so "
     "they stay equal, and with ReLU the hidden signal is exactly zero. Its loss stays at {0}, within {1} of the entropy "
     "of the class frequencies ({2}): the network only learns how often each class occurs. This is why weights start random.",
     "표준편차 0이면 모든 가중치가 같은 값에서 시작합니다: 한 층의 모든 뉴런이 같은 값을 계산하고 같은 기울기를 받으므로 "
     "계속 같은 값으로 남고, ReLU에서는 은닉층의 신호가 정확히 0입니다. 손실은 {0}에 머무는데, 이는 클래스 빈도의 엔트로피"
     "({2})에서 {1} 안입니다: 신경망은 각 클래스가 얼마나 자주 나오는지만 배웁니다. 그래서 가중치는 무작위 값에서 시작합니다."},
    {"report.zero-prior.not",
     "With std 0 every weight starts equal: all units of a layer compute the same value and receive the same gradient, so "
     "they stay equal, and with ReLU the hidden signal is exactly zero. Yet its loss ends at {0}, not at the entropy of "
     "the class frequencies ({1}): something in this run broke the symmetry.",
     "표준편차 0이면 모든 가중치가 같은 값에서 시작합니다: 한 층의 모든 뉴런이 같은 값을 계산하고 같은 기울기를 받으므로 "
     "계속 같은 값으로 남고, ReLU에서는 은닉층의 신호가 정확히 0입니다. 그런데 손실의 끝값은 클래스 빈도의 엔트로피({1})가 "
     "아닌 {0}입니다: 이번 실행에서는 무언가가 대칭을 깼습니다."},
    {"report.table.final-loss", "final loss (mean of the last 100 iterations)", "최종 손실(마지막 100번 반복의 평균)"},
    {"report.table.smoothed", "smoothed loss at the end", "끝의 평활한 손실"},
    {"report.table.accuracy", "test accuracy", "시험 정확도"},
    {"report.table.ms", "ms / iteration", "반복당 ms"},

    // ---- section 4: which optimizer on Fashion-MNIST -------------------------------------------
    {"report.compare.heading",
     "<h2>4. Which optimizer? Fashion-MNIST</h2>\n<p>The network 784-100-100-100-100-10 (ReLU, He), batch 128, {0} "
     "iterations, {1} seed(s), each optimizer at the book's defaults; the curves are smoothed as the book smooths them, "
     "the band spans the seeds.</p>\n",
     "<h2>4. 어느 optimizer? Fashion-MNIST</h2>\n<p>신경망 784-100-100-100-100-10(ReLU, He 초기값), 배치 128, {0}번 반복, "
     "시드 {1}개, 각 optimizer는 책의 기본값입니다; 곡선은 책처럼 평활했고, 띠는 시드들의 범위입니다.</p>\n"},
    {"report.compare.caption", "Training loss of each optimizer.", "optimizer별 학습 손실."},
    {"report.compare-ranking.seeds",
     "By the mean loss of its last 100 iterations the table ranks them {0} (≈: within the sum of the two seed standard "
     "deviations).",
     "마지막 100번 반복의 평균 손실로 표의 순위를 매기면 {0}입니다(≈: 두 시드 표준편차의 합 이내)."},
    {"report.compare-ranking.one-seed", "By the mean loss of its last 100 iterations the table ranks them {0}.",
     "마지막 100번 반복의 평균 손실로 표의 순위를 매기면 {0}입니다."},
    {"report.sgd-slowest.holds", "SGD learns slowest, as the lecture says.", "강의에서 말한 대로 SGD가 가장 느리게 학습합니다."},
    {"report.sgd-slowest.not", "{0} learns slowest here, not SGD as the lecture says.",
     "여기서 가장 느리게 학습하는 것은 강의에서 말한 SGD가 아니라 {0}입니다."},
    {"report.book-four-pair.holds",
     "Of the lecture's four (SGD, Momentum, AdaGrad, Adam), AdaGrad and Adam end lowest, as in its figure.",
     "강의의 네 가지(SGD, Momentum, AdaGrad, Adam) 중 강의의 그림처럼 AdaGrad와 Adam이 가장 낮게 끝납니다."},
    {"report.book-four-pair.not",
     "Of the lecture's four (SGD, Momentum, AdaGrad, Adam), {0} and {1} end lowest, not AdaGrad and Adam as in its figure.",
     "강의의 네 가지(SGD, Momentum, AdaGrad, Adam) 중 가장 낮게 끝나는 것은 강의의 그림처럼 AdaGrad와 Adam이 아니라 "
     "{0}, {1}입니다."},
    {"report.compare.settle",
     "One network at the book's default learning rates cannot settle which optimizer is best: the ranking depends on the "
     "learning rate and the problem, so compare them at their best (<code>optlab compare --sweep lr=1e-4:1e-1:7</code>) "
     "and on other problems (section 6).",
     "책의 기본 학습률로 학습한 신경망 하나로는 어느 optimizer가 가장 좋은지 정할 수 없습니다: 순위는 학습률과 문제에 따라 "
     "달라지므로, 각자 가장 좋은 설정에서(<code>optlab compare --sweep lr=1e-4:1e-1:7</code>) 그리고 다른 문제에서(6절) "
     "비교하십시오."},

    // ---- section 5: the autoencoder ------------------------------------------------------------
    {"report.autoencoder.heading",
     "<h2>5. Another problem: an autoencoder</h2>\n<p>One network is not every problem (<code>optlab problems</code> lists "
     "six). Here <code>fmnist-autoencoder</code> — 784-256-64-256-784, ReLU, a sigmoid output, binary cross-entropy per "
     "pixel — squeezes each image through 64 numbers and draws it back, after {0} iterations of Adam (lr {1}, batch "
     "{2}).</p>\n",
     "<h2>5. 다른 문제: 오토인코더</h2>\n<p>신경망 하나가 모든 문제는 아닙니다(<code>optlab problems</code>는 여섯 가지를 "
     "보여 줍니다). 여기서 <code>fmnist-autoencoder</code>(784-256-64-256-784, ReLU, sigmoid 출력, 픽셀마다 이진 교차 "
     "엔트로피)는 각 이미지를 숫자 64개로 압축했다가 다시 그립니다. Adam으로 {0}번 반복(학습률 {1}, 배치 {2})한 "
     "뒤입니다.</p>\n"},
    {"report.autoencoder.caption", "Test images (top) and the autoencoder's reconstructions (bottom).",
     "시험 이미지(위)와 오토인코더가 복원한 이미지(아래)."},
    {"report.autoencoder.lower",
     "Its mean squared error per pixel on the test set is {0}, against {1} for the mean training image drawn for every "
     "test image: {2}% lower.",
     "시험 세트에서 픽셀당 평균 제곱 오차는 {0}이고, 모든 시험 이미지에 학습 이미지의 평균을 그렸을 때는 {1}입니다: {2}% "
     "낮습니다."},
    {"report.autoencoder.not-lower",
     "Its mean squared error per pixel on the test set is {0}, against {1} for the mean training image drawn for every "
     "test image: not lower: this run did not learn.",
     "시험 세트에서 픽셀당 평균 제곱 오차는 {0}이고, 모든 시험 이미지에 학습 이미지의 평균을 그렸을 때는 {1}입니다: 낮지 "
     "않습니다. 이번 실행은 학습하지 못했습니다."},

    // ---- section 6: the suite ------------------------------------------------------------------
    {"report.suite.heading",
     "<h2>6. Which optimizer, across problems?</h2>\n<p>The lecture's conclusion, measured: {0} optimizers on {1} problems "
     "of different character (<code>optlab suite</code>, docs/suite.md). Each optimizer ran at its defaults on every "
     "seed, then at {2} learning rates on seed 1, and at the best of them (by the validation metric) on every seed ({3} "
     "seeds). The table gives each optimizer's tuned test metric, mean over seeds, and its rank; the winner is bold, ≈ "
     "marks a seed range that overlaps the winner's.</p>\n",
     "<h2>6. 여러 문제에서는 어느 optimizer?</h2>\n<p>강의의 결론을 측정합니다: optimizer {0}개를 성격이 다른 문제 {1}개에서 "
     "비교합니다(<code>optlab suite</code>, docs/suite.md). 각 optimizer는 모든 시드에서 기본값으로, 이어서 시드 1에서 "
     "학습률 {2}개로, 그리고 그중 (검증 지표로) 가장 좋은 학습률로 모든 시드에서 실행했습니다(시드 {3}개). 표는 각 "
     "optimizer의 조정된 시험 지표(시드 평균)와 순위입니다; 1위는 굵게, ≈는 시드 범위가 1위와 겹침을 뜻합니다.</p>\n"},
    {"report.suite.heading.quick",
     "<h2>6. Which optimizer, across problems?</h2>\n<p>The lecture's conclusion, measured: {0} optimizers on {1} problems "
     "of different character (<code>optlab suite</code>, docs/suite.md). Each optimizer ran at its defaults on every "
     "seed, then at {2} learning rates on seed 1, and at the best of them (by the validation metric) on every seed ({3} "
     "seeds, short budgets). The table gives each optimizer's tuned test metric, mean over seeds, and its rank; the "
     "winner is bold, ≈ marks a seed range that overlaps the winner's.</p>\n",
     "<h2>6. 여러 문제에서는 어느 optimizer?</h2>\n<p>강의의 결론을 측정합니다: optimizer {0}개를 성격이 다른 문제 {1}개에서 "
     "비교합니다(<code>optlab suite</code>, docs/suite.md). 각 optimizer는 모든 시드에서 기본값으로, 이어서 시드 1에서 "
     "학습률 {2}개로, 그리고 그중 (검증 지표로) 가장 좋은 학습률로 모든 시드에서 실행했습니다(시드 {3}개, 짧은 예산). 표는 "
     "각 optimizer의 조정된 시험 지표(시드 평균)와 순위입니다; 1위는 굵게, ≈는 시드 범위가 1위와 겹침을 뜻합니다.</p>\n"},
    {"report.suite.problem-header", "problem (metric)", "문제(지표)"},
    {"report.suite.row.lower", "{0} ({1}, lower is better)", "{0}({1}, 낮을수록 좋음)"},
    {"report.suite.row.higher", "{0} ({1}, higher is better)", "{0}({1}, 높을수록 좋음)"},
    {"report.suite.not-applicable", "n/a", "해당 없음"},
    {"report.suite.ranks-caption", "Ranks per problem (1 = best tuned test metric).",
     "문제별 순위(1 = 조정된 시험 지표가 가장 좋음)."},
    {"report.suite.profile-caption",
     "Performance profiles: the share of problems each optimizer reaches the problem's target within τ times the fastest "
     "optimizer's iterations (left) or seconds (right); the legend gives each one's score.",
     "성능 프로파일: 각 optimizer가 가장 빠른 optimizer의 반복 횟수(왼쪽) 또는 초(오른쪽)의 τ배 안에 목표에 도달하는 문제의 "
     "비율; 범례는 각자의 점수입니다."},
    {"report.suite.one-winner", "<b>{0} wins every problem</b> here, tuned. ",
     "여기서는 조정했을 때 <b>모든 문제에서 1위는 {0}</b>입니다. "},
    {"report.suite.wins", "{0} wins {1}", "{0}: {1}에서 1위"},
    {"report.suite.no-winner", "<b>No optimizer wins every problem</b>: {0}. ",
     "<b>모든 문제에서 항상 뛰어난 optimizer는 없습니다</b>: {0}. "},
    {"report.suite.unbeaten.one",
     "But {0} is first or within the winner's seed range (≈) on every problem it can train: the seeds do not separate it "
     "from the winners. ",
     "하지만 {0}의 결과는 학습할 수 있는 모든 문제에서 1위이거나 1위의 시드 범위(≈) 안에 있습니다: 시드로는 1위와 "
     "구별되지 않습니다. "},
    {"report.suite.unbeaten.many",
     "But {0} are first or within the winner's seed range (≈) on every problem they can train: the seeds do not separate "
     "them from the winners. ",
     "하지만 {0}의 결과는 학습할 수 있는 모든 문제에서 1위이거나 1위의 시드 범위(≈) 안에 있습니다: 시드로는 1위들과 "
     "구별되지 않습니다. "},
    {"report.suite.best-score", "By time to the targets {0} scores highest ({1} of 1). ",
     "목표에 도달하는 시간으로는 {0}의 점수가 가장 높습니다(1 중 {1}). "},
    {"report.suite.widest.changes", "The ranking changes with the problem: {0} ranks {1} on {2} but {3} on {4}. ",
     "순위는 풀어야 할 문제에 따라 달라집니다: {0}의 순위는 {2}에서 {1}위지만 {4}에서는 {3}위입니다. "},
    {"report.suite.widest.same", "Every optimizer holds the same rank on every problem. ",
     "모든 optimizer가 모든 문제에서 같은 순위입니다. "},
    {"report.suite.tuning.never",
     "Tuning the learning rate did not beat the best default anywhere: on every problem one optimizer's defaults were as "
     "good as the tuned winner's worst seed.",
     "학습률을 조정해도 어디서도 가장 좋은 기본값을 이기지 못했습니다: 모든 문제에서 어떤 optimizer의 기본값이 조정된 1위의 "
     "가장 나쁜 시드만큼 좋았습니다."},
    {"report.suite.tuning.mattered",
     "Tuning the learning rate mattered on {0} of {1} problems: there even the tuned winner's worst seed beats every "
     "optimizer at its defaults.",
     "학습률 조정은 문제 {1}개 중 {0}개에서 중요했습니다: 거기서는 조정된 1위의 가장 나쁜 시드조차 기본값의 모든 optimizer를 "
     "이깁니다."},
    {"report.suite.data",
     "Data: <a href=\"{0}/suite.json\">suite.json</a>, <a href=\"{0}/suite-table.csv\">suite-table.csv</a>, one file per "
     "run in <code>{0}/arms/</code>; learning-rate sensitivity in <a href=\"{0}/suite-lr.svg\">suite-lr</a>, curves in "
     "<a href=\"{0}/suite-curves.svg\">suite-curves</a>.",
     "데이터: <a href=\"{0}/suite.json\">suite.json</a>, <a href=\"{0}/suite-table.csv\">suite-table.csv</a>, 실행마다 "
     "파일 하나씩 <code>{0}/arms/</code>에; 학습률 민감도는 <a href=\"{0}/suite-lr.svg\">suite-lr</a>, 곡선은 "
     "<a href=\"{0}/suite-curves.svg\">suite-curves</a>."},
    {"report.lr-free.intro",
     "The methods that need no learning rate estimate their step size as they go (their lr is a multiplier, 1 by "
     "default), so their honest comparison is untuned, as in AlgoPerf's self-tuning track: at their defaults, against "
     "every other optimizer tuned on the grid. ",
     "학습률이 필요 없는 방법들은 학습하면서 보폭을 추정합니다(이들의 lr은 배수이고 기본값은 1). 그래서 공정한 비교는 AlgoPerf의 "
     "self-tuning 트랙처럼 조정 없이, 기본값으로, 격자에서 조정된 다른 모든 optimizer와 겨루는 것입니다. "},
    {"report.lr-free.rank", "{0} of {1} on {2}", "{2}에서 {1}개 중 {0}위"},
    {"report.lr-free.ranks", "{0} at its defaults would rank {1} (tuned like the others: {2}). ",
     "{0}의 순위는 기본값으로 {1}입니다(다른 것들처럼 조정하면: {2}위). "},
    {"report.suite.preconditioned.step.some",
     "<b>Per step</b> — evaluations of the loss and gradient to the problem's target, median over the tuned seeds — the "
     "preconditioned methods ({0}) reach it before every first-order method on {1} of {2} problems ({3}). ",
     "<b>단계 기준</b>(문제의 목표에 이르기까지 손실 함수와 기울기를 계산한 횟수, 조정된 시드들의 중앙값)으로 보면, "
     "전처리(preconditioning)를 쓰는 방법({0})이 {2}개 문제 중 {1}개({3})에서 모든 1차 방법보다 먼저 목표에 이릅니다. "},
    {"report.suite.preconditioned.step.none",
     "<b>Per step</b> — evaluations of the loss and gradient to the problem's target, median over the tuned seeds — the "
     "preconditioned methods ({0}) reach it before every first-order method on 0 of {1} problems. ",
     "<b>단계 기준</b>(문제의 목표에 이르기까지 손실 함수와 기울기를 계산한 횟수, 조정된 시드들의 중앙값)으로 보면, "
     "전처리(preconditioning)를 쓰는 방법({0})이 모든 1차 방법보다 먼저 목표에 이르는 문제는 {1}개 중 0개입니다. "},
    {"report.suite.preconditioned.step.tied", "On {0} they reach it at the same count as the fastest first-order method. ",
     "{0}에서는 가장 빠른 1차 방법과 같은 횟수로 이릅니다. "},
    {"report.suite.preconditioned.second.some",
     "<b>Per second</b> on this machine they reach it first on {0} of {1} problems ({2}). ",
     "<b>초 기준</b>으로는 이 기계에서 {1}개 문제 중 {0}개({2})에서 먼저 이릅니다. "},
    {"report.suite.preconditioned.second.none", "<b>Per second</b> on this machine they reach it first on 0 of {0} problems. ",
     "<b>초 기준</b>으로는 이 기계에서 먼저 이르는 문제가 {0}개 중 0개입니다. "},
    {"report.suite.preconditioned.second.tied", "On {1} the times are within the machine's timing drift ({0}%): a tie. ",
     "{1}에서는 시간 차이가 이 기계의 측정 변동({0}%) 안이므로 비긴 것으로 봅니다. "},
    {"report.suite.preconditioned.detail",
     "On {0} {1} needs {2} evaluations to {3}'s {4}; per second, {5} takes {6} s to {7}'s {8} s. ",
     "{0}: {1} {2}회 대 {3} {4}회의 계산으로 목표에 이르고, 시간으로는 {5} {6}초 대 {7} {8}초입니다. "},
    {"report.files.heading", "<h2>Files</h2>\n<p>Every figure's data: ", "<h2>파일</h2>\n<p>모든 그림의 데이터: "},
    {"report.figure.book", "Figure 1. The book's comparison (E1).", "그림 1. 책의 비교(E1)."},
    {"report.figure.lecture", "Figure 2. The lecture's six optimizers.", "그림 2. 강의의 optimizer 여섯 가지."},
    {"report.figure.ravine-momentum", "Figure 3. SGD without and with momentum in a ravine.",
     "그림 3. 골짜기에서 모멘텀이 없는 SGD와 있는 SGD."},
    {"report.figure.local-minima", "Figure 4. Momentum and a local minimum.", "그림 4. 모멘텀과 local minimum."},

    // ---- the figures (gnuplot) -----------------------------------------------------------------
    {"figure.iteration", "iteration", "반복"},
    {"figure.compare.title", "Optimizers on Fashion-MNIST", "Fashion-MNIST에서의 optimizer"},
    {"figure.init-compare.title", "Initial weights on Fashion-MNIST (SGD: lr 0.01 for ReLU, lr 1 for sigmoid)",
     "Fashion-MNIST에서의 가중치의 초기값(SGD: ReLU는 학습률 0.01, sigmoid는 학습률 1)"},
    {"figure.compare.band", "{0} — {1} seeds, mean and min-max band", "{0} — 시드 {1}개, 평균과 최소-최대 띠"},
    {"figure.compare.ylabel", "training loss (smoothed)", "학습 손실(평활)"},
    {"figure.histogram.title", "Activations of {0} layers of {1} {2} units, {3} random inputs ({4} bins)",
     "{2} 뉴런 {1}개짜리 층 {0}개의 활성화 값, 무작위 입력 {3}개(구간 {4}개)"},
    {"figure.histogram.panel", "{0}, layer {1}\\nmean {2}, std {3}", "{0}, {1}층\\n평균 {2}, 표준편차 {3}"},
    {"figure.trajectories.title", "{0} — {1}, start ({2}, {3}), {4} steps, {5} convention",
     "{0} — {1}, 시작점 ({2}, {3}), {4}단계, {5} 규약"},
    {"figure.trajectories.book", "Optimizer paths (the book's comparison)", "optimizer의 갱신 경로(책의 비교)"},
    {"figure.trajectories.lecture", "Optimizer comparison (the lecture's six panels)", "Optimizer 비교(강의의 여섯 그림)"},
    {"figure.trajectories.ravine-momentum", "SGD without and with momentum in a ravine", "골짜기에서 모멘텀이 없는 SGD와 있는 SGD"},
    {"figure.trajectories.ravine-momentum.sgd", "(a) SGD without momentum (lr 0.95)", "(a) 모멘텀 없는 SGD(학습률 0.95)"},
    {"figure.trajectories.ravine-momentum.momentum", "(b) SGD with momentum 0.9 (lr 0.1)", "(b) 모멘텀 0.9인 SGD(학습률 0.1)"},
    {"figure.trajectories.local-minima", "Momentum rolls out of a local minimum where SGD stops",
     "SGD가 멈추는 local minimum을 모멘텀은 빠져나옵니다"},
    {"figure.trajectories.local-minima.sgd", "SGD (lr 0.03): stops in the shallow well", "SGD(학습률 0.03): 얕은 우물에서 멈춤"},
    {"figure.trajectories.local-minima.momentum", "Momentum 0.9 (lr 0.03): rolls on to the deeper one",
     "Momentum 0.9(학습률 0.03): 더 깊은 우물로 굴러감"},
    {"figure.reconstructions.title", "Test images (top) and their reconstructions (bottom)", "시험 이미지(위)와 그 복원(아래)"},
    {"figure.suite.profile.title", "Performance profiles: the share of problems an optimizer reaches the target within τ × the fastest",
     "성능 프로파일: 가장 빠른 것의 τ배 안에 목표에 도달하는 문제의 비율"},
    {"figure.suite.profile.iterations", "by iterations (reproducible)", "반복 횟수 기준(재현 가능)"},
    {"figure.suite.profile.seconds", "by seconds (the cost of a step counts)", "초 기준(단계의 비용 포함)"},
    {"figure.suite.ranks.title", "Rank of each optimizer, tuned, by mean test metric (1 = best)",
     "조정된 각 optimizer의 순위, 평균 시험 지표 기준(1 = 가장 좋음)"},
    {"figure.suite.ranks.rank", "rank", "순위"},
    {"figure.suite.curves.title", "Validation metric during training: each optimizer at its tuned learning rate, mean over {0} seeds and min-max band",
     "학습 중 검증 지표: 조정된 학습률의 각 optimizer, 시드 {0}개의 평균과 최소-최대 띠"},
    {"figure.suite.lr.title", "Learning-rate sensitivity: validation metric at the end of the budget, seed 1 (gaps: diverged)",
     "학습률 민감도: 예산 끝의 검증 지표, 시드 1(빈 곳: 발산)"},
    {"figure.suite.validation", "validation {0}", "검증 {0}"},
    {"figure.suite.learning-rate", "learning rate", "학습률"},

    // ---- the explorable's HTML (explorable.cpp) ------------------------------------------------
    {"explorable.not-built",
     "<section id=\"explorable\"><h2>The lecture, live</h2>\n<p class=\"note\">The interactive explorable was not built: "
     "this optlab was configured without emscripten's <code>emcc</code> (<code>scripts/install-deps.sh</code> installs "
     "it) or with <code>OPTLAB_BUILD_EXPLORABLE=OFF</code>; see docs/explorable.md.</p></section>\n",
     "<section id=\"explorable\"><h2>강의를 직접 실행하기</h2>\n<p class=\"note\">대화형 페이지가 빌드되지 않았습니다: 이 "
     "optlab은 emscripten의 <code>emcc</code> 없이(<code>scripts/install-deps.sh</code>가 설치합니다) 또는 "
     "<code>OPTLAB_BUILD_EXPLORABLE=OFF</code>로 구성되었습니다; docs/explorable.md를 보십시오.</p></section>\n"},
    {"explorable.heading",
     "<h2 id=\"ox-title\">The lecture, live: drag the start point</h2>\n<p class=\"ox-intro\">Every path below is computed "
     "in this page by optlab's own optimizers, compiled to WebAssembly: the numbers are those <code>optlab "
     "trajectory</code> prints. Click or drag on the plot to move the start point (or focus it and use the arrow keys); "
     "hover a path to read its steps.</p>\n",
     "<h2 id=\"ox-title\">강의를 직접 실행하기: 시작점을 끌어 보십시오</h2>\n<p class=\"ox-intro\">아래의 모든 경로는 "
     "WebAssembly로 컴파일된 optlab 자신의 optimizer가 이 페이지 안에서 계산합니다: 숫자는 <code>optlab trajectory</code>가 "
     "출력하는 것과 같습니다. 그림을 클릭하거나 끌어서 시작점을 옮기고(또는 그림에 초점을 두고 화살표 키를 쓰고), 경로 위에 "
     "마우스를 올려 각 단계를 읽어 보십시오.</p>\n"},
    {"explorable.loading", "Starting the engine…", "엔진을 시작하는 중…"},
    {"explorable.formulas", "The selected optimizers' updates (docs/optimizers.md)", "선택한 optimizer의 매개변수 갱신(docs/optimizers.md)"},
    {"playground.title", "optlab playground: optimizers, live", "optlab playground: optimizer를 직접 실행하기"},

    // ---- the explorable's script (web/explorable.js: T('…') without "page.") --------------------
    {"page.plot-label",
     "Contour plot with the optimizers' paths; click or drag to move the start point, arrow keys move it too",
     "optimizer의 경로가 그려진 등고선 그림; 클릭하거나 끌어서 시작점을 옮기고, 화살표 키로도 옮길 수 있습니다"},
    {"page.readout-hint", "Hover a path to read its steps.", "경로 위에 마우스를 올리면 각 단계를 읽을 수 있습니다."},
    {"page.readout", "{0}, step {1}: ({2}, {3}), f = {4}", "{0}, {1}단계: ({2}, {3}), f = {4}"},
    {"page.function", "Function", "함수"},
    {"page.convention", "Convention", "규약"},
    {"page.steps", "Steps", "단계 수"},
    {"page.compare", "Compare", "비교"},
    {"page.compare.optimizers", "up to six optimizers", "optimizer 최대 여섯 개"},
    {"page.compare.conventions", "the first optimizer in torch, keras and book", "첫 번째 optimizer를 torch, keras, book 규약으로"},
    {"page.start-x", "Start x", "시작점 x"},
    {"page.add", "Add an optimizer", "optimizer 추가"},
    {"page.remove", "Remove", "제거"},
    {"page.remove-n", "Remove optimizer {0}", "optimizer {0} 제거"},
    {"page.optimizer-n", "Optimizer {0}", "{0}번째 optimizer"},
    {"page.lr-value", "lr value", "학습률 값"},
    {"page.minimum", "minimum ({0}, {1})", "최솟값 ({0}, {1})"},
    {"page.steplen-label", "Step length per step, log scale", "단계별 보폭, 로그 눈금"},
    {"page.steplen-caption",
     "Step length ‖θ<sub>k</sub> − θ<sub>k−1</sub>‖ per step (log scale). AdaGrad's shrink as its sum of squared gradients grows.",
     "단계별 보폭 ‖θ<sub>k</sub> − θ<sub>k−1</sub>‖(로그 눈금). AdaGrad의 보폭은 기울기 제곱의 합이 커지면서 줄어듭니다."},
    {"page.efflr-label", "Effective learning rate per coordinate, log scale", "좌표별 실효 학습률, 로그 눈금"},
    {"page.efflr-caption",
     "Effective learning rate per coordinate, −Δθ<sub>i</sub> / g<sub>i</sub> (log scale; x solid, y dotted): the lr for "
     "SGD, each coordinate its own for the adaptive ones.",
     "좌표별 실효 학습률 −Δθ<sub>i</sub> / g<sub>i</sub>(로그 눈금; x 실선, y 점선): SGD는 학습률 그대로, 적응형 방법은 "
     "좌표마다 다릅니다."},
    {"page.timing", "Recomputed and drew {0} path(s) of {1} steps in {2} ms.",
     "{1}단계짜리 경로 {0}개를 {2} ms에 다시 계산하고 그렸습니다."},
    {"page.chart-step", "step {0}", "{0}단계"},
    {"page.refused", "{0}", "받아들일 수 없는 값입니다: {0}"},
    {"page.engine-failed", "The engine did not start: {0}", "엔진이 시작되지 않았습니다: {0}"},
    {"page.net.title", "A network learns, live", "신경망 학습을 직접 보기"},
    {"page.net.intro",
     "Up to four optimizers train the same small network on the same points, from the same initial weights and on the "
     "same batches. Each square is one network's decision: blue where it answers +1, orange where −1; filled dots are "
     "training points, ringed ones test points. The losses are those that optlab train --problem 2d-… logs for the same "
     "settings.",
     "optimizer 최대 네 개가 같은 작은 신경망을 같은 점들 위에서, 같은 가중치의 초기값과 같은 배치로 학습시킵니다. 각 사각형은 "
     "한 신경망의 판정입니다: +1로 답하는 곳은 파란색, −1은 주황색; 속이 찬 점은 학습 데이터, 테두리만 있는 점은 시험 "
     "데이터입니다. 손실은 같은 설정으로 optlab train --problem 2d-…가 기록하는 값과 같습니다."},
    {"page.net.play", "Play", "재생"},
    {"page.net.pause", "Pause", "일시 정지"},
    {"page.net.step", "One step", "한 단계"},
    {"page.net.reset", "Reset", "처음으로"},
    {"page.net.steps", "Step", "단계"},
    {"page.net.step-n", "Step {0}", "{0}단계"},
    {"page.net.speed", "Steps per frame", "프레임당 단계 수"},
    {"page.net.data", "Data", "데이터"},
    {"page.net.dataset", "Dataset", "데이터 세트"},
    {"page.net.noise", "Noise (%)", "잡음(%)"},
    {"page.net.train-ratio", "Training points (%)", "학습 데이터 비율(%)"},
    {"page.net.seed", "Seed", "시드"},
    {"page.net.features", "Input features", "입력 특징"},
    {"page.net.network", "Network", "신경망"},
    {"page.net.layers", "Hidden layers", "은닉층 수"},
    {"page.net.units-n", "Units in layer {0}", "{0}층의 뉴런 수"},
    {"page.net.activation", "Activation", "활성화 함수"},
    {"page.net.init", "Initial weights", "가중치의 초기값"},
    {"page.net.l2", "L2 penalty λ", "L2 벌칙 λ"},
    {"page.net.batch", "Batch size", "배치 크기"},
    {"page.net.add", "Add an optimizer", "optimizer 추가"},
    {"page.net.chart", "Loss per step: training (the batch's, before the step) thin and solid, test (after the step) dashed",
     "단계별 손실: 학습(갱신 전 배치의 손실)은 가는 실선, 시험(갱신 후)은 파선"},
    {"page.net.chart-label", "Training and test loss per step of every optimizer", "모든 optimizer의 단계별 학습 손실과 시험 손실"},
    {"page.net.board", "{0}'s decision boundary and the points", "{0}의 결정 경계와 점들"},
    {"page.net.loss-line", "train {0}, test {1}", "학습 {0}, 시험 {1}"},
    {"page.net.stopped", "stopped: {0}", "멈춤: {0}"},
    {"page.net.timing", "{0} network(s): a frame's steps and heat maps in {1} ms.",
     "신경망 {0}개: 한 프레임의 단계와 열지도를 {1} ms에."},
    {"page.net.dataset.circle", "Two circles", "두 원"},
    {"page.net.dataset.xor", "XOR quadrants", "XOR 사분면"},
    {"page.net.dataset.gauss", "Two Gaussians", "두 가우스 분포"},
    {"page.net.dataset.spiral", "Two spirals", "두 나선"},
    {"page.net.activation.relu", "ReLU", "ReLU 함수"},
    {"page.net.activation.tanh", "tanh", "tanh 함수"},
    {"page.net.activation.sigmoid", "sigmoid", "sigmoid 함수"},
    {"page.net.activation.linear", "linear", "선형(항등 함수)"},
    {"page.net.init.std=1", "std 1", "표준편차 1"},
    {"page.net.init.std=0.01", "std 0.01", "표준편차 0.01"},
    {"page.net.init.xavier", "Xavier", "Xavier 초기값"},
    {"page.net.init.he", "He", "He 초기값"},
    {"page.net.init.zeros", "zeros", "0(모두 같은 값)"},

    // ---- the Korean of the registry's summaries (the English is the registry's) ----------------
    {"summary.sgd", "", "확률적 경사 하강법(SGD): θ ← θ − γg (강의의 첫 번째 규칙)"},
    {"summary.momentum", "", "무거운 공 모멘텀 0.9를 쓰는 SGD: v ← αv − γg, θ ← θ + v"},
    {"summary.nag", "", "Nesterov 모멘텀 0.9를 쓰는 SGD(NAG): v 방향으로 앞을 내다보고 갱신"},
    {"summary.adagrad", "", "AdaGrad: 기울기 제곱의 합의 제곱근으로 나눔"},
    {"summary.rmsprop", "", "RMSprop: 과거를 잊는 이동 평균을 쓰는 AdaGrad"},
    {"summary.adadelta", "", "AdaDelta: 과거 갱신량의 RMS로 크기를 맞춘 RMSprop"},
    {"summary.adam", "", "Adam: 모멘텀과 RMSprop을 합치고 편향을 보정"},
    {"summary.adamw", "", "AdamW: 가중치 감소를 분리한 Adam"},
    {"summary.amsgrad", "", "AMSGrad: 2차 모멘트의 누적 최댓값을 쓰는 Adam"},
    {"summary.nadam", "", "NAdam: Nesterov 모멘텀을 쓰는 Adam"},
    {"summary.adamax", "", "Adamax: 무한 노름을 쓰는 Adam"},
    {"summary.radam", "", "RAdam: 적응형 보폭의 워밍업을 보정한 Adam"},
    {"summary.lion", "", "Lion: 모멘텀 보간의 부호"},
    {"summary.lamb", "", "LAMB: Adam의 방향을 텐서마다 신뢰 비율 ‖θ‖/‖u‖로 조정"},
    {"summary.muon", "", "Muon: Newton–Schulz 반복으로 직교화한 모멘텀, 가중치 행렬용(커널은 행렬로)"},
    {"summary.adafactor", "", "Adafactor: 2차 모멘트를 인수분해(행렬마다 행 하나와 열 하나)하고 상대 보폭을 쓰는 RMSprop"},
    {"summary.schedule-free-adamw", "", "Schedule-Free AdamW: 스케줄 없음; z와 평균 x 사이의 y에서 학습하고 x에서 평가"},
    {"summary.schedule-free-sgd", "", "Schedule-Free SGD: z와 평균 x 사이의 보간으로서의 모멘텀"},
    {"summary.rprop", "", "Rprop: 매개변수마다 보폭이 있고, 기울기의 부호가 유지되는 동안 커짐"},
    {"summary.asgd", "", "ASGD: 보폭이 줄어드는 SGD, θ의 누적 평균에서 평가"},
    {"summary.sparse-adam", "", "SparseAdam: 희소 기울기가 닿은 행만 움직이는 Adam"},
    {"summary.ftrl", "", "FTRL-Proximal: 기울기의 합으로부터 구한 가중치, 정확한 0을 위한 L1"},
    {"summary.signum", "", "Signum: 모든 매개변수가 기울기 평균의 부호 반대로 γ만큼 이동"},
    {"summary.yogi", "", "Yogi: 2차 모멘트가 (1−β2)·g²만큼 더해지며 g² 쪽으로 움직이는 Adam"},
    {"summary.adabelief", "", "AdaBelief: 2차 모멘트가 기울기의 놀라움 (g − m)²을 평균하는 Adam"},
    {"summary.adan", "", "Adan: 기울기 변화량의 세 번째 평균을 더한 Adam(두 번째 기울기 없는 Nesterov)"},
    {"summary.lars", "", "LARS: 모멘텀 SGD, 텐서마다 신뢰 비율 η‖θ‖/‖u‖로 보폭 조정"},
    {"summary.ademamix", "", "AdEMAMix: 분자에 α로 가중한 기울기의 느린 EMA(β3)를 더한 Adam"},
    {"summary.adopt", "", "ADOPT: 이전 단계들의 2차 모멘트로 정규화한 뒤 평균한 기울기"},
    {"summary.prodigy", "", "Prodigy: 이동 거리로부터 보폭 d를 추정하는 Adam(lr은 배수)"},
    {"summary.dadapt-adamw", "", "D-Adaptation AdamW: 보폭 d가 해까지 거리의 하한인 Adam(lr은 배수)"},
    {"summary.dog", "", "DoG: 보폭이 이동 거리를 기울기 제곱 합의 제곱근으로 나눈 값인 SGD"},
    {"summary.novograd", "", "NovoGrad: 텐서마다 ‖g‖²의 2차 모멘트 하나와 감쇠 없는 1차 모멘트를 쓰는 Adam"},
    {"summary.lbfgs", "", "L-BFGS: 최근 단계들의 기울기 변화로 구한 준뉴턴 방향; 한 단계 안에서 손실을 다시 계산"},
    {"summary.shampoo", "", "Shampoo: 각 행렬 블록을 기울기 통계의 L^−¼·G·R^−¼로 전처리, 보폭의 노름은 Adam에서 가져옴"},
    {"summary.soap", "", "SOAP: Shampoo 전처리기의 고유 기저에서의 Adam, 기저는 몇 단계마다 갱신"},

    // ---- the Korean of the hyper-parameters' descriptions, the controls' tooltips (the English
    //      is the library's, describe_hyper in src/optim/hyper.cpp) -----------------------------
    {"hyper.lr", "", "학습률 γ (Prodigy, D-Adaptation, DoG: 추정한 보폭에 곱하는 배수, 1)"},
    {"hyper.momentum", "", "모멘텀 계수 μ"},
    {"hyper.dampening", "", "모멘텀 감쇠 τ (torch)"},
    {"hyper.weight_decay", "", "가중치 감소 λ"},
    {"hyper.nesterov", "", "Nesterov 모멘텀"},
    {"hyper.maximize", "", "내려가는 대신 올라감(최대화)"},
    {"hyper.lr_decay", "", "AdaGrad의 학습률 감소: γ/(1 + (t−1)·lr_decay)"},
    {"hyper.initial_accumulator_value", "", "기울기 제곱 합의 초기값(AdaGrad, FTRL의 n); Yogi의 m과 v의 시작값"},
    {"hyper.eps", "", "분모에 더하는 ε (Adafactor: ε1,ε2 쌍; ε1이 none이면 dtype의 epsilon)"},
    {"hyper.alpha", "", "RMSprop의 기울기 제곱 평균 감쇠 α; ASGD의 보폭 감쇠 지수 α; AdEMAMix의 느린 EMA 가중치 α"},
    {"hyper.centered", "", "centered RMSprop: 분산 추정값으로 나눔"},
    {"hyper.rho", "", "AdaDelta의 감쇠 ρ"},
    {"hyper.betas", "", "모멘트 추정의 감쇠율 β1,β2 (Adan: β1,β2,β3 — m, 기울기 변화량, n의 것; AdEMAMix: β1,β2,β3, β3은 느린 EMA의 것)"},
    {"hyper.amsgrad", "", "AMSGrad: 2차 모멘트의 누적 최댓값"},
    {"hyper.decoupled_weight_decay", "", "분리된 가중치 감소 θ ← θ(1 − γλ), AdamW처럼"},
    {"hyper.momentum_decay", "", "NAdam의 모멘텀 감쇠 ψ"},
    {"hyper.eps_root", "", "제곱근 안에서 2차 모멘트에 더하는 ε_root"},
    {"hyper.warmup_steps", "", "학습률을 선형으로 올리는 워밍업 단계 수(Schedule-Free)"},
    {"hyper.r", "", "Schedule-Free의 가중치가 t^r로 커짐"},
    {"hyper.weight_lr_power", "", "Schedule-Free의 가중치가 lr_max^p로 커짐"},
    {"hyper.beta2_decay", "", "Adafactor의 β̂ = t^beta2_decay, 새 통계의 가중치"},
    {"hyper.d", "", "Adafactor의 갱신량 RMS 클리핑 임계값"},
    {"hyper.ns_coefficients", "", "Muon의 Newton–Schulz 계수 a,b,c: X ← aX + (bS + cS²)X, S = XXᵀ"},
    {"hyper.ns_steps", "", "Muon의 Newton–Schulz 반복 횟수"},
    {"hyper.adjust_lr_fn", "", "Muon의 보폭 배율: original (√max(1, A/B)) 또는 match_rms_adamw (0.2·√max(A, B))"},
    {"hyper.etas", "", "Rprop의 배율 η−,η+: 기울기 부호가 바뀔 때, 유지될 때의 보폭 배율"},
    {"hyper.step_sizes", "", "Rprop의 가장 작은 보폭과 가장 큰 보폭 Δmin,Δmax"},
    {"hyper.lambd", "", "ASGD의 감쇠 λ: η = γ/(1 + λγt)^α, 그리고 θ는 매 단계 λη만큼 줄어듦"},
    {"hyper.t0", "", "ASGD에서 θ의 평균을 내기 시작하는 단계"},
    {"hyper.learning_rate_power", "", "FTRL의 −q: 좌표별 학습률은 γ/n^q"},
    {"hyper.l1_regularization_strength", "", "FTRL의 L1 강도 λ1: |z| ≤ λ1이면 θ = 0"},
    {"hyper.l2_regularization_strength", "", "FTRL의 안정화 L2 강도 λ2"},
    {"hyper.l2_shrinkage_regularization_strength", "", "FTRL의 수축 L2 강도 λs, 기울기에 2λs·θ로 더함"},
    {"hyper.beta", "", "FTRL의 β, 분모의 n^q에 더함; Signum의 기울기 평균 감쇠 β"},
    {"hyper.trust_coefficient", "", "LARS의 η: 신뢰 비율은 텐서마다 η·‖θ‖/(‖u‖ + ε)"},
    {"hyper.trust_ratio_mask", "", "LARS: 이 그룹의 텐서를 신뢰 비율로 조정(false: r = 1)"},
    {"hyper.beta3_warmup", "", "AdEMAMix에서 β3의 반감기가 β1의 것부터 선형으로 커지는 단계 수 T (none: 워밍업 없음)"},
    {"hyper.alpha_warmup", "", "AdEMAMix에서 α가 0부터 선형으로 커지는 단계 수 T (none: 워밍업 없음)"},
    {"hyper.clip_exponent", "", "ADOPT의 클리핑: 정규화한 기울기를 ±(t−1)^p로 자름(none: 자르지 않음)"},
    {"hyper.decouple", "", "기울기의 L2 항 대신 분리된 가중치 감소(AdamW의 것)"},
    {"hyper.beta3", "", "Prodigy에서 d를 위한 합의 감쇠 β3 (none: √β2)"},
    {"hyper.d0", "", "해까지 거리 d의 초기 추정값 d0 (Prodigy, D-Adaptation)"},
    {"hyper.d_coef", "", "Prodigy의 추정값 d̂에 곱하는 배수"},
    {"hyper.growth_rate", "", "한 단계에서 d가 커질 수 있는 최대 배율(none: 제한 없음, 참조 구현의 inf)"},
    {"hyper.use_bias_correction", "", "보폭 d·γ에서 Adam의 편향 보정(Prodigy, D-Adaptation)"},
    {"hyper.layer_scale", "", "D-Adaptation의 배율 ρ: 그룹의 보폭 d·γ와 d의 합에서의 가중치"},
    {"hyper.reps_rel", "", "DoG의 첫 거리 r_ε, 1 + ‖θ0‖에 대한 상대값"},
    {"hyper.init_eta", "", "DoG의 첫 보폭 η, reps_rel 대신(none: reps_rel로부터)"},
    {"hyper.max_iter", "", "L-BFGS의 단계당 반복 횟수, 반복마다 그 단계의 배치에서 손실을 다시 계산"},
    {"hyper.max_eval", "", "L-BFGS의 단계당 손실 계산 횟수(0: ⌊max_iter·5/4⌋, torch의 None)"},
    {"hyper.tolerance_grad", "", "‖g‖_∞ ≤ 이 값이면 L-BFGS가 그 단계를 멈춤"},
    {"hyper.tolerance_change", "", "갱신량이나 손실의 변화가 이 값보다 작으면 L-BFGS가 그 단계를 멈춤"},
    {"hyper.history_size", "", "L-BFGS가 보관하는 (갱신량, 기울기 변화) 쌍의 수"},
    {"hyper.line_search_fn", "", "L-BFGS의 선 탐색: fixed (torch의 None: 보폭은 lr) 또는 strong_wolfe"},
    {"hyper.cap_line_search", "", "L-BFGS: 선 탐색의 손실 계산을 max_eval로 제한(torch 2.10, pytorch#161488)"},
    {"hyper.safeguard_warmup", "", "Prodigy의 s가 (d/d0)·d·γ 대신 (d/d0)·d만큼 커짐, 워밍업 스케줄용"},
    {"hyper.shampoo_beta", "", "SOAP의 전처리 통계 L, R의 감쇠(음수: β2)"},
    {"hyper.precondition_frequency", "", "전처리기를 새로 계산하는 간격(단계; SOAP: 고유 기저, Shampoo: 역제곱근)"},
    {"hyper.max_precond_dim", "", "SOAP: 이보다 긴 차원은 전처리하지 않음"},
    {"hyper.merge_dims", "", "SOAP: 곱이 max_precond_dim 이내인 동안 이웃한 차원을 합침"},
    {"hyper.precondition_1d", "", "SOAP: 벡터도 전처리(n×n 통계), 2차원 이상 텐서만이 아니라"},
    {"hyper.normalize_grads", "", "SOAP: 각 텐서의 갱신량을 그 RMS로 나눔"},
    {"hyper.correct_bias", "", "SOAP: 보폭에 Adam의 편향 보정"},
    {"hyper.max_preconditioner_dim", "", "Shampoo: 행렬을 행과 열이 최대 이만큼인 블록으로 나눔"},
    {"hyper.start_preconditioning_step", "", "Shampoo: 전처리기를 쓰기 시작하는 단계(-1: precondition_frequency); 그전에는 접목한 방법만"},
    {"hyper.grafting", "", "Shampoo: 각 블록이 보폭의 노름을 가져오는 방법, adam 또는 adagrad"},
    {"hyper.grafting_beta2", "", "Shampoo: 접목한 Adam의 2차 모멘트 감쇠 β2"},
    {"hyper.grafting_eps", "", "Shampoo: 접목한 방법의 분모의 ε"},

    // ---- the Korean of docs/optimizers.md's *Lecture* lines (the English is the docs') ---------
    {"lecture.sgd", "", "W ← W − η ∂L/∂W — 기울어진 방향으로 일정 step size만큼만 이동합니다."},
    {"lecture.momentum", "",
     "v ← αv − η∂L/∂W; W ← W + v — Gradient Descent로 이동하는 과정에 '관성'을 더합니다: 내리막을 구르는 공은 속도를 "
     "유지하므로 평평한 구간과 얕은 local minima를 지나가고, 골짜기를 가로지르는 지그재그를 줄입니다(α ≈ 0.9, 지면 마찰과 "
     "공기 저항에 해당). NAG는 모멘텀이 데려갈 곳에서 갱신을 계산합니다."},
    {"lecture.adagrad", "",
     "h ← h + g⊙g; W ← W − η g/√h — 매개변수마다 step size가 다릅니다: 지금까지 많이 변화하지 않은 변수는 크게, 많이 "
     "변화한 변수는 작게. h는 커지기만 하므로 보폭은 0을 향해 줄어들고, 학습을 계속할수록 매개변수 갱신량이 0이 되어 갱신이 "
     "일어나지 않게 됩니다(<code>Adagrad.StepsShrinkAsLrOverRootT</code>)."},
    {"lecture.rmsprop", "",
     "(AdaGrad와 함께 소개됨) AdaGrad의 합을 지수 이동 평균으로 바꾸어, 먼 과거는 잊고 보폭이 사라지지 않게 합니다."},
    {"lecture.adadelta", "",
     "(RMSprop과 함께 소개됨) 학습률 대신 과거 갱신량의 RMS를 보폭으로 쓰는 RMSprop이어서, 갱신의 단위가 θ와 같습니다."},
    {"lecture.adam", "",
     "모멘텀과 AdaGrad를 융합한 방법 — 기울기의 이동 평균(일차 모멘텀, β1)을 기울기 제곱의 이동 평균(이차 모멘텀, β2)의 "
     "제곱근으로 나누며, 둘 다 0에서 시작하는 것을 보정합니다. 강의의 <code>keras.optimizers.Adam(lr=0.001, beta_1=0.9, "
     "beta_2=0.999)</code>는 <code>--optimizer adam --convention keras</code>입니다."},
});

}  // namespace

Lang parse_lang(std::string_view value, std::string_view flag) {
    if (value == "en") return Lang::en;
    if (value == "ko") return Lang::ko;
    throw InvalidArgument(std::string(flag) + " '" + std::string(value) + "': expected en (English) or ko (Korean)");
}

std::string_view lang_code(Lang lang) { return lang == Lang::ko ? "ko" : "en"; }

std::span<const Text> text_table() { return kTexts; }

std::string_view tr(Lang lang, std::string_view key) {
    for (const Text& t : kTexts) {
        if (t.key == key) return lang == Lang::ko ? t.ko : t.en;
    }
    throw Error("texts: no text under the key '" + std::string(key) + "' (app/src/language/texts.cpp)");
}

std::string fill(std::string_view pattern, std::initializer_list<std::string> args) {
    std::string out;
    for (std::size_t i = 0; i < pattern.size(); ++i) {
        if (pattern[i] == '{') {
            const std::size_t end = pattern.find('}', i);
            std::size_t n = 0;
            bool number = end != std::string_view::npos && end > i + 1;
            for (std::size_t j = i + 1; number && j < end; ++j) {
                number = pattern[j] >= '0' && pattern[j] <= '9';
                n = n * 10 + std::size_t(pattern[j] - '0');
            }
            if (number && n < args.size()) {
                out += *(args.begin() + n);
                i = end;
                continue;
            }
        }
        out += pattern[i];
    }
    return out;
}

std::string trf(Lang lang, std::string_view key, std::initializer_list<std::string> args) { return fill(tr(lang, key), args); }

std::string translated(Lang lang, std::string_view prefix, const std::string& english) {
    if (lang == Lang::en) return english;
    for (const Text& t : kTexts) {
        if (t.key.substr(0, prefix.size()) == prefix && t.en == english) return std::string(t.ko);
    }
    return english;
}

std::string optimizer_summary_in(Lang lang, std::string_view name) {
    if (lang == Lang::en) return std::string(optimizer_info(name).summary);
    return std::string(tr(lang, "summary." + std::string(name)));
}

std::string page_texts_json(Lang lang) {
    nlohmann::ordered_json j = nlohmann::ordered_json::object();
    for (const Text& t : kTexts) {
        if (t.key.substr(0, 5) == "page.") j[std::string(t.key.substr(5))] = std::string(lang == Lang::ko ? t.ko : t.en);
    }
    // The path view shows each optimizer's summary beside its controls, and each
    // hyper-parameter's description as its control's tooltip (the engine's catalogue has them in
    // English; a Korean page reads them here).
    for (const OptimizerInfo& info : optimizers()) {
        j["summary." + std::string(info.name)] = optimizer_summary_in(lang, info.name);
        for (Convention c : {Convention::torch, Convention::keras, Convention::book}) {
            for (const auto& [name, value] : info.defaults(c)) {
                if (lang == Lang::ko) j["hyper." + name] = std::string(tr(lang, "hyper." + name));
            }
        }
    }
    return j.dump();
}

std::string page_font_family(Lang lang) {
    return lang == Lang::ko ? "\"DejaVu Sans\",\"NanumGothic\",Arial,sans-serif" : "\"DejaVu Sans\",Arial,sans-serif";
}

}  // namespace optlab
