// NAME.confirmation.xlsx: the confirmation report as a workbook the operator opens in Excel or
// LibreOffice, fills the `approve` column of and saves back as NAME.approved.xlsx. The columns
// of NAME.confirmation.csv (report.hpp confirmation_columns), ID and number cells as text (no
// lost leading zeros, no 2.03556E+09), a bold frozen header, an autofilter, and a yes/no list on
// `approve`. Written row by row in libxlsxwriter's constant-memory mode (rows go to a temp file
// in the target's folder as they are added), to a temp file published by commit() as
// AtomicFileWriter does: 0640, fsync'd, an earlier file kept as NAME.confirmation.1.xlsx, renamed.
#pragma once

#include "xferd/core/error.hpp"
#include "xferd/core/row_state.hpp"

#include <filesystem>
#include <memory>

namespace xferd {

class ConfirmationXlsxWriter {
public:
    static Result<ConfirmationXlsxWriter> create(const std::filesystem::path& target);
    ConfirmationXlsxWriter(ConfirmationXlsxWriter&&) noexcept;
    ConfirmationXlsxWriter& operator=(ConfirmationXlsxWriter&&) noexcept;
    // Dropped without commit(): the temp file is removed and the target is untouched.
    ~ConfirmationXlsxWriter();

    // Rows in the order they are to appear (the input's row order). At most 1,048,575 (a sheet's limit).
    Result<void> add(const RowRecord& row);
    // Writes the whole workbook into its temp file (the slow part: the zip); nothing is published.
    Result<void> finish();
    // Publishes it (finishing it first if need be).
    Result<void> commit();

private:
    struct Impl;
    explicit ConfirmationXlsxWriter(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace xferd
