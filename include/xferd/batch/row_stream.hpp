// Reads a batch file in chunks through the sans-I/O BatchReader and hands out rows one at a
// time, so memory stays bounded by one chunk plus one row.
#pragma once

#include "xferd/core/batch_reader.hpp"
#include "xferd/core/config.hpp"

#include <cstdio>
#include <deque>
#include <filesystem>
#include <optional>

namespace xferd {

class RowStream {
public:
    RowStream(const std::filesystem::path& file, BatchFormat format, const ColumnMapping& columns,
              const BatchLimits& limits,
              DuplicateOrders duplicates = DuplicateOrders::mark_invalid);
    ~RowStream();
    RowStream(const RowStream&) = delete;
    RowStream& operator=(const RowStream&) = delete;

    // The next row, or nullopt at the end of the file or at a file-level error (see error()).
    std::optional<ParsedRow> next();
    [[nodiscard]] const std::optional<FileError>& error() const { return error_; }
    [[nodiscard]] const std::vector<std::string>& header() const { return reader_.header(); }
    [[nodiscard]] const std::vector<std::string>& ignored_columns() const { return reader_.ignored_columns(); }

private:
    std::FILE* file_ = nullptr;
    BatchReader reader_;
    std::vector<ParsedRow> ready_;
    std::size_t ready_pos_ = 0;
    bool finished_ = false;
    std::optional<FileError> error_;
};

}  // namespace xferd
