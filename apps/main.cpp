// automodel: the command-line tool. Subcommands live one per file (cmd_*.cpp) and register
// themselves (see command.h).
#include <algorithm>
#include <exception>
#include <iostream>

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
  auto commands = automodel::cli::command_registry();
  std::sort(commands.begin(), commands.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  for (const auto& c : commands) c.setup(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const automodel::Error& e) {
    std::cerr << "automodel: " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "automodel: unexpected error: " << e.what() << "\n";
    return 2;
  }
  return 0;
}
