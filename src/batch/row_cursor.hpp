// Walks the rows of one RowSet in row order, a chunk at a time, alongside the snapshot's rows
// (which come in row order too): a merge, so neither side is ever held whole.
#pragma once

#include "xferd/store/state_store.hpp"

#include <deque>
#include <optional>

namespace xferd {

class RowCursor {
public:
    RowCursor(StateStore& store, BatchId batch, RowSet set, std::size_t chunk = 512)
        : store_(store), batch_(batch), set_(set), chunk_(chunk)
    {
    }

    // The store's row with this number, if it is in the set (rows before it are skipped).
    // Rows are asked for in increasing order.
    Result<std::optional<RowRecord>> take(std::size_t row)
    {
        for (;;) {
            while (!rows_.empty() && rows_.front().row < row) rows_.pop_front();
            if (!rows_.empty()) break;
            if (exhausted_) return std::optional<RowRecord>{};
            if (auto r = refill(); !r) return r.error();
        }
        if (rows_.front().row != row) return std::optional<RowRecord>{};
        RowRecord out = std::move(rows_.front());
        rows_.pop_front();
        return std::optional<RowRecord>(std::move(out));
    }

    // Nothing more will come (the set had no row at or after the last asked for).
    [[nodiscard]] bool exhausted() const { return exhausted_ && rows_.empty(); }

private:
    Result<void> refill()
    {
        auto more = store_.rows(batch_, set_, after_, chunk_);
        if (!more) return more.error();
        if (more->size() < chunk_) exhausted_ = true;
        if (!more->empty()) after_ = more->back().row;
        for (auto& r : *more) rows_.push_back(std::move(r));
        return {};
    }

    StateStore& store_;
    BatchId batch_;
    RowSet set_;
    std::size_t chunk_;
    std::size_t after_ = 0;
    bool exhausted_ = false;
    std::deque<RowRecord> rows_;
};

}  // namespace xferd
