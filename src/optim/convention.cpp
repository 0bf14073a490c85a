// SPDX-License-Identifier: MIT
#include "optlab/optim/convention.hpp"

#include "optlab/core/error.hpp"

namespace optlab {

std::string_view to_string(Convention c) {
    switch (c) {
        case Convention::torch: return "torch";
        case Convention::keras: return "keras";
        case Convention::book: return "book";
    }
    return "?";
}

Convention parse_convention(std::string_view name) {
    if (name == "torch") return Convention::torch;
    if (name == "keras") return Convention::keras;
    if (name == "book") return Convention::book;
    throw InvalidArgument("convention: unknown name '" + std::string(name) +
                          "' (expected torch, keras or book)");
}

}  // namespace optlab
