// The confirm step: every valid row not confirmed yet is confirmed (POST /orders?confirm=true),
// up to api.concurrency at once, its request body built again from the snapshot. Answers are
// stored loosely (a row whose answer a crash loses is simply confirmed again).
//
// When the first answers of a batch all fail for a reason that is not the rows' (the API
// unreachable, credentials, tenant, client id, base URL), the batch stops untouched: nothing of
// those answers is stored, and the next run starts the confirmation over.
#include "batch_run_state.hpp"
#include "row_cursor.hpp"

#include "xferd/batch/row_outcome.hpp"
#include "xferd/batch/row_stream.hpp"
#include "xferd/core/order.hpp"
#include "xferd/net/task_group.hpp"

#include <boost/asio/this_coro.hpp>

namespace xferd {

namespace {

// Holds the first answers back until one shows the API answers about rows.
class FirstAnswers {
public:
    explicit FirstAnswers(std::size_t needed) : needed_(std::max<std::size_t>(needed, 1)) {}

    // The rows to store now (none while still unsure).
    std::vector<RowRecord> feed(RowRecord row, const ApiResponse& answer)
    {
        if (open_) return {std::move(row)};
        if (aborted_) return {};
        if (auto failure = failure_of(answer); failure.scope == FailureScope::batch) {
            held_.push_back(std::move(row));
            if (reason_.empty()) reason_ = batch_problem_text(answer, failure);
            if (held_.size() >= needed_) {
                aborted_ = true;
                held_.clear();
            }
            return {};
        }
        open_ = true;
        held_.push_back(std::move(row));
        return std::exchange(held_, {});
    }
    std::vector<RowRecord> rest() { return aborted_ ? std::vector<RowRecord>{} : std::exchange(held_, {}); }
    [[nodiscard]] bool aborted() const { return aborted_; }
    [[nodiscard]] const std::string& reason() const { return reason_; }

private:
    std::size_t needed_;
    bool open_ = false;
    bool aborted_ = false;
    std::string reason_;
    std::vector<RowRecord> held_;
};

}  // namespace

asio::awaitable<void> BatchRun::confirm()
{
    retried_ = true;   // rows that fail in this pass are this run's try: asked again at the next run
    auto auth = co_await services_.client.authenticate();
    if (!auth)
        co_return stop(BatchOutcome::End::api_unavailable,
                       auth.error().message + "; nothing was confirmed, the batch is left for the next run");
    auto work = services_.reader.work(batch_.id);
    if (!work) co_return stop(BatchOutcome::End::state_error, work.error().message);
    const std::size_t todo = work->needs_confirm;
    log_->info("confirming " + std::to_string(todo) + " rows");

    const std::string file = std::filesystem::path(batch_.path).filename().string();
    FirstAnswers first(std::min<std::size_t>(todo, 8));
    TaskGroup rows_in_flight(co_await asio::this_coro::executor);   // a stop reaches them through wait()
    // Repeated external order numbers were marked in the store when the rows were read: no set
    // of every number seen (it grew with the batch) is kept here.
    RowStream stream(batch_.snapshot, batch_.format, options_.columns, options_.limits, options_.sheet,
                     DuplicateOrders::leave_to_caller);
    RowCursor pending(services_.reader, batch_.id, RowSet::needs_confirm);
    std::size_t done = 0;
    while (auto parsed = stream.next()) {
        auto rec = pending.take(parsed->row.row);
        if (!rec) {
            stop(BatchOutcome::End::state_error, rec.error().message);
            break;
        }
        if (!*rec) {
            if (pending.exhausted()) break;
            continue;
        }
        auto permit = co_await services_.budget.acquire();   // empty: the batch is stopping
        if (!permit || stopped() || first.aborted()) break;
        std::string body = order_request_body(parsed->row);
        rows_in_flight.spawn(
            [this, &first, &done, &file, todo, row = std::move(**rec), body = std::move(body),
             permit = std::move(permit)]() mutable -> asio::awaitable<void> {
                auto answer = co_await services_.client.confirm_order(std::move(body));
                const bool stopping = co_await coroutine_stop_asked();
                if (stopping && answer.kind != ApiResponse::Kind::answered) co_return;   // row untouched
                if (answer.api_down) co_return stop(BatchOutcome::End::api_unavailable, answer.message);   // row untouched
                apply_confirm_answer(row, answer, now_iso());
                for (auto& r : first.feed(std::move(row), answer))
                    services_.writer.write_later(
                        [id = batch_.id, r = std::move(r)](StateStore& s) { return s.update_rows(id, {&r, 1}); });
                if (services_.progress) services_.progress({file, "confirming", ++done, todo});
            },
            log_if_row_thrown("confirming a row"));
    }
    co_await rows_in_flight.wait();
    if (stream.error() && !stop_)
        stop(BatchOutcome::End::state_error, "the snapshot could not be read again: " + stream.error()->message);
    if (first.aborted()) {
        log_->error("every first call failed the same way, for a reason that is not the rows': " + first.reason() +
                    ". Nothing was recorded; fix that and run again.");
        co_return stop(BatchOutcome::End::api_unavailable, first.reason() + "; the batch is left untouched");
    }
    for (auto& r : first.rest())
        services_.writer.write_later([id = batch_.id, r = std::move(r)](StateStore& s) { return s.update_rows(id, {&r, 1}); });
    // The next step is decided from the store: what was written loosely must be there.
    if (auto f = co_await services_.writer.flush(); !f) stop(BatchOutcome::End::state_error, f.error().message);
}

}  // namespace xferd
