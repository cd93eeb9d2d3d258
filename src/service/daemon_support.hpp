// The daemon's small helpers (private to src/service): what daemon.cpp needs besides its driver.
#pragma once

#include "xferd/batch/batch_run.hpp"
#include "xferd/core/config.hpp"
#include "xferd/core/daemon_flow.hpp"

#include <filesystem>
#include <optional>
#include <string>

namespace xferd {

// Size and mtime of a regular file; nothing for anything else (or when it is gone).
std::optional<FileStamp> stamp_of(const std::filesystem::path& p);
// The folder as the watcher and the scans name it: absolute, normalised, no trailing '/'.
std::filesystem::path folder_key(const std::filesystem::path& p);
// "1 batch", "2 batches", "3 inboxes".
std::string plural(std::size_t n, const std::string& word);
DaemonSettings settings_of(const Config& c);
// What the flow makes of a batch's end: done, waiting, or taken again later.
JobEnd job_end_of(const BatchOutcome& o);
// The batch's summary in the process log, at the level it deserves.
void log_outcome(const BatchOutcome& o);

}  // namespace xferd
