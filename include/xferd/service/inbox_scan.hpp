// Which files in a folder are batches to take (design.md § Files). Pure decision + a listing.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace xferd {

// *.csv / *.json / *.ndjson / *.jsonl that are not hidden, Office lock files (~$…), temp or
// partial files (*.tmp, *.part, *.swp, *~), nor anything xferd writes itself.
bool is_batch_candidate(const std::filesystem::path& path);

// The input was dealt with after it was last written: its results, or a note rejecting the file
// or the drop, are newer than it. Results that still hold IN_DOUBT rows do not count (that batch
// is unfinished), nor does a refused approval (the batch still waits for the operator).
// Touching or re-dropping the input makes it new again.
bool already_handled(const std::filesystem::path& input);

// Candidates in `folder` (not recursive), oldest modification time first.
std::vector<std::filesystem::path> list_batches(const std::filesystem::path& folder);

}  // namespace xferd
