// A batch's identity and its frozen copy: the SHA-256 of the input's content, and that exact
// content copied into state_dir/batches/<sha256>/ so every later pass (and a resume after a
// crash) reads the same bytes even if someone edits or removes the original.
#pragma once

#include "xferd/core/error.hpp"

#include <cstdint>
#include <filesystem>
#include <string>

namespace xferd {

struct BatchSnapshot {
    std::string sha256;
    std::filesystem::path batch_dir;  // state_dir/batches/<sha256>
    std::filesystem::path path;       // batch_dir/input.<ext>
    std::uint64_t bytes = 0;
};

// Hashes the input (refusing files over max_bytes).
Result<std::string> hash_file(const std::filesystem::path& input, std::uint64_t max_bytes);

// Copies the input into the state dir unless a copy is already there, checking that the copy
// has `expected_sha256` (the file did not change since it was hashed).
Result<BatchSnapshot> snapshot_batch(const std::filesystem::path& input, const std::filesystem::path& state_dir,
                                     const std::string& expected_sha256);

}  // namespace xferd
