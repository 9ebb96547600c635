// Error reporting shared by every layer: one exception type whose message a person can act on
// (it names the file / JSON path / tensor, what was expected and what was found).
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

namespace automodel {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Concatenates any streamable values: str_cat("tensor '", name, "' has ", n, " dims").
template <class... Args>
std::string str_cat(Args&&... args) {
  std::ostringstream os;
  (os << ... << std::forward<Args>(args));
  return os.str();
}

template <class... Args>
[[noreturn]] void fail(Args&&... args) {
  throw Error(str_cat(std::forward<Args>(args)...));
}

}  // namespace automodel

// AM_CHECK(cond, parts...): throws automodel::Error built from parts when cond is false.
#define AM_CHECK(cond, ...)                 \
  do {                                      \
    if (!(cond)) ::automodel::fail(__VA_ARGS__); \
  } while (0)
