// automodel: the command-line tool. Subcommands live one per file (cmd_*.cpp) and register
// themselves (see command.h).
//
// Exit codes scripts can rely on: 0 success (also --help), 1 the command failed at run time
// (missing model, unsupported architecture, corrupt file, ...), 2 usage error (unknown flag,
// bad flag value, missing argument). Errors are one line on stderr: "automodel: <cause>".
#include <algorithm>
#include <exception>
#include <iostream>
#include <string>

#include "automodel/core/error.h"
#include "command.h"

namespace automodel::cli {
std::vector<CommandEntry>& command_registry() {
  static std::vector<CommandEntry> registry;
  return registry;
}
}  // namespace automodel::cli

int main(int argc, char** argv) {
  CLI::App app{"automodel: Hugging Face models (config.json, safetensors, tokenizers) natively in C++"};
  app.require_subcommand(1);
  app.failure_message([](const CLI::App*, const CLI::Error& e) {
    return std::string("automodel: ") + e.what() + " (see --help)\n";
  });
  auto commands = automodel::cli::command_registry();
  std::sort(commands.begin(), commands.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  for (const auto& c : commands) c.setup(app);
  if (argc > 1 && argv[1][0] != '-') {
    const std::string name = argv[1];
    std::string names;
    bool known = false;
    for (const auto& c : commands) {
      known |= c.name == name;
      names += (names.empty() ? "" : ", ") + c.name;
    }
    if (!known) {
      std::cerr << "automodel: unknown command '" << name << "' (commands: " << names << "; see --help)\n";
      return 2;
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // CLI11 prints help (exit code 0) or the usage error; its own error codes become 2.
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  } catch (const automodel::Error& e) {
    std::cerr << "automodel: " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "automodel: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
