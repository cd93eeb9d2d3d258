// The sheet of an .xlsx (xl/worksheets/sheetN.xml) as rows of typed cells: a state machine over
// the streamed XML, fed bytes in chunks of any size (the zip entry as it inflates), so memory
// holds one row, never the sheet. Cell values are resolved here: shared strings looked up, rich
// text runs joined, numbers printed exactly, date-styled numbers as ISO 8601. Pure.
#pragma once

#include "xferd/core/xlsx_parts.hpp"
#include "xferd/core/xlsx_shared_strings.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace xferd {

struct XlsxCell {
    enum class Kind { text, number, date, boolean, error };
    std::uint32_t col = 0;    // 0-based
    Kind kind = Kind::text;
    // text: as typed (shared, inline, rich runs joined, a formula's text result); number: its
    // exact digits ("2035551111"); date: ISO 8601; boolean: TRUE / FALSE; error: "#N/A", "#REF!"…
    std::string value;
};

struct XlsxRow {
    std::uint32_t number = 0;          // the spreadsheet's row number (1-based)
    std::vector<XlsxCell> cells;       // the cells present, ascending by column, below max_columns
    // The first column at or past max_columns with a value, if any (such cells are not kept).
    std::optional<std::uint32_t> beyond_col;
};

struct XlsxSheetLimits {
    std::size_t max_cell_bytes = 64 * 1024;
    std::size_t max_row_bytes = 1024 * 1024;
    std::uint32_t max_columns = 256;
};

class XlsxSheetParser {
public:
    // `sheet` names the sheet in messages; `strings` and `styles` must outlive the parser.
    XlsxSheetParser(std::string sheet, const SharedStrings& strings, const XlsxStyles& styles,
                    XlsxSheetLimits limits = {});
    ~XlsxSheetParser();
    XlsxSheetParser(const XlsxSheetParser&) = delete;
    XlsxSheetParser& operator=(const XlsxSheetParser&) = delete;

    // Appends every row completed by this chunk. False once the sheet is unreadable (error()).
    bool feed(std::string_view chunk, std::vector<XlsxRow>& out);
    bool finish(std::vector<XlsxRow>& out);
    // A sentence naming the sheet and cell: "sheet 'Leavers', cell B7 holds more than …".
    [[nodiscard]] const std::optional<std::string>& error() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace xferd
