// SPDX-License-Identifier: MIT
// The explorable: the lecture's optimizer paths, live in the browser. The page carries the
// library's own optimizers and 2-D functions compiled to WebAssembly (web/engine.cpp, built by
// emscripten when CMake finds emcc), so its paths are `optlab trajectory`'s numbers, and it
// opens from disk with no network. `optlab report` puts it first; `optlab playground` writes it
// alone. Each optimizer's formulas are docs/optimizers.md's, typeset as MathML here for the
// explorable and the report alike (docs/explorable.md).
#pragma once

#include <filesystem>
#include <string>

#include "optlab/language/language.hpp"

namespace optlab {

/// Whether this build carries the WebAssembly engine (emcc was found at configure time).
bool explorable_built();

/// The formulas of docs/optimizers.md in MathML: one <section class="formula"> per optimizer
/// section of the docs, its registry names in data-optimizers.
std::string formulas_mathml(Lang lang = Lang::en);

/// The explorable as a <section> for a page (its style and scripts inside), or, in a build
/// without the engine, a paragraph that says so.
std::string explorable_section(Lang lang = Lang::en);

/// `optlab playground --out DIR`: writes DIR/index.html, the explorable alone, and returns its
/// path. Throws Error when this build has no engine, IoError when the folder cannot be written.
std::filesystem::path write_playground(const std::filesystem::path& dir, Lang lang = Lang::en);

}  // namespace optlab
