// The batch as a state machine (pure): from what the store says about a batch, the next step.
// The driver (batch/batch_run.cpp) does the step, which changes the store, and asks again, so a
// resumed batch and a straight one go through the very same decisions:
//
//   while ((step = next_batch_step(facts_from_store())) != end) do(step);
//
// Stops (SIGTERM, the API unreachable, a store failure) are the driver's: it ends the loop.
#pragma once

#include "xferd/core/batch_state.hpp"

#include <string_view>

namespace xferd {

// What the next step needs to know; all of it from the store except the two per-run counters.
struct BatchFacts {
    BatchStage stage = BatchStage::validating;
    bool manual = false;                  // approval mode manual
    bool dry_run = false;
    bool gate_hold = false;
    std::size_t rows = 0;
    std::size_t needs_confirm = 0;        // valid rows not confirmed yet
    std::size_t undecided = 0;            // answered, no decision yet
    std::size_t submittable = 0;          // approved and cleared (auto, or by the operator)
    std::size_t awaiting_operator = 0;    // eligible, the operator has not said
    std::size_t unresolved = 0;           // submit intents without an answer, and IN_DOUBT rows
    std::size_t retryable = 0;            // FAILED for a transient reason
    std::size_t not_final = 0;            // rows without a final status (pending or submitting)
    bool confirmation_written = false;    // the confirmation reports match the current decisions
    bool results_written = false;         // the results match the current outcome
    unsigned lookups_this_run = 0;        // in-doubt lookups done by this run
    unsigned max_lookups = 3;             // then the rows stay IN_DOUBT until the next run
    bool retried_this_run = false;        // transient failures were reset for another try once
};

enum class BatchStep {
    validate,            // read the snapshot, every row into the store (or reject the file)
    retry,               // rows that FAILED for a transient reason are asked again
    confirm,             // confirm the rows that need it (concurrently)
    decide,              // decisions, the gate the first time, and the stage that follows
    write_confirmation,  // the confirmation reports (CSV, HTML, XLSX)
    wait_for_approval,   // manual mode: nothing to do until the operator approves
    look_up,             // settle unresolved submits (GET /orders) after the reconcile delay
    submit,              // submit every submittable row
    finish,              // rows that will not be submitted get their final word; the stage follows
    write_results,       // results CSV and the report's final view
    end,
};

std::string_view to_string(BatchStep s);

BatchStep next_batch_step(const BatchFacts& facts);

// The stage a batch ends a run in, once `finish` has given every row its final word.
BatchStage stage_after_finish(std::size_t in_doubt, std::size_t retryable, bool gate_hold);

}  // namespace xferd
