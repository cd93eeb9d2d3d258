#include "xferd/batch/approved_xlsx.hpp"

#include "xferd/batch/xlsx_file.hpp"
#include "xferd/core/xlsx_sheet.hpp"

namespace xferd {

namespace {

// A confirmation has a handful of short cells a row: this is far above any real one.
constexpr std::size_t max_approval_cell_bytes = 16 * 1024 * 1024;

ApprovalTable::Row table_row(XlsxRow& r)
{
    ApprovalTable::Row out;
    out.line = r.number;
    out.cells.resize(r.cells.empty() ? 0 : r.cells.back().col + 1);
    for (auto& c : r.cells) out.cells[c.col] = std::move(c.value);  // "#N/A" for an error: refused as a value
    return out;
}

}  // namespace

Result<ApprovalInput> parse_approved_xlsx(const std::filesystem::path& path)
{
    auto book = XlsxWorkbookFile::open(path);
    if (!book) return book.error();
    auto index = (*book)->choose_sheet("");
    if (!index) return index.error();
    if (auto opened = (*book)->open_sheet(*index); !opened) return opened.error();

    ApprovalTable table;
    table.sheet = (*book)->sheets()[*index].name;
    XlsxSheetParser parser(table.sheet, (*book)->strings(), (*book)->styles());
    std::vector<XlsxRow> rows;
    std::size_t bytes = 0;
    for (;;) {
        auto chunk = (*book)->next_chunk();
        if (!chunk) return chunk.error();
        const bool ok = chunk->empty() ? parser.finish(rows) : parser.feed(*chunk, rows);
        if (!ok) return make_error(parser.error().value_or("sheet '" + table.sheet + "' cannot be read"));
        for (auto& r : rows) {
            for (const auto& c : r.cells) bytes += c.value.size();
            table.rows.push_back(table_row(r));
        }
        rows.clear();
        if (bytes > max_approval_cell_bytes)
            return make_error("it holds more than 16 MiB of cells, far more than a confirmation: approve the "
                              "NAME.confirmation.xlsx xferd wrote, saved under the new name");
        if (chunk->empty()) break;
    }
    return parse_approved_rows(table);
}

}  // namespace xferd
