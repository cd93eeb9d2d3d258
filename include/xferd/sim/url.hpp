// Request-target and form parsing (application/x-www-form-urlencoded rules: '+' is a space).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace xferd::sim {

using Params = std::vector<std::pair<std::string, std::string>>;

struct Target {
    std::string path;  // percent-decoded
    Params query;      // decoded, in order
    // First value of `name`, or nullptr.
    const std::string* param(std::string_view name) const;
};

// Decodes %XX and '+'; nullopt on a malformed escape.
std::optional<std::string> form_decode(std::string_view text, bool plus_is_space = true);
std::optional<Params> parse_form(std::string_view text);
std::optional<Target> parse_target(std::string_view target);
// Percent-encodes all but RFC 3986 unreserved characters.
std::string pct_encode(std::string_view text);

}  // namespace xferd::sim
