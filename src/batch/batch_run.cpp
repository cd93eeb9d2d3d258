// The batch driver: the loop over core/batch_flow's next step, and the small steps (decide,
// retry, finish). The passes that talk to the API and the reports live in files of their own.
#include "batch_run_state.hpp"

#include "xferd/batch/process_log.hpp"
#include "xferd/core/policy.hpp"
#include "xferd/core/reconcile.hpp"

#include <chrono>

namespace xferd {

namespace {

constexpr std::size_t pass_chunk_rows = 1000;

// The counters that must move when a step did its work (else the loop would spin).
auto progress_key(const BatchFacts& f)
{
    return std::make_tuple(f.stage, f.needs_confirm, f.undecided, f.submittable, f.unresolved, f.retryable,
                           f.not_final, f.confirmation_written, f.results_written, f.lookups_this_run,
                           f.retried_this_run, f.awaiting_operator);
}

}  // namespace

std::string now_iso()
{
    auto now = std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
    auto secs = std::chrono::floor<std::chrono::seconds>(now);
    std::string s = format_iso8601(secs);   // …:SSZ
    char ms[8];
    std::snprintf(ms, sizeof ms, ".%03d", static_cast<int>((now - secs).count()));
    s.insert(s.size() - 1, ms);
    return s;
}

BatchRun::BatchRun(BatchServices& services, BatchInfo batch, BatchOptions options)
    : services_(services), batch_(std::move(batch)), options_(std::move(options)), out_(output_paths_for(batch_.path))
{
    // A batch keeps the approval mode it was taken in: a config changed from manual to auto
    // must not submit what waits for an operator.
    if (auto mode = parse_approval_mode(batch_.mode)) options_.approval.mode = *mode;
}

std::string BatchRun::label(const RowRecord& r) const
{
    return "row " + std::to_string(r.row) + " (" + r.external_order_number + ")";
}

void BatchRun::stop(BatchOutcome::End end, std::string message)
{
    if (!stop_) stop_ = StopReason{end, std::move(message)};
}

void BatchRun::check_writer()
{
    if (auto f = services_.writer.failure())
        stop(BatchOutcome::End::state_error, "cannot write the state store, the batch stopped to stay safe: " +
                                                 f->message);
}

std::function<void(std::exception_ptr)> BatchRun::log_if_row_thrown(std::string doing)
{
    return [this, doing = std::move(doing)](std::exception_ptr e) {
        if (!e) return;
        try {
            std::rethrow_exception(e);
        } catch (const std::exception& x) {
            log_->error("internal error while " + doing + ": " + x.what());
        }
    };
}

Result<BatchFacts> BatchRun::facts()
{
    auto w = services_.reader.work(batch_.id);
    if (!w) return w.error();
    BatchFacts f;
    f.stage = batch_.stage;
    f.manual = manual();
    f.dry_run = dry_run();
    f.gate_hold = batch_.gate_hold;
    f.rows = w->counts.rows;
    f.needs_confirm = w->needs_confirm;
    f.undecided = w->undecided;
    f.submittable = w->submittable;
    f.awaiting_operator = w->awaiting_operator;
    f.unresolved = w->unresolved;
    f.retryable = w->retryable;
    f.not_final = w->not_final;
    f.confirmation_written = !batch_.confirmation_written_at.empty();
    f.results_written = !batch_.results_written_at.empty();
    f.lookups_this_run = lookups_;
    f.retried_this_run = retried_;
    return f;
}

asio::awaitable<void> BatchRun::save_batch()
{
    batch_.updated_at = now_iso();
    BatchInfo copy = batch_;
    StoreWriter::Job job = [copy](StateStore& s) { return s.update_batch(copy); };
    auto r = co_await services_.writer.write(std::move(job));
    if (!r) stop(BatchOutcome::End::state_error, "cannot write the state store: " + r.error().message);
}

asio::awaitable<void> BatchRun::decide()
{
    std::size_t after = 0, rejected = 0;
    for (;;) {
        auto rows = services_.reader.rows(batch_.id, RowSet::undecided, after, pass_chunk_rows);
        if (!rows) co_return stop(BatchOutcome::End::state_error, rows.error().message);
        if (rows->empty()) break;
        for (auto& r : *rows) {
            auto d = xferd::decide(r, options_.approval);
            r.decision = d.decision;
            r.reason = d.reason;
            // Auto mode clears an approved row for submitting; manual mode leaves that to the operator.
            r.operator_verdict = d.decision == Decision::approved && !manual() ? OperatorVerdict::approved
                                                                               : OperatorVerdict::none;
            if (d.decision == Decision::rejected && ++rejected <= 50) log_->warn(label(r) + " rejected: " + d.reason);
        }
        after = rows->back().row;
        // Written before the next chunk is read: memory holds one chunk, not the batch. (The job
        // is a named variable: GCC 12 destroys a lambda temporary inside co_await twice.)
        StoreWriter::Job record = [id = batch_.id, rows = std::move(*rows)](StateStore& s) {
            return s.update_decisions(id, rows);
        };
        auto w = co_await services_.writer.write(std::move(record));
        if (!w) co_return stop(BatchOutcome::End::state_error, w.error().message);
    }
    if (rejected > 50) log_->warn(std::to_string(rejected - 50) + " more rows rejected (see the confirmation report)");
    if (auto f = co_await services_.writer.flush(); !f)
        co_return stop(BatchOutcome::End::state_error, f.error().message);
    auto w = services_.reader.work(batch_.id);
    if (!w) co_return stop(BatchOutcome::End::state_error, w.error().message);
    if (batch_.confirmed_at.empty()) {
        // The gate looks at the batch as first confirmed; rows retried later do not reopen it.
        auto gate = batch_gate(w->counts.rows, w->counts.invalid + w->counts.rejected,
                               options_.approval.max_reject_ratio);
        batch_.gate_hold = gate.hold;
        batch_.gate_message = gate.message;
        batch_.confirmed_at = now_iso();
        if (gate.hold) log_->error("batch held: " + gate.message);
    }
    const auto& c = w->counts;
    log_->info("decided: " + std::to_string(c.approved) + " approved, " + std::to_string(c.rejected) + " rejected, " +
               std::to_string(c.invalid) + " invalid");
    if (batch_.gate_hold) batch_.stage = BatchStage::held;
    else if (manual() && w->awaiting_operator > 0) batch_.stage = BatchStage::awaiting_approval;
    else batch_.stage = BatchStage::submitting;
    batch_.confirmation_written_at.clear();   // the reports show the new decisions
    batch_.results_written_at.clear();
    co_await save_batch();
}

asio::awaitable<void> BatchRun::retry()
{
    std::size_t after = 0, n = 0;
    for (;;) {
        auto rows = services_.reader.rows(batch_.id, RowSet::retryable, after, pass_chunk_rows);
        if (!rows) co_return stop(BatchOutcome::End::state_error, rows.error().message);
        if (rows->empty()) break;
        for (auto& r : *rows) {
            if (r.confirm_state == ConfirmState::failed) r.confirm_state = ConfirmState::pending;
            r.status = RowStatus::pending;
            r.retry = false;
            r.message.clear();
        }
        n += rows->size();
        after = rows->back().row;
        StoreWriter::Job reset = [id = batch_.id, rows = std::move(*rows)](StateStore& s) {
            return s.update_rows(id, rows);
        };
        auto w = co_await services_.writer.write(std::move(reset));   // one chunk in memory at a time
        if (!w) co_return stop(BatchOutcome::End::state_error, w.error().message);
    }
    retried_ = true;
    log_->info("asking again for " + std::to_string(n) + " rows that failed for a transient reason");
    if (batch_.stage == BatchStage::incomplete) batch_.stage = BatchStage::submitting;   // else: it resumes where it was
    co_await save_batch();
}

std::string BatchRun::not_submitted_reason(const RowRecord& r) const
{
    if (r.decision != Decision::approved) return r.reason.empty() ? "not submitted" : r.reason;
    if (batch_.gate_hold) return "batch held: " + batch_.gate_message;
    if (dry_run()) return "dry-run: approved, not submitted";
    if (r.operator_verdict == OperatorVerdict::not_approved) return "eligible, but not approved by the operator";
    return "not submitted";
}

asio::awaitable<void> BatchRun::finish()
{
    std::size_t after = 0;
    for (;;) {
        auto rows = services_.reader.rows(batch_.id, RowSet::not_final, after, pass_chunk_rows);
        if (!rows) co_return stop(BatchOutcome::End::state_error, rows.error().message);
        if (rows->empty()) break;
        std::vector<SubmitResult> results;
        for (const auto& r : *rows) {
            SubmitResult s;
            s.row = r.row;
            s.at = now_iso();
            if (r.status == RowStatus::submitting) {
                s.status = RowStatus::in_doubt;
                s.message = "IN DOUBT: the submit was not answered and no lookup has settled it yet; xferd looks "
                            "it up again at its next run (check MobProc for external order number " +
                            r.external_order_number + " before resubmitting by hand)";
                log_->error(label(r) + " " + s.message);
            } else {
                s.status = RowStatus::not_submitted;
                s.message = not_submitted_reason(r);
            }
            results.push_back(std::move(s));
        }
        after = rows->back().row;
        StoreWriter::Job record = [id = batch_.id, results = std::move(results)](StateStore& s) -> Result<void> {
            for (const auto& r : results)
                if (auto w = s.record_submit(id, r); !w) return w;
            return {};
        };
        auto w = co_await services_.writer.write(std::move(record));   // one chunk in memory at a time
        if (!w) co_return stop(BatchOutcome::End::state_error, w.error().message);
    }
    if (auto f = co_await services_.writer.flush(); !f)
        co_return stop(BatchOutcome::End::state_error, f.error().message);
    auto w = services_.reader.work(batch_.id);
    if (!w) co_return stop(BatchOutcome::End::state_error, w.error().message);
    batch_.stage = stage_after_finish(w->counts.in_doubt, w->retryable, batch_.gate_hold);
    if (!is_unfinished(batch_.stage)) batch_.finished_at = now_iso();
    batch_.results_written_at.clear();
    co_await save_batch();
}

asio::awaitable<BatchOutcome> BatchRun::run()
{
    cancel_ = co_await asio::this_coro::cancellation_state;
    const bool resuming = batch_.stage != BatchStage::validating;
    log_ = std::make_unique<BatchLog>(out_.log, resuming);
    if (!log_->open_error().empty()) log_error(batch_.path + ": the batch log: " + log_->open_error());
    log_->info(std::string(resuming ? "resuming " : "processing ") + batch_.path + " (content sha256 " +
               batch_.sha256 + ", approval mode " + to_string(options_.approval.mode) + ", stage " +
               std::string(describe(batch_.stage)) + ")");
    std::optional<decltype(progress_key(BatchFacts{}))> last;
    bool waiting = false;
    for (;;) {
        check_writer();
        if (stopped()) break;
        auto f = facts();
        if (!f) {
            stop(BatchOutcome::End::state_error, f.error().message);
            break;
        }
        const BatchStep step = next_batch_step(*f);
        if (step == BatchStep::end) break;
        if (step == BatchStep::wait_for_approval) {
            waiting = true;
            break;
        }
        if (last && *last == progress_key(*f)) {
            stop(BatchOutcome::End::state_error, "internal error: the step '" + std::string(to_string(step)) +
                                                     "' made no progress; the batch stopped");
            break;
        }
        last = progress_key(*f);
        switch (step) {
        case BatchStep::validate: co_await validate(); break;
        case BatchStep::retry: co_await retry(); break;
        case BatchStep::confirm: co_await confirm(); break;
        case BatchStep::decide: co_await decide(); break;
        case BatchStep::write_confirmation: co_await write_confirmation(); break;
        case BatchStep::look_up: co_await look_up(); break;
        case BatchStep::submit: co_await submit(); break;
        case BatchStep::finish: co_await finish(); break;
        case BatchStep::write_results: co_await write_results(); break;
        case BatchStep::wait_for_approval:
        case BatchStep::end: break;
        }
    }
    // What was written loosely is made durable before the outcome is told.
    if (auto f = co_await services_.writer.flush(); !f)
        stop(BatchOutcome::End::state_error, "cannot write the state store: " + f.error().message);
    // A call a stop cut short reads as the API unavailable: the stop is the reason.
    if (stop_asked() && (!stop_ || stop_->end == BatchOutcome::End::api_unavailable))
        stop_ = StopReason{BatchOutcome::End::interrupted, "stopped; the batch resumes at the next run"};
    if (stop_) co_return outcome(stop_->end);
    if (waiting) co_return outcome(BatchOutcome::End::waiting_for_approval);
    switch (batch_.stage) {
    case BatchStage::rejected: co_return outcome(BatchOutcome::End::rejected);
    case BatchStage::held: co_return outcome(BatchOutcome::End::held);
    default: co_return outcome(BatchOutcome::End::finished);
    }
}

asio::awaitable<BatchOutcome> run_batch(BatchServices& services, BatchId id, BatchOptions options)
{
    auto batch = services.reader.batch(id);
    if (!batch || !*batch) {
        BatchOutcome o;
        o.end = BatchOutcome::End::state_error;
        o.message = batch ? "no batch " + std::to_string(id) + " in the state store" : batch.error().message;
        co_return o;
    }
    BatchRun run(services, std::move(**batch), std::move(options));
    co_return co_await run.run();
}

}  // namespace xferd
