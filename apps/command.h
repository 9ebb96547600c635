// The automodel CLI is one file per subcommand. Each file registers itself with
// AUTOMODEL_COMMAND(name, setup): setup(parent) adds a CLI11 subcommand and its callback.
// main.cpp adds every registered subcommand (sorted by name) and turns errors into one
// sentence on stderr and a non-zero exit code.
#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace automodel::cli {

using CommandSetup = void (*)(CLI::App& parent);

struct CommandEntry {
  std::string name;
  CommandSetup setup;
};

std::vector<CommandEntry>& command_registry();

struct CommandRegistrar {
  CommandRegistrar(std::string name, CommandSetup setup) { command_registry().push_back({std::move(name), setup}); }
};

}  // namespace automodel::cli

#define AUTOMODEL_COMMAND_CONCAT2(a, b) a##b
#define AUTOMODEL_COMMAND_CONCAT(a, b) AUTOMODEL_COMMAND_CONCAT2(a, b)
#define AUTOMODEL_COMMAND(name, setup) \
  static const ::automodel::cli::CommandRegistrar AUTOMODEL_COMMAND_CONCAT(automodel_command_, __LINE__)(name, setup)
