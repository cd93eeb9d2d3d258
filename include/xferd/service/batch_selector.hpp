// Naming a batch on the command line (`xferd status BATCH`, `xferd reconfirm BATCH`): a path, a
// file name, or a content hash prefix of at least 8 hex digits.
#pragma once

#include "xferd/core/config.hpp"
#include "xferd/store/state_store.hpp"

#include <memory>
#include <string>
#include <vector>

namespace xferd {

// The batches the words name, newest first (several: ambiguous; none: unknown).
Result<std::vector<BatchInfo>> select_batches(StateStore& store, const std::string& spec);

// "  leavers.csv  3f2a9c1b04d2  done  /srv/inbox/leavers.csv" lines, for an ambiguous name.
std::string candidate_lines(const std::vector<BatchInfo>& batches);

// The config read without its secrets (none are needed to read the store), errors on stderr.
Result<Config> load_config_for_store(const std::string& config_path);

// state_dir's store opened read-only (safe while `once` / `run` write it); nullptr when there
// is no store yet (nothing was ever taken).
Result<std::unique_ptr<StateStore>> open_store_for_reading(const Config& config);

}  // namespace xferd
