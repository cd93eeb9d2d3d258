// What the state store knows about a batch and its rows, as plain values (pure).
//
// A batch is its content (SHA-256); paths are where that content was seen. Its stage says what
// comes next, and every stage can be resumed after a crash from the store alone:
//
//   validating ─► confirming ─► (decide) ─► submitting ─► done
//        │             │                 ├► awaiting_approval ─► submitting   (manual mode)
//        ▼             │                 ├► held      (the batch gate: fix and drop it again)
//     rejected         │                 └► done      (dry-run: confirmed, nothing submitted)
//   (a bad file)       └─ rows the API could not be asked about stay FAILED (retryable)
//   submitting ─► in_doubt   (some submits unanswered and not found yet: looked up next run)
//              └► incomplete (rows failed for a transient reason: retried next run)
#pragma once

#include "xferd/core/row_state.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace xferd {

enum class BatchStage {
    validating,
    confirming,
    awaiting_approval,
    submitting,
    in_doubt,
    incomplete,
    held,
    done,
    rejected,
};

std::string_view to_string(BatchStage s);            // "validating", "awaiting_approval", …
std::string_view describe(BatchStage s);             // "waiting for approval", "in doubt", …
std::optional<BatchStage> parse_batch_stage(std::string_view s);

// Work is left: the batch is taken up again at the next run (or start) without being dropped again.
bool is_unfinished(BatchStage s);
// Ended in a way that dropping the same content again (or touching it) starts afresh:
// held by the gate, rejected, or a dry-run.
bool restarts_on_redrop(BatchStage s, bool dry_run);

// Row counts a person checks; they add up to `rows`.
struct BatchCounts {
    std::size_t rows = 0, approved = 0, rejected = 0, invalid = 0, pending_decision = 0;
    std::size_t submitted = 0, not_submitted = 0, failed = 0, in_doubt = 0, duplicate = 0, pending = 0;
};

// "12 rows: 8 approved, 2 rejected, 2 invalid; 8 submitted, 1 FAILED"
std::string describe(const BatchCounts& c, std::string_view approved = "approved");

}  // namespace xferd
