// What each column of a CSV header feeds: a canonical field, an order property
// (`GROUP.FIELD`), or nothing. Pure; used by BatchReader and by the config checks.
#pragma once

#include "xferd/core/error.hpp"
#include "xferd/core/row.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace xferd {

enum class CanonicalColumn {
    external_order_number,
    service_id,
    service_number,
    contact_number,
    personal_email,
    additional_instructions,
    employee_email,
    employee_id,
};

// "service_id", … as written in the docs.
std::string_view column_name(CanonicalColumn column);
// The one rule for matching column names (batch headers, `columns:` keys, the confirmation CSV
// an operator saves back): ASCII case, whitespace (tab, line breaks), no-break spaces, '_' and
// '-' are ignored: "Service ID", "SERVICE_ID", "service-id", "Service\tID" → "serviceid".
std::string normalise_column_name(std::string_view header);
// The canonical column a header (or a `columns:` target) names, if any: "Service-ID" → service_id.
// Also MISCELLANEOUS.SERVICE_NUMBER and the other canonical order properties spelled as
// GROUP.FIELD, which mean the canonical column.
std::optional<CanonicalColumn> canonical_column(std::string_view header);

// `GROUP.FIELD`, each part letters, digits and '_' ("Misc. Notes" is not one), as written.
struct PropertyColumn {
    std::string group_id;
    std::string field_id;
};
std::optional<PropertyColumn> property_column(std::string_view header);

// What a `columns:` target means, the one rule for the config check and the batch reader: the
// canonical column's name ("Service ID" → "service_id"), or GROUP.FIELD as written; nullopt
// when it names neither ("ACME-HR.note": '-' is not allowed in GROUP.FIELD).
std::optional<std::string> mapping_target(std::string_view target);
// Whether `target` is something a `columns:` mapping may point at (canonical or GROUP.FIELD).
bool is_valid_mapping_target(std::string_view target);
// What a valid target looks like, to end a message: "external_order_number, …, or GROUP.FIELD …".
std::string mapping_targets_text();

struct ColumnTarget {
    enum class Kind { ignored, canonical, property };
    Kind kind = Kind::ignored;
    CanonicalColumn column = CanonicalColumn::external_order_number;  // when canonical
    PropertyColumn property;                                          // when property
};

struct HeaderLayout {
    std::vector<ColumnTarget> targets;   // one per header cell
    std::vector<std::string> labels;     // header cells, trimmed: the column names in messages
    std::vector<std::string> ignored;    // header cells that feed nothing (blank cells left out)
};

// Resolves a header row. A header cell named in `mapping` (matched the normalised way) goes
// where the mapping says, and wins over a cell that names the same column directly (that one
// is then ignored). Errors, each a sentence for the operator: a required column missing, two
// cells for one column, a mapping target that is not a column.
Result<HeaderLayout> resolve_header(const std::vector<std::string>& header,
                                    const ColumnMapping& mapping);

}  // namespace xferd
