#include "xferd/core/config_errors.hpp"

#include <algorithm>
#include <limits>

namespace xferd {

void ConfigErrors::add(std::optional<int> line, const std::string& message)
{
    if (!line)
        errors_.emplace_back(std::numeric_limits<int>::max(), label_ + ": " + message);
    else
        errors_.emplace_back(*line, label_ + " line " + std::to_string(*line + 1) + ": " + message);
}

Error ConfigErrors::to_error() const
{
    // In file order, so the operator can work down the file.
    auto sorted = errors_;
    std::stable_sort(sorted.begin(), sorted.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    std::string message;
    for (std::size_t i = 0; i < sorted.size(); ++i) message += (i ? "\n" : "") + sorted[i].second;
    return make_error(ErrorKind::config, std::move(message));
}

}  // namespace xferd
