// Rows of cells under a resolved header → RawRow, and the duplicate-order rule: the one path
// for every tabular input (CSV records, .xlsx rows), so both read a row the same way.
#pragma once

#include "xferd/core/csv_columns.hpp"
#include "xferd/core/row_validation.hpp"

#include <map>
#include <string>
#include <vector>

namespace xferd {

// The field of `raw` a canonical column fills.
RawField* field_for(RawRow& raw, CanonicalColumn column);

// One data row: cells[i] under header cell i (moved from). Cells past the header's width are
// not read (the caller decides whether they are an error); columns the row is short of are
// present and empty. Columns the header lacks keep their canonical name, for messages.
RawRow raw_row_from_cells(const HeaderLayout& layout, std::size_t row, std::vector<std::string>& cells);

// A later row with an external order number already used is INVALID: MobProc does not
// deduplicate, so both would become orders. Holds the numbers seen (one string per row).
class DuplicateOrderCheck {
public:
    // Adds "duplicates row N: …" to `row` under `column` when its number was seen before.
    void check(ParsedRow& row, const std::string& column);

private:
    std::map<std::string, std::size_t> seen_;  // external order number → first row
};

}  // namespace xferd
