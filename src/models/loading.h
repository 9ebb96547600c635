// The from_pretrained steps every Auto class shares: where the files are (local folder or Hub
// cache/download) and which dtype the model computes in (the torch_dtype option).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "automodel/models/auto_model.h"
#include "automodel/nn/var_builder.h"

namespace automodel::models {

// Checks options.device, then returns `id_or_path` when it is a folder, else resolves the Hub
// id through hub/resolve.h (revision, local_files_only).
std::filesystem::path resolve_model_folder(const std::string& id_or_path, const FromPretrainedOptions& options);

// torch_dtype option -> compute dtype; "auto" reads config.json torch_dtype, else the dtype of
// most weight bytes in `store`.
DType resolve_compute_dtype(const std::string& option, const json& config, const ParameterStore& store);

// config.architectures[0], or "" when absent or not a string (the registries then fall back to
// model_type).
std::string config_architecture(const json& config);

// "a, b, c" for the lists of supported names in registry errors.
std::string join_names(const std::vector<std::string>& names);

}  // namespace automodel::models
