// Per-field normalisation and validation of one input row, the same for CSV and JSON.
// Pure functions: text in, normalised text or a message for the operator out. Every message
// says what is wrong and what to do; the caller adds the column name (FieldError::column).
#pragma once

#include "xferd/core/error.hpp"
#include "xferd/core/row.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace xferd {

// One field as read, before validation.
struct RawField {
    std::string column;    // how the input names it: "Service ID" (CSV header), "serviceId" (JSON)
    std::string value;
    bool present = false;  // the input has this column / member at all
};

// A row as read: the reader fills it, validate_row() checks and normalises it.
struct RawRow {
    std::size_t row = 0;
    RawField external_order_number;
    RawField service_id;
    RawField service_number;
    RawField contact_number;
    RawField personal_email;
    RawField additional_instructions;
    RawField employee_email;
    RawField employee_id;
    std::vector<OrderProperty> extra_properties;
    std::vector<FieldError> errors;  // found while reading (field count, JSON shape)
    // Set when the row is unreadable as a whole (wrong field count, not an object): the
    // values are then unreliable, so the field checks are skipped (their errors would be noise).
    bool skip_field_checks = false;
};

inline constexpr std::size_t max_order_number_chars = 64;
inline constexpr std::size_t max_service_id_chars = 64;
inline constexpr std::size_t max_instructions_chars = 1000;
inline constexpr std::size_t max_employee_id_chars = 128;

// Strips ASCII whitespace and no-break spaces (U+00A0, common in pasted spreadsheet cells).
std::string_view trim_value(std::string_view s);

// Excel damage to a number that should have been kept as text: scientific notation
// (2.03556E+09, 2,03556E+09), more than 15 significant digits (16+ digits ending in 0),
// or a decimal tail (38382555.0). Returns the message that says how to fix the sheet.
std::optional<std::string> excel_mangled_number(std::string_view value);

// Each takes the trimmed, non-empty cell text.
Result<std::string> normalise_external_order_number(std::string_view value);
Result<std::string> normalise_service_id(std::string_view value);
// 10-digit NANP number: spaces, dashes, dots, parentheses and a leading +1 / 1 removed.
Result<std::string> normalise_service_number(std::string_view value);
// As service_number, or an international +CC… number of 8–15 digits (the + kept).
Result<std::string> normalise_contact_number(std::string_view value);
// One plausible address; the domain lowercased.
Result<std::string> normalise_email(std::string_view value);
Result<std::string> normalise_additional_instructions(std::string_view value);
Result<std::string> normalise_employee_id(std::string_view value);

// Checks every field of `raw`; one FieldError per bad column. Values that fail keep their
// trimmed input text in the returned row (for the results file).
ParsedRow validate_row(RawRow raw);

}  // namespace xferd
