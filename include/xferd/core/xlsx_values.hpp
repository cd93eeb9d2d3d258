// Cell values as an .xlsx stores them, turned into the text a batch reads: cell references,
// numbers printed exactly, date serials as ISO 8601, the number formats that make a cell a date.
// Pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace xferd {

// An attribute holding a whole number ("3"); nullopt when absent or not one.
std::optional<std::uint32_t> to_u32(std::optional<std::string_view> s);

// Excel's grid: 16384 columns (A…XFD), 1048576 rows.
inline constexpr std::uint32_t xlsx_max_columns = 16384;
inline constexpr std::uint32_t xlsx_max_rows = 1048576;

struct CellRef {
    std::uint32_t col = 0;  // 0-based: A is 0
    std::uint32_t row = 0;  // 1-based, as Excel shows it
};
// "B7" → {1, 7}; "$B$7" is not a cell's own r attribute, so not accepted. nullopt when malformed
// or outside the grid.
std::optional<CellRef> parse_cell_ref(std::string_view ref);
// 0 → "A", 26 → "AA".
std::string column_letters(std::uint32_t col);
// "B7"
std::string cell_name(std::uint32_t col, std::uint32_t row);

// A number cell's stored value (its <v> text, e.g. "2035551111", "2.0355511109999999E9", "0.1")
// printed exactly: an integer-valued double as its integer digits, otherwise the shortest text
// that reads back as the same double, never in scientific notation. nullopt when not a number.
std::optional<std::string> format_number(std::string_view stored);

// Whether a number format shows a date or time: built-in ids 14–22 and 45–47, or a custom
// format code with d, m, y, h or s outside quotes, escapes and [colour] brackets.
bool is_date_format(std::uint32_t format_id, std::string_view format_code);

// A date serial as ISO 8601: "2026-12-15" for a whole day, "2026-12-15T17:30:00" with a time,
// "17:30:00" for a time of day alone (serial below 1). The 1900 system counts Excel's fictitious
// 1900-02-29 (serial 60, shown as that); date1904 is the Mac system. Seconds are rounded.
// nullopt when not a number, negative, or past 9999-12-31.
std::optional<std::string> excel_date(std::string_view stored, bool date1904);

// OOXML's escape of characters XML cannot carry: "_x000D_" is a carriage return, "_x005F_" an
// underscore. Decodes every _xHHHH_ (as UTF-8); other text is returned unchanged.
std::string decode_ooxml_escapes(std::string_view text);

}  // namespace xferd
