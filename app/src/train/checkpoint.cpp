// SPDX-License-Identifier: MIT
// Training checkpoints (train/checkpoint.hpp).
#include "optlab/train/checkpoint.hpp"

#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>

#include "optlab/core/error.hpp"
#include "optlab/core/text.hpp"
#include "optlab/io/optimizer_state.hpp"
#include "optlab/io/safetensors.hpp"

namespace optlab {

namespace {

using json = nlohmann::json;

// ---- pieces to and from JSON -----------------------------------------------------------------

json loop_json(const LoopState& s) {
    return {{"epoch", s.epoch}, {"batch_in_epoch", s.batch_in_epoch}, {"iteration", s.iteration},
            {"skipped", s.skipped}, {"consecutive", s.consecutive}, {"first_loss", s.first_loss},
            {"diverged_at", s.diverged_at}, {"diverged_loss", s.diverged_loss}, {"epoch_loss_sum", s.epoch_loss_sum},
            {"epoch_loss_count", s.epoch_loss_count}, {"epoch_metric_sum", s.epoch_metric_sum},
            {"epoch_seen", s.epoch_seen}, {"evaluations", s.evaluations}};
}

LoopState loop_from(const json& j) {
    LoopState s;
    s.epoch = j.at("epoch");
    s.batch_in_epoch = j.at("batch_in_epoch");
    s.iteration = j.at("iteration");
    s.skipped = j.at("skipped");
    s.consecutive = j.at("consecutive");
    s.first_loss = j.at("first_loss");
    s.diverged_at = j.at("diverged_at");
    s.diverged_loss = j.at("diverged_loss");
    s.epoch_loss_sum = j.at("epoch_loss_sum");
    s.epoch_loss_count = j.at("epoch_loss_count");
    s.epoch_metric_sum = j.at("epoch_metric_sum");
    s.epoch_seen = j.at("epoch_seen");
    // A checkpoint from before evaluations were counted: one an iteration, as every optimizer then.
    s.evaluations = j.contains("evaluations") ? j.at("evaluations").get<std::int64_t>() : s.iteration;
    return s;
}

// JSON has no infinity, and a plateau that has seen no metric yet holds best = +inf: numbers
// go as their shortest text.
json schedule_json(const TrainingSchedule::State& s) {
    return {{"step", s.step},
            {"plateau", {{"best", format_number(s.plateau.best)},
                         {"num_bad_steps", s.plateau.num_bad_steps},
                         {"cooldown_left", s.plateau.cooldown_left}}}};
}

TrainingSchedule::State schedule_from(const json& j) {
    TrainingSchedule::State s;
    s.step = j.at("step");
    const json& p = j.at("plateau");
    const std::string best = p.at("best");
    s.plateau.best = best == "inf" ? INFINITY : best == "-inf" ? -INFINITY : parse_number(best, "best");
    s.plateau.num_bad_steps = p.at("num_bad_steps");
    s.plateau.cooldown_left = p.at("cooldown_left");
    return s;
}

// ---- tensors --------------------------------------------------------------------------------

template <class T>
std::vector<std::byte> to_bytes(std::span<const T> v) {
    std::vector<std::byte> out(v.size_bytes());
    std::memcpy(out.data(), v.data(), out.size());
    return out;
}

const SafeTensor& need_tensor(const SafetensorsFile& f, const std::string& name,
                              const std::string& source, const std::string& dtype,
                              const std::vector<std::uint64_t>& shape) {
    const SafeTensor* t = f.find(name);
    if (!t) throw StateMismatch(source + ": has no tensor '" + name + "' (another architecture?)");
    if (t->dtype != dtype || (!shape.empty() && t->shape != shape)) {
        std::string a, b;
        for (auto d : t->shape) a += (a.empty() ? "" : ", ") + std::to_string(d);
        for (auto d : shape) b += (b.empty() ? "" : ", ") + std::to_string(d);
        throw StateMismatch(source + ": tensor '" + name + "' is " + t->dtype + " [" + a +
                            "], this network needs " + dtype + " [" + b + "] (another architecture?)");
    }
    return *t;
}

SafetensorsFile read_checkpoint(const std::filesystem::path& path) {
    SafetensorsFile f = read_safetensors(path);
    const auto format = f.metadata.find("checkpoint/format");
    if (format == f.metadata.end() || format->second != "optlab.checkpoint" ||
        !f.metadata.contains("checkpoint/config")) {
        throw IoError(path.string() + ": not an optlab training checkpoint (no checkpoint/config)");
    }
    const std::string version = f.metadata["checkpoint/format_version"];
    if (version != std::to_string(kCheckpointFormatVersion)) {
        throw IoError(path.string() + ": checkpoint format version " + version +
                      " is not supported (this optlab reads " +
                      std::to_string(kCheckpointFormatVersion) + ")");
    }
    return f;
}

void load_model(const SafetensorsFile& f, const std::string& src, Problem& problem) {
    ParamStore<float>& store = problem.store();
    for (std::size_t i = 0; i < store.num_tensors(); ++i) {
        const TensorInfo& t = store.info(i);
        const SafeTensor& st = need_tensor(f, "model/" + t.name, src, "F32",
                                           std::vector<std::uint64_t>(t.shape.begin(), t.shape.end()));
        std::memcpy(store.view(i).param.data(), st.data.data(), st.data.size());
    }
    for (auto& [name, buffer] : problem.buffers()) {
        const SafeTensor& st = need_tensor(f, "model_buffers/" + name, src, "F32", {buffer->size()});
        std::memcpy(buffer->data(), st.data.data(), st.data.size());
    }
}

}  // namespace

void save_checkpoint(const std::filesystem::path& path, const TrainConfig& config,
                     const TrainingParts& run) {
    SafetensorsFile file;
    auto& meta = file.metadata;
    meta["checkpoint/format"] = "optlab.checkpoint";
    meta["checkpoint/format_version"] = std::to_string(kCheckpointFormatVersion);
    meta["checkpoint/config"] = config_to_json(config);
    meta["checkpoint/loop"] = loop_json(run.loop).dump();
    meta["checkpoint/sampler"] = run.sampler.state();
    json generators = json::object();
    for (const auto& [name, rng] : run.problem.generators()) generators[name] = rng->state_hex();
    meta["checkpoint/generators"] = generators.dump();
    meta["checkpoint/schedule"] = schedule_json(run.schedule.state()).dump();
    ParamStore<float>& store = run.problem.store();
    for (std::size_t i = 0; i < store.num_tensors(); ++i) {
        const TensorInfo& t = store.info(i);
        file.tensors.push_back({"model/" + t.name, "F32", {t.shape.begin(), t.shape.end()},
                                to_bytes(std::span<const float>(store.view(i).param))});
    }
    for (auto& [name, buffer] : run.problem.buffers()) {
        file.tensors.push_back({"model_buffers/" + name, "F32", {buffer->size()},
                                to_bytes(std::span<const float>(*buffer))});
    }
    add_optimizer_state(file, run.optimizer.state_dict());
    write_safetensors(path, file);
}

void load_checkpoint(const std::filesystem::path& path, const TrainingParts& run) {
    const SafetensorsFile f = read_checkpoint(path);
    const std::string src = path.string();
    load_model(f, src, run.problem);
    try {
        run.optimizer.load_state_dict(extract_optimizer_state<float>(f, src));
    } catch (const StateMismatch& e) {
        throw StateMismatch(src + ": " + e.what());
    }
    try {
        run.loop = loop_from(json::parse(f.metadata.at("checkpoint/loop")));
        run.sampler.set_state(f.metadata.at("checkpoint/sampler"));
        const json generators = json::parse(f.metadata.at("checkpoint/generators"));
        for (const auto& [name, rng] : run.problem.generators()) rng->set_state_hex(generators.at(name));
        // After the optimizer's state: a closed-form schedule sets the lrs from t.
        run.schedule.load_state(schedule_from(json::parse(f.metadata.at("checkpoint/schedule"))));
    } catch (const json::exception& e) {
        throw IoError(src + ": checkpoint metadata is malformed: " + e.what());
    } catch (const std::out_of_range& e) {
        throw IoError(src + ": checkpoint metadata is incomplete: " + e.what());
    }
}

void load_checkpoint_model(const std::filesystem::path& path, Problem& problem) {
    load_model(read_checkpoint(path), path.string(), problem);
}

TrainConfig checkpoint_config(const std::filesystem::path& checkpoint) {
    const SafetensorsFile f = read_checkpoint(checkpoint);
    return config_from_json(f.metadata.at("checkpoint/config"), checkpoint.string() + ": checkpoint/config");
}

}  // namespace optlab
