// SPDX-License-Identifier: MIT
// The language a page is written in (`optlab report --lang ko`, `optlab playground --lang ko`)
// and the one table of its texts: every heading, sentence, table header, figure title, axis,
// legend, control and in-page message of the report, its figures and the explorable, each under
// a key with its English and its Korean (app/src/language/texts.cpp). A text computed from numbers
// is a template with positional placeholders {0}, {1}, ... filled by `fill`, so a translation
// may put them in its own order; no page is assembled from translated fragments of a sentence.
// The explorable's script reads its part of the table (keys "page.…") from the page itself,
// where explorable.cpp writes it in the page's language. The Korean uses the lecture's own
// terms (매개변수 갱신, 확률적 경사 하강법, 학습률, 손실 함수, 기울기, 모멘텀, 가중치의 초기값 …);
// optimizer names, formulas, code and numbers stay as they are. The CLI's --help stays English.
#pragma once

#include <initializer_list>
#include <span>
#include <string>
#include <string_view>

namespace optlab {

enum class Lang { en, ko };

/// "en" or "ko" as a Lang; throws InvalidArgument naming `flag`, the value and the choices.
Lang parse_lang(std::string_view value, std::string_view flag = "--lang");
/// "en" or "ko": the page's <html lang>.
std::string_view lang_code(Lang lang);

/// One text of the table: its key, its English and its Korean.
struct Text {
    std::string_view key, en, ko;
};
/// The whole table (texts_test checks every entry has Korean and the same placeholders).
std::span<const Text> text_table();
/// The text under `key` in `lang`; throws Error for a key the table lacks (a bug in the caller).
std::string_view tr(Lang lang, std::string_view key);
/// A template with its placeholders {0}, {1}, ... replaced by `args` in order of their number.
std::string fill(std::string_view pattern, std::initializer_list<std::string> args);
/// tr, then fill.
std::string trf(Lang lang, std::string_view key, std::initializer_list<std::string> args);

/// A text written elsewhere in English (an arm's label "std=0 (all zero), relu", a formula
/// block's label): its Korean from the table's row under `prefix` ("arm.", "formula.block.")
/// whose English it is; in English, or when no row has it, the text itself.
std::string translated(Lang lang, std::string_view prefix, const std::string& english);

/// An optimizer's one-line summary in `lang`: the registry's own in English, the table's
/// Korean (key "summary.<name>") otherwise.
std::string optimizer_summary_in(Lang lang, std::string_view name);

/// The pages' CSS font-family in `lang`: DejaVu Sans has no Hangul, so a Korean page names
/// NanumGothic (fonts-nanum, installed by scripts/install-deps.sh) before the fallbacks.
std::string page_font_family(Lang lang);

/// The explorable's texts (keys "page.…", the prefix dropped) in `lang`, as a JSON object.
std::string page_texts_json(Lang lang);

}  // namespace optlab
