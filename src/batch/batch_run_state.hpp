// The driver of one batch (private to src/batch): the loop and the small steps in
// batch_run.cpp; the validation, confirm, submit/look-up passes and the reports each in a file of
// their own, all on this one object.
#pragma once

#include "xferd/batch/batch_run.hpp"
#include "xferd/batch/report.hpp"
#include "xferd/core/batch_flow.hpp"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_state.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <deque>
#include <memory>
#include <optional>

namespace xferd {

// Coroutines here never hold a temporary with a destructor across a co_await (GCC 12 may destroy
// such a temporary twice, bug 99576): callables and jobs are named locals first.

template <class F>
asio::awaitable<std::invoke_result_t<F&>> call_here(F fn)
{
    co_return fn();
}

// Runs `fn` on the worker pool and resumes on the caller's executor with its result. A stop of
// the caller does not reach it (no cancellation slot): `fn` uses what the caller owns, so the
// caller waits for it whatever happens.
template <class F>
asio::awaitable<std::invoke_result_t<F&>> offload(asio::thread_pool& pool, F fn)
{
    auto task = call_here(std::move(fn));
    auto on_pool = asio::co_spawn(pool.get_executor(), std::move(task),
                                  asio::bind_cancellation_slot(asio::cancellation_slot(), asio::use_awaitable));
    co_return co_await std::move(on_pool);
}

// now_iso(): declared in xferd/batch/batch_run.hpp

// Why the driver ends a run early.
struct StopReason {
    BatchOutcome::End end;
    std::string message;
};

// A row of the submit pass whose intent is durable: its request body is ready to be sent.
struct SubmitReady {
    RowRecord row;
    std::string body;
};
struct SubmitCursor;     // submit_pass.cpp
class TaskGroup;
struct SubmitProgress;   // submit_pass.cpp

class BatchRun {
public:
    BatchRun(BatchServices& services, BatchInfo batch, BatchOptions options);
    asio::awaitable<BatchOutcome> run();

private:
    // steps
    asio::awaitable<void> validate();
    asio::awaitable<void> retry();
    asio::awaitable<void> confirm();
    asio::awaitable<void> decide();
    asio::awaitable<void> write_confirmation();
    asio::awaitable<void> look_up();
    asio::awaitable<void> submit();
    asio::awaitable<std::deque<SubmitReady>> next_submit_window(SubmitCursor& cursor);
    asio::awaitable<std::deque<SubmitReady>> claim_and_intend(std::deque<SubmitReady> rows);
    asio::awaitable<void> submit_row(SubmitReady item, SubmitProgress& progress);
    asio::awaitable<std::size_t> start_submits(std::deque<SubmitReady>& ready, TaskGroup& rows_in_flight,
                                               SubmitProgress& progress);
    void record_not_sent(const std::deque<SubmitReady>& rows, std::size_t from);
    asio::awaitable<void> finish();
    asio::awaitable<void> write_results();

    // helpers
    Result<BatchFacts> facts();
    asio::awaitable<void> save_batch();           // durable: the batch's fields as they are now
    void stop(BatchOutcome::End end, std::string message);
    // The batch's coroutine was cancelled (SIGTERM): it stops at the next clean point.
    [[nodiscard]] bool stop_asked() const { return cancel_.cancelled() != asio::cancellation_type::none; }
    [[nodiscard]] bool stopped() const { return stop_.has_value() || stop_asked(); }
    void check_writer();                          // a failed loose write stops the batch
    // The end of a row's coroutine: an exception that ended it goes to the batch log.
    std::function<void(std::exception_ptr)> log_if_row_thrown(std::string doing);
    BatchOutcome outcome(BatchOutcome::End end);
    std::string label(const RowRecord& r) const;
    [[nodiscard]] bool manual() const { return options_.approval.mode == ApprovalMode::manual; }
    [[nodiscard]] bool dry_run() const { return options_.approval.mode == ApprovalMode::dry_run; }
    std::string not_submitted_reason(const RowRecord& r) const;

    BatchServices& services_;
    BatchInfo batch_;
    BatchOptions options_;
    OutputPaths out_;
    std::unique_ptr<BatchLog> log_;
    std::optional<StopReason> stop_;
    asio::cancellation_state cancel_;   // of the coroutine that runs the batch (set by run())
    unsigned lookups_ = 0;
    bool retried_ = false;
    std::vector<std::filesystem::path> reports_;
    bool reports_failed_ = false;
    std::string reports_error_;
};

}  // namespace xferd
