// The options a batch runs with, from the configuration and the inbox its file lives in.
#pragma once

#include "xferd/core/config.hpp"

#include <chrono>
#include <filesystem>

namespace xferd {

struct BatchOptions {
    ColumnMapping columns;
    ApprovalConfig approval;     // mode already resolved for the inbox
    LimitsConfig limits;
    std::filesystem::path state_dir;
    std::chrono::milliseconds settle{2'000};   // a file modified more recently is left for later
    // .xlsx batches: the sheet to read (config `sheet:`, the inbox's first); empty: the first visible.
    std::string sheet;
};

// The inbox a folder is decides: its column mapping over the top-level one, its approval mode
// if it sets one. Folders outside every inbox get the top-level settings.
BatchOptions batch_options_for(const Config& config, const std::filesystem::path& folder);

}  // namespace xferd
