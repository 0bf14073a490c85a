// SPDX-License-Identifier: MIT
// docs/optimizers.md says what the code does. Every registered optimizer's section has one
// defaults table, which must be the registry's defaults as `optlab optimizers --convention C
// --json` prints them, for torch, keras and book, both ways: every default of every name is in
// the table, and every value in the table is the registry's. And every count of reference cases
// the page gives is the count in the file it names.
//
// The table's shape, under each section's formulas:
//
//   | default | torch | keras | book |
//   |---|---|---|---|
//   | lr | 1e-3 | 0.01 | 0.01 |                     a hyper-parameter,
//   | momentum, dampening | 0 | 0 | 0 |               or several that share their values
//   | weight_decay | 0; `adamw`: 1e-2 | … |          the value of every registry name of the
//                                                     section, then those of the names that differ
//   | betas | `schedule-free-adamw`: (0.9, 0.999) |  no leading value: the other names of the
//                                                     section have no such hyper-parameter
//
// A value is a number (compared as a double), a pair or triple (A, B[, C]) of numbers or none,
// true or false, none (JSON's null, torch's None), or a name (adjust_lr_fn's original).
// Explanations go below the table, not into its cells.
#include <gtest/gtest.h>

#include <array>
#include <cctype>
#include <cstdlib>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli_support.hpp"

namespace optlab {
namespace {

using json = nlohmann::json;

constexpr std::array<const char*, 3> kConventions = {"torch", "keras", "book"};
constexpr const char* kHeader = "| default | torch | keras | book |";

std::string trim(const std::string& s) {
    const auto begin = s.find_first_not_of(" \t");
    if (begin == std::string::npos) return "";
    return s.substr(begin, s.find_last_not_of(" \t") + 1 - begin);
}

// (Plain string work, no std::regex: GCC 12 reports std::regex's internals as maybe-uninitialized
// under ASan, which -Werror turns into a failed build.)
bool is_name(const std::string& s) {
    if (s.empty() || s[0] < 'a' || s[0] > 'z') return false;
    for (char c : s) {
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
    }
    return true;
}

// The texts between pairs of backquotes: `a` and `b` -> a, b.
std::vector<std::string> backquoted(const std::string& line) {
    std::vector<std::string> out;
    for (std::size_t open = line.find('`'); open != std::string::npos;) {
        const std::size_t close = line.find('`', open + 1);
        if (close == std::string::npos) break;
        if (close > open + 1) out.push_back(line.substr(open + 1, close - open - 1));
        open = line.find('`', close + 1);
    }
    return out;
}

std::vector<std::string> split(const std::string& s, char sep) {
    std::vector<std::string> out;
    std::stringstream in(s);
    for (std::string item; std::getline(in, item, sep);) out.push_back(trim(item));
    return out;
}

// One documented value as the JSON value the registry would print for it; nothing for text
// that is none of the value shapes.
std::optional<json> parse_value(const std::string& text) {
    if (text == "true" || text == "false") return json(text == "true");
    if (text == "none") return json(nullptr);
    if (text.size() >= 2 && text.front() == '(' && text.back() == ')') {
        json tuple = json::array();
        for (const std::string& item : split(text.substr(1, text.size() - 2), ',')) {
            const std::optional<json> v = parse_value(item);
            if (!v || !(v->is_number() || v->is_null())) return std::nullopt;
            tuple.push_back(*v);
        }
        if (tuple.size() < 2) return std::nullopt;
        return tuple;
    }
    if (text.empty()) return std::nullopt;
    char* end = nullptr;
    const double number = std::strtod(text.c_str(), &end);
    if (end == text.c_str() + text.size()) return json(number);
    if (is_name(text)) return json(text);
    return std::nullopt;
}

// One cell: the value of every registry name of the section (if given), then the names that
// differ.
struct Cell {
    std::optional<json> all;
    std::map<std::string, json> by_name;
};

struct Table {
    std::string section;              // its "## " heading
    std::vector<std::string> names;   // the section's registry names
    int line = 0;                     // of its header, 1-based
    std::map<std::string, std::array<Cell, 3>> rows;  // hyper-parameter -> per convention
};

struct Docs {
    std::vector<Table> tables;
    std::vector<std::string> errors;  // "line N: what is wrong"
};

Docs read_docs() {
    Docs docs;
    std::stringstream text(slurp(std::string(OPTLAB_SOURCE_DIR) + "/docs/optimizers.md"));
    std::vector<std::string> lines;
    for (std::string line; std::getline(text, line);) lines.push_back(line);

    std::string section;
    std::vector<std::string> names;
    int tables_in_section = 0;
    auto error = [&](std::size_t i, const std::string& what) {
        docs.errors.push_back("docs/optimizers.md line " + std::to_string(i + 1) + ": " + what);
    };
    for (std::size_t i = 0; i < lines.size(); ++i) {
        if (lines[i].rfind("## ", 0) == 0) {
            section = lines[i].substr(3);
            names.clear();
            tables_in_section = 0;
            std::size_t j = i + 1;
            while (j < lines.size() && lines[j].empty()) ++j;
            if (j < lines.size() && lines[j].rfind("Registry name", 0) == 0) {
                for (const std::string& name : backquoted(lines[j])) names.push_back(name);
            }
            continue;
        }
        if (trim(lines[i]) != kHeader) continue;
        if (names.empty()) {
            error(i, "a defaults table outside an optimizer's section (no 'Registry name' line under '" + section + "')");
            continue;
        }
        if (++tables_in_section > 1) error(i, "a second defaults table in '" + section + "'");
        Table table{section, names, int(i + 1), {}};
        if (i + 1 >= lines.size() || trim(lines[i + 1]) != "|---|---|---|---|") {
            error(i + 1, "the header's separator should be |---|---|---|---|");
        }
        for (i += 2; i < lines.size() && trim(lines[i]).rfind('|', 0) == 0; ++i) {
            const std::string row = trim(lines[i]);
            std::vector<std::string> cells = split(row.substr(1, row.size() - (row.back() == '|' ? 2 : 1)), '|');
            if (cells.size() != 4) {
                error(i, "a row of " + std::to_string(cells.size()) + " cells, not 4 (hyper-parameters, torch, keras, book)");
                continue;
            }
            std::array<Cell, 3> values;
            bool ok = true;
            for (std::size_t c = 0; c < 3; ++c) {
                const std::vector<std::string> parts = split(cells[c + 1], ';');
                for (std::size_t k = 0; k < parts.size() && ok; ++k) {
                    std::string value_text = parts[k];
                    std::string name;
                    if (!value_text.empty() && value_text.front() == '`') {
                        const std::size_t close = value_text.find('`', 1);
                        const std::size_t colon = close == std::string::npos ? close : value_text.find(':', close);
                        if (colon != close + 1) {
                            error(i, "'" + parts[k] + "' is not `name`: value");
                            ok = false;
                            break;
                        }
                        name = value_text.substr(1, close - 1);
                        value_text = trim(value_text.substr(colon + 1));
                        if (std::find(names.begin(), names.end(), name) == names.end()) {
                            error(i, "`" + name + "` is not a registry name of '" + section + "'");
                            ok = false;
                            break;
                        }
                    } else if (k > 0) {
                        error(i, "'" + parts[k] + "' after the first value needs its `name`: ");
                        ok = false;
                        break;
                    }
                    const std::optional<json> v = parse_value(value_text);
                    if (!v) {
                        error(i, "'" + value_text + "' is not a value (a number, (A, B), true/false, none, or a name)");
                        ok = false;
                        break;
                    }
                    if (name.empty()) values[c].all = *v;
                    else values[c].by_name[name] = *v;
                }
            }
            if (!ok) continue;
            for (const std::string& key : split(cells[0], ',')) {
                if (!is_name(key)) {
                    error(i, "'" + key + "' is not a hyper-parameter's name (notes go below the table)");
                } else if (!table.rows.emplace(key, values).second) {
                    error(i, key + " is in the table twice");
                }
            }
        }
        --i;
        docs.tables.push_back(std::move(table));
    }
    return docs;
}

// The registry under each convention: name -> defaults.
std::array<std::map<std::string, json>, 3> registry() {
    std::array<std::map<std::string, json>, 3> out;
    for (std::size_t c = 0; c < kConventions.size(); ++c) {
        const CliRun run = optlab_run(std::string("optimizers --convention ") + kConventions[c] + " --json");
        EXPECT_EQ(run.code, 0) << run.err;
        for (const json& o : json::parse(run.out)) out[c][o["name"].get<std::string>()] = o["defaults"];
    }
    return out;
}

TEST(DocsDefaults, TablesAreWellFormed) {
    const Docs docs = read_docs();
    EXPECT_FALSE(docs.tables.empty());
    for (const std::string& e : docs.errors) ADD_FAILURE() << e;
}

TEST(DocsDefaults, EveryRegisteredOptimizerHasOneTable) {
    const Docs docs = read_docs();
    const auto reg = registry();
    std::map<std::string, int> tables_of;
    for (const Table& t : docs.tables) {
        for (const std::string& n : t.names) ++tables_of[n];
    }
    for (const auto& [name, defaults] : reg[0]) {
        EXPECT_EQ(tables_of[name], 1) << "docs/optimizers.md: `" << name
                                      << "` needs one defaults table in its section (" << kHeader << ")";
    }
    for (const auto& [name, count] : tables_of) {
        EXPECT_TRUE(reg[0].contains(name)) << "docs/optimizers.md has a table for `" << name
                                           << "`, which is not a registered optimizer";
    }
}

TEST(DocsDefaults, EveryTableIsTheRegistrysDefaultsUnderEveryConvention) {
    const Docs docs = read_docs();
    const auto reg = registry();
    std::size_t compared = 0;
    for (const Table& t : docs.tables) {
        for (const std::string& name : t.names) {
            for (std::size_t c = 0; c < kConventions.size(); ++c) {
                const std::string where = "docs/optimizers.md line " + std::to_string(t.line) + " (" + t.section +
                                          "), `" + name + "` under " + kConventions[c];
                const auto it = reg[c].find(name);
                if (it == reg[c].end()) continue;  // EveryRegisteredOptimizerHasOneTable says so
                const json& defaults = it->second;
                // The table as it reads for this name.
                std::map<std::string, json> documented;
                for (const auto& [key, cells] : t.rows) {
                    const Cell& cell = cells[c];
                    if (cell.by_name.contains(name)) documented[key] = cell.by_name.at(name);
                    else if (cell.all) documented[key] = *cell.all;
                }
                for (const auto& [key, value] : defaults.items()) {
                    ++compared;
                    if (!documented.contains(key)) {
                        ADD_FAILURE() << where << ": " << key << " (default " << value.dump() << ") is not in the table";
                    } else if (documented[key] != value) {
                        ADD_FAILURE() << where << ": " << key << " is " << documented[key].dump()
                                      << " in the table, " << value.dump() << " in the registry";
                    }
                }
                for (const auto& [key, value] : documented) {
                    EXPECT_TRUE(defaults.contains(key))
                        << where << ": the table gives " << key << " = " << value.dump()
                        << ", which the registry does not have";
                }
            }
        }
    }
    EXPECT_GT(compared, 0u);
}

// Every "N cases" in a text; where it goes on "in `tests/reference/F.json`" (or "with a wrapper
// in ...", or "with a wrapper (`kind`, ...) in ..."), F is the file it counts, torch_reference,
// torch_schedules or preconditioned (SOAP's and Shampoo's, by the section's registry names).
struct CaseCount {
    std::size_t documented = 0;
    bool wrapped = false;
    std::set<std::string> wrapper_kinds;  // "(`swa`)": those wrappers' cases only; empty: every wrapper's
    std::string file;  // empty: the count names no reference file
    std::string text;  // as the page has it, for the message
};

std::vector<CaseCount> case_counts(const std::string& text) {
    std::vector<CaseCount> out;
    const std::string cases = " cases";
    for (std::size_t at = text.find(cases); at != std::string::npos; at = text.find(cases, at + 1)) {
        std::size_t begin = at;
        while (begin > 0 && std::isdigit(static_cast<unsigned char>(text[begin - 1]))) --begin;
        if (begin == at) continue;
        CaseCount count;
        count.documented = std::stoul(text.substr(begin, at - begin));
        std::size_t rest = at + cases.size();
        const std::string wrapper = " with a wrapper";
        if (text.compare(rest, wrapper.size(), wrapper) == 0) {
            count.wrapped = true;
            rest += wrapper.size();
            if (text.compare(rest, 2, " (") == 0 && text.find(')', rest) != std::string::npos) {
                const std::size_t close = text.find(')', rest);
                for (const std::string& kind : backquoted(text.substr(rest, close - rest))) count.wrapper_kinds.insert(kind);
                rest = close + 1;
            }
        }
        for (const char* file : {"torch_reference", "torch_schedules", "preconditioned"}) {
            const std::string named = std::string(" in `tests/reference/") + file + ".json`";
            if (text.compare(rest, named.size(), named) == 0) {
                count.file = file;
                rest += named.size();
            }
        }
        count.text = text.substr(begin, (count.file.empty() ? at + cases.size() : rest) - begin);
        out.push_back(count);
    }
    return out;
}

// "N cases in `tests/reference/torch_reference.json`" in a section counts its registry names'
// cases (a wrapper's aside), "N cases with a wrapper in …" the wrapped ones ("with a wrapper
// (`swa`) in …": those of the wrappers named), and "N cases in
// `tests/reference/torch_schedules.json`" the schedules'. Any other "N cases" on the page is a
// count nothing checks: say which file it counts, or drop it.
TEST(DocsCounts, EveryCountOfReferenceCasesIsTheFiles) {
    const json optim = json::parse(slurp(std::string(OPTLAB_SOURCE_DIR) + "/tests/reference/torch_reference.json"));
    const json schedules = json::parse(slurp(std::string(OPTLAB_SOURCE_DIR) + "/tests/reference/torch_schedules.json"));
    const json preconditioned = json::parse(slurp(std::string(OPTLAB_SOURCE_DIR) + "/tests/reference/preconditioned.json"));
    std::stringstream text(slurp(std::string(OPTLAB_SOURCE_DIR) + "/docs/optimizers.md"));
    // The page as sections, each one line of text (a count may wrap), with its registry names.
    struct Section {
        std::string title, text;
        std::set<std::string> names;
    };
    std::vector<Section> sections(1);
    bool name_line_next = false;
    for (std::string line; std::getline(text, line);) {
        if (line.rfind("## ", 0) == 0) {
            sections.push_back({line.substr(3), "", {}});
            name_line_next = true;
            continue;
        }
        if (name_line_next && !line.empty()) {
            name_line_next = false;
            if (line.rfind("Registry name", 0) == 0) {
                for (const std::string& name : backquoted(line)) sections.back().names.insert(name);
            }
        }
        sections.back().text += line + " ";
    }
    std::size_t checked = 0;
    for (const Section& s : sections) {
        std::size_t counts = 0, matched = 0;
        for (const CaseCount& count : case_counts(s.text)) {
            ++counts;
            if (count.file.empty()) continue;
            ++matched;
            std::size_t actual = 0;
            if (count.file == "torch_schedules") {
                actual = schedules["cases"].size();
            } else if (count.file == "preconditioned") {
                for (const json& c : preconditioned["cases"]) actual += s.names.contains(c["optimizer"].get<std::string>());
            } else {
                EXPECT_TRUE(count.wrapped || !s.names.empty())
                    << "docs/optimizers.md, '" << s.title << "': '" << count.text << "' in a section of no registry name";
                auto of_kinds = [&](const json& c) {
                    if (count.wrapper_kinds.empty()) return true;
                    for (const auto& [kind, setting] : c["wrapper"].items()) {
                        if (count.wrapper_kinds.contains(kind)) return true;
                    }
                    return false;
                };
                for (const json& c : optim["cases"]) {
                    actual += count.wrapped ? c.contains("wrapper") && of_kinds(c)
                                            : !c.contains("wrapper") && s.names.contains(c["optimizer"].get<std::string>());
                }
            }
            ++checked;
            EXPECT_EQ(count.documented, actual) << "docs/optimizers.md, '" << s.title << "': '" << count.text << "'";
        }
        EXPECT_EQ(counts, matched) << "docs/optimizers.md, '" << s.title
                                   << "': a count of cases that names none of the reference files";
    }
    EXPECT_GT(checked, 0u);
}

}  // namespace
}  // namespace optlab
