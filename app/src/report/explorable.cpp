// SPDX-License-Identifier: MIT
// The explorable's page and the typeset formulas. Three things are embedded in the binary by
// the build (cmake/embed.cmake): the engine (web/engine.cpp compiled by emscripten into one
// JavaScript file with its WebAssembly inside, or nothing when emcc was not found), the page's
// script and style (web/explorable.js, web/explorable.css), and docs/optimizers.md, the one
// text of every formula: it is read here, section by section, and each formula line typeset as
// MathML, which Chromium renders with no script.
#include "optlab/report/html.hpp"
#include "optlab/report/explorable.hpp"
#include "optlab/language/language.hpp"

#include <string_view>
#include <vector>

#include "optlab/core/error.hpp"
#include "optlab/core/text.hpp"
#include "optlab/experiment/trajectories.hpp"
#include "optlab/io/hyper_json.hpp"
#include "optlab/optim/registry.hpp"
#include "optlab/plot/gnuplot.hpp"

namespace optlab {

namespace assets {  // build/generated/explorable_assets.cpp
std::string engine_js();       // the emscripten module, "" when not built
std::string explorable_js();   // web/explorable.js
std::string explorable_css();  // web/explorable.css
std::string optimizers_md();   // docs/optimizers.md
}  // namespace assets

namespace {

std::string esc(std::string_view s) { return html_escape(s); }

// ---- docs/optimizers.md, read as sections -------------------------------------------------------

struct FormulaBlock {
    std::string label;               // "torch", "keras / book", ...
    std::vector<std::string> lines;  // the code block's lines, as written
};

struct FormulaSection {
    std::string title;               // the "## " heading
    std::vector<std::string> names;  // its registry names
    std::string lecture;             // the *Lecture* line, without the marker
    std::string prose;               // the first paragraph after it, for sections without blocks
    std::vector<FormulaBlock> blocks;
};

std::vector<std::string_view> split_lines(std::string_view text) {
    std::vector<std::string_view> lines;
    while (!text.empty()) {
        const std::size_t end = text.find('\n');
        lines.push_back(text.substr(0, end));
        if (end == std::string_view::npos) break;
        text.remove_prefix(end + 1);
    }
    return lines;
}

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

// Every "## " section whose first line names registry entries ("Registry name: `sgd`.").
std::vector<FormulaSection> read_sections(std::string_view markdown) {
    std::vector<FormulaSection> sections;
    const std::vector<std::string_view> lines = split_lines(markdown);
    FormulaSection* current = nullptr;
    std::string label;  // the bold label before the next block
    for (std::size_t i = 0; i < lines.size(); ++i) {
        const std::string_view line = lines[i];
        if (starts_with(line, "## ")) {
            current = nullptr;
            std::size_t j = i + 1;
            while (j < lines.size() && lines[j].empty()) ++j;
            if (j < lines.size() && starts_with(lines[j], "Registry name")) {
                FormulaSection s;
                s.title = std::string(line.substr(3));
                for (std::size_t at = lines[j].find('`'); at != std::string_view::npos;) {
                    const std::size_t end = lines[j].find('`', at + 1);
                    s.names.emplace_back(lines[j].substr(at + 1, end - at - 1));
                    at = lines[j].find('`', end + 1);
                }
                sections.push_back(std::move(s));
                current = &sections.back();
                i = j;
            }
            continue;
        }
        if (current == nullptr) continue;
        if (starts_with(line, "*Lecture*")) {
            std::string text(line.substr(line.find(':') + 1));
            for (std::size_t j = i + 1; j < lines.size() && !lines[j].empty(); ++j, ++i) {
                text += " " + std::string(lines[j]);
            }
            current->lecture = text.substr(text.find_first_not_of(' '));
            continue;
        }
        if (current->blocks.empty() && current->prose.empty() && !current->lecture.empty() && !line.empty() &&
            !starts_with(line, "**") && !starts_with(line, "```")) {
            std::string text(line);
            for (std::size_t j = i + 1; j < lines.size() && !lines[j].empty(); ++j, ++i) text += " " + std::string(lines[j]);
            current->prose = text;
            continue;
        }
        if (starts_with(line, "**")) {
            const std::size_t end = line.find("**", 2);
            label = std::string(line.substr(2, end - 2));
            // "**keras**: θ ← …; …" — a block written as a paragraph.
            if (line.substr(end + 2, 1) == ":") {
                std::string text(line.substr(end + 3));
                for (std::size_t j = i + 1; j < lines.size() && !lines[j].empty(); ++j, ++i) text += " " + std::string(lines[j]);
                current->blocks.push_back({label, {text.substr(text.find_first_not_of(' '))}});
            }
            continue;
        }
        if (starts_with(line, "```")) {
            FormulaBlock block{label, {}};
            for (++i; i < lines.size() && !starts_with(lines[i], "```"); ++i) block.lines.emplace_back(lines[i]);
            current->blocks.push_back(std::move(block));
            label.clear();
        }
    }
    return sections;
}

// ---- one line of formula text as MathML -----------------------------------------------------------
// The docs' plain-text notation, token by token: Greek and single letters are identifiers,
// numbers are numbers, words are text, "√(…)" and "√x" are roots, "x^t" and "γ_t" are scripts,
// a run of spaces is a gap, and a parenthesised remark after a gap is text. The characters stay
// the docs' characters, in the docs' order (the browser test compares them).

// One UTF-8 character, with any combining marks after it (v̂, ḡ).
std::size_t char_length(std::string_view s, std::size_t at) {
    auto one = [&](std::size_t i) -> std::size_t {
        const unsigned char c = static_cast<unsigned char>(s[i]);
        return c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    };
    std::size_t n = one(at);
    // U+0300–U+036F, combining diacritical marks: 0xCC 0x80 .. 0xCD 0xAF.
    while (at + n + 1 < s.size() && (static_cast<unsigned char>(s[at + n]) == 0xCC ||
                                     (static_cast<unsigned char>(s[at + n]) == 0xCD &&
                                      static_cast<unsigned char>(s[at + n + 1]) < 0xB0))) {
        n += 2;
    }
    return n;
}

bool is_ascii_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

class MathWriter {
  public:
    explicit MathWriter(std::string_view text) : s_(text) {}

    std::string row() {
        std::string out;
        while (at_ < s_.size()) out += token();
        return out;
    }

  private:
    std::string_view s_;
    std::size_t at_ = 0;

    std::string token() {
        const std::size_t start = at_;
        const char c = s_[at_];
        if (c == ' ') {
            while (at_ < s_.size() && s_[at_] == ' ') ++at_;
            const std::size_t run = at_ - start;
            // A remark: a gap of two spaces or more, then "(…)" to the end of the line.
            if (run >= 2 && at_ < s_.size() && s_[at_] == '(' && s_.back() == ')' && start > 0) {
                const std::string_view remark = s_.substr(at_);
                at_ = s_.size();
                return "<mspace width=\"1.5em\"></mspace><mtext class=\"remark\">" + esc(remark) + "</mtext>";
            }
            if (run >= 2) return "<mspace width=\"1em\"></mspace>";
            // MathML drops spaces: one beside a word ("if μ", "under book") becomes a gap.
            auto word_at = [&](std::size_t i, std::size_t j) {
                return i < s_.size() && j < s_.size() && is_ascii_letter(s_[i]) && is_ascii_letter(s_[j]);
            };
            const bool word_before = start >= 2 && word_at(start - 1, start - 2);
            const bool word_after = word_at(at_, at_ + 1);
            return word_before || word_after ? "<mspace width=\"0.3em\"></mspace>" : "";
        }
        if (starts_with(s_.substr(at_), "√")) {
            at_ += std::string_view("√").size();
            if (at_ < s_.size() && s_[at_] == '(') return "<msqrt>" + group() + "</msqrt>";
            return "<msqrt>" + (at_ < s_.size() ? token() : std::string()) + "</msqrt>";
        }
        std::string base;
        if (is_digit(c) || (c == '.' && at_ + 1 < s_.size() && is_digit(s_[at_ + 1]))) {
            while (at_ < s_.size() && (is_digit(s_[at_]) || s_[at_] == '.')) ++at_;
            // 1e-7, 3.2e-6
            if (at_ + 1 < s_.size() && s_[at_] == 'e' && (is_digit(s_[at_ + 1]) || s_[at_ + 1] == '-')) {
                at_ += 2;
                while (at_ < s_.size() && is_digit(s_[at_])) ++at_;
            }
            base = "<mn>" + esc(s_.substr(start, at_ - start)) + "</mn>";
        } else if (is_ascii_letter(c) && at_ + 1 < s_.size() &&
                   (is_ascii_letter(s_[at_ + 1]) || s_[at_ + 1] == '_')) {
            // A word or a name (nesterov, lr_decay): text, not a product of letters.
            while (at_ < s_.size() && (is_ascii_letter(s_[at_]) || s_[at_] == '_' || is_digit(s_[at_]))) ++at_;
            // "γ_t" is a script, but "lr_decay" a name: a name keeps its underscores.
            return "<mtext>" + esc(s_.substr(start, at_ - start)) + "</mtext>";
        } else if (c == '(') {
            return "<mrow>" + group() + "</mrow>";
        } else if (is_ascii_letter(c) || static_cast<unsigned char>(c) >= 0x80) {
            at_ += char_length(s_, at_);
            const std::string_view ch = s_.substr(start, at_ - start);
            if (is_operator(ch)) return "<mo>" + esc(ch) + "</mo>";
            base = "<mi>" + esc(ch) + "</mi>";
        } else {
            ++at_;
            return "<mo>" + esc(s_.substr(start, 1)) + "</mo>";
        }
        // Scripts: x^t, x^(…), γ_t.
        if (at_ + 1 < s_.size() && (s_[at_] == '^' || s_[at_] == '_')) {
            const char kind = s_[at_];
            ++at_;
            const std::string mark = kind == '^' ? "<mo class=\"script\">^</mo>" : "<mo class=\"script\">_</mo>";
            const std::string script = s_[at_] == '(' ? "<mrow>" + group() + "</mrow>" : token();
            return std::string(kind == '^' ? "<msup>" : "<msub>") + base + "<mrow>" + mark + script + "</mrow>" +
                   (kind == '^' ? "</msup>" : "</msub>");
        }
        return base;
    }

    // "(…)" with its parentheses, balanced.
    std::string group() {
        std::string out = "<mo stretchy=\"false\">(</mo>";
        ++at_;
        int depth = 1;
        const std::size_t start = at_;
        std::size_t end = at_;
        for (; end < s_.size(); ++end) {
            if (s_[end] == '(') ++depth;
            if (s_[end] == ')' && --depth == 0) break;
        }
        MathWriter inner(s_.substr(start, end - start));
        out += inner.row();
        at_ = end;
        if (at_ < s_.size()) {
            out += "<mo stretchy=\"false\">)</mo>";
            ++at_;
        }
        return out;
    }

    static bool is_operator(std::string_view ch) {
        for (std::string_view op : {"←", "−", "·", "≠", "≤", "≥", "±", "⊙", "×", "→", "…", "‖", "⌈", "⌉", "∑", "≈",
                                    "∈", "∞", "—", "–", "∘", "⊘", "∂", "√"}) {
            if (ch == op) return true;
        }
        return false;
    }
};

// Docs prose for HTML: escaped, `code` as <code>.
std::string prose_html(std::string_view text) {
    std::string out, escaped = esc(text);
    bool open = false;
    for (char c : escaped) {
        if (c == '`') {
            out += open ? "</code>" : "<code>";
            open = !open;
        } else {
            out += c;
        }
    }
    return open ? out + "</code>" : out;
}

std::string math_table(const std::vector<std::string>& lines) {
    std::string out = "<math display=\"block\"><mtable columnalign=\"left\">";
    for (const std::string& line : lines) {
        // Indentation in the docs is structure (an if's body): kept as a gap.
        const std::size_t indent = line.find_first_not_of(' ');
        if (indent == std::string::npos) continue;
        out += "<mtr><mtd data-text=\"" + esc(line.substr(indent)) + "\">";
        if (indent > 0) out += "<mspace width=\"" + std::to_string(indent / 2) + "em\"></mspace>";
        out += MathWriter(std::string_view(line).substr(indent)).row() + "</mtd></mtr>";
    }
    return out + "</mtable></math>";
}

// The view the page opens on: the book's comparison (E1), as `optlab plot trajectories
// --preset book` draws it, in JSON for the page's script.
std::string opening_view_json() {
    const experiment::TrajectorySpec spec = experiment::trajectory_preset("book");
    std::string arms;
    for (const experiment::Arm& arm : spec.arms) {
        arms += std::string(arms.empty() ? "" : ",") + "{\"optimizer\":\"" + arm.optimizer +
                "\",\"hyper\":" + hyper_to_json(arm.hyper) + "}";
    }
    return "{\"function\":\"" + spec.function + "\",\"convention\":\"" + std::string(to_string(spec.convention)) +
           "\",\"steps\":" + std::to_string(spec.steps) + ",\"start\":[" + format_number(spec.start[0]) + "," +
           format_number(spec.start[1]) + "],\"arms\":[" + arms + "]}";
}

// A section's heading: the docs' ("Momentum (heavy ball) and NAG"), or in another language the
// registry labels of its names ("Momentum, NAG"), which need no translation.
std::string heading(Lang lang, const FormulaSection& s) {
    if (lang == Lang::en) return s.title;
    std::string labels;
    for (const std::string& n : s.names) labels += (labels.empty() ? "" : ", ") + std::string(optimizer_info(n).label);
    return labels;
}

// A block's label: conventions ("torch", "keras / book") are names in every language; another
// label ("every group together") is the table's text whose English it is (key formula.block.…).
std::string block_label(Lang lang, const std::string& label) {
    bool conventions = true;  // "torch", "keras / book", or no label
    for (std::string_view part : split(label, '/')) {
        while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
        while (!part.empty() && part.back() == ' ') part.remove_suffix(1);
        conventions = conventions && (part.empty() || part == "torch" || part == "keras" || part == "book");
    }
    if (lang == Lang::en || conventions) return label;
    const std::string korean = translated(lang, "formula.block.", label);
    if (korean != label) return korean;
    throw Error("texts: the formula label '" + label + "' of docs/optimizers.md has no formula.block.… text (app/src/language/texts.cpp)");
}

std::string engine_scripts() {
    // The module defines optlabEngine(); the page's script starts it. Neither may close the
    // <script> it sits in (the build's output is checked by the browser test).
    return "<script>\n" + assets::engine_js() + "\n</script>\n<script>\n" +
           assets::explorable_js() + "\n</script>\n";
}

}  // namespace

bool explorable_built() {
    static const bool built = !assets::engine_js().empty();
    return built;
}

std::string formulas_mathml(Lang lang) {
    std::string html = "<div class=\"formulas\">\n";
    for (const FormulaSection& s : read_sections(assets::optimizers_md())) {
        std::string names;
        for (const std::string& n : s.names) names += (names.empty() ? "" : " ") + n;
        html += "<section class=\"formula\" data-optimizers=\"" + esc(names) + "\"><h4>" + esc(heading(lang, s)) + "</h4>\n";
        // The *Lecture* line in English is the docs'; in Korean, the table's (key lecture.NAME).
        if (!s.lecture.empty()) {
            html += "<p class=\"lecture\"><em>" + std::string(tr(lang, "formula.lecture")) + "</em>: " +
                    (lang == Lang::en ? prose_html(s.lecture) : std::string(tr(lang, "lecture." + s.names.front()))) + "</p>\n";
        }
        if (s.blocks.empty() && !s.prose.empty()) html += "<p>" + prose_html(s.prose) + "</p>\n";
        for (const FormulaBlock& b : s.blocks) {
            html += "<div class=\"block\"><p class=\"convention\">" + esc(block_label(lang, b.label)) + "</p>" + math_table(b.lines) +
                    "</div>\n";
        }
        html += "</section>\n";
    }
    return html + "</div>\n";
}

std::string explorable_section(Lang lang) {
    if (!explorable_built()) return std::string(tr(lang, "explorable.not-built"));
    // The script's texts, in the page's language, where it reads them (web/explorable.js: T()).
    // JSON inside <script>: "</" is written "<\/" so no text can close the element.
    std::string texts = page_texts_json(lang);
    for (std::size_t at = texts.find("</"); at != std::string::npos; at = texts.find("</", at + 3)) texts.replace(at, 2, "<\\/");
    return "<section id=\"explorable\" class=\"ox\" aria-labelledby=\"ox-title\">\n<style>\n" +
           assets::explorable_css() + "</style>\n" + std::string(tr(lang, "explorable.heading")) +
           "<div id=\"ox-app\" class=\"ox-app\" data-preset=\"" + esc(opening_view_json()) + "\"><p class=\"ox-loading\">" +
           std::string(tr(lang, "explorable.loading")) + "</p></div>\n"
           "<div id=\"ox-formulas\" class=\"ox-formulas\">\n<h3>" + std::string(tr(lang, "explorable.formulas")) + "</h3>\n" +
           formulas_mathml(lang) + "</div>\n<script type=\"application/json\" id=\"ox-texts\">" + texts + "</script>\n" +
           engine_scripts() + "</section>\n";
}

std::filesystem::path write_playground(const std::filesystem::path& dir, Lang lang) {
    if (!explorable_built()) {
        throw Error("optlab playground: this optlab was built without the explorable's engine (emcc was not "
                    "found when CMake configured it, or OPTLAB_BUILD_EXPLORABLE was OFF); install emscripten "
                    "(scripts/install-deps.sh) and configure again");
    }
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec || !std::filesystem::is_directory(dir)) throw IoError(dir.string() + ": cannot create the folder");
    const std::string html =
        "<!DOCTYPE html>\n<html lang=\"" + std::string(lang_code(lang)) + "\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        "<title>" + std::string(tr(lang, "playground.title")) + "</title>\n<style>body{font-family:" + page_font_family(lang) +
        ";max-width:1250px;margin:1em auto;padding:0 1em;color:#222;line-height:1.4}</style>"
        "</head><body>\n" +
        explorable_section(lang) + "</body></html>\n";
    const std::filesystem::path index = dir / "index.html";
    write_text(index, html);
    return index;
}

}  // namespace optlab
