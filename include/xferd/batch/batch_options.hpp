// The options a batch runs with, from the configuration and the inbox its file lives in.
#pragma once

#include "xferd/batch/pipeline.hpp"
#include "xferd/core/config.hpp"

#include <filesystem>

namespace xferd {

// The inbox a folder is decides: its column mapping over the top-level one, its approval mode
// if it sets one. Folders outside every inbox get the top-level settings.
BatchOptions batch_options_for(const Config& config, const std::filesystem::path& folder);

}  // namespace xferd
