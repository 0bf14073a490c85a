// SPDX-License-Identifier: MIT
// The training loop and its checkpoints (train/trainer.hpp).
#include "optlab/train/trainer.hpp"

#include <array>
#include <atomic>
#include <bit>
#include <charconv>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sys/resource.h>
#include <unistd.h>
#include <numeric>
#include <sstream>

#include "optlab/core/error.hpp"
#include "optlab/core/parallel.hpp"
#include "optlab/io/optimizer_state.hpp"
#include "optlab/nn/network.hpp"
#include "optlab/optim/registry.hpp"
#include "optlab/schedule/lr_scheduler.hpp"
#include "optlab/transform/clip.hpp"
#include "../io/hyper_json.hpp"


namespace optlab {

namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

std::atomic<int> g_stop_signal{0};
extern "C" void on_stop_signal(int sig) { g_stop_signal.store(sig); }

// ---- config <-> JSON (the checkpoint's copy of the run's settings) --------------------------

json config_json(const TrainConfig& c) {
    return {{"dataset", c.dataset}, {"data_dir", c.data_dir}, {"net", c.net},
            {"activation", c.activation}, {"init", c.init}, {"loss", c.loss},
            {"batchnorm", c.batchnorm}, {"dropout", c.dropout}, {"optimizer", c.optimizer},
            {"hyper", detail::hyper_to_json(c.hyper)}, {"convention", std::string(to_string(c.convention))},
            {"batch", c.batch}, {"epochs", c.epochs}, {"max_iterations", c.max_iterations},
            {"seed", c.seed}, {"validation", c.validation}, {"schedule", c.schedule},
            {"schedule_unit", c.schedule_unit}, {"clip", c.clip}, {"nonfinite", c.nonfinite},
            {"max_consecutive", c.max_consecutive}};
}

TrainConfig config_from(const json& j) {
    TrainConfig c;
    c.dataset = j.at("dataset");
    c.data_dir = j.at("data_dir");
    c.net = j.at("net");
    c.activation = j.at("activation");
    c.init = j.at("init");
    c.loss = j.at("loss");
    c.batchnorm = j.at("batchnorm");
    c.dropout = j.at("dropout");
    c.optimizer = j.at("optimizer");
    c.hyper = detail::hyper_from_json(j.at("hyper"), "checkpoint/config");
    c.convention = parse_convention(j.at("convention").get<std::string>());
    c.batch = j.at("batch");
    c.epochs = j.at("epochs");
    c.max_iterations = j.at("max_iterations");
    c.seed = j.at("seed");
    c.validation = j.at("validation");
    c.schedule = j.at("schedule");
    c.schedule_unit = j.at("schedule_unit");
    c.clip = j.at("clip");
    c.nonfinite = j.at("nonfinite");
    c.max_consecutive = j.at("max_consecutive");
    return c;
}

// ---- the pieces a run is built from ---------------------------------------------------------

nn::NetSpec net_spec(const TrainConfig& c) {
    nn::NetSpec spec;
    spec.sizes = nn::parse_net_sizes(c.net);
    spec.activation = nn::parse_activation(c.activation);
    spec.loss = nn::parse_loss(c.loss);
    spec.batchnorm = c.batchnorm;
    spec.dropout = c.dropout;
    return spec;
}

std::optional<GradClip> parse_clip(const std::string& spec) {
    if (spec.empty()) return std::nullopt;
    const auto colon = spec.find(':');
    if (colon == std::string::npos) {
        throw InvalidArgument("clip '" + spec + "': expected KIND:THRESHOLD, e.g. global-norm:1");
    }
    GradClip clip;
    clip.kind = parse_clip_kind(spec.substr(0, colon));
    const std::string t = spec.substr(colon + 1);
    char* end = nullptr;
    clip.threshold = std::strtod(t.c_str(), &end);
    if (t.empty() || *end != '\0') {
        throw InvalidArgument("clip '" + spec + "': threshold '" + t + "' is not a number");
    }
    clip.validate();
    return clip;
}

struct Plateau {
    double factor = 0.1;
    std::int64_t patience = 10;
};

// "plateau[:FACTOR[,PATIENCE]]" → reduce on the validation (or training) loss each epoch.
std::optional<Plateau> parse_plateau(const std::string& spec) {
    if (spec.rfind("plateau", 0) != 0) return std::nullopt;
    Plateau p;
    if (spec.size() > 7) {
        if (spec[7] != ':') throw InvalidArgument("schedule '" + spec + "': expected plateau[:FACTOR[,PATIENCE]]");
        const std::string args = spec.substr(8);
        const auto comma = args.find(',');
        try {
            std::size_t used = 0;
            p.factor = std::stod(args.substr(0, comma), &used);
            if (used != args.substr(0, comma).size()) throw std::invalid_argument("x");
            if (comma != std::string::npos) {
                p.patience = std::stoll(args.substr(comma + 1), &used);
                if (used != args.substr(comma + 1).size()) throw std::invalid_argument("x");
            }
        } catch (const std::logic_error&) {
            throw InvalidArgument("schedule '" + spec + "': expected plateau[:FACTOR[,PATIENCE]]");
        }
    }
    return p;
}

std::string num(double v) { return to_string(HyperValue(v)); }

// Evaluates `data` in batches, in evaluation mode; returns (mean loss, accuracy).
std::pair<double, double> evaluate(nn::Network<float>& net, const Dataset& data, std::vector<std::uint8_t>& y) {
    std::vector<std::uint32_t> order(data.count);
    std::iota(order.begin(), order.end(), 0u);
    double loss = 0;
    std::size_t correct = 0;
    for (std::size_t begin = 0; begin < data.count; begin += net.max_batch()) {
        const std::size_t rows = std::min(net.max_batch(), data.count - begin);
        gather_batch(data, order, begin, rows, net.input(), y.data());
        net.forward(net.input(), rows, false);
        loss += net.loss(y.data(), rows) * double(rows);
        correct += net.count_correct(y.data(), rows);
    }
    return {loss / double(data.count), double(correct) / double(data.count)};
}

// Whether no value is NaN or ±Inf: an exponent of all ones, tested on the bits so that the
// loop is an integer OR-reduction the compiler vectorises (a floating-point test is not).
bool all_finite(std::span<const float> values) {
    std::uint32_t all_ones_exponent = 0;
    for (float v : values) {
        const std::uint32_t bits = std::bit_cast<std::uint32_t>(v);
        all_ones_exponent |= std::uint32_t((bits & 0x7f800000u) == 0x7f800000u);
    }
    return all_ones_exponent == 0;
}

// Appends lines to a file, creating it (or truncating it on a fresh run).
class CsvSink {
  public:
    void open(const std::filesystem::path& path, const std::string& header, bool append) {
        const bool exists = std::filesystem::exists(path);
        out_.open(path, append ? std::ios::app : std::ios::trunc);
        if (!out_) throw IoError(path.string() + ": cannot open for writing: " + std::strerror(errno));
        if (!append || !exists) out_ << header << "\n";
        path_ = path;
    }
    void line(const std::string& s) {
        if (out_.is_open()) out_ << s << "\n";
    }
    /// One "iteration,epoch,loss,lr,skipped" row, formatted on the stack: this runs every
    /// iteration, and the hot loop allocates nothing (tests/train/allocation_test.cpp).
    void iteration_row(std::int64_t iteration, std::int64_t epoch, double loss, double lr, bool skipped) {
        if (!out_.is_open()) return;
        std::array<char, 160> buf;  // four numbers of at most 24 characters, and separators
        char* at = buf.data();
        auto field = [&](auto value) {  // shortest round-trip form, as num() writes it
            at = std::to_chars(at, buf.data() + 120, value).ptr;
            *at++ = ',';
        };
        field(iteration);
        field(epoch);
        field(loss);
        field(lr);
        *at++ = skipped ? '1' : '0';
        *at++ = '\n';
        out_.write(buf.data(), at - buf.data());
    }
    void flush() {
        if (!out_.is_open()) return;
        out_.flush();
        if (!out_) throw IoError(path_.string() + ": write failed (disk full?)");
    }

  private:
    std::ofstream out_;
    std::filesystem::path path_;
};

struct Progress {
    std::int64_t epoch = 0;            // epochs completed
    std::int64_t batch_in_epoch = 0;   // batches done in the current epoch
    std::int64_t iteration = 0;        // updates attempted in total
    std::int64_t skipped = 0, consecutive = 0;
    std::int64_t schedule_step = 0;
    std::string epoch_rng;             // shuffling generator at the start of the current epoch
    double epoch_loss_sum = 0;         // of the current epoch's finite losses
    std::int64_t epoch_loss_count = 0, epoch_correct = 0, epoch_seen = 0;
};

json progress_json(const Progress& p, const Rng& shuffle, const Rng& dropout) {
    return {{"epoch", p.epoch}, {"shuffle_rng", shuffle.state_hex()}, {"batch_in_epoch", p.batch_in_epoch}, {"iteration", p.iteration},
            {"skipped", p.skipped}, {"consecutive", p.consecutive},
            {"schedule_step", p.schedule_step}, {"epoch_rng", p.epoch_rng},
            {"dropout_rng", dropout.state_hex()}, {"epoch_loss_sum", p.epoch_loss_sum},
            {"epoch_loss_count", p.epoch_loss_count}, {"epoch_correct", p.epoch_correct},
            {"epoch_seen", p.epoch_seen}};
}

json epoch_json(const EpochRecord& e) {
    auto finite = [](double v) { return std::isfinite(v) ? json(v) : json(); };
    json j = {{"epoch", e.epoch}, {"partial", e.partial}, {"iterations", e.iterations},
              {"train_loss", finite(e.train_loss)}, {"train_accuracy", finite(e.train_accuracy)},
              {"test_loss", finite(e.test_loss)}, {"test_accuracy", finite(e.test_accuracy)},
              {"lr", e.lr}, {"seconds", e.seconds}};
    if (e.validation_loss) {
        j["validation_loss"] = finite(*e.validation_loss);
        j["validation_accuracy"] = finite(*e.validation_accuracy);
    }
    return j;
}

std::vector<std::byte> to_bytes(std::span<const float> v) {
    std::vector<std::byte> out(v.size() * sizeof(float));
    std::memcpy(out.data(), v.data(), out.size());
    return out;
}

void save_checkpoint(const std::filesystem::path& path, const TrainConfig& config,
                     nn::Network<float>& net, const Optimizer<float>& opt, const Progress& p,
                     const Rng& shuffle, const std::vector<double>& base_lrs) {
    SafetensorsFile file;
    file.metadata["checkpoint/format"] = "optlab.checkpoint";
    file.metadata["checkpoint/format_version"] = "1";
    file.metadata["checkpoint/config"] = config_json(config).dump();
    file.metadata["checkpoint/progress"] = progress_json(p, shuffle, net.dropout_rng()).dump();
    file.metadata["checkpoint/base_lrs"] = json(base_lrs).dump();
    for (std::size_t i = 0; i < net.store().num_tensors(); ++i) {
        const TensorInfo& t = net.store().info(i);
        SafeTensor st{"model/" + t.name, "F32", {}, to_bytes(net.store().view(i).param)};
        for (auto d : t.shape) st.shape.push_back(d);
        file.tensors.push_back(std::move(st));
    }
    for (auto& [name, buffer] : net.buffers()) {
        file.tensors.push_back({"model_buffers/" + name, "F32", {buffer->size()}, to_bytes(*buffer)});
    }
    add_optimizer_state(file, opt.state_dict());
    write_safetensors(path, file);
}

const SafeTensor& need_tensor(const SafetensorsFile& f, const std::string& name,
                              const std::string& source, const std::vector<std::size_t>& shape) {
    const SafeTensor* t = f.find(name);
    if (!t) throw StateMismatch(source + ": has no tensor '" + name + "' (another architecture?)");
    std::vector<std::uint64_t> want(shape.begin(), shape.end());
    if (t->dtype != "F32" || t->shape != want) {
        std::string a, b;
        for (auto d : t->shape) a += (a.empty() ? "" : ", ") + std::to_string(d);
        for (auto d : want) b += (b.empty() ? "" : ", ") + std::to_string(d);
        throw StateMismatch(source + ": tensor '" + name + "' is " + t->dtype + " [" + a +
                            "], this network needs F32 [" + b + "] (another architecture?)");
    }
    return *t;
}

// Resident set now and its file-backed part (shared libraries' pages), from /proc/self/statm,
// and the process's peak so far (getrusage), in bytes.
struct Resident {
    std::uint64_t total = 0, file = 0;
};
Resident resident_bytes() {
    std::ifstream statm("/proc/self/statm");
    std::uint64_t pages = 0, resident = 0, shared = 0;
    statm >> pages >> resident >> shared;
    const std::uint64_t page = std::uint64_t(::sysconf(_SC_PAGESIZE));
    return {resident * page, shared * page};
}
std::uint64_t peak_resident_bytes() {
    rusage usage{};
    ::getrusage(RUSAGE_SELF, &usage);
    return std::uint64_t(usage.ru_maxrss) * 1024;  // Linux reports kilobytes
}

}  // namespace

void TrainConfig::validate() const {
    if (batch == 0) throw_invalid("train", "batch", 0, "an integer >= 1");
    if (epochs <= 0) throw_invalid("train", "epochs", double(epochs), "an integer >= 1");
    if (max_iterations < 0) throw_invalid("train", "max_iterations", double(max_iterations), "an integer >= 0");
    if (!(dropout >= 0.0 && dropout < 1.0)) throw_invalid("train", "dropout", dropout, "0 <= p < 1");
    if (nonfinite != "error" && nonfinite != "skip") {
        throw InvalidArgument("train: nonfinite '" + nonfinite + "' (expected error or skip)");
    }
    if (max_consecutive < 1) throw_invalid("train", "max_consecutive", double(max_consecutive), "an integer >= 1");
    if (schedule_unit != "epoch" && schedule_unit != "iteration") {
        throw InvalidArgument("train: schedule unit '" + schedule_unit + "' (expected epoch or iteration)");
    }
    if (threads < 0) throw_invalid("train", "threads", threads, "an integer >= 1 (0: all cores)");
    if (eval_every < 0) throw_invalid("train", "eval_every", double(eval_every), "an integer >= 0");
    nn::parse_net_sizes(net);
    nn::parse_activation(activation);
    nn::parse_loss(loss);
    parse_init(init);
    parse_clip(clip);
    if (!parse_plateau(schedule)) parse_schedule(schedule);
}

void request_stop(int signal) { g_stop_signal.store(signal); }

TrainConfig checkpoint_config(const std::filesystem::path& checkpoint) {
    const SafetensorsFile f = read_safetensors(checkpoint);
    auto it = f.metadata.find("checkpoint/config");
    if (it == f.metadata.end() || f.metadata.count("checkpoint/format") == 0 ||
        f.metadata.at("checkpoint/format") != "optlab.checkpoint") {
        throw IoError(checkpoint.string() + ": not an optlab training checkpoint (no checkpoint/config)");
    }
    if (f.metadata.at("checkpoint/format_version") != "1") {
        throw IoError(checkpoint.string() + ": checkpoint format version " +
                      f.metadata.at("checkpoint/format_version") + " is not supported (this optlab reads 1)");
    }
    try {
        return config_from(json::parse(it->second));
    } catch (const json::exception& e) {
        throw IoError(checkpoint.string() + ": checkpoint/config is malformed: " + e.what());
    }
}

TrainResult train(TrainConfig config, const TrainPaths& paths, const TrainObserver& observer,
                  const TrainTest* given_data) {
    const Resident baseline = resident_bytes();
    auto info = [&](const std::string& s) {
        if (observer.info) observer.info(s);
    };
    const auto started = Clock::now();
    config.validate();
    const int threads = config.threads > 0 ? config.threads : num_threads();
    set_num_threads(threads);

    // ---- resume: the checkpoint's settings, and its state loaded after construction ----
    std::optional<SafetensorsFile> resume_file;
    if (!paths.resume.empty()) {
        TrainConfig saved = checkpoint_config(paths.resume);
        saved.epochs = config.epochs;
        saved.max_iterations = config.max_iterations;
        saved.threads = config.threads;
        saved.eval_every = config.eval_every;
        config = saved;
        resume_file = read_safetensors(paths.resume);
    }
    if (!paths.checkpoint.empty()) {
        remove_stale_temporaries(paths.checkpoint);
        check_can_write_atomic(paths.checkpoint);  // fail now, not after an epoch
    }

    // ---- data ----
    TrainTest loaded;
    if (!given_data) {
        loaded = config.data_dir.empty() ? load_named_dataset(config.dataset)
                                         : load_mnist_folder(config.data_dir);
    } else {
        loaded = *given_data;
    }
    TrainTest& data = loaded;
    std::optional<Dataset> validation;
    if (config.validation > 0) {
        Rng split_rng(config.seed ^ 0x5EEDull);
        validation = data.train.split_off(config.validation, split_rng);
    }
    if (config.batch > data.train.count) {
        throw_invalid("train", "batch", double(config.batch),
                      "at most the " + std::to_string(data.train.count) + " training samples");
    }

    // ---- model, optimizer, schedule ----
    const nn::NetSpec spec = net_spec(config);
    if (spec.sizes.front() != data.train.features) {
        throw InvalidArgument("net '" + config.net + "': takes " + std::to_string(spec.sizes.front()) +
                              " inputs, the data has " + std::to_string(data.train.features) +
                              " values per image");
    }
    if (spec.sizes.back() != data.classes) {
        throw InvalidArgument("net '" + config.net + "': has " + std::to_string(spec.sizes.back()) +
                              " outputs, the data has " + std::to_string(data.classes) + " classes");
    }
    nn::Network<float> net(spec, config.batch, config.seed + 2);
    {
        Rng init_rng(config.seed);
        net.init(parse_init(config.init, nn::nonlinearity_of(spec.activation)), init_rng);
    }
    auto opt = make_optimizer<float>(config.optimizer, net.store(), config.hyper, config.convention);
    std::vector<double> base_lrs;
    for (std::size_t g = 0; g < opt->num_groups(); ++g) base_lrs.push_back(opt->lr(g));
    const std::optional<Plateau> plateau_spec = parse_plateau(config.schedule);
    std::shared_ptr<const LrSchedule> schedule =
        plateau_spec ? std::shared_ptr<const LrSchedule>(constant_schedule())
                     : std::shared_ptr<const LrSchedule>(parse_schedule(config.schedule));
    const std::optional<GradClip> clip = parse_clip(config.clip);
    Rng shuffle_rng(config.seed + 3);
    Progress p;

    if (resume_file) {
        const std::string src = paths.resume.string();
        for (std::size_t i = 0; i < net.store().num_tensors(); ++i) {
            const TensorInfo& t = net.store().info(i);
            const SafeTensor& st = need_tensor(*resume_file, "model/" + t.name, src, t.shape);
            std::memcpy(net.store().view(i).param.data(), st.data.data(), st.data.size());
        }
        for (auto& [name, buffer] : net.buffers()) {
            const SafeTensor& st = need_tensor(*resume_file, "model_buffers/" + name, src, {buffer->size()});
            std::memcpy(buffer->data(), st.data.data(), st.data.size());
        }
        try {
            opt->load_state_dict(extract_optimizer_state<float>(*resume_file, src));
        } catch (const StateMismatch& e) {
            throw StateMismatch(src + ": " + e.what());
        }
        const json pj = json::parse(resume_file->metadata.at("checkpoint/progress"));
        p.epoch = pj.at("epoch");
        p.batch_in_epoch = pj.at("batch_in_epoch");
        p.iteration = pj.at("iteration");
        p.skipped = pj.at("skipped");
        p.consecutive = pj.at("consecutive");
        p.schedule_step = pj.at("schedule_step");
        p.epoch_rng = pj.at("epoch_rng");
        p.epoch_loss_sum = pj.at("epoch_loss_sum");
        p.epoch_loss_count = pj.at("epoch_loss_count");
        p.epoch_correct = pj.at("epoch_correct");
        p.epoch_seen = pj.at("epoch_seen");
        net.dropout_rng().set_state_hex(pj.at("dropout_rng").get<std::string>());
        shuffle_rng.set_state_hex(pj.at("shuffle_rng").get<std::string>());
        base_lrs = json::parse(resume_file->metadata.at("checkpoint/base_lrs")).get<std::vector<double>>();
        info("resumed " + src + " at epoch " + std::to_string(p.epoch) + ", batch " +
             std::to_string(p.batch_in_epoch) + ", iteration " + std::to_string(p.iteration));
    }
    // The schedule writes lr = base·factor(t); base lrs come from the fresh optimizer (or the
    // checkpoint), so a resumed run continues the same curve.
    auto apply_schedule = [&] {
        if (plateau_spec) return;
        const double f = schedule->factor(p.schedule_step);
        for (std::size_t g = 0; g < opt->num_groups(); ++g) opt->set_lr(g, base_lrs[g] * f);
    };
    apply_schedule();
    std::optional<ReduceLrOnPlateau<float>> plateau;
    if (plateau_spec) plateau.emplace(*opt, PlateauOptions{.factor = plateau_spec->factor, .patience = plateau_spec->patience});

    // ---- outputs ----
    CsvSink iterations_csv, epochs_csv;
    if (!paths.out_dir.empty()) {
        std::error_code ec;
        std::filesystem::create_directories(paths.out_dir, ec);
        if (ec || !std::filesystem::is_directory(paths.out_dir)) {
            throw IoError(paths.out_dir.string() + ": cannot create the output directory: " + ec.message());
        }
        const bool append = resume_file.has_value();
        iterations_csv.open(paths.out_dir / "iterations.csv", "iteration,epoch,loss,lr,skipped", append);
        epochs_csv.open(paths.out_dir / "epochs.csv",
                        "epoch,iterations,train_loss,train_accuracy,validation_loss,"
                        "validation_accuracy,test_loss,test_accuracy,lr,seconds",
                        append);
    }

    info("network " + net.describe() + "; " + std::to_string(net.store().num_parameters()) +
         " parameters; optimizer " + config.optimizer + " (" + std::string(to_string(config.convention)) +
         ", lr " + num(opt->lr(0)) + "); " + std::to_string(data.train.count) + " training samples, batch " +
         std::to_string(config.batch) + ", " + std::to_string(threads) + " threads");

    g_stop_signal.store(0);
    auto old_int = std::signal(SIGINT, on_stop_signal);
    auto old_term = std::signal(SIGTERM, on_stop_signal);
    struct RestoreSignals {
        decltype(old_int) a, b;
        ~RestoreSignals() {
            std::signal(SIGINT, a);
            std::signal(SIGTERM, b);
        }
    } restore{old_int, old_term};

    float* const x = net.input();  // batches are gathered straight into the network's input
    std::vector<std::uint8_t> y(config.batch);
    std::vector<std::uint32_t> order(data.train.count);
    const std::int64_t batches = std::int64_t((data.train.count + config.batch - 1) / config.batch);
    std::vector<std::vector<float>> bn_backup;
    TrainResult result;
    const bool skip_nonfinite = config.nonfinite == "skip";
    std::int64_t samples = 0;
    double train_seconds = 0;  // inside iterations only: no data loading, no evaluation
    bool done = false;

    // Evaluates and records the epoch in progress (a partial one when --max-iterations ends
    // the run inside it).
    auto record_epoch = [&](Clock::time_point epoch_started, bool partial) {
        EpochRecord r;
        r.epoch = p.epoch + 1;
        r.partial = partial;
        r.iterations = p.iteration;
        r.train_loss = p.epoch_loss_count ? p.epoch_loss_sum / double(p.epoch_loss_count) : NAN;
        r.train_accuracy = p.epoch_seen ? double(p.epoch_correct) / double(p.epoch_seen) : NAN;
        std::tie(r.test_loss, r.test_accuracy) = evaluate(net, data.test, y);
        if (validation) {
            auto [vl, va] = evaluate(net, *validation, y);
            r.validation_loss = vl;
            r.validation_accuracy = va;
        }
        r.lr = opt->lr(0);
        r.seconds = std::chrono::duration<double>(Clock::now() - epoch_started).count();
        result.epochs.push_back(r);
        epochs_csv.line(std::to_string(r.epoch) + "," + std::to_string(r.iterations) + "," +
                        num(r.train_loss) + "," + num(r.train_accuracy) + "," +
                        (r.validation_loss ? num(*r.validation_loss) : "") + "," +
                        (r.validation_accuracy ? num(*r.validation_accuracy) : "") + "," +
                        num(r.test_loss) + "," + num(r.test_accuracy) + "," + num(r.lr) + "," +
                        num(r.seconds));
        iterations_csv.flush();
        epochs_csv.flush();
        return r;
    };

    while (p.epoch < config.epochs && !done) {
        const auto epoch_started = Clock::now();
        // Shuffle: a fresh epoch records the generator's state first, so a resumed run can
        // rebuild the same order and skip the batches already done.
        if (p.batch_in_epoch == 0) {
            p.epoch_rng = shuffle_rng.state_hex();
        } else {
            shuffle_rng.set_state_hex(p.epoch_rng);
        }
        std::iota(order.begin(), order.end(), 0u);
        for (std::size_t i = order.size() - 1; i > 0; --i) std::swap(order[i], order[shuffle_rng.below(i + 1)]);

        for (; p.batch_in_epoch < batches; ++p.batch_in_epoch) {
            if (config.max_iterations > 0 && p.iteration >= config.max_iterations) {
                done = true;
                break;
            }
            if (int sig = g_stop_signal.load()) {
                result.interrupted = true;
                result.signal = sig;
                done = true;
                break;
            }
            const auto iteration_started = Clock::now();
            const std::size_t begin = std::size_t(p.batch_in_epoch) * config.batch;
            const std::size_t rows = std::min(config.batch, data.train.count - begin);
            gather_batch(data.train, order, begin, rows, x, y.data());
            if (skip_nonfinite && spec.batchnorm) {  // a skipped step must leave them untouched
                bn_backup.clear();
                for (auto& [name, buffer] : net.buffers()) bn_backup.push_back(*buffer);
            }
            opt->zero_grad();
            net.forward(x, rows, true);
            const double loss = net.loss(y.data(), rows);
            const std::size_t correct = net.count_correct(y.data(), rows);
            net.backward(y.data(), rows);
            ++p.iteration;

            // Non-finite loss or gradient: name the first tensor that has one.
            // One vectorised pass over the gradient arena; names are looked up only on failure.
            std::string bad;
            if (!std::isfinite(loss)) bad = "the loss (" + num(loss) + ")";
            const bool grads_finite = all_finite(net.store().grads());
            for (std::size_t i = 0; !grads_finite && bad.empty() && i < net.store().num_tensors(); ++i) {
                for (float g : net.store().view(i).grad) {
                    if (!std::isfinite(g)) {
                        bad = "the gradient of " + net.store().info(i).name + " (" + num(g) + ")";
                        break;
                    }
                }
            }
            if (!bad.empty()) {
                const std::string where = "iteration " + std::to_string(p.iteration) + " (epoch " +
                                          std::to_string(p.epoch + 1) + ", batch " +
                                          std::to_string(p.batch_in_epoch + 1) + ")";
                if (!skip_nonfinite) {
                    throw NonFiniteError("non-finite value at " + where + ": " + bad +
                                         "; lower --lr, clip gradients (--clip), or use --nonfinite skip");
                }
                ++p.skipped;
                if (++p.consecutive > config.max_consecutive) {
                    throw NonFiniteError("gave up after " + std::to_string(p.consecutive) +
                                         " non-finite steps in a row (--max-consecutive " +
                                         std::to_string(config.max_consecutive) + "), the last at " +
                                         where + ": " + bad);
                }
                if (spec.batchnorm) {
                    std::size_t k = 0;
                    for (auto& [name, buffer] : net.buffers()) *buffer = bn_backup[k++];
                }
                iterations_csv.iteration_row(p.iteration, p.epoch + 1, loss, opt->lr(0), true);
                continue;
            }
            p.consecutive = 0;
            if (clip) clip->apply(net.store());
            opt->step();
            if (config.schedule_unit == "iteration") {
                ++p.schedule_step;
                apply_schedule();
            }
            samples += std::int64_t(rows);
            train_seconds += std::chrono::duration<double>(Clock::now() - iteration_started).count();
            p.epoch_loss_sum += loss;
            ++p.epoch_loss_count;
            p.epoch_correct += std::int64_t(correct);
            p.epoch_seen += std::int64_t(rows);
            iterations_csv.iteration_row(p.iteration, p.epoch + 1, loss, opt->lr(0), false);
            if (observer.iteration) observer.iteration(p.epoch + 1, p.batch_in_epoch + 1, batches, loss, opt->lr(0));
            if (config.eval_every > 0 && p.iteration % config.eval_every == 0) {
                const auto [tl, ta] = evaluate(net, data.test, y);
                info("iteration " + std::to_string(p.iteration) + ": test loss " + num(tl) +
                     ", test accuracy " + num(ta));
            }
        }
        if (result.interrupted) break;
        if (done && p.batch_in_epoch < batches) {
            if (p.batch_in_epoch > 0) {
                const EpochRecord r = record_epoch(epoch_started, true);
                if (observer.epoch) observer.epoch(r);
            }
            break;
        }

        // ---- end of epoch: evaluate, record, schedule, checkpoint ----
        const EpochRecord r = record_epoch(epoch_started, false);
        if (observer.epoch) observer.epoch(r);
        ++p.epoch;
        p.batch_in_epoch = 0;
        p.epoch_loss_sum = 0;
        p.epoch_loss_count = p.epoch_correct = p.epoch_seen = 0;
        if (plateau) {
            plateau->step(r.validation_loss ? *r.validation_loss : r.train_loss);
        } else if (config.schedule_unit == "epoch") {
            ++p.schedule_step;
            apply_schedule();
        }
        if (!paths.checkpoint.empty()) {
            save_checkpoint(paths.checkpoint, config, net, *opt, p, shuffle_rng, base_lrs);
            result.checkpoint = paths.checkpoint.string();
        }
    }
    iterations_csv.flush();
    epochs_csv.flush();
    if (result.interrupted && !paths.checkpoint.empty()) {
        save_checkpoint(paths.checkpoint, config, net, *opt, p, shuffle_rng, base_lrs);
        result.checkpoint = paths.checkpoint.string();
        info("stopped by signal " + std::to_string(result.signal) + " at iteration " +
             std::to_string(p.iteration) + "; checkpoint written to " + paths.checkpoint.string());
    }
    result.memory.baseline_rss = baseline.total;
    result.memory.peak_rss = peak_resident_bytes();
    const Resident now = resident_bytes();
    result.memory.library_pages = now.file > baseline.file ? now.file - baseline.file : 0;
    for (const Dataset* d : {&data.train, &data.test, validation ? &*validation : nullptr}) {
        if (d) result.memory.dataset_bytes += d->pixels.size() + d->labels.size();
    }
    result.memory.model_bytes = 2 * net.store().arena_size() * sizeof(float) + opt->state_bytes() +
                                net.activation_bytes();
    result.iterations = p.iteration;
    result.skipped_steps = p.skipped;
    result.seconds = std::chrono::duration<double>(Clock::now() - started).count();
    result.samples_per_second = train_seconds > 0 ? double(samples) / train_seconds : 0;
    if (!paths.out_dir.empty()) {
        const std::string text = result_json(config, result) + "\n";
        write_file_atomic(paths.out_dir / "summary.json",
                          std::as_bytes(std::span<const char>(text.data(), text.size())));
        json epochs = json::array();
        for (const auto& e : result.epochs) epochs.push_back(epoch_json(e));
        const std::string etext = epochs.dump(1) + "\n";
        // iterations.json: the same records as iterations.csv (a resumed run's included).
        json iterations = json::array();
        {
            std::ifstream in(paths.out_dir / "iterations.csv");
            std::string line;
            std::getline(in, line);  // header
            while (std::getline(in, line)) {
                std::stringstream cells(line);
                std::string it, ep, loss, lr, skipped;
                std::getline(cells, it, ',');
                std::getline(cells, ep, ',');
                std::getline(cells, loss, ',');
                std::getline(cells, lr, ',');
                std::getline(cells, skipped, ',');
                const double l = std::strtod(loss.c_str(), nullptr);
                iterations.push_back({{"iteration", std::stoll(it)}, {"epoch", std::stoll(ep)},
                                      {"loss", std::isfinite(l) ? json(l) : json()},
                                      {"lr", std::strtod(lr.c_str(), nullptr)}, {"skipped", skipped == "1"}});
            }
        }
        const std::string itext = iterations.dump() + "\n";
        write_file_atomic(paths.out_dir / "iterations.json",
                          std::as_bytes(std::span<const char>(itext.data(), itext.size())));
        write_file_atomic(paths.out_dir / "epochs.json",
                          std::as_bytes(std::span<const char>(etext.data(), etext.size())));
    }
    return result;
}

std::string result_json(const TrainConfig& config, const TrainResult& r) {
    auto finite = [](double v) { return std::isfinite(v) ? json(v) : json(); };
    json j;
    const EpochRecord* last = r.epochs.empty() ? nullptr : &r.epochs.back();
    j["test_accuracy"] = last ? finite(last->test_accuracy) : json();
    j["test_loss"] = last ? finite(last->test_loss) : json();
    j["train_loss"] = last ? finite(last->train_loss) : json();
    j["train_accuracy"] = last ? finite(last->train_accuracy) : json();
    if (last && last->validation_loss) {
        j["validation_loss"] = finite(*last->validation_loss);
        j["validation_accuracy"] = finite(*last->validation_accuracy);
    }
    // Completed epochs; a partial last one (--max-iterations) counts as begun, not done.
    j["epochs"] = last ? (last->partial ? last->epoch - 1 : last->epoch) : 0;
    j["iterations"] = r.iterations;
    j["skipped_steps"] = r.skipped_steps;
    j["seconds"] = r.seconds;
    j["samples_per_second"] = r.samples_per_second;
    j["optimizer"] = config.optimizer;
    j["convention"] = std::string(to_string(config.convention));
    j["net"] = config.net;
    j["batch"] = config.batch;
    j["seed"] = config.seed;
    if (r.interrupted) j["interrupted_by_signal"] = r.signal;
    j["memory"] = {{"baseline_rss_bytes", r.memory.baseline_rss},
                   {"peak_rss_bytes", r.memory.peak_rss},
                   {"library_pages_bytes", r.memory.library_pages},
                   {"dataset_bytes", r.memory.dataset_bytes},
                   {"model_bytes", r.memory.model_bytes}};
    if (!r.checkpoint.empty()) j["checkpoint"] = r.checkpoint;
    return j.dump();
}

}  // namespace optlab
