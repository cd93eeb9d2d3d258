#include "xferd/core/csv_columns.hpp"

#include "xferd/core/row_validation.hpp"

#include <array>
#include <map>
#include <utility>

namespace xferd {

namespace {

constexpr std::array<std::pair<CanonicalColumn, std::string_view>, 8> canonical_names{{
    {CanonicalColumn::external_order_number, "external_order_number"},
    {CanonicalColumn::service_id, "service_id"},
    {CanonicalColumn::service_number, "service_number"},
    {CanonicalColumn::contact_number, "contact_number"},
    {CanonicalColumn::personal_email, "personal_email"},
    {CanonicalColumn::additional_instructions, "additional_instructions"},
    {CanonicalColumn::employee_email, "employee_email"},
    {CanonicalColumn::employee_id, "employee_id"},
}};

constexpr std::array<CanonicalColumn, 5> required_columns{
    CanonicalColumn::external_order_number, CanonicalColumn::service_id,
    CanonicalColumn::service_number, CanonicalColumn::contact_number,
    CanonicalColumn::personal_email};

// The order properties the canonical columns become (group MISCELLANEOUS).
bool is_canonical_property(CanonicalColumn c)
{
    return c == CanonicalColumn::service_number || c == CanonicalColumn::contact_number ||
           c == CanonicalColumn::personal_email || c == CanonicalColumn::additional_instructions;
}

std::optional<CanonicalColumn> plain_canonical(std::string_view header)
{
    const std::string n = normalise_column_name(header);
    for (const auto& [column, name] : canonical_names) {
        if (normalise_column_name(name) == n) {
            return column;
        }
    }
    return std::nullopt;
}

bool is_ident_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

std::string quoted_list(const std::vector<std::string>& names)
{
    std::string out;
    for (const auto& n : names) {
        if (!out.empty()) {
            out += ", ";
        }
        out += "'" + n + "'";
    }
    return out;
}

}  // namespace

std::string_view column_name(CanonicalColumn column)
{
    for (const auto& [c, name] : canonical_names) {
        if (c == column) {
            return name;
        }
    }
    return {};
}

std::string normalise_column_name(std::string_view header)
{
    std::string out;
    out.reserve(header.size());
    for (std::size_t i = 0; i < header.size(); ++i) {
        const char c = header[i];
        if (c == ' ' || c == '_' || c == '-' || c == '\t' || c == '\r' || c == '\n' || c == '\v' ||
            c == '\f') {
            continue;
        }
        if (c == '\xC2' && i + 1 < header.size() && header[i + 1] == '\xA0') {
            ++i;  // a no-break space, as a spreadsheet cell pasted from a web page has
            continue;
        }
        out.push_back((c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c);
    }
    return out;
}

std::optional<PropertyColumn> property_column(std::string_view header)
{
    const auto h = trim_value(header);
    const auto dot = h.find('.');
    if (dot == std::string_view::npos || h.find('.', dot + 1) != std::string_view::npos) {
        return std::nullopt;
    }
    const auto group = h.substr(0, dot);
    const auto field = h.substr(dot + 1);
    const auto ident = [](std::string_view s) {
        if (s.empty()) {
            return false;
        }
        for (const char c : s) {
            if (!is_ident_char(c)) {
                return false;
            }
        }
        return true;
    };
    if (!ident(group) || !ident(field)) {
        return std::nullopt;
    }
    return PropertyColumn{std::string(group), std::string(field)};
}

std::optional<CanonicalColumn> canonical_column(std::string_view header)
{
    if (auto c = plain_canonical(header)) {
        return c;
    }
    if (auto p = property_column(header);
        p && normalise_column_name(p->group_id) == "miscellaneous") {
        if (auto c = plain_canonical(p->field_id); c && is_canonical_property(*c)) {
            return c;
        }
    }
    return std::nullopt;
}

std::optional<std::string> mapping_target(std::string_view target)
{
    if (auto c = canonical_column(target)) {
        return std::string(column_name(*c));
    }
    if (auto p = property_column(target)) {
        return p->group_id + "." + p->field_id;
    }
    return std::nullopt;
}

bool is_valid_mapping_target(std::string_view target) { return mapping_target(target).has_value(); }

std::string mapping_targets_text()
{
    std::string out;
    for (const auto& [column, name] : canonical_names) {
        out += std::string(name) + ", ";
    }
    return out + "or GROUP.FIELD for another order property (GROUP and FIELD each of letters, "
                 "digits and '_', e.g. MISCELLANEOUS.CONTACT_NUMBER_EXT)";
}

namespace {

// The error naming the required columns no header cell claims, and what the header has.
std::optional<Error> missing_required_columns(const std::map<std::string, std::vector<std::size_t>>& claims,
                                              const std::vector<std::string>& labels)
{
    std::vector<std::string> missing;
    for (const auto required : required_columns) {
        if (!claims.contains("c:" + std::string(column_name(required)))) {
            missing.emplace_back(column_name(required));
        }
    }
    if (missing.empty()) return std::nullopt;
    std::string names;
    for (const auto& m : missing) {
        names += (names.empty() ? "" : ", ") + m;
    }
    std::vector<std::string> present;
    for (const auto& l : labels) {
        if (!l.empty()) {
            present.push_back(l);
        }
    }
    return make_error(ErrorKind::input,
        "the header row has no column for " + names +
        ": add the column(s) to the file, or map the file's own column names with `columns:` "
        "in the config (e.g. columns: {\"Mobile Number\": service_number}). The header has: " +
        (present.empty() ? std::string("nothing") : quoted_list(present)));
}

}  // namespace

Result<HeaderLayout> resolve_header(const std::vector<std::string>& header,
                                    const ColumnMapping& mapping)
{
    std::map<std::string, std::string> mapped;  // normalised source → target as written
    for (const auto& [source, target] : mapping) {
        if (!is_valid_mapping_target(target)) {
            return make_error(ErrorKind::input, "`columns:` maps '" + source + "' to '" + target +
                              "', which is not a column xferd knows; map it to one of " +
                              mapping_targets_text());
        }
        mapped.emplace(normalise_column_name(source), target);
    }

    HeaderLayout layout;
    layout.targets.resize(header.size());
    std::vector<bool> by_mapping(header.size(), false);
    // Which cells claim each target: key "c:service_id" or "p:GROUP.FIELD" → cell indexes.
    std::map<std::string, std::vector<std::size_t>> claims;

    for (std::size_t i = 0; i < header.size(); ++i) {
        const std::string label(trim_value(header[i]));
        layout.labels.push_back(label);
        if (label.empty()) {
            continue;  // Excel's trailing delimiters: nothing to report
        }
        std::string_view target = label;
        if (auto m = mapped.find(normalise_column_name(label)); m != mapped.end()) {
            target = m->second;
            by_mapping[i] = true;
        }
        ColumnTarget& t = layout.targets[i];
        if (auto c = canonical_column(target)) {
            t.kind = ColumnTarget::Kind::canonical;
            t.column = *c;
            claims["c:" + std::string(column_name(*c))].push_back(i);
        } else if (auto p = property_column(target)) {
            t.kind = ColumnTarget::Kind::property;
            t.property = *p;
            claims["p:" + p->group_id + "." + p->field_id].push_back(i);
        }
    }

    for (auto& [key, cells] : claims) {
        std::vector<std::string> via_mapping, direct;
        for (const auto i : cells) {
            (by_mapping[i] ? via_mapping : direct).push_back(layout.labels[i]);
        }
        const std::string what = key.substr(2);
        if (via_mapping.size() > 1) {
            return make_error(ErrorKind::input, "header cells " + quoted_list(via_mapping) +
                              " are all mapped to " + what +
                              " by `columns:` in the config; map only one of them");
        }
        if (via_mapping.empty() && direct.size() > 1) {
            return make_error(ErrorKind::input, "the header has " + quoted_list(direct) + ", which all mean " + what +
                              ": remove or rename all but one");
        }
        if (!via_mapping.empty()) {  // the mapping wins; a cell that names it directly is unused
            for (const auto i : cells) {
                if (!by_mapping[i]) {
                    layout.targets[i] = ColumnTarget{};
                }
            }
        }
    }

    for (std::size_t i = 0; i < header.size(); ++i) {
        if (layout.targets[i].kind == ColumnTarget::Kind::ignored && !layout.labels[i].empty()) {
            layout.ignored.push_back(layout.labels[i]);
        }
    }

    if (auto missing = missing_required_columns(claims, layout.labels)) return *missing;
    return layout;
}

}  // namespace xferd
