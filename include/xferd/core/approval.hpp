// Operator approvals for a batch waiting in `approval.mode: manual` (docs/operator-guide.md).
// Pure: parses what the operator wrote and checks it against the batch as it was confirmed.
//
// Two ways to approve a batch NAME.csv:
// - NAME.approve: `all`, or external order numbers one a line (blank lines and `#` comments
//   ignored; CRLF and a UTF-8 BOM are fine);
// - NAME.approved.csv: NAME.confirmation.csv saved back with its `approve` column filled
//   (yes / y / x / 1 / TRUE, any case; empty, no, n, 0, FALSE mean not approved). Columns are
//   found by header name; Excel may have saved it with ';' or tabs.
// - NAME.approved.xlsx: NAME.confirmation.xlsx saved back the same way (parse_approved_xlsx in
//   xferd/batch/approved_xlsx.hpp reads it); the same rules, through parse_approved_rows.
// Only rows both eligible (decision APPROVED) and approved by the operator are submitted.
#pragma once

#include "xferd/core/error.hpp"
#include "xferd/core/row_state.hpp"

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace xferd {

struct ApprovedCsvRow {
    std::size_t line = 0;                 // 1-based line in the file, or row of the sheet (for messages)
    std::size_t row = 0;                  // the `row` column: the input's data row
    std::string external_order_number;
    std::string service_id;               // empty when the column was dropped
    bool approve = false;
    bool said_no = false;                 // the cell held no / n / 0 / false (not left empty)
};

// What the operator wrote, parsed.
struct ApprovalInput {
    enum class Source { approve_file, approved_csv, approved_xlsx };
    Source source = Source::approve_file;
    bool all = false;                                  // NAME.approve said `all`
    std::vector<std::string> external_order_numbers;   // NAME.approve lines
    std::vector<ApprovedCsvRow> rows;                  // NAME.approved.csv / .xlsx
    bool has_service_id = false;                       // NAME.approved.csv / .xlsx kept that column
    // Mistakes in single rows (a row number that is not one, a row twice, an approve cell that
    // says neither yes nor no), one sentence each: check_approval refuses the approval and lists
    // them with every other problem it finds, so the operator corrects the file in one go.
    std::vector<std::string> problems;
};

// Errors say what is wrong with the file and how to write it.
Result<ApprovalInput> parse_approve_file(std::string_view text);
Result<ApprovalInput> parse_approved_csv(std::string_view text);

// The saved-back confirmation as rows of cells, whatever file it came from: the one set of rules
// for NAME.approved.csv and NAME.approved.xlsx (header found by name, row numbers, approve values).
struct ApprovalTable {
    struct Row {
        std::size_t line = 0;             // CSV: the line it starts on; sheet: its row number
        std::vector<std::string> cells;   // by column, from A / the first field
    };
    std::vector<Row> rows;                // in file order, blank ones included
    std::string sheet;                    // the sheet's name for a workbook; empty for a CSV
    [[nodiscard]] std::string noun() const { return sheet.empty() ? "CSV" : "workbook"; }
};
Result<ApprovalInput> parse_approved_rows(const ApprovalTable& table);

// The batch as it was confirmed: what an approval is checked against.
struct ConfirmedRow {
    std::size_t row = 0;
    std::string external_order_number;
    std::string service_id;
    Decision decision = Decision::pending;
    std::string reason;   // why REJECTED / INVALID
};

struct ConfirmedBatch {
    std::string sha256;                                  // content of the input that was confirmed
    std::chrono::system_clock::time_point confirmed_at;
    std::vector<ConfirmedRow> rows;
};

// The rows of NAME.confirmation.csv as xferd wrote it (render_confirmation_csv): what the
// operator was shown. Error when it is not such a file.
Result<std::vector<ConfirmedRow>> parse_confirmation_csv(std::string_view text);

struct ApprovalVerdict {
    bool accepted = false;
    // Refused: why, and what to do. Accepted: "3 of 5 rows approved by the operator".
    std::string message;
    std::vector<std::size_t> approved_rows;   // rows to submit: eligible and approved, ascending
    // Approved by the operator but not eligible, one sentence each; these are not submitted.
    std::vector<std::string> notes;
};

// written_at: when the approval file was last written; now: when it is being acted on.
// Refused (nothing submitted) when the approval was written before the confirmation it would
// approve, when the confirmation is older than `max_age`, when it names external order
// numbers the batch does not hold, when its rows do not match the confirmed batch, or when it
// has mistakes in rows (ApprovalInput::problems). A refusal for rows lists every problem at
// once: those, the mismatches, and the rows approved that are not eligible (which alone would
// only be notes of an accepted approval).
ApprovalVerdict check_approval(const ApprovalInput& approval, const ConfirmedBatch& batch,
                               std::chrono::system_clock::time_point written_at,
                               std::chrono::system_clock::time_point now, std::chrono::seconds max_age);

}  // namespace xferd
