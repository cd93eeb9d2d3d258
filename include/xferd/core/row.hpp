// The unit of work: one input row, as parsed from a CSV line or a JSON orderRequest.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace xferd {

// An order property beyond the four canonical ones (a `GROUP.FIELD` CSV column,
// or a field of a JSON orderRequest's properties).
struct OrderProperty {
    std::string group_id;  // e.g. MISCELLANEOUS
    std::string id;        // e.g. CONTACT_NUMBER_EXT (case-sensitive, as the API spells it)
    std::string text;
};

struct TransferRow {
    std::size_t row = 0;  // 1-based data row number (CSV header excluded; JSON: index in the array / line)
    std::string external_order_number;
    std::string service_id;
    std::string service_number;           // digits only after normalisation
    std::string contact_number;           // digits only after normalisation (leading + kept)
    std::string personal_email;
    std::string additional_instructions;
    std::string employee_email;           // optional: checked against the confirmation's account holder
    std::string employee_id;              // optional: account holder's companyEmployeeId or id
    std::vector<OrderProperty> extra_properties;
};

// Why a row is INVALID: names the input column (as the file spells it) and what to do.
struct FieldError {
    std::string column;
    std::string message;
};

struct ParsedRow {
    TransferRow row;                  // whatever could be read, even when invalid (for the results)
    std::vector<FieldError> errors;   // empty: the row is valid
    [[nodiscard]] bool valid() const { return errors.empty(); }
    // "column 'service_id': ...; column 'personal_email': ..." — one line for reports.
    [[nodiscard]] std::string error_text() const;
};

// A problem with the whole file (not UTF-8, JSON syntax error, missing header column…):
// nothing in it is submitted.
struct FileError {
    std::string message;                       // what is wrong and what to do
    std::optional<std::uint64_t> byte_offset;  // where, when known
    std::optional<std::size_t> line;           // 1-based physical line, when known
};

enum class BatchFormat { csv, json, ndjson, xlsx };

// Source header (as written in the file) → canonical column name (e.g. "Mobile Number" →
// "service_number"). Matching of both sides ignores case, spaces, '_' and '-'.
using ColumnMapping = std::map<std::string, std::string>;

}  // namespace xferd
