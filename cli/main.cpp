// The attend command line. Subcommands only parse options, call into the library, and print.
#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>

#include "autograd/profiler.h"
#include "autograd/threading.h"
#include "cli/command_line.h"
#include "cli/datasets_audio.h"
#include "cli/datasets_cmd.h"
#include "cli/models_cmd.h"
#include "cli/parse_errors.h"
#include "datasets/data_error.h"
#include "datasets/sentencepiece_model.h"
#include "models/hyperparams.h"
#include "trainers/checkpoint.h"
#include "trainers/distributed/communicator.h"

namespace {

// Runs the subcommand the command line chose; its exit code.
int dispatch(attend::cli::CommandLine& cl) {
  CLI::App& app = cl.app;
  if (*cl.train.app) return attend::cli::run_train(cl.train, app);
  if (int rc = attend::cli::run_checkpoint_command(cl.use); rc >= 0) return rc;
  if (*cl.score.app) return attend::cli::run_score(cl.score);
  if (*cl.average.app) return attend::cli::run_average(cl.average);
  if (*cl.generate.app) return attend::cli::run_generate_text(cl.generate);
  if (*cl.transcribe.app) return attend::cli::run_transcribe(cl.transcribe);
  if (*cl.attention.app) return attend::cli::run_attention(cl.attention);
  if (*cl.report.app) return attend::cli::run_report(cl.report);
  if (*cl.gradcheck.app) return attend::cli::run_gradcheck(cl.gradcheck);
  if (*cl.gradflow.app) return attend::cli::run_gradflow(cl.gradflow);
  if (*cl.models) {
    attend::cli::list_models();
    return 0;
  }
  if (*cl.demo_cmd) return attend::cli::run_demo(cl.demo) > 0.9 ? 0 : 1;
  if (*cl.datasets_list) {
    attend::cli::list_datasets();
    return 0;
  }
  if (*cl.datasets_show) {
    attend::cli::show_dataset(cl.dataset);
    return 0;
  }
  if (*cl.datasets_split) {
    attend::cli::split_dataset(cl.split);
    return 0;
  }
  if (*cl.version) {
    std::printf("attend 0.1.0 (OpenBLAS core: %s, threads: %d, %s)\n",
                attend::blas_core_name().c_str(), attend::num_threads(),
                attend::threading_name().c_str());
    std::printf("%s\n", attend::cli::audio_support().c_str());
    std::printf("%s\n", attend::mpi_support().c_str());
    std::printf("subwords: %s\n",
                attend::sentencepiece_supported()
                    ? "on (SentencePiece)"
                    : "off (built without libsentencepiece-dev; install it and rebuild)");
#ifdef ATTEND_SANITIZED
    std::printf("sanitizers: address, undefined (a checking build, several times slower)\n");
#endif
    return 0;
  }
  return 0;
}

int run(int argc, char** argv) {
  attend::cli::CommandLine cl(attend::cli::resume_config_path(argc, argv));
  CLI::App& app = cl.app;

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version print and succeed; a bad command line is one line and exit code 2
    // (CLI11's own report adds a second line pointing at --help).
    if (e.get_exit_code() == 0) return app.exit(e);
    std::fprintf(stderr, "error: %s\n", attend::cli::parse_error_message(app, e).c_str());
    return 2;
  }
  try {
    attend::set_num_threads(cl.threads);
    // Subnormals flushed by default, as TensorFlow does: a peaked attention softmax produces them
    // in its gradients, and each one costs Intel cores ~100x (B2: 25% of the step).
    attend::set_flush_denormal(!cl.keep_denormals);
    // --profile: the table goes to stderr after the command, so stdout stays parseable.
    if (cl.profile) attend::Profiler::enable();
    const int rc = dispatch(cl);
    if (cl.profile) {
      attend::Profiler::disable();
      std::fprintf(stderr, "\nprofile (self time per op, %% of the command's wall time):\n");
      attend::Profiler::print(stderr);
    }
    return rc;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return attend::cli::exit_code_for(e);
  }
  return 0;
}

// Output that could not be written (a full disk, a closed pipe) is an error, not a success.
int finish(int rc) {
  if (std::fflush(stdout) != 0 || std::ferror(stdout)) {
    const int err = errno;
    std::fprintf(stderr, "error: cannot write standard output: %s\n",
                 err ? std::strerror(err) : "I/O error");
    return rc == 0 ? 1 : rc;
  }
  return rc;
}

}  // namespace

int main(int argc, char** argv) {
  attend::choose_openmp_wait_policy(argv);
  return finish(run(argc, argv));
}
