// SPDX-License-Identifier: MIT
// Text placed in the report's HTML as itself.
#pragma once

#include <string>
#include <string_view>

namespace optlab {

/// `s` with < > & " escaped, for HTML text and attribute values.
inline std::string html_escape(std::string_view s) {
    std::string out;
    for (char c : s) {
        switch (c) {
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '&': out += "&amp;"; break;
            case '"': out += "&quot;"; break;
            default: out += c;
        }
    }
    return out;
}

}  // namespace optlab
