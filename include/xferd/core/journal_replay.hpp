// Rebuilding a batch's state from its journal: every row's RowRecord (so reports are written
// from the journal and always agree with it), the batch phase, and the rows whose submit has an
// unknown outcome. Pure.
//
// Per row, the latest record of each kind wins:
//   validated     → the row's input fields; invalid → decision INVALID, status NOT_SUBMITTED,
//                   message "INVALID: <reason>" (as the pipeline's pass 1 does)
//   confirmed     → confirmation summary
//   decided       → decision + reason
//   submitting    → submit intent (time); the row now NEEDS RECONCILIATION until an outcome follows
//   submitted     → SUBMITTED + order id          ┐
//   failed        → FAILED                        │ outcome: clears "needs reconciliation"
//   in_doubt      → IN_DOUBT                      │ (in_doubt keeps the intent time so it can be
//   not_submitted → NOT_SUBMITTED                 │  reconciled again on a later run)
//   duplicate     → DUPLICATE + covering order id ┘
// A row record for a row never validated is still applied (the row appears with what is known)
// and noted in `anomalies`.
#pragma once

#include "xferd/core/journal_record.hpp"
#include "xferd/core/row_state.hpp"

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace xferd {

// A submit whose outcome the journal does not know: the request may or may not have reached
// MobProc. Never resend it blindly: reconcile first (reconcile.hpp).
struct SubmitIntent {
    std::size_t row = 0;
    std::string first_at;   // intent time of the first submit attempt: page orders from here
    std::string at;         // intent time of the latest attempt
    unsigned attempts = 0;  // submitting records seen for this row
};

struct ReplayedBatch {
    std::optional<journal::Batch> batch;
    BatchPhase phase = BatchPhase::none;      // the latest phase record
    std::optional<journal::Gate> gate;
    std::vector<RowRecord> rows;              // ordered by row number, one per row seen
    // Rows with a `submitting` record and no outcome after it (crash or kill mid-submit).
    std::map<std::size_t, SubmitIntent> needs_reconciliation;
    // Rows whose latest outcome is IN_DOUBT, with their intent: a later run may reconcile them.
    std::map<std::size_t, SubmitIntent> in_doubt;
    std::vector<std::string> anomalies;       // records that did not fit (for the batch log)
    std::size_t records = 0;                  // records applied
};

// Applies records one at a time (Journal feeds it while reading, and on every append).
class JournalReplayer {
public:
    void apply(const JournalRecord& record);
    // The state so far (copies the rows out; O(rows)).
    [[nodiscard]] ReplayedBatch state() const;

    [[nodiscard]] BatchPhase phase() const { return phase_; }
    [[nodiscard]] std::size_t records() const { return records_; }

private:
    struct RowSlot {
        bool seen = false;
        RowRecord record;
        std::optional<SubmitIntent> intent;  // latest submit intent
        bool open = false;                   // intent without an outcome yet
    };
    RowSlot& slot(std::size_t row, std::string_view type);
    void outcome(std::size_t row, std::string_view type, RowStatus status, std::string message);

    std::optional<journal::Batch> batch_;
    BatchPhase phase_ = BatchPhase::none;
    std::optional<journal::Gate> gate_;
    std::vector<RowSlot> rows_;   // index = row - 1
    std::vector<std::string> anomalies_;
    std::size_t records_ = 0;
};

ReplayedBatch replay(const std::vector<JournalRecord>& records);

}  // namespace xferd
