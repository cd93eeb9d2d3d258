// How a batch's run ended, in words a person reads on the terminal and in the process log.
#include "batch_run_state.hpp"

#include "xferd/core/printable.hpp"

#include <algorithm>

namespace xferd {

namespace {

// FAILED rows are API trouble, never a decision: how many could not even be confirmed (rows
// without a decision), and when each kind is asked again.
std::string retry_words(const BatchOutcome& o)
{
    using End = BatchOutcome::End;
    const BatchCounts& counts = o.counts;
    const std::size_t unconfirmed = std::min(counts.pending_decision, counts.failed);
    const std::size_t submit_failed = counts.failed - unconfirmed;
    std::string s;
    if (unconfirmed > 0) {
        s += "; " + std::to_string(unconfirmed) + (unconfirmed == 1 ? " row" : " rows") +
             " could not be confirmed (API trouble, not a decision: see the message of each)";
        if (o.end == End::waiting_for_approval) s += ", asked again once the batch is approved";
        else if (o.stage == BatchStage::incomplete) s += unconfirmed == 1 ? ": it is asked again at the next run"
                                                                        : ": they are asked again at the next run";
    }
    if (o.stage == BatchStage::incomplete && submit_failed > 0) s += "; FAILED submits are tried again at the next run";
    return s;
}

}  // namespace

bool BatchOutcome::needs_attention() const
{
    using E = End;
    switch (end) {
    case E::rejected:
    case E::held:
    case E::refused:
    case E::interrupted:
    case E::api_unavailable:
    case E::state_error:
    // Not taken yet (still being written): `once` says so by its exit status; taken next run.
    case E::left_for_later:
        return true;
    default:
        break;
    }
    return reports_failed || counts.failed > 0 || counts.in_doubt > 0 ||
           (end == E::finished && counts.pending > 0);
}

std::string BatchOutcome::summary() const
{
    using E = End;
    const std::string name = printable(input.filename().string());
    switch (end) {
    case E::rejected: return name + ": REJECTED FILE: " + message;
    case E::duplicate:
    case E::nothing_to_do:
    case E::left_for_later:
    case E::refused:
    case E::api_unavailable:
    case E::interrupted:
    case E::state_error:
        return name + ": not processed: " + message;
    default:
        break;
    }
    BatchCounts shown = counts;
    if (end == E::waiting_for_approval || end == E::held) shown.pending = 0;   // said in words below
    // Waiting: the rows that passed every check are only eligible until the operator approves.
    std::string s = name + ": " + describe(shown, end == E::waiting_for_approval ? "eligible" : "approved");
    if (end == E::held) s += " (HELD: " + message + ")";
    if (end == E::waiting_for_approval) s += "; WAITING FOR YOUR APPROVAL: " + approve_hint;
    if (stage == BatchStage::in_doubt) s += "; rows in doubt are looked up again at the next run";
    s += retry_words(*this);
    if (reports_failed) s += "; " + message;
    if (!html_report.empty() && !reports_failed) s += " -> " + printable(html_report.string());
    return s;
}

BatchOutcome BatchRun::outcome(BatchOutcome::End end)
{
    BatchOutcome o;
    o.end = end;
    o.input = batch_.path;
    o.sha256 = batch_.sha256;
    o.stage = batch_.stage;
    o.reports = reports_;
    o.reports_failed = reports_failed_;
    if (auto w = services_.reader.work(batch_.id)) o.counts = w->counts;
    if (stop_) o.message = stop_->message;
    else if (end == BatchOutcome::End::rejected) o.message = batch_.message;
    else if (end == BatchOutcome::End::held) o.message = batch_.gate_message;
    if (!batch_.confirmation_written_at.empty()) o.html_report = out_.confirmation_html;
    if (end == BatchOutcome::End::waiting_for_approval) {
        o.approve_hint = "review " + out_.confirmation_html.filename().string() + ", then drop " +
                         out_.approve_file.filename().string() + " (`all`, or external order numbers one a line) or "
                         "save the confirmation as " + out_.approved_csv.filename().string() + " or " +
                         out_.approved_xlsx.filename().string() + " with its approve column filled";
    }
    log_->info("done for now: " + o.summary());
    return o;
}

}  // namespace xferd
