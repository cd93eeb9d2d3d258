#include "xferd/core/journal_replay.hpp"

#include <type_traits>

namespace xferd {

JournalReplayer::RowSlot& JournalReplayer::slot(std::size_t row, std::string_view type)
{
    // Rows are 1-based and dense (pass 1 writes one validated record per row, in order).
    if (row > rows_.size()) rows_.resize(row);
    RowSlot& s = rows_[row - 1];
    if (!s.seen) {
        s.seen = true;
        s.record.row = row;
        if (type != "validated")
            anomalies_.push_back("row " + std::to_string(row) + ": \"" + std::string(type) +
                                 "\" record before any \"validated\" record");
    }
    return s;
}

void JournalReplayer::outcome(std::size_t row, std::string_view type, RowStatus status, std::string message)
{
    RowSlot& s = slot(row, type);
    s.record.status = status;
    s.record.message = std::move(message);
    s.open = false;
    if (status == RowStatus::in_doubt && !s.intent)
        anomalies_.push_back("row " + std::to_string(row) + ": IN_DOUBT without a \"submitting\" record");
}

void JournalReplayer::apply(const JournalRecord& record)
{
    ++records_;
    std::visit(
        [this](const auto& r) {
            using T = std::decay_t<decltype(r)>;
            if constexpr (std::is_same_v<T, journal::Batch>) {
                batch_ = r;
            } else if constexpr (std::is_same_v<T, journal::Phase>) {
                phase_ = r.name;
            } else if constexpr (std::is_same_v<T, journal::Gate>) {
                gate_ = r;
            } else if constexpr (std::is_same_v<T, journal::Validated>) {
                RowRecord& rec = slot(r.row, "validated").record;
                rec.external_order_number = r.external_order_number;
                rec.service_id = r.service_id;
                rec.service_number = r.service_number;
                rec.employee_email = r.employee_email;
                rec.employee_id = r.employee_id;
                if (!r.valid) {
                    rec.decision = Decision::invalid;
                    rec.reason = r.reason;
                    rec.status = RowStatus::not_submitted;
                    rec.message = "INVALID: " + r.reason;
                }
            } else if constexpr (std::is_same_v<T, journal::Confirmed>) {
                slot(r.row, "confirmed").record.confirmation = r.summary;
            } else if constexpr (std::is_same_v<T, journal::Decided>) {
                RowRecord& rec = slot(r.row, "decided").record;
                rec.decision = r.decision;
                rec.reason = r.reason;
            } else if constexpr (std::is_same_v<T, journal::Submitting>) {
                RowSlot& s = slot(r.row, "submitting");
                if (s.record.status == RowStatus::submitted || s.record.status == RowStatus::duplicate)
                    anomalies_.push_back("row " + std::to_string(r.row) + ": submitting again after " +
                                         std::string(to_string(s.record.status)) + " (order " +
                                         s.record.order_id + ")");
                if (!s.intent) s.intent = SubmitIntent{r.row, r.at, r.at, 0};
                s.intent->at = r.at;
                ++s.intent->attempts;
                s.open = true;
                // Until an outcome is journaled the row is neither pending nor final.
                s.record.status = RowStatus::pending;
                s.record.message.clear();
            } else if constexpr (std::is_same_v<T, journal::Submitted>) {
                std::string message = r.message.empty() ? "order " + r.order_id + " placed" : r.message;
                outcome(r.row, "submitted", RowStatus::submitted, std::move(message));
                rows_[r.row - 1].record.order_id = r.order_id;
            } else if constexpr (std::is_same_v<T, journal::Duplicate>) {
                outcome(r.row, "duplicate", RowStatus::duplicate, r.message);
                rows_[r.row - 1].record.order_id = r.order_id;
            } else if constexpr (std::is_same_v<T, journal::Failed>) {
                outcome(r.row, "failed", RowStatus::failed, r.message);
            } else if constexpr (std::is_same_v<T, journal::InDoubt>) {
                outcome(r.row, "in_doubt", RowStatus::in_doubt, r.message);
            } else if constexpr (std::is_same_v<T, journal::NotSubmitted>) {
                outcome(r.row, "not_submitted", RowStatus::not_submitted, r.message);
            } else {
                static_assert(!sizeof(T), "every record type is replayed");
            }
        },
        record);
}

ReplayedBatch JournalReplayer::state() const
{
    ReplayedBatch out;
    out.batch = batch_;
    out.phase = phase_;
    out.gate = gate_;
    out.anomalies = anomalies_;
    out.records = records_;
    out.rows.reserve(rows_.size());
    for (const auto& s : rows_) {
        if (!s.seen) continue;
        out.rows.push_back(s.record);
        if (s.open) out.needs_reconciliation.emplace(s.record.row, *s.intent);
        else if (s.record.status == RowStatus::in_doubt && s.intent) out.in_doubt.emplace(s.record.row, *s.intent);
    }
    return out;
}

ReplayedBatch replay(const std::vector<JournalRecord>& records)
{
    JournalReplayer replayer;
    for (const auto& r : records) replayer.apply(r);
    return replayer.state();
}

}  // namespace xferd
