// SPDX-License-Identifier: MIT
#include "optlab/io/optimizer_state.hpp"

#include <cstring>
#include <nlohmann/json.hpp>

#include "optlab/io/hyper_json.hpp"

namespace optlab {

namespace {

using json = nlohmann::json;

const std::string& meta(const SafetensorsFile& file, const std::string& key,
                        std::string_view source) {
    auto it = file.metadata.find(key);
    if (it == file.metadata.end()) {
        throw IoError(std::string(source) + ": metadata has no '" + key +
                      "' (not an optlab optimizer state?)");
    }
    return it->second;
}

}  // namespace

template <class T>
void add_optimizer_state(SafetensorsFile& file, const OptimizerState<T>& state,
                         std::string_view prefix) {
    const std::string p(prefix);
    file.metadata[p + "format"] = "optlab.optimizer_state";
    file.metadata[p + "format_version"] = std::to_string(OptimizerState<T>::kFormatVersion);
    file.metadata[p + "optimizer"] = state.optimizer;
    file.metadata[p + "convention"] = std::string(to_string(state.convention));
    file.metadata[p + "dtype"] = std::string(dtype_name<T>());
    file.metadata[p + "mode"] = state.training ? "train" : "eval";
    json groups = json::array();
    for (const auto& g : state.groups) {
        groups.push_back({{"params", g.params},
                          {"hyper", nlohmann::json::parse(hyper_to_json(g.hyper))},
                          {"step", g.step},
                          {"scalars", g.scalars}});
    }
    file.metadata[p + "groups"] = groups.dump();
    for (const auto& b : state.buffers) {
        SafeTensor t{p + b.param + "/" + b.buffer, std::string(dtype_name<T>()), {}, {}};
        for (auto d : b.shape) t.shape.push_back(d);
        t.data.resize(b.data.size() * sizeof(T));
        std::memcpy(t.data.data(), b.data.data(), t.data.size());
        file.tensors.push_back(std::move(t));
    }
}

template <class T>
OptimizerState<T> extract_optimizer_state(const SafetensorsFile& file, std::string_view source,
                                          std::string_view prefix) {
    const std::string p(prefix), src(source);
    if (meta(file, p + "format", source) != "optlab.optimizer_state") {
        throw IoError(src + ": metadata " + p + "format is '" + meta(file, p + "format", source) +
                      "', expected 'optlab.optimizer_state'");
    }
    const std::string& version = meta(file, p + "format_version", source);
    if (version != std::to_string(OptimizerState<T>::kFormatVersion)) {
        throw IoError(src + ": optimizer state format version " + version +
                      " is not supported (this optlab reads version " +
                      std::to_string(OptimizerState<T>::kFormatVersion) + ")");
    }
    const std::string& dtype = meta(file, p + "dtype", source);
    if (dtype != dtype_name<T>()) {
        throw StateMismatch(src + ": optimizer state is " + dtype + ", the model is " +
                            std::string(dtype_name<T>()));
    }
    OptimizerState<T> state;
    state.optimizer = meta(file, p + "optimizer", source);
    try {
        state.convention = parse_convention(meta(file, p + "convention", source));
    } catch (const InvalidArgument& e) {
        throw IoError(src + ": " + e.what());
    }
    // The mode was added after format 1's first files, which were all saved in training mode.
    if (const auto mode = file.metadata.find(p + "mode"); mode != file.metadata.end()) {
        if (mode->second != "train" && mode->second != "eval") {
            throw IoError(src + ": metadata " + p + "mode is '" + mode->second + "', expected train or eval");
        }
        state.training = mode->second == "train";
    }
    json groups;
    try {
        groups = json::parse(meta(file, p + "groups", source));
    } catch (const json::exception& e) {
        throw IoError(src + ": metadata " + p + "groups is not JSON: " + e.what());
    }
    if (!groups.is_array()) throw IoError(src + ": metadata " + p + "groups is not a list");
    for (std::size_t i = 0; i < groups.size(); ++i) {
        const json& g = groups[i];
        const std::string where = src + ": group " + std::to_string(i);
        if (!g.is_object() || !g.contains("params") || !g["params"].is_array() ||
            !g.contains("step") || !g["step"].is_number_integer() || !g.contains("hyper")) {
            throw IoError(where + " lacks params, an integer step or hyper");
        }
        typename OptimizerState<T>::Group group;
        for (const auto& name : g["params"]) {
            if (!name.is_string()) throw IoError(where + ": a param name is not a string");
            group.params.push_back(name.get<std::string>());
        }
        group.step = g["step"].get<std::int64_t>();
        group.hyper = hyper_from_json(g["hyper"].dump(), where);
        if (g.contains("scalars")) {
            for (const auto& [k, v] : g["scalars"].items()) {
                if (!v.is_number()) throw IoError(where + ": scalar '" + k + "' is not a number");
                group.scalars[k] = v.template get<double>();
            }
        }
        state.groups.push_back(std::move(group));
    }
    for (const auto& t : file.tensors) {
        if (!t.name.starts_with(p)) continue;
        const std::string rest = t.name.substr(p.size());
        const auto slash = rest.rfind('/');
        if (slash == std::string::npos) {
            throw IoError(src + ": tensor '" + t.name + "' is not named <param>/<buffer>");
        }
        if (t.dtype != dtype_name<T>()) {
            throw StateMismatch(src + ": tensor '" + t.name + "' is " + t.dtype + ", expected " +
                                std::string(dtype_name<T>()));
        }
        typename OptimizerState<T>::Buffer b{rest.substr(0, slash), rest.substr(slash + 1), {}, {}};
        for (auto d : t.shape) b.shape.push_back(std::size_t(d));
        b.data.resize(t.data.size() / sizeof(T));
        std::memcpy(b.data.data(), t.data.data(), t.data.size());
        state.buffers.push_back(std::move(b));
    }
    return state;
}

template <class T>
void save_optimizer_state(const std::filesystem::path& path, const Optimizer<T>& optimizer) {
    SafetensorsFile file;
    add_optimizer_state(file, optimizer.state_dict());
    write_safetensors(path, file);
}

template <class T>
void load_optimizer_state(const std::filesystem::path& path, Optimizer<T>& optimizer) {
    const SafetensorsFile file = read_safetensors(path);
    const OptimizerState<T> state = extract_optimizer_state<T>(file, path.string());
    try {
        optimizer.load_state_dict(state);
    } catch (const StateMismatch& e) {
        throw StateMismatch(path.string() + ": " + e.what());
    }
}

#define OPTLAB_INSTANTIATE(T)                                                                  \
    template void add_optimizer_state(SafetensorsFile&, const OptimizerState<T>&,             \
                                      std::string_view);                                      \
    template OptimizerState<T> extract_optimizer_state(const SafetensorsFile&,                \
                                                       std::string_view, std::string_view);   \
    template void save_optimizer_state(const std::filesystem::path&, const Optimizer<T>&);    \
    template void load_optimizer_state(const std::filesystem::path&, Optimizer<T>&);
OPTLAB_INSTANTIATE(float)
OPTLAB_INSTANTIATE(double)
#undef OPTLAB_INSTANTIATE

}  // namespace optlab
