// Loading the configuration for a command: errors go to stderr, once.
#pragma once

#include "xferd/core/config.hpp"

#include <string>

namespace xferd {

Result<Config> load_or_report(const std::string& path);

}  // namespace xferd
