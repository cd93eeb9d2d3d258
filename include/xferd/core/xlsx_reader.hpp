// Sans-I/O reading of one .xlsx sheet as a batch: fed the sheet's XML in chunks of any size (as
// it inflates out of the zip), gives the same validated rows as BatchReader does for a CSV.
//
// - The header is the first non-blank row; its cells are matched to columns exactly as a CSV
//   header (resolve_header: same mapping rules, same errors, prefixed with the sheet and row).
// - Row numbers count from the header as for CSV: row N is the N-th row below the header, blank
//   rows included (skipped, not reported). With the header in spreadsheet row 1, row N is
//   spreadsheet row N+1; with the header in row 3, row N is spreadsheet row N+3. Every message
//   about a value also names its cell ("sheet 'Leavers', cell C7: …"), so it is found either way.
// - Cell values are what the cell holds (XlsxSheetParser), then validated by validate_row like
//   any CSV value: a number that lost a leading zero gets the same message as in a CSV.
// - An error cell (#N/A, #REF!…) in a column xferd reads makes its row INVALID, naming the cell.
//   Cells right of the header, or under a blank header cell, are not read.
#pragma once

#include "xferd/core/batch_reader.hpp"
#include "xferd/core/xlsx_sheet.hpp"

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace xferd {

class XlsxBatchReader {
public:
    // `strings` and `styles` must outlive the reader.
    XlsxBatchReader(std::string sheet, const SharedStrings& strings, const XlsxStyles& styles, ColumnMapping columns,
                    BatchLimits limits = {});
    ~XlsxBatchReader();
    XlsxBatchReader(XlsxBatchReader&&) noexcept;
    XlsxBatchReader& operator=(XlsxBatchReader&&) noexcept;

    // As BatchReader::feed / finish: rows appended in sheet order; false at a file-level error.
    bool feed(std::string_view chunk, std::vector<ParsedRow>& out);
    bool finish(std::vector<ParsedRow>& out);

    [[nodiscard]] const std::optional<FileError>& error() const;
    // The header row's cells as typed (blank cells as ""), for reports.
    [[nodiscard]] const std::vector<std::string>& header() const;
    [[nodiscard]] const std::vector<std::string>& ignored_columns() const;
    [[nodiscard]] std::size_t rows_seen() const;
    // The spreadsheet row of the header (0 before it is found).
    [[nodiscard]] std::uint32_t header_row() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace xferd
