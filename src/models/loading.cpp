#include "loading.h"

#include "automodel/hub/resolve.h"

namespace automodel::models {

namespace fs = std::filesystem;

fs::path resolve_model_folder(const std::string& id_or_path, const FromPretrainedOptions& options) {
  const Device device = Device::parse(options.device);
  AM_CHECK(device.is_cpu(), "from_pretrained: device '", options.device, "' is not available in this build (cpu only)");
  std::error_code ec;
  if (fs::is_directory(id_or_path, ec)) return id_or_path;
  ResolveOptions ro;
  ro.revision = options.revision;
  ro.local_files_only = options.local_files_only;
  return resolve_model(id_or_path, ro);
}

DType resolve_compute_dtype(const std::string& option, const json& config, const ParameterStore& store) {
  if (option == "auto") {
    if (config.contains("torch_dtype") && config["torch_dtype"].is_string()) {
      auto d = dtype_from_string(config["torch_dtype"].get<std::string>());
      if (d && (*d == DType::F32 || *d == DType::BF16 || *d == DType::F16)) return *d;
    }
    return store.dominant_dtype();
  }
  auto d = dtype_from_string(option);
  AM_CHECK(d && (*d == DType::F32 || *d == DType::BF16 || *d == DType::F16), "from_pretrained: torch_dtype '", option,
           "' is not one of auto, float32, bfloat16, float16");
  return *d;
}

std::string config_architecture(const json& config) {
  if (config.contains("architectures") && config["architectures"].is_array() && !config["architectures"].empty() &&
      config["architectures"][0].is_string())
    return config["architectures"][0].get<std::string>();
  return "";
}

std::string join_names(const std::vector<std::string>& names) {
  std::string s;
  for (const auto& x : names) s += (s.empty() ? "" : ", ") + x;
  return s;
}

}  // namespace automodel::models
