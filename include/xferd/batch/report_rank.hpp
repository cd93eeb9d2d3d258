// Where a row stands, as the operator's report shows it (report_html.hpp): one label per row,
// the order rows are listed in (problems first), and what a person should do about each kind.
// Pure: the caller sorts its rows by report_rank() and counts them by row_label().
#pragma once

#include "xferd/core/config.hpp"
#include "xferd/core/row_state.hpp"

#include <array>
#include <cstddef>
#include <string_view>

namespace xferd {

// Where the whole batch is in its life, when the report is written.
enum class ReportStage {
    confirmed,             // every row checked; submitting follows (auto, or manual once approved)
    waiting_for_approval,  // manual mode: confirmed, nothing submitted until the operator approves
    held,                  // the batch gate held it (too many bad rows): nothing is submitted
    submitting,            // orders are being placed (a report written part-way)
    in_doubt,              // finished, but some orders got no answer: looked up on the next run
    done,                  // every row has its final status (a dry run ends here too)
};
std::string_view to_string(ReportStage stage);  // "confirmed", "waiting_for_approval", …

// One label per row. Problems first, in the order the report lists them.
enum class RowLabel {
    failed,         // nothing placed: the API refused or could not be reached
    in_doubt,       // sent, no answer: may exist
    rejected,       // a check failed (status, number, account holder, not confirmed)
    invalid,        // the row could not be read as an order
    duplicate,      // an order already covers the service
    not_checked,    // no decision recorded (should not happen after confirmation)
    not_submitted,  // eligible, but left out (not approved by the operator)
    eligible,       // passed every check, not (yet) approved or not to be submitted
    approved,       // auto mode: passed every check, to be submitted
    submitted,      // order placed
};
inline constexpr std::size_t row_label_count = 10;

std::string_view to_string(RowLabel label);  // what the page shows: "FAILED", "IN DOUBT", …
bool is_problem(RowLabel label);             // failed … not_checked: listed first, always

RowLabel row_label(const RowRecord& row, ReportStage stage, ApprovalMode mode);

// Sort key for the report: ascending rank, then row number. Problems get ranks 0-5 (FAILED,
// IN_DOUBT, REJECTED, INVALID, DUPLICATE, not checked), then rows left out, then the rows
// waiting to be submitted, then the ones placed. The mode only changes a label's wording
// (ELIGIBLE vs APPROVED), never the order, so it is not needed here.
int report_rank(const RowRecord& row, ReportStage stage);
bool is_problem_rank(int rank);

// The operator's next step for a problem label; empty for the others.
std::string_view what_to_do(RowLabel label);

// How many rows carry each label; the report's summary. Counted by the caller from its store,
// one add() per row (or per decision/status group: row_label depends on nothing else).
struct ReportCounts {
    std::array<std::size_t, row_label_count> by_label{};

    void add(RowLabel label, std::size_t n = 1) { by_label[static_cast<std::size_t>(label)] += n; }
    [[nodiscard]] std::size_t operator[](RowLabel label) const { return by_label[static_cast<std::size_t>(label)]; }
    [[nodiscard]] std::size_t total() const;
    [[nodiscard]] std::size_t problems() const;
    bool operator==(const ReportCounts&) const = default;
};

}  // namespace xferd
