// Row labels and the report's order: one place decides what a row "is" to the operator, so the
// summary counts, the badge on the row and the order of the list always agree.
#include "xferd/batch/report_rank.hpp"

namespace xferd {

std::string_view to_string(ReportStage stage)
{
    switch (stage) {
    case ReportStage::confirmed: return "confirmed";
    case ReportStage::waiting_for_approval: return "waiting_for_approval";
    case ReportStage::held: return "held";
    case ReportStage::submitting: return "submitting";
    case ReportStage::in_doubt: return "in_doubt";
    case ReportStage::done: return "done";
    }
    return "";
}

std::string_view to_string(RowLabel label)
{
    switch (label) {
    case RowLabel::failed: return "FAILED";
    case RowLabel::in_doubt: return "IN DOUBT";
    case RowLabel::rejected: return "REJECTED";
    case RowLabel::invalid: return "INVALID";
    case RowLabel::duplicate: return "DUPLICATE";
    case RowLabel::not_checked: return "NOT CHECKED";
    case RowLabel::not_submitted: return "NOT SUBMITTED";
    case RowLabel::eligible: return "ELIGIBLE";
    case RowLabel::approved: return "APPROVED";
    case RowLabel::submitted: return "SUBMITTED";
    }
    return "";
}

bool is_problem(RowLabel label) { return label <= RowLabel::not_checked; }

RowLabel row_label(const RowRecord& row, ReportStage stage, ApprovalMode mode)
{
    // What happened to the order outranks the decision: a row whose confirm call could not be
    // made is REJECTED by policy but FAILED to the operator (nothing is wrong with the row), and
    // a placed order is SUBMITTED whatever was decided.
    switch (row.status) {
    case RowStatus::submitted: return RowLabel::submitted;
    case RowStatus::failed: return RowLabel::failed;
    case RowStatus::in_doubt: return RowLabel::in_doubt;
    case RowStatus::duplicate: return RowLabel::duplicate;
    default: break;
    }
    switch (row.decision) {
    case Decision::invalid: return RowLabel::invalid;
    case Decision::rejected: return RowLabel::rejected;
    case Decision::pending: return RowLabel::not_checked;
    case Decision::approved: break;
    }
    // Held or dry run: every eligible row is "not submitted" and the banner says why; the row
    // itself is still just eligible.
    const bool never_submitted = stage == ReportStage::held || mode == ApprovalMode::dry_run;
    if (row.status == RowStatus::not_submitted) return never_submitted ? RowLabel::eligible : RowLabel::not_submitted;
    if (never_submitted) return RowLabel::eligible;
    if (stage == ReportStage::done) return RowLabel::not_submitted;
    // Only auto mode approves by itself; in manual mode the operator's word is not on the row.
    return mode == ApprovalMode::automatic ? RowLabel::approved : RowLabel::eligible;
}

int report_rank(const RowRecord& row, ReportStage stage)
{
    RowLabel label = row_label(row, stage, ApprovalMode::manual);
    // ELIGIBLE and APPROVED are the same place in the list: rows waiting to be submitted.
    if (label == RowLabel::approved) label = RowLabel::eligible;
    int rank = static_cast<int>(label);
    return label == RowLabel::submitted ? rank - 1 : rank;
}

bool is_problem_rank(int rank) { return rank <= static_cast<int>(RowLabel::not_checked); }

std::string_view what_to_do(RowLabel label)
{
    switch (label) {
    case RowLabel::failed:
        return "Nothing was placed for this row. When the message says so, xferd asks again at its next "
               "run by itself; otherwise fix the cause and put the row in a new batch file.";
    case RowLabel::in_doubt:
        return "The order was sent but no answer came back, so it may exist. xferd looks it up again on "
               "its next run: do not place it again by hand.";
    case RowLabel::rejected:
        return "Not submitted: a check failed. Compare the file with what MobProc confirmed; if the line "
               "should still go, correct the row and put it in a new batch file.";
    case RowLabel::invalid:
        return "Not submitted: the row is incomplete or malformed. Correct it and put it in a new batch "
               "file.";
    case RowLabel::duplicate:
        return "Not submitted: an order already covers this service. Nothing to do unless that order is "
               "wrong.";
    case RowLabel::not_checked:
        return "xferd has no decision for this row. Look in the log; drop the file again if it stays "
               "this way.";
    default: return "";
    }
}

std::size_t ReportCounts::total() const
{
    std::size_t n = 0;
    for (auto c : by_label) n += c;
    return n;
}

std::size_t ReportCounts::problems() const
{
    std::size_t n = 0;
    for (std::size_t i = 0; i < row_label_count; ++i)
        if (is_problem(static_cast<RowLabel>(i))) n += by_label[i];
    return n;
}

}  // namespace xferd
