// SPDX-License-Identifier: MIT
#include "cmd_problems.hpp"

#include <fmt/format.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "optlab/core/error.hpp"
#include "optlab/core/rng.hpp"
#include "optlab/problems/catalogue.hpp"
#include "optlab/problems/char_lm.hpp"
#include "optlab/train/checkpoint.hpp"

namespace optlab::cli {

void setup_problems(CLI::App& app, int& exit_code) {
    auto json_out = std::make_shared<bool>(false);
    CLI::App* sub = app.add_subcommand("problems", "List the training problems: data, model, metric, default budget");
    sub->add_flag("--json", *json_out, "One JSON array");
    sub->callback([json_out, &exit_code] {
        if (*json_out) {
            nlohmann::json all = nlohmann::json::array();
            for (const ProblemInfo& p : problem_catalogue()) {
                all.push_back({{"name", p.name}, {"summary", p.summary}, {"data", p.data}, {"model", p.model},
                               {"metric", p.metric}, {"lower_is_better", p.lower_is_better},
                               {"epochs", p.epochs}, {"batch", p.batch}, {"init", p.init}});
            }
            std::cout << all.dump() << std::endl;
        } else {
            for (const ProblemInfo& p : problem_catalogue()) {
                std::cout << fmt::format("{:<19} {}\n{:<19} data:   {}\n{:<19} model:  {}\n{:<19} metric: {} ({} is better)\n"
                                         "{:<19} budget: {} epochs of batch {}; weights {}\n",
                                         p.name, p.summary, "", p.data, "", p.model, "", p.metric,
                                         p.lower_is_better ? "lower" : "higher", "", p.epochs, p.batch, p.init);
            }
        }
        exit_code = 0;
    });
}

void setup_sample(CLI::App& app, int& exit_code) {
    struct Flags {
        std::string problem = "words-charlm", checkpoint;
        std::size_t count = 20;
        std::uint64_t seed = 1;
        double temperature = 1.0;
    };
    auto f = std::make_shared<Flags>();
    CLI::App* sub = app.add_subcommand("sample", "Print new words drawn from a trained words-charlm model");
    sub->add_option("--problem", f->problem, "The problem the checkpoint trained (words-charlm)")->capture_default_str();
    sub->add_option("--checkpoint", f->checkpoint, "A checkpoint written by optlab train --problem words-charlm")->required();
    sub->add_option("--count", f->count, "How many words")->check(CLI::Range(1, 100000))->capture_default_str();
    sub->add_option("--seed", f->seed, "Seed of the draws")->capture_default_str();
    sub->add_option("--temperature", f->temperature, "Draw from softmax(z / T): below 1 more likely words, above 1 stranger ones")
        ->capture_default_str();
    sub->footer("Example: optlab train --problem words-charlm --checkpoint lm.safetensors && "
                "optlab sample --problem words-charlm --checkpoint lm.safetensors");
    sub->callback([f, &exit_code] {
        if (f->problem != "words-charlm") {
            throw InvalidArgument("sample: --problem " + f->problem + " (only words-charlm draws samples)");
        }
        const TrainConfig c = checkpoint_config(f->checkpoint);
        if (c.problem != f->problem) {
            throw InvalidArgument("sample: " + f->checkpoint + " is a checkpoint of problem " + c.problem +
                                  ", not " + f->problem);
        }
        CharLanguageModel model(c.data_dir.empty() ? kWordListPath : std::filesystem::path(c.data_dir),
                                parse_init("zeros"), 1, c.seed);
        load_checkpoint_model(f->checkpoint, model);
        Rng rng(f->seed);
        for (std::size_t i = 0; i < f->count; ++i) std::cout << model.sample(rng, f->temperature) << "\n";
        exit_code = 0;
    });
}

}  // namespace optlab::cli
