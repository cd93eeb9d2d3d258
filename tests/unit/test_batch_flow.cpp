// The batch state machine: from what the store says, the next step. Every resume point of a
// batch's life is a set of facts; the same facts give the same step, run straight or resumed.
#include <boost/test/unit_test.hpp>

#include "xferd/core/batch_flow.hpp"

using namespace xferd;

namespace {

BatchFacts confirmed_batch()
{
    BatchFacts f;
    f.stage = BatchStage::submitting;
    f.rows = 10;
    f.confirmation_written = true;
    return f;
}

}  // namespace

BOOST_TEST_DONT_PRINT_LOG_VALUE(BatchStep)

BOOST_AUTO_TEST_CASE(a_new_batch_is_validated_then_confirmed_then_decided)
{
    BatchFacts f;
    BOOST_TEST(next_batch_step(f) == BatchStep::validate);
    f.stage = BatchStage::confirming;
    f.rows = 10;
    f.needs_confirm = 8;
    BOOST_TEST(next_batch_step(f) == BatchStep::confirm);
    f.needs_confirm = 0;
    f.undecided = 8;
    BOOST_TEST(next_batch_step(f) == BatchStep::decide);
    // Even a batch with nothing to confirm (every row invalid) is decided: the gate holds it.
    f.undecided = 0;
    BOOST_TEST(next_batch_step(f) == BatchStep::decide);
}

BOOST_AUTO_TEST_CASE(after_the_decision_the_confirmation_is_written_before_anything_is_sent)
{
    BatchFacts f = confirmed_batch();
    f.confirmation_written = false;
    f.submittable = 6;
    f.not_final = 10;
    BOOST_TEST(next_batch_step(f) == BatchStep::write_confirmation);
    f.confirmation_written = true;
    BOOST_TEST(next_batch_step(f) == BatchStep::submit);
}

BOOST_AUTO_TEST_CASE(unanswered_submits_are_looked_up_before_more_are_sent)
{
    BatchFacts f = confirmed_batch();
    f.submittable = 4;
    f.unresolved = 2;   // a crash left two intents without an answer
    f.not_final = 6;
    BOOST_TEST(next_batch_step(f) == BatchStep::look_up);
    f.lookups_this_run = 3;   // lookups used up: the rest is still sent, the two stay in doubt
    BOOST_TEST(next_batch_step(f) == BatchStep::submit);
    f.submittable = 0;
    f.not_final = 0;
    BOOST_TEST(next_batch_step(f) == BatchStep::finish);   // the stage says the two are in doubt
    f.stage = stage_after_finish(f.unresolved, f.retryable, f.gate_hold);
    BOOST_TEST((f.stage == BatchStage::in_doubt));
    BOOST_TEST(next_batch_step(f) == BatchStep::write_results);
    f.results_written = true;
    BOOST_TEST(next_batch_step(f) == BatchStep::end);
}

BOOST_AUTO_TEST_CASE(manual_mode_waits_for_the_operator_and_then_submits)
{
    BatchFacts f = confirmed_batch();
    f.stage = BatchStage::awaiting_approval;
    f.manual = true;
    f.awaiting_operator = 5;
    f.not_final = 10;
    BOOST_TEST(next_batch_step(f) == BatchStep::wait_for_approval);
    // The approval gave every eligible row a verdict: 3 approved, 2 not.
    f.stage = BatchStage::submitting;
    f.awaiting_operator = 0;
    f.submittable = 3;
    BOOST_TEST(next_batch_step(f) == BatchStep::submit);
    f.submittable = 0;
    f.not_final = 7;   // the 2 not approved and the 5 rejected/invalid get their final word
    BOOST_TEST(next_batch_step(f) == BatchStep::finish);
}

BOOST_AUTO_TEST_CASE(held_and_dry_run_batches_submit_nothing)
{
    for (bool held : {true, false}) {
        BatchFacts f = confirmed_batch();
        f.gate_hold = held;
        f.dry_run = !held;
        f.submittable = 6;
        f.unresolved = 0;
        f.not_final = 10;
        BOOST_TEST(next_batch_step(f) == BatchStep::finish);
    }
    BOOST_TEST((stage_after_finish(0, 0, true) == BatchStage::held));
}

BOOST_AUTO_TEST_CASE(transient_failures_are_asked_again_once_a_run)
{
    BatchFacts f = confirmed_batch();
    f.stage = BatchStage::incomplete;
    f.retryable = 12;
    f.results_written = true;
    BOOST_TEST(next_batch_step(f) == BatchStep::retry);
    f.retried_this_run = true;   // still failing after this run's try: left for the next run
    BOOST_TEST(next_batch_step(f) == BatchStep::end);
    BOOST_TEST((stage_after_finish(0, 12, false) == BatchStage::incomplete));
    BOOST_TEST((stage_after_finish(1, 12, false) == BatchStage::in_doubt));
    BOOST_TEST((stage_after_finish(0, 0, false) == BatchStage::done));
}

// A run cut short (SIGTERM, an outage past api.outage_limit) left FAILED rows mid-pass: the next
// run asks them again before going on, not one run later.
BOOST_AUTO_TEST_CASE(failures_of_a_run_cut_short_are_asked_again_first_in_the_next)
{
    for (auto stage : {BatchStage::confirming, BatchStage::submitting}) {
        BatchFacts f = confirmed_batch();
        f.stage = stage;
        f.retryable = 3;
        f.needs_confirm = 2;
        BOOST_TEST(next_batch_step(f) == BatchStep::retry);
        f.retried_this_run = true;
        BOOST_TEST(next_batch_step(f) == BatchStep::confirm);
    }
    BatchFacts waiting = confirmed_batch();
    waiting.stage = BatchStage::awaiting_approval;   // asked again once approved, not before
    waiting.retryable = 3;
    BOOST_TEST(next_batch_step(waiting) != BatchStep::retry);
    waiting.stage = BatchStage::submitting;          // approved: what was approved goes first
    waiting.manual = true;
    BOOST_TEST(next_batch_step(waiting) != BatchStep::retry);
}

BOOST_AUTO_TEST_CASE(results_that_were_not_written_are_written_without_any_call)
{
    BatchFacts f = confirmed_batch();
    f.stage = BatchStage::done;
    f.results_written = false;
    BOOST_TEST(next_batch_step(f) == BatchStep::write_results);
    f.stage = BatchStage::rejected;
    BOOST_TEST(next_batch_step(f) == BatchStep::end);
}

BOOST_AUTO_TEST_CASE(a_batch_whose_rows_are_all_submitted_ends_done_not_submitting)
{
    // Every row got its answer during the submit pass: nothing is left unfinished, yet the
    // stage still says `submitting` until finish gives the batch its end.
    BatchFacts f = confirmed_batch();
    f.not_final = 0;
    BOOST_TEST(next_batch_step(f) == BatchStep::finish);
    f.stage = stage_after_finish(f.unresolved, f.retryable, f.gate_hold);
    BOOST_TEST((f.stage == BatchStage::done));
    BOOST_TEST(next_batch_step(f) == BatchStep::write_results);
    f.results_written = true;
    BOOST_TEST(next_batch_step(f) == BatchStep::end);

    // A batch in doubt whose lookups settled every row becomes done at the next run.
    f.stage = BatchStage::in_doubt;
    f.results_written = true;
    BOOST_TEST(next_batch_step(f) == BatchStep::finish);
}
