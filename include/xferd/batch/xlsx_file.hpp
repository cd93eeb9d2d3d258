// An .xlsx workbook on disk: the zip container (libzip), its small parts read and its sheets
// streamed. Opening reads the parts a sheet needs (relationships, workbook, styles, the bounded
// shared-strings table); a sheet's XML is then handed out in chunks as it inflates, never held.
// Refused with a sentence that says what to do: not a zip, encrypted, an old .xls or an .ods
// under an .xlsx name, too many entries, a part that inflates past its cap (zip bombs).
#pragma once

#include "xferd/core/error.hpp"
#include "xferd/core/xlsx_parts.hpp"
#include "xferd/core/xlsx_shared_strings.hpp"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace xferd {

struct XlsxFileLimits {
    std::size_t max_entries = 10'000;                    // Excel writes a few dozen
    std::uint64_t max_part_bytes = 32ull << 20;          // workbook.xml, .rels, styles.xml, inflated
    std::uint64_t max_shared_strings_xml_bytes = 1ull << 30;
    std::uint64_t max_sheet_bytes = 2ull << 30;          // a sheet's XML, inflated (~4M rows of 10 cells)
    XlsxStringLimits strings;
};

class XlsxWorkbookFile {
public:
    // Errors are sentences for the operator (no file name: the caller has it).
    static Result<std::unique_ptr<XlsxWorkbookFile>> open(const std::filesystem::path& path, XlsxFileLimits limits = {});
    ~XlsxWorkbookFile();
    XlsxWorkbookFile(const XlsxWorkbookFile&) = delete;
    XlsxWorkbookFile& operator=(const XlsxWorkbookFile&) = delete;

    [[nodiscard]] const std::vector<XlsxSheetEntry>& sheets() const { return book_.sheets; }
    [[nodiscard]] const SharedStrings& strings() const { return strings_; }
    [[nodiscard]] const XlsxStyles& styles() const { return styles_; }

    // The sheet a batch is read from: the one named (case-insensitive, as Excel compares tab
    // names), or without a name the first visible one. Error names the sheets there are.
    [[nodiscard]] Result<std::size_t> choose_sheet(std::string_view name) const;

    // Starts streaming sheet `index` (from choose_sheet).
    Result<void> open_sheet(std::size_t index);
    // The next piece of the sheet's XML; empty at its end. Error when it is damaged or too big.
    Result<std::string_view> next_chunk();

private:
    XlsxWorkbookFile() = default;
    Result<void> load_parts();
    Result<void> load_styles(const std::string& part);
    Result<void> load_strings(const std::string& part);
    struct Zip;
    std::unique_ptr<Zip> zip_;
    XlsxWorkbook book_;
    std::vector<std::string> sheet_parts_;  // zip entry of each sheet ("" when not a worksheet)
    SharedStrings strings_;
    XlsxStyles styles_;
    XlsxFileLimits limits_;
    std::string buffer_;
    std::string open_sheet_name_;
    std::uint64_t sheet_bytes_ = 0;
};

}  // namespace xferd
