#include "xferd/core/xlsx_reader.hpp"

#include "xferd/core/csv_columns.hpp"
#include "xferd/core/row_validation.hpp"
#include "xferd/core/table_rows.hpp"
#include "xferd/core/xlsx_values.hpp"

#include <algorithm>
#include <map>

namespace xferd {

namespace {

bool blank_cell(const XlsxCell& c) { return c.kind != XlsxCell::Kind::error && trim_value(c.value).empty(); }

bool blank_row(const XlsxRow& r) { return std::all_of(r.cells.begin(), r.cells.end(), blank_cell); }

std::string error_advice(std::string_view error)
{
    if (error == "#N/A") return "a lookup found nothing";
    if (error == "#REF!") return "a formula refers to a cell that was deleted";
    if (error == "#VALUE!") return "a formula got a value of the wrong type";
    if (error == "#DIV/0!") return "a formula divides by zero";
    if (error == "#NAME?") return "a formula uses a name the spreadsheet does not know";
    return "a formula failed";
}

}  // namespace

struct XlsxBatchReader::Impl {
    Impl(std::string s, const SharedStrings& strings, const XlsxStyles& styles, ColumnMapping c, BatchLimits l)
        : sheet(std::move(s)),
          mapping(std::move(c)),
          parser(sheet, strings, styles, XlsxSheetLimits{l.max_field_bytes, l.max_row_bytes, static_cast<std::uint32_t>(l.max_columns)}),
          limits(l)
    {
    }

    std::string sheet;
    ColumnMapping mapping;
    XlsxSheetParser parser;
    BatchLimits limits;
    std::vector<XlsxRow> rows;
    std::optional<FileError> error;
    std::vector<std::string> header;
    std::optional<HeaderLayout> layout;
    std::uint32_t header_row = 0;
    std::map<std::string, std::uint32_t> label_col;  // header label → its column, for cell names
    std::size_t rows_out = 0;
    DuplicateOrderCheck duplicates;
    std::vector<ParsedRow>* out = nullptr;

    std::string where() const { return "sheet '" + sheet + "'"; }

    bool fail(std::string message)
    {
        error = FileError{std::move(message), std::nullopt, std::nullopt};
        return false;
    }

    bool take(bool parsed)
    {
        for (auto& r : rows) {
            if (!error) take_row(r);
        }
        rows.clear();
        if (!parsed && !error) return fail(parser.error().value_or(where() + " cannot be read"));
        return !error;
    }

    void take_row(XlsxRow& r)
    {
        if (blank_row(r)) return;  // an empty row: skipped, but it keeps its number
        if (!layout) {
            take_header(r);
            return;
        }
        out->push_back(data_row(r));
        ++rows_out;
    }

    void take_header(const XlsxRow& r)
    {
        const std::string at = where() + ", header row " + std::to_string(r.number);
        if (r.beyond_col) {
            fail(where() + ", cell " + cell_name(*r.beyond_col, r.number) + ": the header row has more than " +
                 std::to_string(limits.max_columns) + " columns");
            return;
        }
        header.assign(r.cells.empty() ? 0 : r.cells.back().col + 1, std::string());
        for (const auto& c : r.cells) {
            if (c.kind == XlsxCell::Kind::error) {
                fail(where() + ", cell " + cell_name(c.col, r.number) + " (the header row) holds the error " +
                     c.value + ": type the column name into it");
                return;
            }
            header[c.col] = c.value;
        }
        auto resolved = resolve_header(header, mapping);
        if (!resolved) {
            fail(at + ": " + resolved.error().message);
            return;
        }
        layout = std::move(*resolved);
        header_row = r.number;
        for (std::size_t i = 0; i < layout->targets.size(); ++i) {
            if (layout->targets[i].kind != ColumnTarget::Kind::ignored)
                label_col.emplace(layout->labels[i], static_cast<std::uint32_t>(i));
        }
    }

    ParsedRow data_row(XlsxRow& r)
    {
        const std::size_t width = layout->targets.size();
        std::vector<std::string> cells(width);
        std::vector<FieldError> cell_errors;
        for (auto& c : r.cells) {
            if (c.col >= width) break;
            if (c.kind == XlsxCell::Kind::error) {
                if (layout->targets[c.col].kind != ColumnTarget::Kind::ignored)
                    cell_errors.push_back({layout->labels[c.col], "holds the error " + c.value + " (" +
                                                                      error_advice(c.value) +
                                                                      "): correct the formula, or type the value"});
                continue;
            }
            cells[c.col] = std::move(c.value);
        }
        RawRow raw = raw_row_from_cells(*layout, r.number - header_row, cells);
        raw.errors = std::move(cell_errors);
        const std::string eon_column = raw.external_order_number.column;
        ParsedRow row = validate_row(std::move(raw));
        duplicates.check(row, eon_column);
        for (auto& e : row.errors) {
            const auto col = label_col.find(e.column);
            e.message = (col == label_col.end() ? where() + ", row " + std::to_string(r.number)
                                                : where() + ", cell " + cell_name(col->second, r.number)) +
                        ": " + e.message;
        }
        return row;
    }

    bool finish_sheet()
    {
        if (!layout) {
            return fail(where() + " is empty: expected a header row (external_order_number, service_id, "
                                  "service_number, contact_number, personal_email, …) and one row per line to "
                                  "transfer");
        }
        if (rows_out == 0) {
            return fail(where() + " has a header row (row " + std::to_string(header_row) + ") but no data rows");
        }
        return true;
    }
};

XlsxBatchReader::XlsxBatchReader(std::string sheet, const SharedStrings& strings, const XlsxStyles& styles,
                                 ColumnMapping columns, BatchLimits limits)
    : impl_(std::make_unique<Impl>(std::move(sheet), strings, styles, std::move(columns), limits))
{
}

XlsxBatchReader::~XlsxBatchReader() = default;
XlsxBatchReader::XlsxBatchReader(XlsxBatchReader&&) noexcept = default;
XlsxBatchReader& XlsxBatchReader::operator=(XlsxBatchReader&&) noexcept = default;

bool XlsxBatchReader::feed(std::string_view chunk, std::vector<ParsedRow>& out)
{
    Impl& m = *impl_;
    if (m.error) return false;
    m.out = &out;
    return m.take(m.parser.feed(chunk, m.rows));
}

bool XlsxBatchReader::finish(std::vector<ParsedRow>& out)
{
    Impl& m = *impl_;
    if (m.error) return false;
    m.out = &out;
    return m.take(m.parser.finish(m.rows)) && m.finish_sheet();
}

const std::optional<FileError>& XlsxBatchReader::error() const { return impl_->error; }
const std::vector<std::string>& XlsxBatchReader::header() const { return impl_->header; }
const std::vector<std::string>& XlsxBatchReader::ignored_columns() const
{
    static const std::vector<std::string> none;
    return impl_->layout ? impl_->layout->ignored : none;
}
std::size_t XlsxBatchReader::rows_seen() const { return impl_->rows_out; }
std::uint32_t XlsxBatchReader::header_row() const { return impl_->header_row; }

}  // namespace xferd
