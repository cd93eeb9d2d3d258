// The problems found in one config file, each with its line, reported together in file order
// so an operator fixes the file in one pass.
#pragma once

#include "xferd/core/error.hpp"

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace xferd {

class ConfigErrors {
public:
    // `label` is the file as the user named it.
    explicit ConfigErrors(std::string label) : label_(std::move(label)) {}

    // line: 0-based YAML line; none for a problem of the whole file (listed last).
    void add(std::optional<int> line, const std::string& message);

    [[nodiscard]] bool empty() const { return errors_.empty(); }
    [[nodiscard]] const std::string& label() const { return label_; }
    // All messages, one per line, sorted by line; kind ErrorKind::config.
    [[nodiscard]] Error to_error() const;

private:
    std::string label_;
    std::vector<std::pair<int, std::string>> errors_;  // (line, "file line N: message")
};

}  // namespace xferd
