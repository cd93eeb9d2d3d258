#include "xferd/core/approval.hpp"

#include "xferd/core/ascii_text.hpp"

#include "xferd/core/csv_columns.hpp"
#include "xferd/core/csv_parser.hpp"
#include "xferd/core/utc_time.hpp"
#include "xferd/core/xlsx_values.hpp"

#include <algorithm>
#include <charconv>
#include <ctime>
#include <map>
#include <optional>
#include <set>

namespace xferd {

namespace {

constexpr std::string_view utf8_bom = "\xEF\xBB\xBF";
constexpr std::size_t max_listed = 10;  // names listed in one message before "and N more"

std::string_view trim_whitespace(std::string_view s)
{
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' || s.front() == '\n'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
        s.remove_suffix(1);
    return s;
}

std::string_view strip_bom(std::string_view s)
{
    if (s.starts_with(utf8_bom)) s.remove_prefix(utf8_bom.size());
    return s;
}

// A record the tokenizer cut short (a cell or line over its limits): a confirmation never has one.
std::vector<CsvRecord>::const_iterator first_cut_record(const std::vector<CsvRecord>& records)
{
    return std::find_if(records.begin(), records.end(), [](const CsvRecord& r) { return !r.overflows.empty(); });
}

// The confirmation CSV neutralises cells a spreadsheet would evaluate with a leading
// apostrophe (report.hpp csv_cell); a value saved back keeps it. Undo exactly that.
std::string cell_value(std::string_view raw)
{
    std::string_view v = trim_whitespace(raw);
    if (v.size() > 1 && v.front() == '\'' && std::string_view("=+-@\t\r").find(v[1]) != std::string_view::npos)
        v.remove_prefix(1);
    return std::string(v);
}

bool all_digits(std::string_view s)
{
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string_view without_leading_zeros(std::string_view s)
{
    while (s.size() > 1 && s.front() == '0') s.remove_prefix(1);
    return s;
}

// Excel drops the leading zeros of a number-looking cell when it re-saves a CSV.
bool same_number_after_excel(std::string_view confirmed, std::string_view saved)
{
    if (confirmed == saved) return true;
    return all_digits(confirmed) && all_digits(saved) && without_leading_zeros(confirmed) == without_leading_zeros(saved);
}

bool looks_mangled_by_excel(std::string_view v)
{
    return v.find("E+") != std::string_view::npos || v.find("e+") != std::string_view::npos;
}

std::optional<std::size_t> parse_row_number(std::string_view s)
{
    s = trim_whitespace(s);
    std::size_t n = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
    if (ec != std::errc{} || p != s.data() + s.size() || n == 0) return std::nullopt;
    return n;
}

// yes / y / x / 1 / true approve; empty / no / n / 0 / false do not; anything else is a mistake to report.
std::optional<bool> parse_approve_cell(std::string_view s)
{
    std::string v = lower_ascii(trim_whitespace(s));
    // TRUE / FALSE: a spreadsheet's booleans (Excel turns a typed "true" into one).
    if (v == "yes" || v == "y" || v == "x" || v == "1" || v == "true") return true;
    if (v.empty() || v == "no" || v == "n" || v == "0" || v == "false") return false;
    return std::nullopt;
}

// The delimiter Excel used: the most frequent of , ; TAB on the header line (outside quotes).
char detect_delimiter(std::string_view text)
{
    std::size_t comma = 0, semicolon = 0, tab = 0;
    bool quoted = false;
    for (char c : text) {
        if (c == '"') quoted = !quoted;
        if (quoted) continue;
        if (c == '\n' || c == '\r') break;
        comma += c == ',';
        semicolon += c == ';';
        tab += c == '\t';
    }
    if (semicolon > comma && semicolon >= tab) return ';';
    if (tab > comma && tab > semicolon) return '\t';
    return ',';
}

std::string list_some(const std::vector<std::string>& items, std::string_view separator = ", ")
{
    std::string out;
    for (std::size_t i = 0; i < items.size() && i < max_listed; ++i)
        out += (i ? std::string(separator) : std::string()) + items[i];
    if (items.size() > max_listed) out += " and " + std::to_string(items.size() - max_listed) + " more";
    return out;
}

std::string duration_text(std::chrono::seconds d)
{
    auto s = d.count();
    if (s % 3600 == 0 && s >= 3600) return std::to_string(s / 3600) + "h";
    if (s % 60 == 0 && s >= 60) return std::to_string(s / 60) + "m";
    return std::to_string(s) + "s";
}

ApprovalVerdict refuse(std::string message)
{
    ApprovalVerdict v;
    v.message = std::move(message) + "; nothing was submitted";
    return v;
}

std::string row_label(const ConfirmedRow& r)
{
    return "row " + std::to_string(r.row) + " (" + r.external_order_number + ")";
}

}  // namespace

Result<ApprovalInput> parse_approve_file(std::string_view text)
{
    ApprovalInput in;
    in.source = ApprovalInput::Source::approve_file;
    text = strip_bom(text);
    std::size_t line_no = 0;
    std::set<std::string> seen;
    while (!text.empty()) {
        auto nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
        ++line_no;
        line = trim_whitespace(line);
        if (line.empty() || line.front() == '#') continue;
        if (lower_ascii(line) == "all") {
            in.all = true;
            continue;
        }
        if (line.find_first_of(",;\t") != std::string_view::npos)
            return make_error("line " + std::to_string(line_no) + " holds '" + std::string(line) +
                              "': write one external order number a line, or `all`");
        if (seen.insert(std::string(line)).second) in.external_order_numbers.emplace_back(line);
    }
    if (in.all && !in.external_order_numbers.empty())
        return make_error("it says `all` and also lists external order numbers; write either `all` alone, or "
                          "the external order numbers to submit, one a line");
    if (!in.all && in.external_order_numbers.empty())
        return make_error("it is empty; write `all` to approve every eligible row, or the external order numbers "
                          "to submit, one a line");
    return in;
}

namespace {

// Where a row of the approval is, as the operator finds it: "line 5" in a CSV, "sheet
// 'confirmation', row 5" (or "…, cell M5" for one cell) in a workbook.
std::string where(const ApprovalTable& table, std::size_t line, std::optional<std::size_t> col = std::nullopt)
{
    if (table.sheet.empty()) return "line " + std::to_string(line);
    if (col) return "sheet '" + table.sheet + "', cell " + cell_name(static_cast<std::uint32_t>(*col), static_cast<std::uint32_t>(line));
    return "sheet '" + table.sheet + "', row " + std::to_string(line);
}

struct ApprovalColumns {
    std::optional<std::size_t> row, eon, service, approve;
};

Result<ApprovalColumns> approval_columns(const ApprovalTable& table, const std::vector<std::string>& header)
{
    ApprovalColumns c;
    for (std::size_t i = 0; i < header.size(); ++i) {
        std::string key = normalise_column_name(header[i]);
        if (key == "row") c.row = i;
        else if (key == "externalordernumber") c.eon = i;
        else if (key == "serviceid") c.service = i;
        else if (key == "approve") c.approve = i;
    }
    std::vector<std::string> missing;
    if (!c.row) missing.push_back("row");
    if (!c.eon) missing.push_back("external_order_number");
    if (!c.approve) missing.push_back("approve");
    if (!missing.empty())
        return make_error("its header has no " + list_some(missing) + " column; save the confirmation " +
                          table.noun() + " back with its columns kept and the `approve` column filled");
    return c;
}

}  // namespace

Result<ApprovalInput> parse_approved_rows(const ApprovalTable& table)
{
    ApprovalInput in;
    in.source = table.sheet.empty() ? ApprovalInput::Source::approved_csv : ApprovalInput::Source::approved_xlsx;
    auto blank = [](const ApprovalTable::Row& r) {
        return std::all_of(r.cells.begin(), r.cells.end(), [](const std::string& f) { return trim_whitespace(f).empty(); });
    };
    auto it = std::find_if(table.rows.begin(), table.rows.end(), [&](const auto& r) { return !blank(r); });
    if (it == table.rows.end())
        return make_error("it is empty; save the confirmation " + table.noun() + " with its `approve` column filled");
    auto cols = approval_columns(table, it->cells);
    if (!cols) return cols.error();
    in.has_service_id = cols->service.has_value();

    std::set<std::size_t> rows_seen;
    for (++it; it != table.rows.end(); ++it) {
        if (blank(*it)) continue;
        auto field = [&](std::optional<std::size_t> c) -> std::string_view {
            return c && *c < it->cells.size() ? std::string_view(it->cells[*c]) : std::string_view();
        };
        ApprovedCsvRow r;
        r.line = it->line;
        auto row = parse_row_number(field(cols->row));
        if (!row) {
            in.problems.push_back(where(table, it->line, cols->row) + ": the row column holds '" +
                                  std::string(trim_whitespace(field(cols->row))) +
                                  "', not a row number; keep the confirmation's `row` column as it was");
            continue;
        }
        if (!rows_seen.insert(*row).second) {
            in.problems.push_back(where(table, it->line) + ": row " + std::to_string(*row) + " appears twice");
            continue;
        }
        r.row = *row;
        r.external_order_number = cell_value(field(cols->eon));
        r.service_id = cell_value(field(cols->service));
        auto approve = parse_approve_cell(field(cols->approve));
        if (!approve)   // the row is kept (not approved), so it is not also reported missing
            in.problems.push_back(where(table, it->line, cols->approve) + " (row " + std::to_string(r.row) +
                                  "): approve holds '" + std::string(trim_whitespace(field(cols->approve))) +
                                  "'; write yes, y, x or 1 to approve the row, or leave it empty");
        r.approve = approve.value_or(false);
        r.said_no = approve == false && !trim_whitespace(field(cols->approve)).empty();
        in.rows.push_back(std::move(r));
    }
    return in;
}

Result<ApprovalInput> parse_approved_csv(std::string_view text)
{
    text = strip_bom(text);
    CsvParser parser(detect_delimiter(text));
    std::vector<CsvRecord> records;
    if (!parser.feed(text, records) || !parser.finish(records)) {
        const auto& e = *parser.error();
        return make_error("it is not a readable CSV file (line " + std::to_string(e.line) +
                          (e.kind == CsvError::Kind::unterminated_quote ? ": a quoted cell is never closed"
                                                                        : ": a cell or line is too long") +
                          "); save the confirmation again as CSV");
    }
    if (auto cut = first_cut_record(records); cut != records.end())
        return make_error("it is not a readable CSV file (line " + std::to_string(cut->line) +
                          ": a cell or line is too long); save the confirmation again as CSV");
    ApprovalTable table;
    table.rows.reserve(records.size());
    for (auto& rec : records) table.rows.push_back({rec.line, std::move(rec.fields)});
    return parse_approved_rows(table);
}

Result<std::vector<ConfirmedRow>> parse_confirmation_csv(std::string_view text)
{
    text = strip_bom(text);
    CsvParser parser(detect_delimiter(text));
    std::vector<CsvRecord> records;
    if (!parser.feed(text, records) || !parser.finish(records) || records.empty() ||
        first_cut_record(records) != records.end())
        return make_error("not a readable confirmation CSV");
    std::optional<std::size_t> col_row, col_eon, col_service, col_decision, col_reason;
    for (std::size_t i = 0; i < records[0].fields.size(); ++i) {
        std::string key = normalise_column_name(records[0].fields[i]);
        if (key == "row") col_row = i;
        else if (key == "externalordernumber") col_eon = i;
        else if (key == "serviceid") col_service = i;
        else if (key == "decision") col_decision = i;
        else if (key == "reason") col_reason = i;
    }
    if (!col_row || !col_eon || !col_service || !col_decision)
        return make_error("not a confirmation CSV: its header lacks row, external_order_number, service_id or decision");
    std::vector<ConfirmedRow> rows;
    for (std::size_t i = 1; i < records.size(); ++i) {
        const auto& f = records[i].fields;
        auto at = [&](std::optional<std::size_t> c) { return c && *c < f.size() ? cell_value(f[*c]) : std::string(); };
        if (f.size() == 1 && trim_whitespace(f[0]).empty()) continue;
        auto row = parse_row_number(at(col_row));
        if (!row) return make_error("confirmation CSV line " + std::to_string(records[i].line) + ": no row number");
        ConfirmedRow r;
        r.row = *row;
        r.external_order_number = at(col_eon);
        r.service_id = at(col_service);
        std::string d = at(col_decision);
        r.decision = d == "APPROVED" ? Decision::approved
                     : d == "REJECTED" ? Decision::rejected
                     : d == "INVALID"  ? Decision::invalid
                                       : Decision::pending;
        r.reason = at(col_reason);
        rows.push_back(std::move(r));
    }
    return rows;
}

namespace {

// Everything wrong with an approval's rows, gathered so that one refusal lists it all.
struct RowProblems {
    std::vector<std::string> mistakes;     // in the file's own rows (ApprovalInput::problems)
    std::vector<std::string> unknown;      // .approve: external order numbers the batch does not hold
    std::vector<std::string> mismatches;   // table rows that differ from the confirmation
    bool excel_numbers = false;
    [[nodiscard]] bool any() const { return !mistakes.empty() || !unknown.empty() || !mismatches.empty(); }
};

// A table of rows (.approved.csv / .approved.xlsx) must be the confirmation row for row; the
// rows it approves go to `chosen`, the differences to `problems`.
void match_approved_table(const ApprovalInput& approval, const ConfirmedBatch& batch,
                          const std::map<std::size_t, const ConfirmedRow*>& by_row, std::set<std::size_t>& chosen,
                          RowProblems& problems)
{
    auto& mismatches = problems.mismatches;
    for (const auto& a : approval.rows) {
        auto f = by_row.find(a.row);
        if (f == by_row.end()) {
            mismatches.push_back("row " + std::to_string(a.row) + " is not in the confirmed batch");
            continue;
        }
        const ConfirmedRow& c = *f->second;
        if (!same_number_after_excel(c.external_order_number, a.external_order_number)) {
            mismatches.push_back("row " + std::to_string(a.row) + " has external order number '" +
                                 a.external_order_number + "', the confirmation '" + c.external_order_number +
                                 "'");
            problems.excel_numbers |= looks_mangled_by_excel(a.external_order_number);
        } else if (approval.has_service_id && !same_number_after_excel(c.service_id, a.service_id)) {
            mismatches.push_back("row " + std::to_string(a.row) + " has service id '" + a.service_id +
                                 "', the confirmation '" + c.service_id + "'");
            problems.excel_numbers |= looks_mangled_by_excel(a.service_id);
        }
        if (a.approve) chosen.insert(a.row);
    }
    std::set<std::size_t> listed;
    for (const auto& a : approval.rows) listed.insert(a.row);
    for (const auto& r : batch.rows)
        if (!listed.count(r.row)) mismatches.push_back("row " + std::to_string(r.row) + " is missing");
}

// One refusal naming every problem; `ineligible`: rows approved that are not eligible.
ApprovalVerdict refuse_for_rows(const std::string& file, const RowProblems& p,
                                const std::vector<const ConfirmedRow*>& ineligible)
{
    std::vector<std::string> parts;
    if (!p.mistakes.empty()) parts.push_back("has mistakes (" + list_some(p.mistakes, "; ") + ")");
    if (!p.unknown.empty())
        parts.push_back("names external order number" + std::string(p.unknown.size() > 1 ? "s " : " ") +
                        list_some(p.unknown) + " that this batch does not hold");
    if (!p.mismatches.empty()) parts.push_back("does not match the confirmed batch (" + list_some(p.mismatches) + ")");
    if (!ineligible.empty()) {
        std::vector<std::string> rows;
        for (const ConfirmedRow* r : ineligible)
            rows.push_back(row_label(*r) + " is " + std::string(to_string(r->decision)) +
                           (r->reason.empty() ? "" : ": " + r->reason));
        parts.push_back("approves rows that are not eligible (" + list_some(rows, "; ") + ")");
    }
    std::string text = "approval refused: " + file + " " + parts.front();
    for (std::size_t i = 1; i < parts.size(); ++i) text += "; it also " + parts[i];
    if (p.mismatches.empty()) return refuse(text + "; correct it and save it again");
    return refuse(text + ". Was it saved from an older confirmation, or the input changed? Approve the current "
                         "confirmation CSV, keeping every row" +
                  (p.excel_numbers ? std::string(" (Excel turned numbers into 1.2E+09 form: format those "
                                                 "columns as Text, or use a .approve file instead)")
                                   : std::string()));
}

// The rows the operator chose, from a .approve file or a saved-back table.
std::set<std::size_t> chosen_rows(const ApprovalInput& approval, const ConfirmedBatch& batch,
                                  const std::map<std::size_t, const ConfirmedRow*>& by_row, RowProblems& problems)
{
    std::set<std::size_t> chosen;
    if (approval.source != ApprovalInput::Source::approve_file) {
        match_approved_table(approval, batch, by_row, chosen, problems);
        return chosen;
    }
    if (approval.all) {
        for (const auto& r : batch.rows) chosen.insert(r.row);
        return chosen;
    }
    std::map<std::string, const ConfirmedRow*> by_number;
    for (const auto& r : batch.rows)
        if (!r.external_order_number.empty()) by_number.emplace(r.external_order_number, &r);
    for (const auto& n : approval.external_order_numbers) {
        auto f = by_number.find(n);
        if (f == by_number.end()) problems.unknown.push_back(n);
        else chosen.insert(f->second->row);
    }
    return chosen;
}

}  // namespace

ApprovalVerdict check_approval(const ApprovalInput& approval, const ConfirmedBatch& batch,
                               std::chrono::system_clock::time_point written_at,
                               std::chrono::system_clock::time_point now, std::chrono::seconds max_age)
{
    const std::string file = approval.source == ApprovalInput::Source::approve_file    ? "the .approve file"
                             : approval.source == ApprovalInput::Source::approved_xlsx ? "the .approved.xlsx file"
                                                                                       : "the .approved.csv file";
    if (written_at < batch.confirmed_at)
        return refuse("approval refused: " + file + " was written (" + iso8601_utc(written_at) +
                      ") before the confirmation it would approve (" + iso8601_utc(batch.confirmed_at) +
                      "); review the new confirmation report and approve again");
    if (now - batch.confirmed_at > max_age)
        return refuse("approval refused: the confirmation of " + iso8601_utc(batch.confirmed_at) +
                      " is older than approval.max_age (" + duration_text(max_age) +
                      "); drop the batch file again (or touch it) to have it confirmed anew, then approve that");

    std::map<std::size_t, const ConfirmedRow*> by_row;
    for (const auto& r : batch.rows) by_row[r.row] = &r;
    RowProblems problems;
    problems.mistakes = approval.problems;
    const std::set<std::size_t> chosen = chosen_rows(approval, batch, by_row, problems);

    ApprovalVerdict v;
    std::vector<const ConfirmedRow*> ineligible;
    for (std::size_t row : chosen) {
        const ConfirmedRow& r = *by_row.at(row);
        if (r.decision == Decision::approved) v.approved_rows.push_back(row);
        // `all` means every eligible row; naming an ineligible one explicitly deserves a word.
        else if (!(approval.source == ApprovalInput::Source::approve_file && approval.all)) ineligible.push_back(&r);
    }
    if (problems.any()) return refuse_for_rows(file, problems, ineligible);
    std::size_t eligible = std::count_if(batch.rows.begin(), batch.rows.end(),
                                         [](const ConfirmedRow& r) { return r.decision == Decision::approved; });
    const bool table = approval.source != ApprovalInput::Source::approve_file;
    const bool any_no = std::any_of(approval.rows.begin(), approval.rows.end(), [](const auto& r) { return r.said_no; });
    if (table && chosen.empty() && eligible > 0 && !any_no)   // a column left empty is forgotten, not "none"
        return refuse("approval refused: " + file + " approves none of the " + std::to_string(eligible) +
                      " eligible rows: its approve column is empty. Write yes (or y, x, 1) in it for the rows to "
                      "submit; to submit none, write no in it");
    v.accepted = true;
    for (const ConfirmedRow* r : ineligible)
        v.notes.push_back(row_label(*r) + " was approved by the operator but is " + std::string(to_string(r->decision)) +
                          (r->reason.empty() ? "" : ": " + r->reason) + "; not submitted");
    v.message = std::to_string(v.approved_rows.size()) + " of " + std::to_string(eligible) +
                " eligible row" + (eligible == 1 ? "" : "s") + " approved by the operator";
    return v;
}

}  // namespace xferd
