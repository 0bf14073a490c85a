// SPDX-License-Identifier: MIT
// The typeset formulas (app/src/report/explorable.cpp) without a browser: every registered
// optimizer has a section of them, each formula line is docs/optimizers.md's text, and the
// MathML keeps its characters in order. The browser tests check how Chromium shows them.
#include <gtest/gtest.h>

#include <fstream>
#include <algorithm>
#include <set>
#include <sstream>
#include <string>

#include "optlab/optim/registry.hpp"
#include "optlab/report/explorable.hpp"

namespace {

std::string docs() {
    std::ifstream in(std::string(OPTLAB_SOURCE_DIR) + "/docs/optimizers.md");
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// The text a reader sees in one <mtd>: the tags dropped, entities read back. (Plain string
// work: GCC 12 reports std::regex's internals as maybe-uninitialized under ASan.)
std::string text_of(const std::string& html) {
    std::string out;
    bool in_tag = false;
    for (char c : html) {
        if (c == '<') in_tag = true;
        if (!in_tag) out += c;
        if (c == '>') in_tag = false;
    }
    for (auto [entity, c] : {std::pair{"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&amp;", "&"}}) {
        for (std::size_t at; (at = out.find(entity)) != std::string::npos;) out.replace(at, std::string(entity).size(), c);
    }
    return out;
}

std::string without(std::string s, const std::string& chars) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s.compare(i, 3, "√") == 0) {
            i += 2;
            continue;
        }
        if (chars.find(s[i]) == std::string::npos) out += s[i];
    }
    return out;
}

TEST(Formulas, EveryRegisteredOptimizerHasASectionOfTheDocs) {
    const std::string html = optlab::formulas_mathml(), key = "data-optimizers=\"";
    std::set<std::string> names;
    for (std::size_t at = html.find(key); at != std::string::npos; at = html.find(key, at + 1)) {
        std::istringstream list(html.substr(at + key.size(), html.find('"', at + key.size()) - at - key.size()));
        for (std::string name; list >> name;) names.insert(name);
    }
    for (std::string_view name : optlab::optimizer_names()) EXPECT_TRUE(names.count(std::string(name))) << name;
}

TEST(Formulas, EachLineIsTheDocsTextTypesetInOrder) {
    // A block written as a paragraph ("**keras**: …") spans lines there: compared as one line.
    std::string md = docs();
    std::replace(md.begin(), md.end(), '\n', ' ');
    const std::string html = optlab::formulas_mathml(), open = "<mtd data-text=\"";
    int lines = 0;
    for (std::size_t at = html.find(open); at != std::string::npos; at = html.find(open, at + 1), ++lines) {
        const std::size_t quote = html.find('"', at + open.size()), end = html.find("</mtd>", quote);
        const std::string text = text_of(html.substr(at + open.size(), quote - at - open.size()));
        const std::string shown = text_of(html.substr(quote + 2, end - quote - 2));
        EXPECT_NE(md.find(text.substr(0, text.find("  "))), std::string::npos) << text;
        EXPECT_EQ(without(shown, " "), without(text, " ")) << text;
    }
    EXPECT_GT(lines, 50);
    // Roots, scripts and remarks are MathML's, not text.
    EXPECT_NE(html.find("<msqrt>"), std::string::npos);
    EXPECT_NE(html.find("<msup>"), std::string::npos);
    EXPECT_NE(html.find("<mtext class=\"remark\">"), std::string::npos);
}

}  // namespace
