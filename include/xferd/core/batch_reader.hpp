// Sans-I/O batch reading: feed bytes of a CSV / JSON / NDJSON batch in chunks of any size,
// get validated rows out. No file access here; the caller reads the file.
#pragma once

#include "xferd/core/limits.hpp"
#include "xferd/core/row.hpp"

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace xferd {

// Whether the reader itself marks a row INVALID whose external order number an earlier row
// of the file has. It keeps every number seen for that, so its memory grows with the file;
// leave_to_caller keeps it bounded by one record, for a caller that finds duplicates itself
// (in the state store, across files too).
enum class DuplicateOrders { mark_invalid, leave_to_caller };

// csv for *.csv (and anything else), json for *.json, ndjson for *.ndjson / *.jsonl, xlsx for
// *.xlsx (read by XlsxBatchReader, xlsx_reader.hpp, not by BatchReader).
BatchFormat format_for_path(const std::filesystem::path& path);
// Spreadsheet files xferd does not read (.xls, .xlsb, .xlsm, .ods, .numbers): why, and how to
// save them so it does. nullopt for anything else.
std::optional<std::string> unsupported_format(const std::filesystem::path& path);

// Row numbers (ParsedRow::row.row), as an operator finds them:
// - CSV: the data record index, header excluded, counting every record after the header,
//   blank ones too (they are skipped, not reported): row N is spreadsheet row N+1, and line
//   N+1 of the file unless a quoted value above it spans lines.
// - JSON: the 1-based position in the array.
// - NDJSON: the line number (blank lines count, and are skipped).
// A row error never stops the reader; a FileError (feed/finish return false) stops it.
// `limits` are the config's `limits:` (LimitsConfig is this type): a file over max_file_bytes
// is a file error here, so every command that reads a batch gives the same verdict.
class BatchReader {
public:
    BatchReader(BatchFormat format, ColumnMapping columns, BatchLimits limits = {},
                DuplicateOrders duplicates = DuplicateOrders::mark_invalid);
    ~BatchReader();
    BatchReader(BatchReader&&) noexcept;
    BatchReader& operator=(BatchReader&&) noexcept;

    // Feeds the next chunk; appends every row completed by it to `out` (in input order).
    // Returns false once the file has a file-level error (see error()); later calls do nothing.
    bool feed(std::string_view chunk, std::vector<ParsedRow>& out);
    // End of input: flushes the last row; detects truncation and empty/header-only files.
    bool finish(std::vector<ParsedRow>& out);

    [[nodiscard]] const std::optional<FileError>& error() const;
    // Header names as they appear in the file (CSV), for reports. Empty for JSON.
    [[nodiscard]] const std::vector<std::string>& header() const;
    // Rows handed out so far, valid and invalid (skipped blank records not included).
    [[nodiscard]] std::size_t rows_seen() const;
    // Header cells that feed nothing (not canonical, not mapped, not GROUP.FIELD, or a direct
    // name a mapping overrode), as the file spells them: for "ignored columns: …" in the log.
    [[nodiscard]] const std::vector<std::string>& ignored_columns() const;
    // The CSV delimiter found on the header line (',' ';' or '\t'); 0 before that and for JSON.
    [[nodiscard]] char delimiter() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace xferd
