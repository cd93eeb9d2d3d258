// state.keep_snapshots: the snapshots (frozen copies of taken inputs in state_dir) of batches
// finished longer ago than that are deleted at the start of `once` and `run`; the store
// remembers the snapshot is gone (BatchInfo::snapshot empty). 0 keeps them forever.
#pragma once

#include "xferd/store/state_store.hpp"

#include <chrono>
#include <string>

namespace xferd {

// "2026-12-02T10:00:00.123Z", the form the store's times have (so they compare as text).
std::string utc_iso_ms(std::chrono::system_clock::time_point t);

struct SnapshotPruning {
    std::size_t deleted = 0;
    std::string problem;   // the first error (the rest is left for the next start)
};

// Deletes the snapshots of the batches finished before now - keep (keep > 0), one store
// transaction each: the batch is checked again under the write lock, the file unlinked, the
// store told.
SnapshotPruning prune_snapshots(StateStore& store, std::chrono::milliseconds keep,
                                std::chrono::system_clock::time_point now);

// For `once` and `run`, before they start: reads the config (without secrets) and prunes;
// a config error is left for the command to report. SIGTERM and SIGINT are held back meanwhile;
// true when one came (the command should then stop before doing anything).
bool prune_snapshots_at_start(const std::string& config_path);

}  // namespace xferd
