// Reading a batch file into the state store: every row, valid or not, with its errors; then the
// checks that need the whole batch (an external order number used twice), done in the store so
// memory stays flat however long the file. Used by the batch driver and by `xferd validate`
// (on a scratch store), so both give the same verdict on the same file.
#pragma once

#include "xferd/core/config.hpp"
#include "xferd/core/row.hpp"
#include "xferd/store/state_store.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace xferd {

struct ValidationSummary {
    std::size_t rows = 0;
    std::size_t invalid = 0;
    std::size_t duplicate_order_numbers = 0;
    std::optional<FileError> file_error;           // the file is rejected
    std::vector<std::string> ignored_columns;      // header cells that feed nothing
};

// Replaces batch `id`'s rows by those read from `file`, in transactions of a few thousand rows
// (its own: call it on a connection no other code is using).
Result<ValidationSummary> read_rows_into_store(StateStore& store, BatchId id, const std::filesystem::path& file,
                                               BatchFormat format, const ColumnMapping& columns,
                                               const LimitsConfig& limits, const std::string& sheet = {});

// "line 7: …" / "byte 1234: …" / "…" for a file error.
std::string describe_file_error(const FileError& e);

}  // namespace xferd
