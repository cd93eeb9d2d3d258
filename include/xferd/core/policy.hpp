// Approval rules (docs/operator-guide.md, docs/configuration.md § approval): confirmation + row → APPROVED / REJECTED and why,
// and the batch gate that holds a batch whose rows are mostly bad. Pure.
#pragma once

#include "xferd/core/config.hpp"
#include "xferd/core/row_state.hpp"

#include <string>
#include <vector>

namespace xferd {

struct RowDecision {
    Decision decision = Decision::pending;
    std::string reason;
};

// Decides one confirmed-or-not row. `record.confirmation` must be filled in.
RowDecision decide(const RowRecord& record, const ApprovalConfig& approval);

struct GateVerdict {
    bool hold = false;      // true: submit nothing from this batch
    std::string message;    // why, with the numbers
};

// More than max_reject_ratio of the rows INVALID or REJECTED → hold the batch.
GateVerdict batch_gate(const std::vector<RowRecord>& rows, double max_reject_ratio);
// The same from counts: `bad` of `rows` are INVALID or REJECTED.
GateVerdict batch_gate(std::size_t rows, std::size_t bad, double max_reject_ratio);

// Phone numbers compared by their digits only (so "203-555-1111" equals "2035551111").
bool same_phone_number(std::string_view a, std::string_view b);

}  // namespace xferd
