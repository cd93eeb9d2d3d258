#include "xferd/core/csv_rows.hpp"

#include "xferd/core/table_rows.hpp"

#include <algorithm>
#include <utility>

namespace xferd {

namespace {

std::string delimiter_name(char d)
{
    switch (d) {
    case '\t': return "tab";
    case ';': return "';'";
    default: return "','";
    }
}

constexpr CanonicalColumn all_columns[] = {
    CanonicalColumn::external_order_number, CanonicalColumn::service_id,
    CanonicalColumn::service_number,        CanonicalColumn::contact_number,
    CanonicalColumn::personal_email,        CanonicalColumn::additional_instructions,
    CanonicalColumn::employee_email,        CanonicalColumn::employee_id,
};

// The record was cut at a limit: one error for the row, the fields before the cut kept (for
// the results file), not checked.
void cut_record(RawRow& raw, const CsvRecord& rec, const CsvOverflow& cut, char delimiter,
                const BatchLimits& limits)
{
    const std::string what = "the row (from line " + std::to_string(rec.line) + ")";
    if (cut.kind == CsvOverflow::Kind::too_many_fields) {
        raw.errors.push_back(
            {"", what + " has more than " + std::to_string(limits.max_columns) +
                     " fields, the limit limits.max_columns, and was not read: a value probably "
                     "contains the delimiter (" + delimiter_name(delimiter) +
                     ") and is not quoted; fix the row, or raise limits.max_columns in the config"});
    } else {
        raw.errors.push_back(
            {"", row_too_long_message(what, limits.max_row_bytes,
                                      "a row of a batch is a few hundred bytes; check that row "
                                      "of the file")});
    }
    raw.skip_field_checks = true;
}

}  // namespace

RawRow raw_row_from_csv(CsvRecord& rec, const HeaderLayout& layout, char delimiter,
                        const BatchLimits& limits)
{
    RawRow raw;
    raw.row = rec.index;
    // Columns the file does not have keep their canonical name (for messages).
    for (const auto c : all_columns) {
        field_for(raw, c)->column = std::string(column_name(c));
    }
    const auto& targets = layout.targets;
    const std::size_t width = targets.size();
    const std::size_t n = rec.fields.size();
    const auto cut = std::find_if(rec.overflows.begin(), rec.overflows.end(), [](const CsvOverflow& o) {
        return o.kind != CsvOverflow::Kind::field_too_long;
    });
    if (cut != rec.overflows.end()) {
        cut_record(raw, rec, *cut, delimiter, limits);
    } else {
        bool extra = false;
        for (std::size_t i = width; i < n; ++i) {
            extra = extra || !trim_value(rec.fields[i]).empty();
        }
        for (const auto& o : rec.overflows) {
            if (o.field < width) {
                raw.errors.push_back(
                    {layout.labels[o.field], value_too_long_message(limits.max_field_bytes, o.prefix)});
            }
            extra = extra || o.field >= width;
        }
        if (n < width || extra) {
            raw.errors.push_back(
                {"", "row has " + std::to_string(n) + " fields, header has " +
                         std::to_string(width) +
                         ": a value is missing, or one contains the delimiter (" +
                         delimiter_name(delimiter) + ") and is not quoted"});
            raw.skip_field_checks = true;
        }
    }
    for (std::size_t i = 0; i < std::min(width, n); ++i) {
        const ColumnTarget& t = targets[i];
        if (t.kind == ColumnTarget::Kind::canonical) {
            RawField& f = *field_for(raw, t.column);
            f.column = layout.labels[i];
            f.value = std::move(rec.fields[i]);
            f.present = true;
        } else if (t.kind == ColumnTarget::Kind::property) {
            const auto v = trim_value(rec.fields[i]);
            if (!v.empty()) {
                raw.extra_properties.push_back(
                    {t.property.group_id, t.property.field_id, std::string(v)});
            }
        }
    }
    for (std::size_t i = n; i < width; ++i) {  // still name the columns the row lacks
        if (targets[i].kind == ColumnTarget::Kind::canonical) {
            RawField& f = *field_for(raw, targets[i].column);
            f.column = layout.labels[i];
            f.present = true;
        }
    }
    return raw;
}

}  // namespace xferd
