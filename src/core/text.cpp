// SPDX-License-Identifier: MIT
#include "optlab/core/text.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "optlab/core/error.hpp"

namespace optlab {

namespace {

// from_chars over the whole view: true only when every character was read.
template <class Number>
bool read_whole(std::string_view text, Number& value) {
    const char* end = text.data() + text.size();
    auto [at, ec] = std::from_chars(text.data(), end, value);
    return !text.empty() && ec == std::errc() && at == end;
}

#if defined(_LIBCPP_VERSION)
// libc++ before 17 (emscripten's, for the explorable's WebAssembly engine: web/) has no
// floating-point from_chars or to_chars. strtod and %.*g in the "C" locale read and write the
// same numbers; from_chars' refusals of leading space, '+' and hex are kept by hand.
template <>
bool read_whole<double>(std::string_view text, double& value) {
    if (text.empty() || text[0] == ' ' || text[0] == '+' || text.find_first_of("xX") != text.npos) {
        return false;
    }
    const std::string copy(text);
    char* end = nullptr;
    value = std::strtod(copy.c_str(), &end);
    return end == copy.c_str() + copy.size();
}

// The shortest %.*g form that reads back to v.
char* shortest_to(char* out, double v) {
    for (int digits = 1;; ++digits) {
        const int n = std::snprintf(out, 32, "%.*g", digits, v);
        if (digits >= 17 || std::strtod(out, nullptr) == v) return out + n;
    }
}
#else
char* shortest_to(char* out, double v) { return std::to_chars(out, out + 32, v).ptr; }
#endif

}  // namespace

double parse_number(std::string_view text, std::string_view what) {
    double v = 0;
    if (!read_whole(text, v) || !std::isfinite(v)) {
        throw InvalidArgument(std::string(what) + ": '" + std::string(text) +
                              "' is not a finite number");
    }
    return v;
}

std::int64_t parse_integer(std::string_view text, std::string_view what, std::int64_t lo,
                           std::int64_t hi) {
    std::int64_t v = 0;
    if (!read_whole(text, v) || v < lo || v > hi) {
        std::string range = "an integer";
        if (lo != std::numeric_limits<std::int64_t>::min() &&
            hi != std::numeric_limits<std::int64_t>::max()) {
            range += " in " + std::to_string(lo) + ".." + std::to_string(hi);
        } else if (lo != std::numeric_limits<std::int64_t>::min()) {
            range += " >= " + std::to_string(lo);
        }
        throw InvalidArgument(std::string(what) + ": '" + std::string(text) + "' is not " + range);
    }
    return v;
}

std::vector<std::string_view> split(std::string_view text, char sep) {
    std::vector<std::string_view> out;
    std::size_t start = 0;
    while (true) {
        const std::size_t at = text.find(sep, start);
        out.push_back(text.substr(start, at - start));
        if (at == std::string_view::npos) return out;
        start = at + 1;
    }
}

std::vector<double> parse_numbers(std::string_view text, std::string_view what) {
    std::vector<double> out;
    for (std::string_view item : split(text, ',')) out.push_back(parse_number(item, what));
    return out;
}

std::array<double, 2> parse_pair(std::string_view text, std::string_view what) {
    const char sep = text.find('/') != std::string_view::npos ? '/' : ',';
    const std::vector<std::string_view> items = split(text, sep);
    try {
        if (items.size() == 2) {
            return {parse_number(items[0], what), parse_number(items[1], what)};
        }
    } catch (const InvalidArgument&) {
        // reported below with the whole text
    }
    throw InvalidArgument(std::string(what) + ": '" + std::string(text) +
                          "' is not two finite numbers A,B");
}

Spec parse_spec(std::string_view text, std::string_view what) {
    const std::size_t colon = text.find(':');
    Spec spec{std::string(text.substr(0, colon)), {}};
    if (colon == std::string_view::npos) return spec;
    for (std::string_view item : split(text.substr(colon + 1), ',')) {
        double v = 0;
        if (!read_whole(item, v) || !std::isfinite(v)) {
            throw InvalidArgument(std::string(what) + " '" + std::string(text) + "': argument '" +
                                  std::string(item) + "' is not a finite number");
        }
        spec.args.push_back(v);
    }
    return spec;
}

char* format_number_to(char* out, double v) {
    if (std::isnan(v)) return std::copy_n("nan", 3, out);
    return shortest_to(out, v);  // the shortest form is at most 24 characters
}

std::string format_number(double v) {
    char buf[32];
    return std::string(buf, format_number_to(buf, v));
}

}  // namespace optlab
