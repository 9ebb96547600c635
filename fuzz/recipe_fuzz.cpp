// libFuzzer target: arbitrary bytes as an SFT recipe file (YAML), with and without an override.
// Parsing must either succeed, and then the effective recipe written back reads back equal, or
// throw automodel::Error (never another exception, a crash or a hang).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "automodel/core/error.h"
#include "automodel/recipes/recipe_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace automodel::recipes;
  const std::string text(reinterpret_cast<const char*>(data), size);
  // The second half of the input, once, as an override value of a list-typed key.
  const std::vector<RecipeOverride> overrides = {{"lora.target_modules", text.substr(text.size() / 2)}};
  for (const auto* ov : {static_cast<const std::vector<RecipeOverride>*>(nullptr), &overrides}) {
    try {
      const SftRecipe r = parse_recipe(text, "fuzz/recipe.yaml", ov ? *ov : std::vector<RecipeOverride>{});
      if (!(parse_recipe(recipe_to_yaml(r), "fuzz/written.yaml") == r)) std::abort();
    } catch (const automodel::Error&) {
    }
  }
  return 0;
}
