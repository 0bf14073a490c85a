// SPDX-License-Identifier: MIT
// Figures are drawn by gnuplot (Debian's gnuplot-nox, cairo PNG and SVG terminals) from the CSV
// files kept beside them: optlab writes the data and a small script, and gnuplot draws it, once
// as PNG and once as SVG. No hand-made rasteriser.
#pragma once

#include <filesystem>
#include <string>

#include "optlab/language/language.hpp"

namespace optlab {

/// Whether a gnuplot binary can be run.
bool gnuplot_available();

/// Draws `body` (gnuplot commands after the terminal is set) into `<stem>.png` and
/// `<stem>.svg`, `width`×`height` pixels; keeps the script as `<stem>.gp`. Throws IoError with
/// gnuplot's own message when it fails or is missing. The font is DejaVu Sans, or for Korean
/// NanumGothic (fonts-nanum), which has Hangul: figure_font(lang).
void plot_png_svg(const std::filesystem::path& stem, const std::string& body, int width, int height, Lang lang = Lang::en);
/// The figures' font family in `lang`: "DejaVu Sans", or "NanumGothic" for Korean.
std::string_view figure_font(Lang lang);

/// A string literal for a gnuplot script ('...' with quotes escaped).
std::string gnuplot_string(const std::string& s);
/// The same for text shown as itself in an enhanced-text label (a legend entry such as
/// "adjust_lr_fn match_rms_adamw"): _ ^ @ & ~ { } escaped, so none turns into markup.
std::string gnuplot_text(const std::string& s);

/// Writes `text` to `path` (a figure's CSV or script); throws IoError naming the file.
void write_text(const std::filesystem::path& path, const std::string& text);
/// A CSV cell holding free text: its commas become semicolons.
std::string csv_cell(std::string text);

}  // namespace optlab
