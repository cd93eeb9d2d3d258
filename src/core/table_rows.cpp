#include "xferd/core/table_rows.hpp"

#include <algorithm>

namespace xferd {

RawField* field_for(RawRow& raw, CanonicalColumn column)
{
    switch (column) {
    case CanonicalColumn::external_order_number: return &raw.external_order_number;
    case CanonicalColumn::service_id: return &raw.service_id;
    case CanonicalColumn::service_number: return &raw.service_number;
    case CanonicalColumn::contact_number: return &raw.contact_number;
    case CanonicalColumn::personal_email: return &raw.personal_email;
    case CanonicalColumn::additional_instructions: return &raw.additional_instructions;
    case CanonicalColumn::employee_email: return &raw.employee_email;
    case CanonicalColumn::employee_id: return &raw.employee_id;
    }
    return nullptr;
}

RawRow raw_row_from_cells(const HeaderLayout& layout, std::size_t row, std::vector<std::string>& cells)
{
    RawRow raw;
    raw.row = row;
    for (const auto c : {CanonicalColumn::external_order_number, CanonicalColumn::service_id,
                         CanonicalColumn::service_number, CanonicalColumn::contact_number,
                         CanonicalColumn::personal_email, CanonicalColumn::additional_instructions,
                         CanonicalColumn::employee_email, CanonicalColumn::employee_id}) {
        field_for(raw, c)->column = std::string(column_name(c));
    }
    const auto& targets = layout.targets;
    for (std::size_t i = 0; i < targets.size(); ++i) {
        const ColumnTarget& t = targets[i];
        std::string* cell = i < cells.size() ? &cells[i] : nullptr;
        if (t.kind == ColumnTarget::Kind::canonical) {
            RawField& f = *field_for(raw, t.column);
            f.column = layout.labels[i];
            if (cell) f.value = std::move(*cell);
            f.present = true;
        } else if (t.kind == ColumnTarget::Kind::property && cell) {
            const auto v = trim_value(*cell);
            if (!v.empty()) raw.extra_properties.push_back({t.property.group_id, t.property.field_id, std::string(v)});
        }
    }
    return raw;
}

void DuplicateOrderCheck::check(ParsedRow& row, const std::string& column)
{
    const std::string& number = row.row.external_order_number;
    if (number.empty()) return;
    if (std::any_of(row.errors.begin(), row.errors.end(), [&](const FieldError& e) { return e.column == column; }))
        return;  // the number itself is wrong: say that, not "duplicate"
    const auto [it, inserted] = seen_.emplace(number, row.row.row);
    if (!inserted) {
        row.errors.push_back({column, "duplicates row " + std::to_string(it->second) + ": external order number '" +
                                          number + "' is used twice in this file; give each row its own number"});
    }
}

}  // namespace xferd
