#include "xferd/core/xlsx_sheet.hpp"

#include "xferd/core/xlsx_values.hpp"
#include "xferd/core/xml_stream.hpp"

#include <algorithm>
#include <charconv>

namespace xferd {

// <sheetData><row r="7"><c r="B7" t="s" s="3"><v>12</v></c><c r="C7" t="inlineStr"><is><r><t>rich</t></r></is></c>
// <c r="D7"><f>A7*2</f><v>4</v></c></row></sheetData>; everything outside sheetData is skipped.
struct XlsxSheetParser::Impl : XmlHandler {
    Impl(std::string s, const SharedStrings& st, const XlsxStyles& sy, XlsxSheetLimits l)
        : sheet(std::move(s)), strings(st), styles(sy), limits(l), xml(*this)
    {
    }

    std::string sheet;
    const SharedStrings& strings;
    const XlsxStyles& styles;
    XlsxSheetLimits limits;
    XmlStream xml;
    std::vector<XlsxRow>* out = nullptr;

    bool in_data = false;
    bool in_row = false;
    std::uint32_t last_row = 0;
    XlsxRow row;
    std::size_t row_bytes = 0;

    bool in_cell = false;
    std::uint32_t col = 0;
    std::uint32_t next_col = 0;
    std::string type;
    std::uint32_t style = 0;
    std::string v;
    std::string inline_text;
    enum class Capture { none, v, t } capture = Capture::none;
    bool in_is = false;
    int in_rph = 0;

    std::optional<std::string> error;

    bool checked(bool ok)
    {
        if (!ok && !error) {
            const std::string what = xml.error().value_or("unreadable");
            error = xml.malformed() ? damaged_part_message("for sheet '" + sheet + "'", what) : what;
        }
        return ok;
    }

    std::string where_cell() const { return "sheet '" + sheet + "', cell " + cell_name(col, row.number); }

    void start(std::string_view name, const XmlAttributes& a) override
    {
        if (name == "sheetData") {
            in_data = true;
        } else if (in_data && name == "row") {
            start_row(a);
        } else if (in_row && name == "c") {
            start_cell(a);
        } else if (in_cell && name == "v" && !in_is) {
            capture = Capture::v;
        } else if (in_cell && name == "is") {
            in_is = true;
        } else if (in_is && name == "rPh") {
            ++in_rph;
        } else if (in_is && name == "t" && in_rph == 0) {
            capture = Capture::t;
        }
    }

    void start_row(const XmlAttributes& a)
    {
        const auto r = a.get("r") ? to_u32(a.get("r")) : std::optional<std::uint32_t>(last_row + 1);
        if (!r || *r == 0 || *r > xlsx_max_rows) {
            return xml.stop("sheet '" + sheet + "' has a row numbered '" + std::string(a.get("r").value_or("")) +
                            "', which is not a row of a sheet; open it in Excel or LibreOffice and save it again");
        }
        if (*r <= last_row) {
            return xml.stop("sheet '" + sheet + "' lists row " + std::to_string(*r) + " after row " +
                            std::to_string(last_row) + "; open it in Excel or LibreOffice and save it again");
        }
        row = XlsxRow{*r, {}, std::nullopt};
        row_bytes = 0;
        next_col = 0;
        in_row = true;
    }

    void start_cell(const XmlAttributes& a)
    {
        if (const auto ref = a.get("r")) {
            const auto parsed = parse_cell_ref(*ref);
            if (!parsed) {
                return xml.stop("sheet '" + sheet + "', row " + std::to_string(row.number) + " has a cell named '" +
                                std::string(*ref) + "', which is not a cell; open it in Excel or LibreOffice and save "
                                "it again");
            }
            col = parsed->col;
        } else {
            col = next_col;
        }
        type = std::string(a.get("t").value_or("n"));
        style = to_u32(a.get("s")).value_or(0);
        v.clear();
        inline_text.clear();
        in_cell = true;
    }

    void text(std::string_view data) override
    {
        if (capture == Capture::none) return;
        std::string& into = capture == Capture::v ? v : inline_text;
        if (into.size() + data.size() > limits.max_cell_bytes + 16) {  // room for _xHHHH_ escapes
            return xml.stop(where_cell() + " holds more than " + std::to_string(limits.max_cell_bytes) +
                            " bytes; shorten it");
        }
        into.append(data);
    }

    void end(std::string_view name) override
    {
        if (name == "v" || name == "t") {
            capture = Capture::none;
        } else if (name == "rPh" && in_rph > 0) {
            --in_rph;
        } else if (name == "is") {
            in_is = false;
        } else if (name == "c" && in_cell) {
            in_cell = false;
            end_cell();
        } else if (name == "row" && in_row) {
            in_row = false;
            last_row = row.number;
            if (!row.cells.empty() || row.beyond_col) out->push_back(std::move(row));
        } else if (name == "sheetData") {
            in_data = false;
        }
    }

    // The cell's value as text, by its type (t attribute); false when the cell is unreadable.
    bool value_of(XlsxCell& cell)
    {
        if (type == "s") {
            if (v.empty()) return true;
            const auto index = to_u32(std::string_view(v));
            const auto s = index ? strings.at(*index) : std::nullopt;
            if (!s) {
                xml.stop(where_cell() + " refers to shared string " + v + ", which the workbook does not have: "
                         "the file is damaged; open it in Excel or LibreOffice and save it again");
                return false;
            }
            cell.value = *s;
        } else if (type == "inlineStr") {
            cell.value = decode_ooxml_escapes(inline_text);
        } else if (type == "str") {
            cell.value = decode_ooxml_escapes(v);
        } else if (type == "b") {
            cell.kind = XlsxCell::Kind::boolean;
            cell.value = v.empty() ? "" : (v == "1" || v == "true") ? "TRUE" : "FALSE";
        } else if (type == "e") {
            cell.kind = XlsxCell::Kind::error;
            cell.value = v.empty() ? "#VALUE!" : v;
        } else if (type == "d") {
            cell.kind = XlsxCell::Kind::date;
            cell.value = v;
        } else {
            number_value(cell);
        }
        return true;
    }

    void number_value(XlsxCell& cell)
    {
        if (v.empty()) {
            cell.value = decode_ooxml_escapes(inline_text);  // an <is> on a cell without t="inlineStr"
            return;
        }
        if (styles.is_date(style)) {
            if (auto d = excel_date(v, styles.date1904)) {
                cell.kind = XlsxCell::Kind::date;
                cell.value = std::move(*d);
                return;
            }
        }
        if (auto n = format_number(v)) {
            cell.kind = XlsxCell::Kind::number;
            cell.value = std::move(*n);
        } else {
            cell.value = v;  // not a number after all: keep what is there, validation will say
        }
    }

    void end_cell()
    {
        next_col = col + 1;
        XlsxCell cell{col, XlsxCell::Kind::text, {}};
        if (!value_of(cell)) return;
        if (cell.value.empty()) return;  // a formatted, empty cell
        if (cell.value.size() > limits.max_cell_bytes) {
            return xml.stop(where_cell() + " holds more than " + std::to_string(limits.max_cell_bytes) +
                            " bytes; shorten it");
        }
        if (col >= limits.max_columns) {
            if (!row.beyond_col) row.beyond_col = col;
            return;
        }
        row_bytes += cell.value.size();
        if (row_bytes > limits.max_row_bytes) {
            return xml.stop("sheet '" + sheet + "', row " + std::to_string(row.number) + " holds more than " +
                            std::to_string(limits.max_row_bytes) + " bytes; shorten its cells");
        }
        place(std::move(cell));
    }

    // Cells come in column order; a writer that does not keep it still gets each in its place.
    void place(XlsxCell cell)
    {
        auto& cells = row.cells;
        if (cells.empty() || cells.back().col < cell.col) {
            cells.push_back(std::move(cell));
            return;
        }
        auto at = std::lower_bound(cells.begin(), cells.end(), cell.col,
                                   [](const XlsxCell& c, std::uint32_t k) { return c.col < k; });
        if (at != cells.end() && at->col == cell.col) {
            *at = std::move(cell);
        } else {
            cells.insert(at, std::move(cell));
        }
    }
};

XlsxSheetParser::XlsxSheetParser(std::string sheet, const SharedStrings& strings, const XlsxStyles& styles,
                                 XlsxSheetLimits limits)
    : impl_(std::make_unique<Impl>(std::move(sheet), strings, styles, limits))
{
}

XlsxSheetParser::~XlsxSheetParser() = default;

bool XlsxSheetParser::feed(std::string_view chunk, std::vector<XlsxRow>& out)
{
    impl_->out = &out;
    return impl_->checked(impl_->xml.feed(chunk));
}

bool XlsxSheetParser::finish(std::vector<XlsxRow>& out)
{
    impl_->out = &out;
    return impl_->checked(impl_->xml.finish());
}

const std::optional<std::string>& XlsxSheetParser::error() const { return impl_->error; }

}  // namespace xferd
