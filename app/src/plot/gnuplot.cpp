// SPDX-License-Identifier: MIT
#include "optlab/plot/gnuplot.hpp"

#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "optlab/core/error.hpp"

namespace optlab {

bool gnuplot_available() { return std::system("gnuplot --version >/dev/null 2>&1") == 0; }

std::string gnuplot_string(const std::string& s) {
    std::string out = "'";
    for (char c : s) out += c == '\'' ? std::string("''") : std::string(1, c);
    return out + "'";
}

std::string gnuplot_text(const std::string& s) {
    std::string plain;
    for (char c : s) {
        if (std::string_view("_^@&~{}").find(c) != std::string_view::npos) plain += '\\';
        plain += c;
    }
    return gnuplot_string(plain);
}

// DejaVu Sans, the figures' font since the first figure, has no Hangul: a Korean figure names
// NanumGothic (Debian's fonts-nanum), whose Latin letters and digits are its own too, so a
// figure is one font and cairo never falls back glyph by glyph (figure_test checks fontconfig
// resolves the name to the installed file).
std::string_view figure_font(Lang lang) { return lang == Lang::ko ? "NanumGothic" : "DejaVu Sans"; }

void plot_png_svg(const std::filesystem::path& stem, const std::string& body, int width, int height, Lang lang) {
    const std::string font = gnuplot_string(std::string(figure_font(lang)) + ",10");
    const std::filesystem::path script = stem.string() + ".gp";
    const std::filesystem::path log = stem.string() + ".gnuplot.log";
    {
        std::ofstream out(script);
        out << "# Drawn by optlab; run `gnuplot " << script.filename().string()
            << "` in this folder to redraw.\n"
            << "set encoding utf8\n"
            << "set terminal pngcairo size " << width << "," << height
            << " enhanced font " << font << "\n"
            << "set output " << gnuplot_string(stem.filename().string() + ".png") << "\n"
            << body << "\nunset output\n"
            << "set terminal svg size " << width << "," << height
            << " enhanced font " << font << " background '#ffffff'\n"
            << "set output " << gnuplot_string(stem.filename().string() + ".svg") << "\n"
            << body << "\nunset output\n";
        if (!out) throw IoError(script.string() + ": cannot write the gnuplot script");
    }
    const std::string dir = stem.parent_path().empty() ? "." : stem.parent_path().string();
    const std::string cmd = "cd " + gnuplot_string(dir) + " && gnuplot " +
                            gnuplot_string(script.filename().string()) + " 2>" +
                            gnuplot_string(log.filename().string());
    const int status = std::system(cmd.c_str());
    if (status != 0 || !std::filesystem::exists(stem.string() + ".png")) {
        std::ifstream in(log);
        std::stringstream ss;
        ss << in.rdbuf();
        throw IoError(script.string() + ": gnuplot failed" +
                      (WIFEXITED(status) && WEXITSTATUS(status) == 127
                           ? std::string(" (is gnuplot installed? scripts/install-deps.sh installs gnuplot-nox)")
                           : ": " + ss.str()));
    }
    std::filesystem::remove(log);
}

void write_text(const std::filesystem::path& path, const std::string& text) {
    std::ofstream out(path);
    out << text;
    if (!out) throw IoError(path.string() + ": cannot write");
}

std::string csv_cell(std::string text) {
    std::replace(text.begin(), text.end(), ',', ';');
    return text;
}

}  // namespace optlab
