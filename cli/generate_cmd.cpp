#include "cli/generate_cmd.h"

#include <chrono>
#include <cstdio>

#include "cli/validators.h"
#include "datasets/utf8.h"
#include "trainers/experiment.h"

namespace attend::cli {

void add_generate_command(CLI::App& root, GenerateCommand& c) {
  c.sample.tokens = 500;
  c.sample.temperature = 0.8f;  // sample.py's defaults
  c.sample.top_k = 200;
  CLI::App* g = root.add_subcommand(
      "generate", "Sample text from a language model (gpt), streamed to standard output");
  c.app = g;
  g->add_option("--checkpoint,-c", c.checkpoint, "A checkpoint written by attend train")
      ->required()
      ->check(CLI::ExistingFile);
  g->add_option("--prompt", c.prompt,
                "Text to continue (default a newline). Characters outside the model's vocabulary "
                "are left out with a warning; a prompt longer than the context keeps its end")
      ->capture_default_str();
  g->add_option("--tokens", c.sample.tokens, "Tokens to generate")
      ->check(CLI::Range(0, 100000000))
      ->capture_default_str();
  g->add_option("--temperature", c.sample.temperature, "Divide the logits by this (0 = greedy)")
      ->check(Range(0.0, 100.0))
      ->capture_default_str();
  g->add_option("--top-k", c.sample.top_k, "Sample among the k most likely tokens (0 = all)")
      ->check(CLI::Range(0, 100000000))
      ->capture_default_str();
  g->add_option("--top-p", c.sample.top_p,
                "Sample among the most likely tokens whose probabilities sum to p (1 = all)")
      ->check(Range(1e-6, 1.0))
      ->capture_default_str();
  g->add_option("--seed", c.seed, "Seed of the sampling")
      ->check(not_negative())
      ->capture_default_str();
  g->add_flag("--no-cache", c.no_cache,
              "Re-run the whole context for every token instead of using the key/value cache");
}

int run_generate_text(GenerateCommand& c) {
  Experiment e = Experiment::from_checkpoint(c.checkpoint, "-");
  LanguageModel* model = e.language_model();
  const CharVocab* vocab = e.char_vocab();
  if (!model || !vocab)
    throw CLI::ValidationError("--checkpoint", c.checkpoint + " is a " + task_kind_name(e.kind()) +
                                                   " model; generate needs a language model "
                                                   "(attend train --model gpt)");
  if (const size_t bad = utf8::find_invalid(c.prompt); bad != utf8::npos)
    throw CLI::ValidationError("--prompt", utf8::describe_invalid(c.prompt, bad));
  std::vector<std::string> unknown;
  std::vector<int64_t> prompt = vocab->encode(c.prompt, &unknown);
  if (!unknown.empty()) {
    std::string list;
    for (const auto& ch : unknown) list += (list.empty() ? "" : ", ") + describe_char(ch);
    std::fprintf(stderr,
                 "warning: left out of the prompt, not in the model's %lld-character "
                 "vocabulary: %s\n",
                 static_cast<long long>(vocab->size()), list.c_str());
  }
  if (prompt.empty()) {
    const int64_t nl = vocab->id("\n");
    if (nl < 0)
      throw CLI::ValidationError("--prompt",
                                 "no character of the prompt is in the model's "
                                 "vocabulary, and it has no newline to start from");
    prompt.push_back(nl);
  }
  if (static_cast<int64_t>(prompt.size()) > model->context_length())
    std::fprintf(stderr,
                 "note: the prompt's %zu tokens exceed the model's context of %lld; it "
                 "sees the last %lld\n",
                 prompt.size(), static_cast<long long>(model->context_length()),
                 static_cast<long long>(model->context_length()));
  SampleOptions o = c.sample;
  o.cache = !c.no_cache;
  Generator gen(c.seed);
  std::fputs(vocab->decode(prompt).c_str(), stdout);
  std::fflush(stdout);
  const auto t0 = std::chrono::steady_clock::now();
  sample(*model, prompt, o, gen, [&](int64_t id) {
    std::fputs(vocab->token(id).c_str(), stdout);
    std::fflush(stdout);
  });
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("\n");
  std::fprintf(stderr, "%lld tokens in %.2f s (%.1f tokens/s, %s)\n",
               static_cast<long long>(o.tokens), s, s > 0 ? static_cast<double>(o.tokens) / s : 0.0,
               o.cache ? "key/value cache" : "no cache");
  return 0;
}

}  // namespace attend::cli
