// Reads a batch file in chunks and hands out rows one at a time, so memory stays bounded by one
// chunk plus one row: text formats through the sans-I/O BatchReader, .xlsx workbooks by
// streaming their sheet out of the zip through XlsxBatchReader (plus the workbook's bounded
// shared-strings table). Spreadsheet formats xferd does not read give a file error saying how
// to save them.
#pragma once

#include "xferd/core/batch_reader.hpp"
#include "xferd/core/config.hpp"

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

namespace xferd {

class RowStream {
public:
    // `sheet`: for .xlsx, the sheet to read (config `sheet:`); empty: the first visible sheet.
    RowStream(const std::filesystem::path& file, BatchFormat format, const ColumnMapping& columns,
              const BatchLimits& limits, const std::string& sheet = {},
              DuplicateOrders duplicates = DuplicateOrders::mark_invalid);
    ~RowStream();
    RowStream(const RowStream&) = delete;
    RowStream& operator=(const RowStream&) = delete;

    // The next row, or nullopt at the end of the file or at a file-level error (see error()).
    std::optional<ParsedRow> next();
    [[nodiscard]] const std::optional<FileError>& error() const { return error_; }
    [[nodiscard]] const std::vector<std::string>& header() const;
    [[nodiscard]] const std::vector<std::string>& ignored_columns() const;

    struct Source;  // where rows come from: a text file or a workbook's sheet

private:
    std::unique_ptr<Source> source_;
    std::vector<ParsedRow> ready_;
    std::size_t ready_pos_ = 0;
    bool finished_ = false;
    std::optional<FileError> error_;
};

}  // namespace xferd
