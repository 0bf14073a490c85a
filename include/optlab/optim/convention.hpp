// SPDX-License-Identifier: MIT
// Whose formulas an optimizer follows. The sources disagree on where epsilon goes, how Adam is
// bias-corrected and how weight decay is applied (docs/optimizers.md, "Conventions"):
//   torch  PyTorch's torch.optim formulas and defaults (the default);
//   keras  current Keras: epsilon 1e-7, inside the root for AdaGrad/RMSprop, Adam's bias
//          correction folded into the step size ("epsilon hat"), decoupled weight decay;
//   book   the code of the book behind the lecture (Deep Learning from Scratch, ch. 6), so the
//          lecture's numbers come out: epsilon 1e-7 outside the root, Adam's folded step size,
//          RMSprop decay 0.99, Nesterov in its corrected 2021 form.
#pragma once

#include <array>
#include <string>
#include <string_view>

namespace optlab {

enum class Convention { torch, keras, book };
/// Every convention, in the order lists show them.
inline constexpr std::array kConventions = {Convention::torch, Convention::keras, Convention::book};

std::string_view to_string(Convention c);
/// Parses "torch", "keras" or "book"; throws InvalidArgument otherwise.
Convention parse_convention(std::string_view name);

}  // namespace optlab
