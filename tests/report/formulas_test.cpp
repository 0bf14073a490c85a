// SPDX-License-Identifier: MIT
// The typeset formulas (app/src/report/explorable.cpp) without a browser: every registered
// optimizer has a section of them, each formula line is docs/optimizers.md's text, and the
// MathML keeps its characters in order. The browser tests check how Chromium shows them.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
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

// The text a reader sees in one <mtd>: the tags dropped, entities read back.
std::string text_of(std::string html) {
    html = std::regex_replace(html, std::regex("<[^>]*>"), "");
    for (auto [entity, c] : {std::pair{"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&amp;", "&"}}) {
        for (std::size_t at; (at = html.find(entity)) != std::string::npos;) html.replace(at, std::string(entity).size(), c);
    }
    return html;
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
    const std::string html = optlab::formulas_mathml();
    for (std::string_view name : optlab::optimizer_names()) {
        const std::regex section("data-optimizers=\"([a-z-]+ )*" + std::string(name) + "( [a-z-]+)*\"");
        EXPECT_TRUE(std::regex_search(html, section)) << name;
    }
}

TEST(Formulas, EachLineIsTheDocsTextTypesetInOrder) {
    // A block written as a paragraph ("**keras**: …") spans lines there: compared as one line.
    const std::string html = optlab::formulas_mathml(), md = std::regex_replace(docs(), std::regex("\n"), " ");
    const std::regex cell("<mtd data-text=\"([^\"]*)\">(.*?)</mtd>");
    int lines = 0;
    for (auto it = std::sregex_iterator(html.begin(), html.end(), cell); it != std::sregex_iterator(); ++it, ++lines) {
        const std::string text = text_of((*it)[1]), shown = text_of((*it)[2]);
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
