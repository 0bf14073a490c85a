// SPDX-License-Identifier: MIT
// A parameterised test's name from text that may hold characters GoogleTest refuses in names
// ("schedule-free-adamw" → "schedule_free_adamw").
#pragma once

#include <cctype>
#include <string>

namespace optlab::test {

inline std::string test_name(std::string text) {
    for (char& c : text) c = std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
    return text;
}

}  // namespace optlab::test
