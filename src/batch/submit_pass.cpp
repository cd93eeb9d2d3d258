// The submit step and the look-up step.
//
// Submit: the submittable rows are taken a window at a time; for each window one durable
// transaction claims every row's service (one XFER_SERVICE_OUT per service, ever) and records
// its intent (status submitting); only then are those requests written, up to api.concurrency
// at once, while the next window's intents are being made durable. A crash after the intent
// leaves the row `submitting`: it is looked up before anything is sent again. Outcomes are
// stored loosely: if a crash loses one, the lookup finds the order.
//
// Look up: unresolved rows (intent without answer, IN_DOUBT) are settled by paging GET /orders
// (core/reconcile.hpp) once api.reconcile_delay has passed since their intent.
#include "batch_run_state.hpp"

#include "xferd/batch/row_outcome.hpp"
#include "xferd/batch/row_stream.hpp"
#include "xferd/core/order.hpp"
#include "xferd/net/task_group.hpp"

#include <boost/asio/this_coro.hpp>

#include <deque>

namespace xferd {

namespace {

// The service is claimed by another row (this batch's or another's): not sent, and why.
SubmitResult duplicate_of(const RowRecord& row, const ServiceEntry& h, const std::string& at)
{
    SubmitResult dup;
    dup.row = row.row;
    dup.status = RowStatus::duplicate;
    dup.order_id = h.order_id;
    dup.at = at;
    dup.message = h.ordered ? "service " + h.service_id + " was already transferred by order " + h.order_id + " (" +
                                  h.batch_path + ", row " + std::to_string(h.row) + ", " + h.external_order_number +
                                  "); not submitted again"
                            : "service " + h.service_id + " is being submitted by " + h.batch_path + " row " +
                                  std::to_string(h.row) + " (" + h.external_order_number +
                                  ", not settled yet); not submitted twice";
    return dup;
}

// Rows a window. Requests stop starting while the next window's intents are made durable (an
// fsync): four rounds of api.concurrency a window make that pause a quarter as frequent as one.
std::size_t submit_window(std::size_t concurrency) { return std::max<std::size_t>(16, 4 * concurrency + 8); }

// What the submit answer says, in the batch log.
void log_submit(BatchLog& log, const std::string& label, const SubmitResult& result)
{
    switch (result.status) {
    case RowStatus::submitted: log.info(label + " " + result.message); break;
    case RowStatus::in_doubt: log.warn(label + " in doubt: " + result.message); break;
    case RowStatus::failed: log.error(label + " FAILED: " + result.message); break;
    default: break;
    }
}

}  // namespace

// Where the submit pass is: rows come from the store a window at a time, their bodies from the
// snapshot read alongside. Repeated external order numbers were marked in the store when the rows
// were read: no set of every number seen (it grew with the batch) is kept here.
struct SubmitCursor {
    RowStream stream;
    std::size_t window;
    std::size_t after = 0;
    bool rows_left = true;
};

// What the progress line shows while the rows are submitted.
struct SubmitProgress {
    std::string file;
    std::size_t todo = 0;
    std::size_t done = 0;
};

asio::awaitable<void> BatchRun::submit()
{
    retried_ = true;   // rows that fail in this pass are this run's try: asked again at the next run
    auto work = services_.reader.work(batch_.id);
    if (!work) co_return stop(BatchOutcome::End::state_error, work.error().message);
    SubmitProgress progress{std::filesystem::path(batch_.path).filename().string(), work->submittable};
    log_->info("submitting " + std::to_string(progress.todo) + " approved rows");
    SubmitCursor cursor{RowStream(batch_.snapshot, batch_.format, options_.columns, options_.limits, options_.sheet,
                                  DuplicateOrders::leave_to_caller),
                        submit_window(services_.budget.available())};
    // The rows in flight: a stop of the batch reaches them through this group (see wait()).
    auto ex = co_await asio::this_coro::executor;
    TaskGroup rows_in_flight(ex);

    auto ready = co_await next_submit_window(cursor);
    while (!ready.empty() && !stopped()) {
        // The next window's claims and intents are made durable while this window's requests go
        // out, so no permit waits for that commit. Each row's intent is still durable before its
        // request is written: a row is sent only from a window whose commit has returned.
        std::deque<SubmitReady> next;
        TaskGroup preparing(ex);
        if (cursor.rows_left)
            preparing.spawn(
                [this, &cursor, &next]() -> asio::awaitable<void> {
                    if (!stopped()) next = co_await next_submit_window(cursor);   // no intents made for nothing
                },
                log_if_row_thrown("preparing the next rows to submit"));
        const std::size_t started = co_await start_submits(ready, rows_in_flight, progress);
        co_await preparing.wait();
        // Stopped between the intents and the requests: what was not sent is plainly pending.
        record_not_sent(ready, started);
        if (stopped()) {
            record_not_sent(next, 0);
            break;
        }
        ready = std::move(next);
    }
    co_await rows_in_flight.wait();
    if (auto f = co_await services_.writer.flush(); !f) stop(BatchOutcome::End::state_error, f.error().message);
}

// Sends the window's rows, each when a permit of api.concurrency is free; returns how many were
// started (fewer when the batch stops).
asio::awaitable<std::size_t> BatchRun::start_submits(std::deque<SubmitReady>& ready, TaskGroup& rows_in_flight,
                                                     SubmitProgress& progress)
{
    std::size_t started = 0;
    for (; started < ready.size(); ++started) {
        auto permit = co_await services_.budget.acquire();   // empty: the batch is stopping
        if (!permit || stopped()) break;
        // The permit lives as long as the row's coroutine: it is captured with the row.
        rows_in_flight.spawn([this, &progress, item = std::move(ready[started]), permit = std::move(permit)]() mutable {
            return submit_row(std::move(item), progress);
        },
                             log_if_row_thrown("submitting a row"));
    }
    co_return started;
}

// Rows whose intent is durable but whose request was never written: plainly pending again.
void BatchRun::record_not_sent(const std::deque<SubmitReady>& rows, std::size_t from)
{
    for (std::size_t i = from; i < rows.size(); ++i)
        services_.writer.write_later(
            [id = batch_.id, r = not_sent(rows[i].row, now_iso())](StateStore& s) { return s.record_submit(id, r); });
}

// The next window: its rows, their bodies from the snapshot, their claims and intents (durable).
asio::awaitable<std::deque<SubmitReady>> BatchRun::next_submit_window(SubmitCursor& c)
{
    std::deque<SubmitReady> out;
    auto rows = services_.reader.rows(batch_.id, RowSet::submittable, c.after, c.window);
    if (!rows) {
        stop(BatchOutcome::End::state_error, rows.error().message);
        co_return out;
    }
    if (rows->size() < c.window) c.rows_left = false;
    if (rows->empty()) co_return out;
    c.after = rows->back().row;
    for (auto& r : *rows) {
        while (auto parsed = c.stream.next()) {
            if (parsed->row.row < r.row) continue;
            if (parsed->row.row == r.row)
                out.push_back({std::move(r), order_request_body(parsed->row)});
            break;
        }
    }
    co_return co_await claim_and_intend(std::move(out));
}

// One durable transaction claims every row's service and records its intent; the rows whose
// service another row holds are recorded as duplicates (loosely) and left out.
asio::awaitable<std::deque<SubmitReady>> BatchRun::claim_and_intend(std::deque<SubmitReady> out)
{
    const std::string at = now_iso();
    std::vector<ClaimResult> claims(out.size());
    StoreWriter::Job intend = [&](StateStore& s) -> Result<void> {
        for (std::size_t i = 0; i < out.size(); ++i) {
            auto c = s.claim_and_intend(batch_.id, out[i].row, at);
            if (!c) return c.error();
            claims[i] = std::move(*c);
        }
        return {};
    };
    auto w = co_await services_.writer.write(std::move(intend));
    if (!w) {
        stop(BatchOutcome::End::state_error, "cannot record the intent to submit: " + w.error().message);
        co_return std::deque<SubmitReady>{};
    }
    std::deque<SubmitReady> granted;
    for (std::size_t i = 0; i < out.size(); ++i) {
        if (claims[i].granted) {
            out[i].row.intent_at = at;
            granted.push_back(std::move(out[i]));
            continue;
        }
        SubmitResult dup = duplicate_of(out[i].row, *claims[i].holder, at);
        log_->warn(label(out[i].row) + " not submitted: " + dup.message);
        services_.writer.write_later([id = batch_.id, dup](StateStore& s) { return s.record_submit(id, dup); });
    }
    co_return granted;
}

// One row's request and its answer, recorded loosely (a lost outcome is found by the look-up).
asio::awaitable<void> BatchRun::submit_row(SubmitReady item, SubmitProgress& progress)
{
    auto answer = co_await services_.client.submit_order(std::move(item.body));
    // The API down for api.outage_limit: like a stop, the row resumes at the next run.
    if (answer.api_down) stop(BatchOutcome::End::api_unavailable, answer.message);
    const bool stopping = co_await coroutine_stop_asked();
    auto result = submit_result(item.row, answer, stopping || answer.api_down, now_iso());
    log_submit(*log_, label(item.row), result);
    services_.writer.write_later(
        [id = batch_.id, result = std::move(result)](StateStore& s) { return s.record_submit(id, result); });
    if (services_.progress) services_.progress({progress.file, "submitting", ++progress.done, progress.todo});
}

asio::awaitable<void> BatchRun::look_up()
{
    ++lookups_;
    auto rows = services_.reader.rows(batch_.id, RowSet::unresolved, 0, 100'000);
    if (!rows) co_return stop(BatchOutcome::End::state_error, rows.error().message);
    if (rows->empty()) co_return;
    // The server may still be working on a request we stopped waiting for: wait out the delay
    // from the latest intent (an intent from an earlier run has usually waited long enough).
    std::string latest;
    for (const auto& r : *rows) latest = std::max(latest, r.intent_at);
    auto intent = parse_iso8601(latest.substr(0, 19) + "Z");
    auto due = (intent ? std::chrono::system_clock::time_point(*intent) : std::chrono::system_clock::now()) +
               services_.client.reconcile_delay();
    auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(due - std::chrono::system_clock::now());
    wait = std::clamp(wait, std::chrono::milliseconds(0), services_.client.reconcile_delay());
    if (wait.count() > 0) {
        log_->info(std::to_string(rows->size()) + " submits unanswered; looking them up in " +
                   std::to_string((wait.count() + 999) / 1000) + " s");
        if (!co_await cancellable_sleep(wait)) co_return;   // stopped: looked up at the next run
    }
    std::vector<ReconcileTarget> targets;
    for (const auto& r : *rows) {
        std::string since = r.intent_at.empty() ? now_iso() : r.intent_at.substr(0, 19) + "Z";
        targets.push_back({r.external_order_number, r.service_id, r.service_number,
                           r.confirmation.service_number, since});
    }
    log_->info("looking up " + std::to_string(targets.size()) + " orders in doubt (GET /orders)");
    Reconciler rec(targets);
    while (!rec.finished() && !stopped()) {
        auto permit = co_await services_.budget.acquire();   // look-ups count in api.concurrency too
        if (!permit) break;                                  // stopping: looked up at the next run
        auto page = co_await services_.client.get(rec.next_target());
        if (page.api_down) stop(BatchOutcome::End::api_unavailable, page.message);   // looked up at the next run
        else if (page.ok()) rec.feed_page(page.body);
        else rec.feed_failure(page.kind == ApiResponse::Kind::answered ? describe_api_error(page.status, page.body)
                                                                      : page.message);
    }
    if (!rec.finished()) co_return;   // stopped: looked up again at the next run
    std::vector<SubmitResult> results;
    for (std::size_t k = 0; k < rows->size(); ++k) {
        const auto& r = (*rows)[k];
        auto result = lookup_result(r, rec.answer_at(k), now_iso());
        if (result.status == RowStatus::submitted) log_->info(label(r) + " " + result.message);
        else if (result.status == RowStatus::pending)
            log_->info(label(r) + ": no order found after an unanswered submit; it is submitted again");
        else log_->error(label(r) + " " + result.message);
        results.push_back(std::move(result));
    }
    StoreWriter::Job record = [id = batch_.id, &results, &rows](StateStore& s) -> Result<void> {
        for (std::size_t k = 0; k < results.size(); ++k) {
            if (auto r = s.record_submit(id, results[k]); !r) return r;
            const char* event = results[k].status == RowStatus::submitted ? "found by lookup"
                                : results[k].status == RowStatus::pending ? "not found by lookup: sent again"
                                                                          : "lookup failed";
            if (auto e = s.add_row_event(id, (*rows)[k].row, results[k].at, event, results[k].order_id); !e) return e;
        }
        return {};
    };
    auto w = co_await services_.writer.write(std::move(record));
    if (!w) stop(BatchOutcome::End::state_error, w.error().message);
}

}  // namespace xferd
