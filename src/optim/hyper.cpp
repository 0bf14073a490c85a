// SPDX-License-Identifier: MIT
#include "optlab/optim/hyper.hpp"

#include <charconv>
#include <cmath>

#include "optlab/optim/convention.hpp"

namespace optlab {

namespace {
std::string shortest(double v) {
    if (std::isnan(v)) return "nan";  // not "-nan": a NaN's sign bit means nothing to a reader
    char buf[64];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
    return std::string(buf, end);
}
}  // namespace

std::string to_string(const HyperValue& v) {
    if (const bool* b = std::get_if<bool>(&v)) return *b ? "true" : "false";
    if (const double* d = std::get_if<double>(&v)) return shortest(*d);
    const Betas& p = std::get<Betas>(v);
    std::string out = "(";
    out += shortest(p[0]);
    out += ", ";
    out += shortest(p[1]);
    out += ")";
    return out;
}

void throw_invalid(std::string_view optimizer, std::string_view field, double value,
                   std::string_view expected) {
    throw InvalidArgument(std::string(optimizer) + ": invalid " + std::string(field) + " = " +
                          shortest(value) + " (expected " + std::string(expected) + ")");
}

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
