// SPDX-License-Identifier: MIT
// The one table of the pages' texts (app/src/language/texts.cpp) and the Korean figures' font.
// Fails on: a text without Korean (no Hangul) or without English; a Korean text whose
// placeholders {0}, {1}, … are not its English's; a key twice; a key the report, the figures or
// the explorable's script (web/explorable.js, T('…')) use that the table lacks, or a key of the
// table nothing uses; a registry optimizer without a Korean summary, or a docs/optimizers.md
// section with a *Lecture* line without its Korean; fill() not putting arguments where their
// number says; --lang refusing without naming the flag, the value and the choices; the Korean
// figures' font (NanumGothic, Debian's fonts-nanum) not resolved by fontconfig to its installed
// file, or not given to gnuplot's terminals, or a Korean figure's SVG without its Hangul title.
// (Plain string work, no std::regex: GCC 12 reports its internals under ASan.)
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "optlab/core/error.hpp"
#include "optlab/language/language.hpp"
#include "optlab/optim/hyper.hpp"
#include "optlab/optim/registry.hpp"
#include "optlab/plot/gnuplot.hpp"
#include "optlab/problems/classify2d.hpp"
#include "optlab/report/explorable.hpp"
#include "optlab/experiment/compare.hpp"

namespace {

using optlab::Lang;

std::string slurp(const std::filesystem::path& p) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

bool has_hangul(std::string_view s) {
    // Hangul syllables U+AC00–U+D7A3: lead bytes 0xEA..0xED in UTF-8.
    for (unsigned char c : s) {
        if (c >= 0xEA && c <= 0xED) return true;
    }
    return false;
}

// The placeholders of a template: {0}, {1}, …
std::multiset<std::string> placeholders(std::string_view s) {
    std::multiset<std::string> out;
    for (std::size_t at = s.find('{'); at != std::string_view::npos; at = s.find('{', at + 1)) {
        const std::size_t end = s.find('}', at);
        if (end == std::string_view::npos) break;
        const std::string_view inside = s.substr(at + 1, end - at - 1);
        if (!inside.empty() && inside.find_first_not_of("0123456789") == std::string_view::npos) out.insert(std::string(inside));
    }
    return out;
}

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

// Keys whose English lives elsewhere: the registry's summaries, the docs' *Lecture* lines, the
// library's descriptions of the hyper-parameters (describe_hyper).
bool korean_only(std::string_view key) {
    return starts_with(key, "summary.") || starts_with(key, "lecture.") || starts_with(key, "hyper.");
}

// Every string literal "…" in a C++ source that has the form of a key (prefix.rest, no file
// name such as summary.json). A small lexer: comments, character literals ('"'), escapes and raw
// strings R"(…)" are skipped as the compiler reads them.
std::vector<std::string> key_literals(const std::string& source) {
    std::vector<std::string> literals;
    for (std::size_t i = 0; i < source.size(); ++i) {
        const char c = source[i];
        if (c == '/' && i + 1 < source.size() && source[i + 1] == '/') {
            i = source.find('\n', i);
            if (i == std::string::npos) break;
        } else if (c == '/' && i + 1 < source.size() && source[i + 1] == '*') {
            i = source.find("*/", i + 2) + 1;
        } else if (c == '\'') {
            i += source[i + 1] == '\\' ? 3 : 2;  // 'x' or '\x'
        } else if (c == 'R' && i + 1 < source.size() && source[i + 1] == '"') {
            const std::size_t open = source.find('(', i);
            const std::string close = ")" + source.substr(i + 2, open - i - 2) + "\"";
            i = source.find(close, open) + close.size() - 1;
        } else if (c == '"') {
            std::string literal;
            for (++i; i < source.size() && source[i] != '"'; ++i) {
                if (source[i] == '\\') ++i;
                literal += source[i];
            }
            literals.push_back(literal);
        }
    }
    std::vector<std::string> keys;
    for (const std::string& literal : literals) {
        for (const char* prefix : {"report.", "figure.", "explorable.", "playground.", "formula.", "page.", "summary.", "lecture.", "arm."}) {
            const std::size_t dot = literal.rfind('.');
            const std::string extension = dot == std::string::npos ? "" : literal.substr(dot);
            const bool file = extension == ".json" || extension == ".csv" || extension == ".svg" || extension == ".png";
            if (starts_with(literal, prefix) && literal.find(' ') == std::string::npos && !file) keys.push_back(literal);
        }
    }
    return keys;
}

// The keys web/explorable.js asks for: T('key', …), as the table's "page.key".
std::vector<std::string> script_keys(const std::string& script) {
    std::vector<std::string> keys;
    for (std::size_t at = script.find("T('"); at != std::string::npos; at = script.find("T('", at + 3)) {
        const std::size_t end = script.find('\'', at + 3);
        keys.push_back("page." + script.substr(at + 3, end - at - 3));
    }
    return keys;
}

// The quoted items of a JavaScript array literal `var NAME = ['a', 'b'];`.
std::vector<std::string> script_list(const std::string& script, const std::string& name) {
    std::vector<std::string> items;
    const std::size_t at = script.find("var " + name + " = [");
    if (at == std::string::npos) return items;
    const std::size_t end = script.find(']', at);
    for (std::size_t q = script.find('\'', at); q < end; q = script.find('\'', q + 1)) {
        const std::size_t close = script.find('\'', q + 1);
        items.push_back(script.substr(q + 1, close - q - 1));
        q = close;
    }
    return items;
}

const std::filesystem::path kSource = OPTLAB_SOURCE_DIR;

std::string all_app_sources() {
    std::string all;
    for (const auto& dir : {kSource / "app" / "src", kSource / "cli"}) {
        for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
            if (entry.path().extension() == ".cpp" && entry.path().filename() != "texts.cpp") all += slurp(entry.path());
        }
    }
    return all;
}

TEST(Texts, EveryTextHasEnglishAndKoreanWithTheSamePlaceholders) {
    std::set<std::string_view> seen;
    for (const optlab::Text& t : optlab::text_table()) {
        EXPECT_TRUE(seen.insert(t.key).second) << "the key " << t.key << " is in the table twice";
        EXPECT_TRUE(has_hangul(t.ko)) << t.key << " has no Korean: \"" << t.ko << "\"";
        if (korean_only(t.key)) {
            EXPECT_TRUE(t.en.empty()) << t.key << ": its English is the registry's or the docs', not the table's";
            continue;
        }
        EXPECT_FALSE(t.en.empty()) << t.key << " has no English";
        EXPECT_EQ(placeholders(t.en), placeholders(t.ko)) << t.key << ": the Korean's placeholders are not the English's\n  en: "
                                                         << t.en << "\n  ko: " << t.ko;
    }
    EXPECT_GT(seen.size(), 150u);
}

TEST(Texts, EveryKeyTheCodeAndTheScriptUseIsInTheTableAndEveryKeyIsUsed) {
    std::set<std::string> table;
    for (const optlab::Text& t : optlab::text_table()) table.insert(std::string(t.key));
    const std::string sources = all_app_sources();
    const std::string script = slurp(kSource / "web" / "explorable.js");
    std::set<std::string> used;
    // Literal keys; one ending in '.' is a family the code completes (report.times. + one/many).
    std::set<std::string> families;
    for (const std::string& key : key_literals(sources)) (key.back() == '.' ? families : used).insert(key);
    for (const std::string& key : script_keys(script)) (key.back() == '.' ? families : used).insert(key);
    for (const std::string& key : used) EXPECT_TRUE(table.count(key)) << "the code or the script uses " << key << ", which the table lacks";
    // The families, completed as the code completes them.
    for (const char* n : {"one", "many"}) used.insert(std::string("report.times.") + n);
    for (const char* act : {"sigmoid", "tanh"}) {
        for (const char* v : {".piles-up", ".not-piles-up"}) used.insert(std::string("report.hist.") + act + v);
    }
    for (const char* preset : {"book", "lecture", "ravine-momentum", "local-minima"}) used.insert(std::string("report.figure.") + preset);
    for (std::string_view d : optlab::datasets_2d()) used.insert("page.net.dataset." + std::string(d));
    const std::vector<std::string> activations = script_list(script, "NET_ACTIVATIONS"), inits = script_list(script, "NET_INITS");
    EXPECT_EQ(activations.size(), 4u) << "web/explorable.js's NET_ACTIVATIONS";
    EXPECT_EQ(inits.size(), 5u) << "web/explorable.js's NET_INITS";
    for (const auto& a : activations) used.insert("page.net.activation." + a);
    for (const auto& i : inits) used.insert("page.net.init." + i);
    for (const auto& info : optlab::optimizers()) {
        used.insert("summary." + std::string(info.name));
        for (auto c : {optlab::Convention::torch, optlab::Convention::keras, optlab::Convention::book}) {
            for (const auto& [name, value] : info.defaults(c)) {
                EXPECT_FALSE(optlab::describe_hyper(name).empty()) << name;
                used.insert("hyper." + name);  // its control's tooltip
            }
        }
    }
    // Arms' labels: a row per preset arm whose label has words.
    for (const auto& spec : {optlab::experiment::compare_preset(), optlab::experiment::init_compare_preset()}) {
        for (const auto& arm : spec.arms) {
            for (const optlab::Text& t : optlab::text_table()) {
                if (starts_with(t.key, "arm.") && t.en == arm.label) used.insert(std::string(t.key));
            }
        }
    }
    // A formula block's label other than a convention is looked up by its English: each such
    // label of the typeset formulas has its text (the Korean page would not build otherwise).
    EXPECT_NO_THROW(optlab::formulas_mathml(Lang::ko));
    const std::string formulas = optlab::formulas_mathml(Lang::en);
    for (const optlab::Text& t : optlab::text_table()) {
        if (starts_with(t.key, "formula.block.") && formulas.find("class=\"convention\">" + std::string(t.en) + "<") != std::string::npos) {
            used.insert(std::string(t.key));
        }
    }
    for (const std::string& key : used) EXPECT_TRUE(table.count(key)) << key << " is not in the table";
    // A description's Korean is of use while the library describes that hyper-parameter (an
    // optimizer built only with LAPACK, Shampoo or SOAP, may be absent from this build).
    for (const std::string& key : table) {
        if (starts_with(key, "hyper.") && !optlab::describe_hyper(key.substr(6)).empty()) used.insert(key);
    }
    for (const std::string& key : table) {
        if (starts_with(key, "lecture.")) continue;  // the next test: one per docs section with a *Lecture* line
        EXPECT_TRUE(used.count(key)) << key << " is in the table but nothing uses it";
    }
    for (const char* family : {"report.times.", "report.hist.", "report.figure.", "page.net.dataset.", "page.net.activation.",
                               "page.net.init.", "lecture."}) {
        // report.hist.ACT.… is written "report.hist." + act + …: the literal is the family's.
        EXPECT_TRUE(families.count(family)) << "the family " << family << " is no longer used as such: update this test";
    }
}

TEST(Texts, EveryLectureLineOfTheDocsHasItsKorean) {
    // A section: "## Title", then "Registry name(s): `a`, `b`." — its Lecture line, if any.
    const std::string docs = slurp(kSource / "docs" / "optimizers.md");
    std::set<std::string> expected;
    std::string first_name;
    std::istringstream in(docs);
    for (std::string line; std::getline(in, line);) {
        if (starts_with(line, "## ")) first_name.clear();
        if (starts_with(line, "Registry name")) {
            const std::size_t a = line.find('`'), b = line.find('`', a + 1);
            first_name = line.substr(a + 1, b - a - 1);
        }
        if (starts_with(line, "*Lecture*") && !first_name.empty()) expected.insert("lecture." + first_name);
    }
    std::set<std::string> table;
    for (const optlab::Text& t : optlab::text_table()) {
        if (starts_with(t.key, "lecture.")) table.insert(std::string(t.key));
    }
    EXPECT_GE(expected.size(), 6u);
    EXPECT_EQ(expected, table) << "docs/optimizers.md's *Lecture* lines and the table's lecture.NAME keys differ";
}

TEST(Texts, SummariesComeFromTheRegistryInEnglishAndFromTheTableInKorean) {
    for (const auto& info : optlab::optimizers()) {
        EXPECT_EQ(optlab::optimizer_summary_in(Lang::en, info.name), info.summary);
        EXPECT_TRUE(has_hangul(optlab::optimizer_summary_in(Lang::ko, info.name))) << info.name;
    }
    const std::string json = optlab::page_texts_json(Lang::ko);
    EXPECT_NE(json.find("\"net.play\":\"재생\""), std::string::npos) << json.substr(0, 300);
    EXPECT_NE(json.find("\"summary.adam\":"), std::string::npos);
    EXPECT_EQ(optlab::page_texts_json(Lang::en).find("재생"), std::string::npos);
}

TEST(Texts, FillPutsEachArgumentWhereItsNumberSays) {
    EXPECT_EQ(optlab::fill("{1}에서 {0}위", {"3", "quadratic"}), "quadratic에서 3위");
    EXPECT_EQ(optlab::fill("{0} and {0}", {"a"}), "a and a");
    EXPECT_EQ(optlab::fill("{x} {2} {}", {"a"}), "{x} {2} {}");  // not a placeholder, or no argument: as written
    EXPECT_EQ(optlab::trf(Lang::en, "report.steps", {"100"}), "100 steps");
    EXPECT_EQ(optlab::trf(Lang::ko, "report.steps", {"100"}), "100단계");
    EXPECT_THROW(optlab::tr(Lang::en, "report.no-such-key"), optlab::Error);
}

TEST(Texts, ABadLanguageIsRefusedNamingTheFlagTheValueAndTheChoices) {
    EXPECT_EQ(optlab::parse_lang("ko"), Lang::ko);
    EXPECT_EQ(optlab::parse_lang("en"), Lang::en);
    try {
        optlab::parse_lang("kr");
        FAIL() << "--lang kr accepted";
    } catch (const optlab::InvalidArgument& e) {
        EXPECT_STREQ(e.what(), "--lang 'kr': expected en (English) or ko (Korean)");
    }
}

// ---- the Korean figures' font ------------------------------------------------------------------

std::string run(const std::string& command) {
    std::string out;
    FILE* p = popen(command.c_str(), "r");
    if (!p) return out;
    char buf[512];
    while (std::fgets(buf, sizeof buf, p)) out += buf;
    pclose(p);
    return out;
}

TEST(FigureFont, FontconfigResolvesTheKoreanFiguresFontToFontsNanum) {
    const std::string font(optlab::figure_font(Lang::ko));
    EXPECT_EQ(font, "NanumGothic");
    EXPECT_EQ(optlab::figure_font(Lang::en), "DejaVu Sans");
    // What cairo gets for the name: fontconfig's best match, its family and file. Without
    // fonts-nanum it would be another family (DejaVu Sans), which has no Hangul: tofu.
    const std::string match = run("fc-match -f '%{family}|%{file}' '" + font + ":lang=ko' 2>/dev/null");
    ASSERT_NE(match.find("NanumGothic"), std::string::npos)
        << "fc-match " << font << ":lang=ko gives \"" << match << "\": install fonts-nanum (scripts/install-deps.sh)";
    const std::string file = match.substr(match.find('|') + 1);
    EXPECT_TRUE(std::filesystem::exists(file)) << file;
    EXPECT_NE(file.find("/nanum/"), std::string::npos) << file << " is not fonts-nanum's";
    // It covers the Hangul syllables (U+AC00 가 .. U+D7A3 힣) as fontconfig sees its charset.
    const std::string covering = run("fc-list ':lang=ko:charset=ac00 d7a3' family 2>/dev/null");
    EXPECT_NE(covering.find("NanumGothic"), std::string::npos) << covering;
}

TEST(FigureFont, AKoreanFigureIsDrawnWithItAndCarriesItsHangulTitle) {
    if (!optlab::gnuplot_available()) GTEST_SKIP() << "gnuplot is not installed (scripts/install-deps.sh installs gnuplot-nox)";
    const std::filesystem::path dir = std::filesystem::path(OPTLAB_OUTPUT_DIR) / "texts_test";
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    const std::string title = std::string(optlab::tr(Lang::ko, "figure.reconstructions.title"));
    optlab::plot_png_svg(dir / "ko", "set title " + optlab::gnuplot_string(title) + "\nplot x*x\n", 400, 300, Lang::ko);
    optlab::plot_png_svg(dir / "en", "set title 'x'\nplot x*x\n", 400, 300, Lang::en);
    const std::string script = slurp(dir / "ko.gp"), svg = slurp(dir / "ko.svg");
    EXPECT_NE(script.find("set terminal pngcairo size 400,300 enhanced font 'NanumGothic,10'"), std::string::npos) << script;
    EXPECT_NE(script.find("set terminal svg size 400,300 enhanced font 'NanumGothic,10'"), std::string::npos) << script;
    EXPECT_NE(slurp(dir / "en.gp").find("font 'DejaVu Sans,10'"), std::string::npos);
    EXPECT_NE(svg.find(title), std::string::npos) << "the SVG lacks the Korean title";
    EXPECT_NE(svg.find("font-family=\"NanumGothic\""), std::string::npos);
    EXPECT_GT(std::filesystem::file_size(dir / "ko.png"), 1000u);
}

}  // namespace
