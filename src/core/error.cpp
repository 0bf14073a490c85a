// SPDX-License-Identifier: MIT
// Anchors the exception types' vtables in the library; the range checks.
#include "optlab/core/error.hpp"

#include <cmath>

#include "optlab/core/text.hpp"

namespace optlab {

void throw_invalid(std::string_view where, std::string_view field, double value,
                   std::string_view expected) {
    throw InvalidArgument(std::string(where) + ": invalid " + std::string(field) + " = " +
                          format_number(value) + " (expected " + std::string(expected) + ")");
}

void check_non_negative(std::string_view where, std::string_view field, double value) {
    if (!(value >= 0.0) || !std::isfinite(value)) {
        throw_invalid(where, field, value, "a finite number >= 0");
    }
}

void check_whole(std::string_view where, std::string_view field, double value, double least) {
    if (!(value >= least && value <= 1e9 && value == std::floor(value))) {
        throw_invalid(where, field, value, "a whole number from " + format_number(least));
    }
}

void check_unit_open(std::string_view where, std::string_view field, double value) {
    if (!(value >= 0.0 && value < 1.0)) throw_invalid(where, field, value, "0 <= value < 1");
}

void check_unit_closed(std::string_view where, std::string_view field, double value) {
    if (!(value >= 0.0 && value <= 1.0)) throw_invalid(where, field, value, "0 <= value <= 1");
}

}  // namespace optlab
