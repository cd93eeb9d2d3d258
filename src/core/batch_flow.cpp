#include "xferd/core/batch_flow.hpp"

namespace xferd {

std::string_view to_string(BatchStep s)
{
    switch (s) {
    case BatchStep::validate: return "validate";
    case BatchStep::retry: return "retry";
    case BatchStep::confirm: return "confirm";
    case BatchStep::decide: return "decide";
    case BatchStep::write_confirmation: return "write confirmation";
    case BatchStep::wait_for_approval: return "wait for approval";
    case BatchStep::look_up: return "look up";
    case BatchStep::submit: return "submit";
    case BatchStep::finish: return "finish";
    case BatchStep::write_results: return "write results";
    case BatchStep::end: return "end";
    }
    return "?";
}

BatchStage stage_after_finish(std::size_t in_doubt, std::size_t retryable, bool gate_hold)
{
    if (gate_hold) return BatchStage::held;
    if (in_doubt > 0) return BatchStage::in_doubt;
    if (retryable > 0) return BatchStage::incomplete;
    return BatchStage::done;
}

BatchStep next_batch_step(const BatchFacts& f)
{
    if (f.stage == BatchStage::validating) return BatchStep::validate;
    if (f.stage == BatchStage::rejected) return BatchStep::end;
    // Transient failures are asked again once a run; what is still failing after that is left.
    // Also first thing in a run that resumes a batch cut short (a stop, an outage) mid-pass; not
    // while an approved manual batch submits: rows confirmed anew would wait for the operator again.
    const bool resumable = f.stage == BatchStage::incomplete || f.stage == BatchStage::confirming ||
                           (f.stage == BatchStage::submitting && !f.manual);
    if (resumable && f.retryable > 0 && !f.retried_this_run) return BatchStep::retry;
    if (f.needs_confirm > 0) return BatchStep::confirm;
    // A batch leaves `confirming` only through decide (which holds it by the gate, sends it to
    // the operator, or on to submitting), even when it has nothing left to confirm.
    if (f.undecided > 0 || f.stage == BatchStage::confirming) return BatchStep::decide;
    if (!f.confirmation_written) return BatchStep::write_confirmation;

    const bool may_submit = !f.dry_run && !f.gate_hold;
    const bool lookups_left = f.lookups_this_run < f.max_lookups;
    // Unanswered submits first: submitting more would move the list a lookup pages through.
    if (may_submit && f.unresolved > 0 && lookups_left) return BatchStep::look_up;
    if (may_submit && f.awaiting_operator > 0) return BatchStep::wait_for_approval;
    if (may_submit && f.submittable > 0) return BatchStep::submit;
    // Also when every row is final already (all submitted): the stage must say how it ended.
    if (f.not_final > 0 || f.stage != stage_after_finish(f.unresolved, f.retryable, f.gate_hold))
        return BatchStep::finish;
    if (!f.results_written) return BatchStep::write_results;
    return BatchStep::end;
}

}  // namespace xferd
