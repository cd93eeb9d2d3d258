// The small parts of an .xlsx workbook, read before its sheet: which part is the workbook
// (_rels/.rels), its sheets in tab order and date system (xl/workbook.xml), where the sheets,
// the shared strings and the styles are (xl/_rels/workbook.xml.rels), and which cell styles
// show dates (xl/styles.xml). Pure: each takes the part's XML text.
#pragma once

#include "xferd/core/error.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace xferd {

// A part that is not XML a spreadsheet program writes: "the workbook is damaged: its part
// xl/styles.xml is not well-formed XML (…); open it in Excel or LibreOffice and save it again as
// Excel Workbook (.xlsx)".
std::string damaged_part_message(std::string_view part, std::string_view what);

struct XlsxRelationship {
    std::string type;    // the last segment of the Type URI: "worksheet", "sharedStrings", "styles", "officeDocument"
    std::string target;  // the zip entry it points at, resolved ("xl/worksheets/sheet1.xml")
};
// Id → relationship. `source_part` is the part the .rels file belongs to ("" for _rels/.rels,
// "xl/workbook.xml"): relative targets resolve against its folder. External targets are left out.
Result<std::map<std::string, XlsxRelationship>> parse_relationships(std::string_view xml,
                                                                    std::string_view source_part);

// The .rels file that holds the relationships of `part`: "xl/workbook.xml" → "xl/_rels/workbook.xml.rels".
std::string relationships_part_for(std::string_view part);

struct XlsxSheetEntry {
    std::string name;        // as on the tab
    std::string rel_id;      // r:id, into the workbook's relationships
    bool hidden = false;     // state="hidden" / "veryHidden"
};

struct XlsxWorkbook {
    std::vector<XlsxSheetEntry> sheets;  // in tab order
    bool date1904 = false;               // the Mac date system
};
Result<XlsxWorkbook> parse_workbook(std::string_view xml);

// For each cell style (the s attribute of a cell, an index into cellXfs): does it show a date?
struct XlsxStyles {
    std::vector<bool> date_style;
    bool date1904 = false;  // copied from the workbook: how date serials count
    [[nodiscard]] bool is_date(std::uint32_t style) const { return style < date_style.size() && date_style[style]; }
};
inline constexpr std::size_t xlsx_max_cell_styles = 65536;  // Excel allows about 64000
Result<XlsxStyles> parse_styles(std::string_view xml);

}  // namespace xferd
