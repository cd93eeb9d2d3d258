// CSV record → RawRow: the header layout says what each field feeds. Pure; validation is
// validate_row()'s job.
#pragma once

#include "xferd/core/csv_columns.hpp"
#include "xferd/core/csv_parser.hpp"
#include "xferd/core/limits.hpp"
#include "xferd/core/row_validation.hpp"

namespace xferd {

// Fields are named as the header spells them. A field count other than the header's is an
// error of the row; so is a record the tokenizer cut short (CsvRecord::overflows): the
// over-long value's column, or the whole row, named with the limit and what to do.
// `delimiter` is named in messages. The record's fields are moved out.
RawRow raw_row_from_csv(CsvRecord& record, const HeaderLayout& layout, char delimiter,
                        const BatchLimits& limits);

}  // namespace xferd
