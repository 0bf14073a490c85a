// SPDX-License-Identifier: MIT
// The few pieces of text every layer reads and writes: numbers, lists, pairs and "KIND:ARGS"
// specs (schedules, clipping, initializers), and numbers printed back in the shortest form
// that reads back to the same double. One parser and one formatter, so a flag, a preset and a
// saved file all accept and print the same things.
//
// Syntax:  number   a whole string std::from_chars reads as a finite double ("1e-3", "-7")
//          list     numbers separated by ',' ("1,2,3")
//          pair     two numbers "A,B" ("0.9,0.999"); "A/B", the form arm lists used to need
//                   inside their own commas, is accepted too
//          spec     KIND or KIND:LIST ("cosine:1000,50", "global-norm:1", "zeros")
#pragma once

#include <array>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace optlab {

/// A whole string as a finite double. Throws InvalidArgument
/// "<what>: '<text>' is not a finite number" for anything else (empty, "1e", "nan", "inf", "1x").
double parse_number(std::string_view text, std::string_view what);

/// A whole string as an integer in [lo, hi]; throws InvalidArgument naming `what`, the text and
/// the range otherwise.
std::int64_t parse_integer(std::string_view text, std::string_view what,
                           std::int64_t lo = std::numeric_limits<std::int64_t>::min(),
                           std::int64_t hi = std::numeric_limits<std::int64_t>::max());

/// Splits at every `sep`: "a,,b" → {"a", "", "b"}; "" → {""}.
std::vector<std::string_view> split(std::string_view text, char sep);

/// A comma-separated list of finite numbers; every item must be one.
std::vector<double> parse_numbers(std::string_view text, std::string_view what);

/// Two finite numbers "A,B" (or "A/B"). Throws InvalidArgument
/// "<what>: '<text>' is not two finite numbers A,B" otherwise.
std::array<double, 2> parse_pair(std::string_view text, std::string_view what);

/// "KIND" or "KIND:A,B,...": the kind and its numbers (none for a bare kind).
struct Spec {
    std::string kind;
    std::vector<double> args;
};
/// Throws InvalidArgument "<what> '<text>': argument '<item>' is not a finite number".
Spec parse_spec(std::string_view text, std::string_view what);

/// The shortest text that reads back to exactly `v` ("0.001", "1e-08", "-7"); "nan" for any
/// NaN (its sign bit means nothing to a reader), "inf" and "-inf".
std::string format_number(double v);
/// The same text written at `out` (at least 32 chars of room), without allocating; returns the
/// end. For rows written every iteration.
char* format_number_to(char* out, double v);

}  // namespace optlab
