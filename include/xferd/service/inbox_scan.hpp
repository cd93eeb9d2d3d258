// Which files in a folder are batches to take (docs/architecture.md § Intake). Pure decision + a listing.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace xferd {

// *.csv / *.json / *.ndjson / *.jsonl that are not hidden, Office lock files (~$…), temp or
// partial files (*.tmp, *.part, *.swp, *~), nor anything xferd writes itself.
bool is_batch_candidate(const std::filesystem::path& path);

// Candidates in `folder` (not recursive), oldest modification time first, by their names only:
// whatever they are (a symlink or a FIFO with a batch's name too), intake decides what to do.
std::vector<std::filesystem::path> list_batches(const std::filesystem::path& folder);

}  // namespace xferd
