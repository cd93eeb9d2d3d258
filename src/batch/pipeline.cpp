#include "xferd/batch/pipeline.hpp"

#include "xferd/store/batch_snapshot.hpp"
#include "xferd/store/journal.hpp"
#include "xferd/store/ledger.hpp"
#include "xferd/batch/process_log.hpp"
#include "xferd/batch/report.hpp"
#include "xferd/batch/row_stream.hpp"
#include "xferd/core/batch_reader.hpp"
#include "xferd/core/order.hpp"
#include "xferd/core/policy.hpp"
#include "xferd/core/reconcile.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <chrono>
#include <ctime>
#include <map>

namespace xferd {

namespace fs = std::filesystem;

BatchCounts count_rows(const std::vector<RowRecord>& rows)
{
    BatchCounts c;
    c.rows = rows.size();
    for (const auto& r : rows) {
        switch (r.decision) {
        case Decision::approved: ++c.approved; break;
        case Decision::rejected: ++c.rejected; break;
        case Decision::invalid: ++c.invalid; break;
        case Decision::pending: break;
        }
        switch (r.status) {
        case RowStatus::submitted: ++c.submitted; break;
        case RowStatus::not_submitted: ++c.not_submitted; break;
        case RowStatus::failed: ++c.failed; break;
        case RowStatus::in_doubt: ++c.in_doubt; break;
        case RowStatus::duplicate: ++c.duplicate; break;
        case RowStatus::pending: break;
        }
    }
    return c;
}

bool BatchOutcome::needs_attention() const
{
    return file_rejected || held_by_gate || api_unreachable || counts.failed > 0 || counts.in_doubt > 0;
}

std::string BatchOutcome::summary() const
{
    std::string name = input.filename().string();
    if (file_rejected) return name + ": REJECTED FILE: " + message;
    if (duplicate_batch || already_processed || api_unreachable || interrupted)
        return name + ": not processed: " + message;
    const auto& c = counts;
    std::string s = name + ": " + std::to_string(c.rows) + " rows, " + std::to_string(c.approved) + " approved, " +
                    std::to_string(c.rejected) + " rejected, " + std::to_string(c.invalid) + " invalid; " +
                    std::to_string(c.submitted) + " submitted";
    if (c.duplicate) s += ", " + std::to_string(c.duplicate) + " DUPLICATE";
    if (c.failed) s += ", " + std::to_string(c.failed) + " FAILED";
    if (c.in_doubt) s += ", " + std::to_string(c.in_doubt) + " IN DOUBT";
    if (held_by_gate) s += " (HELD: " + message + ")";
    if (waiting_for_approval) s += " (waiting for operator approval)";
    if (!results_csv.empty()) s += " -> " + results_csv.string();
    return s;
}

namespace {

// A journal write that failed: the batch stops at once, since nothing may be done that the
// journal cannot remember.
struct JournalFailure : std::runtime_error {
    using std::runtime_error::runtime_error;
};

void durable(const Result<void>& r)
{
    if (!r) throw JournalFailure(r.error().message);
}

// Confirmed records may be lost in a crash (the row is simply confirmed again), so they are
// written in groups, one fsync each; everything that precedes an action is written at once.
class JournalBuffer {
public:
    explicit JournalBuffer(Journal& j) : journal_(j) {}
    void add(JournalRecord r) { pending_.push_back(std::move(r)); }
    void flush_if_full()
    {
        if (pending_.size() >= 256) flush();
    }
    void flush()
    {
        if (pending_.empty() || failed_) return;
        auto r = journal_.append_many(pending_);
        pending_.clear();
        if (!r) failed_ = r.error().message;
    }
    void discard() { pending_.clear(); }
    void check() const
    {
        if (failed_) throw JournalFailure(*failed_);
    }

private:
    Journal& journal_;
    std::vector<JournalRecord> pending_;
    std::optional<std::string> failed_;
};

// Runs `task` as its own coroutine; `tasks` counts it until it ends (even by an exception,
// which is logged: a bug must not take the batch down with it).
template <class Task>
void spawn_counted(asio::any_io_executor ex, TaskCounter& tasks, Task task)
{
    tasks.add();
    asio::co_spawn(ex, std::move(task), [&tasks](std::exception_ptr e) {
        if (e) {
            try {
                std::rethrow_exception(e);
            } catch (const std::exception& x) {
                log_error(std::string("internal error in a row task: ") + x.what());
            }
        }
        tasks.done();
    });
}

asio::awaitable<void> sleep_for(std::chrono::milliseconds d)
{
    asio::steady_timer timer(co_await asio::this_coro::executor, d);
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
}

journal::Validated validated_record(const ParsedRow& parsed)
{
    const auto& row = parsed.row;
    return {row.row,           row.external_order_number, row.service_id, row.service_number, row.employee_email,
            row.employee_id,   parsed.valid(),            parsed.valid() ? std::string() : parsed.error_text()};
}

bool needs_confirm(const RowRecord& r)
{
    return r.decision != Decision::invalid && r.status == RowStatus::pending && !r.confirmation.confirmed &&
           r.confirmation.error.empty();
}

// What a confirm answer means for the row; journals it (buffered).
void apply_confirm_answer(RowRecord& rec, const ApiResponse& answer, JournalBuffer& journal)
{
    if (answer.ok()) {
        boost::system::error_code ec;
        auto body = boost::json::parse(answer.body, ec);
        if (ec) rec.confirmation.error = "the confirmation answer is not JSON";
        else rec.confirmation = summarize_confirmation(body);
    } else if (answer.kind == ApiResponse::Kind::answered) {
        rec.confirmation.error = describe_api_error(answer.status, answer.body);
    } else {
        rec.confirmation.error = "confirm call failed: " + answer.message;
    }
    journal.add(journal::Confirmed{rec.row, rec.confirmation});
    if (answer.kind != ApiResponse::Kind::answered) {
        rec.status = RowStatus::failed;  // not the row's fault: the API could not be asked
        rec.message = rec.confirmation.error;
        journal.add(journal::Failed{rec.row, rec.message});
    }
}

std::string now_iso() { return format_iso8601(std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now())); }

struct RowIndex {
    std::map<std::size_t, std::size_t> by_row;  // row number → index in rows
    std::size_t* find(std::size_t row)
    {
        auto it = by_row.find(row);
        return it == by_row.end() ? nullptr : &it->second;
    }
};

RowIndex index_rows(const std::vector<RowRecord>& rows)
{
    RowIndex ix;
    for (std::size_t i = 0; i < rows.size(); ++i) ix.by_row[rows[i].row] = i;
    return ix;
}

// One batch's run: the state every pass shares.
class BatchRun {
public:
    BatchRun(BatchContext ctx, fs::path input, BatchOptions options, BatchLog& log, Journal& journal,
             BatchSnapshot snap, asio::any_io_executor ex)
        : ctx_(ctx),
          input_(std::move(input)),
          options_(std::move(options)),
          log_(log),
          journal_(journal),
          snap_(std::move(snap)),
          ex_(std::move(ex)),
          format_(format_for_path(input_)),
          out_(output_paths_for(input_))
    {
    }

    asio::awaitable<BatchOutcome> run();

private:
    bool validate();                       // pass 1; false: the file is rejected
    asio::awaitable<bool> confirm();       // pass 2; false: stop here (see outcome_)
    void decide_and_report();
    asio::awaitable<void> submit_pending(const std::string& hold_reason);
    asio::awaitable<void> reconcile(const std::vector<std::size_t>& indexes);
    asio::awaitable<void> submit_one(std::size_t i, std::string body);
    void finish_rows(const std::string& hold_reason);
    void reload()
    {
        rows_ = journal_.state().rows;
        index_ = index_rows(rows_);
    }
    [[nodiscard]] bool stopping() const { return ctx_.client.stopping(); }
    ServiceOwner owner_of(const RowRecord& r) const { return {snap_.sha256, r.row, r.external_order_number}; }
    std::string row_label(const RowRecord& r) const
    {
        return "row " + std::to_string(r.row) + " (" + r.external_order_number + ")";
    }

    BatchContext ctx_;
    fs::path input_;
    BatchOptions options_;
    BatchLog& log_;
    Journal& journal_;
    BatchSnapshot snap_;
    asio::any_io_executor ex_;
    BatchFormat format_;
    OutputPaths out_;
    std::vector<RowRecord> rows_;
    RowIndex index_;
    BatchOutcome outcome_;
};

bool BatchRun::validate()
{
    RowStream stream(snap_.path, format_, options_.columns, options_.limits);
    std::vector<JournalRecord> records;
    while (auto parsed = stream.next()) records.push_back(validated_record(*parsed));
    if (stream.error()) {
        const auto& e = *stream.error();
        std::string where;
        if (e.line) where = "line " + std::to_string(*e.line) + ": ";
        else if (e.byte_offset) where = "byte " + std::to_string(*e.byte_offset) + ": ";
        outcome_.file_rejected = true;
        outcome_.message = where + e.message;
        return false;
    }
    if (!stream.ignored_columns().empty()) {
        std::string cols;
        for (const auto& c : stream.ignored_columns()) cols += (cols.empty() ? "" : ", ") + c;
        log_.info("ignored columns (not used by xferd): " + cols);
    }
    for (std::size_t from = 0; from < records.size(); from += 1024) {
        auto n = std::min<std::size_t>(1024, records.size() - from);
        durable(journal_.append_many(std::span<const JournalRecord>(records).subspan(from, n)));
    }
    durable(journal_.append(journal::Phase{BatchPhase::validated, now_iso()}));
    return true;
}

asio::awaitable<bool> BatchRun::confirm()
{
    std::size_t todo = 0;
    for (const auto& r : rows_) todo += needs_confirm(r);
    if (todo > 0) {
        auto auth = co_await ctx_.client.authenticate();
        if (!auth) {
            outcome_.api_unreachable = true;
            outcome_.message = auth.error().message + "; the batch is left for the next run";
            co_return false;
        }
        log_.info("confirming " + std::to_string(todo) + " rows");
        JournalBuffer buffer(journal_);
        TaskCounter tasks(ex_);
        RowStream stream(snap_.path, format_, options_.columns, options_.limits);
        while (auto parsed = stream.next()) {
            auto* i = index_.find(parsed->row.row);
            if (!i || !needs_confirm(rows_[*i])) continue;
            co_await ctx_.budget.acquire();
            if (stopping()) {
                ctx_.budget.release();
                break;
            }
            std::string body = boost::json::serialize(make_order_request(parsed->row));
            spawn_counted(ex_, tasks, [this, &buffer, i = *i, body = std::move(body)]() mutable -> asio::awaitable<void> {
                SemaphorePermit permit(ctx_.budget);
                auto answer = co_await ctx_.client.confirm_order(std::move(body));
                if (stopping() && answer.kind == ApiResponse::Kind::failed) co_return;  // asked again on resume
                apply_confirm_answer(rows_[i], answer, buffer);
                if (ctx_.client.api_reached()) buffer.flush_if_full();
            });
        }
        co_await tasks.wait();
        if (!ctx_.client.api_reached()) {
            buffer.discard();
            outcome_.api_unreachable = true;
            outcome_.message = "the API could not be reached; the batch is left for the next run";
            co_return false;
        }
        buffer.flush();
        buffer.check();
        if (stopping()) {
            outcome_.interrupted = true;
            outcome_.message = "stopped while confirming; the batch resumes at the next start";
            co_return false;
        }
    }
    durable(journal_.append(journal::Phase{BatchPhase::confirmed, now_iso()}));
    co_return true;
}

void BatchRun::decide_and_report()
{
    std::vector<JournalRecord> records;
    for (auto& r : rows_) {
        auto d = decide(r, options_.approval);
        r.decision = d.decision;
        r.reason = d.reason;
        records.push_back(journal::Decided{r.row, d.decision, d.reason});
    }
    GateVerdict gate = batch_gate(rows_, options_.approval.max_reject_ratio);
    records.push_back(journal::Gate{gate.hold, gate.message});
    records.push_back(journal::Phase{BatchPhase::decided, now_iso()});
    durable(journal_.append_many(records));
    for (const auto& r : rows_)
        if (r.decision == Decision::rejected) log_.warn(row_label(r) + " rejected: " + r.reason);

    BatchSummary summary{input_.filename().string(), snap_.sha256, to_string(options_.approval.mode), gate.message};
    for (const auto& [path, content] : {std::pair{out_.confirmation_csv, render_confirmation_csv(rows_)},
                                        std::pair{out_.confirmation_html, render_confirmation_html(summary, rows_)}}) {
        auto w = write_report_atomically(path, content);
        if (!w) log_.error(w.error().message);
    }
    BatchCounts c = count_rows(rows_);
    log_.info("confirmation report written: " + std::to_string(c.approved) + " approved, " +
              std::to_string(c.rejected) + " rejected, " + std::to_string(c.invalid) + " invalid");
    durable(journal_.append(journal::Phase{BatchPhase::reported, now_iso()}));
}

asio::awaitable<void> BatchRun::submit_one(std::size_t i, std::string body)
{
    SemaphorePermit permit(ctx_.budget);
    RowRecord& rec = rows_[i];
    auto answer = co_await ctx_.client.submit_order(std::move(body));
    std::optional<SubmittedOrder> order;
    if (answer.ok()) {
        boost::system::error_code ec;
        auto doc = boost::json::parse(answer.body, ec);
        if (!ec) order = parse_order(doc);
    }
    if (order) {
        rec.status = RowStatus::submitted;
        rec.order_id = order->order_id;
        rec.message = "order " + order->order_id + " placed (" + order->status + ")";
        durable(journal_.append(journal::Submitted{rec.row, rec.order_id, rec.message}));
        auto l = ctx_.ledger.record_order({rec.service_id, rec.order_id, owner_of(rec), now_iso()});
        if (!l) log_.error("ledger: " + l.error().message);
        log_.info(row_label(rec) + " " + rec.message);
        co_return;
    }
    if (answer.ok() || answer.kind == ApiResponse::Kind::in_doubt) {
        // Maybe placed: never resend blindly; it is looked up (GET /orders) before anything else.
        rec.status = RowStatus::in_doubt;
        rec.message = answer.ok() ? "the API accepted the submit but its answer holds no orderId" : answer.message;
        durable(journal_.append(journal::InDoubt{rec.row, rec.message}));
        log_.warn(row_label(rec) + " in doubt: " + rec.message);
        co_return;
    }
    if (answer.kind == ApiResponse::Kind::failed && stopping()) {
        // Stopped while waiting out an outage: provably not placed; the next start submits it.
        co_return;
    }
    rec.status = RowStatus::failed;
    rec.message = answer.kind == ApiResponse::Kind::answered
                      ? "submit refused: " + describe_api_error(answer.status, answer.body)
                      : "not submitted: " + answer.message;
    durable(journal_.append(journal::Failed{rec.row, rec.message}));
    auto l = ctx_.ledger.release_service(rec.service_id, owner_of(rec), now_iso());
    if (!l) log_.error("ledger: " + l.error().message);
    log_.error(row_label(rec) + " FAILED: " + rec.message);
}

asio::awaitable<void> BatchRun::submit_pending(const std::string& hold_reason)
{
    if (!hold_reason.empty()) co_return;
    TaskCounter tasks(ex_);
    std::optional<std::string> failure;
    RowStream stream(snap_.path, format_, options_.columns, options_.limits);
    while (auto parsed = stream.next()) {
        auto* i = index_.find(parsed->row.row);
        if (!i) continue;
        RowRecord& rec = rows_[*i];
        if (rec.decision != Decision::approved || rec.status != RowStatus::pending) continue;
        if (options_.operator_approved && !options_.operator_approved->count(rec.external_order_number)) continue;
        co_await ctx_.budget.acquire();
        if (stopping()) {
            ctx_.budget.release();
            break;
        }
        // The cross-batch guard: one XFER_SERVICE_OUT per service, ever.
        auto claim = ctx_.ledger.claim_service(rec.service_id, owner_of(rec), now_iso());
        if (!claim) {
            ctx_.budget.release();
            throw JournalFailure("ledger: " + claim.error().message);
        }
        if (claim->kind != ClaimResult::Kind::granted) {
            ctx_.budget.release();
            rec.status = RowStatus::duplicate;
            rec.order_id = claim->order ? claim->order->order_id : "";
            rec.message = claim->message;
            durable(journal_.append(journal::Duplicate{rec.row, rec.order_id, rec.message}));
            log_.warn(row_label(rec) + " not submitted: " + rec.message);
            continue;
        }
        // The intent is on disk before the request leaves: a crash from here on is reconciled.
        durable(journal_.append(journal::Submitting{rec.row, now_iso()}));
        spawn_counted(ex_, tasks,
                      [this, &failure, i = *i,
                       body = boost::json::serialize(make_order_request(parsed->row))]() mutable -> asio::awaitable<void> {
                          try {
                              co_await submit_one(i, std::move(body));
                          } catch (const JournalFailure& e) {
                              failure = e.what();
                          }
                      });
    }
    co_await tasks.wait();
    if (failure) throw JournalFailure(*failure);
}

asio::awaitable<void> BatchRun::reconcile(const std::vector<std::size_t>& indexes)
{
    if (indexes.empty()) co_return;
    std::vector<ReconcileTarget> targets;
    auto state = journal_.state();
    for (auto i : indexes) {
        const auto& r = rows_[i];
        std::string since;
        if (auto it = state.needs_reconciliation.find(r.row); it != state.needs_reconciliation.end()) since = it->second.first_at;
        else if (auto jt = state.in_doubt.find(r.row); jt != state.in_doubt.end()) since = jt->second.first_at;
        else since = now_iso();
        targets.push_back({r.external_order_number, r.service_id, r.service_number, r.confirmation.service_number, since});
    }
    log_.info("looking up " + std::to_string(targets.size()) + " orders in doubt (GET /orders)");
    Reconciler rec(targets);
    while (!rec.finished()) {
        auto page = co_await ctx_.client.get(rec.next_target());
        if (page.ok()) rec.feed_page(page.body);
        else rec.feed_failure(page.kind == ApiResponse::Kind::answered ? describe_api_error(page.status, page.body)
                                                                      : page.message);
    }
    for (std::size_t k = 0; k < indexes.size(); ++k) {
        RowRecord& r = rows_[indexes[k]];
        auto a = rec.answer_at(k);
        switch (a.kind) {
        case ReconcileAnswer::Kind::found: {
            r.status = RowStatus::submitted;
            r.order_id = a.order_id;
            r.message = "order " + a.order_id + " placed (found by lookup after an unanswered submit)";
            durable(journal_.append(journal::Submitted{r.row, r.order_id, r.message}));
            auto l = ctx_.ledger.record_order({r.service_id, r.order_id, owner_of(r), now_iso()});
            if (!l) log_.error("ledger: " + l.error().message);
            log_.info(row_label(r) + " " + r.message);
            break;
        }
        case ReconcileAnswer::Kind::absent:
            r.status = RowStatus::pending;  // provably not placed: submitted again
            log_.info(row_label(r) + ": no order found after an unanswered submit; it is submitted again");
            break;
        case ReconcileAnswer::Kind::impossible:
        case ReconcileAnswer::Kind::keep_paging:
            r.status = RowStatus::in_doubt;
            r.message = "IN DOUBT: the submit may or may not have been placed and the lookup failed (" + a.reason +
                        "); check MobProc for external order number " + r.external_order_number +
                        " before resubmitting. xferd looks again on its next run.";
            durable(journal_.append(journal::InDoubt{r.row, r.message}));
            log_.error(row_label(r) + " " + r.message);
            break;
        }
    }
}

void BatchRun::finish_rows(const std::string& hold_reason)
{
    // A held or dry-run batch journals nothing more: it starts afresh when dropped again.
    const bool journaled = hold_reason.empty();
    std::vector<JournalRecord> records;
    for (auto& r : rows_) {
        if (r.status != RowStatus::pending) continue;
        r.status = RowStatus::not_submitted;
        if (r.decision != Decision::approved) r.message = r.reason;
        else if (!hold_reason.empty()) r.message = hold_reason;
        else if (options_.operator_approved) r.message = "eligible, but not approved by the operator";
        else r.message = "not submitted";
        records.push_back(journal::NotSubmitted{r.row, r.message});
    }
    if (!journaled) return;
    records.push_back(journal::Phase{BatchPhase::submitted, now_iso()});
    durable(journal_.append_many(records));
}

asio::awaitable<BatchOutcome> BatchRun::run()
{
    outcome_.input = input_;
    outcome_.sha256 = snap_.sha256;
    reload();
    // A crash between journaling an order and recording it in the ledger: record it now (the
    // ledger ignores orders it already has), so later batches see which order covers a service.
    std::vector<LedgerOrder> placed;
    for (const auto& r : rows_)
        if (r.status == RowStatus::submitted) placed.push_back({r.service_id, r.order_id, owner_of(r), now_iso()});
    if (!placed.empty()) {
        auto l = ctx_.ledger.record_orders(placed);
        if (!l) log_.error("ledger: " + l.error().message);
    }

    if (journal_.phase() < BatchPhase::validated) {
        if (!validate()) co_return outcome_;
        reload();
        std::size_t valid = 0;
        for (const auto& r : rows_) valid += r.decision != Decision::invalid;
        log_.info(std::to_string(rows_.size()) + " rows read, " + std::to_string(valid) + " valid, " +
                  std::to_string(rows_.size() - valid) + " invalid");
        for (const auto& r : rows_)
            if (r.decision == Decision::invalid) log_.warn("row " + std::to_string(r.row) + ": " + r.reason);
    }
    if (journal_.phase() < BatchPhase::confirmed) {
        if (!co_await confirm()) co_return outcome_;
    }
    if (journal_.phase() < BatchPhase::reported) decide_and_report();
    reload();

    auto state = journal_.state();
    const bool held = state.gate && state.gate->hold;
    if (held) {
        outcome_.held_by_gate = true;
        outcome_.message = state.gate->message;
    }
    std::string hold_reason;
    if (held) hold_reason = "batch held: " + state.gate->message;
    else if (options_.approval.mode == ApprovalMode::dry_run) hold_reason = "dry-run: approved, not submitted";
    else if (options_.approval.mode == ApprovalMode::manual && !options_.operator_approved) {
        outcome_.waiting_for_approval = true;
        outcome_.counts = count_rows(rows_);
        outcome_.message = "confirmed; waiting for operator approval (" + out_.approve_file.filename().string() +
                           " or " + out_.approved_csv.filename().string() + ")";
        log_.info(outcome_.message);
        co_return outcome_;
    }

    if (journal_.phase() < BatchPhase::submitted || !state.needs_reconciliation.empty() || !state.in_doubt.empty()) {
        // Rows a crash left between "submitting" and an answer, or in doubt from an earlier
        // run: looked up before anything new is sent.
        std::vector<std::size_t> unsure;
        for (const auto& [row, intent] : state.needs_reconciliation)
            if (auto* i = index_.find(row)) unsure.push_back(*i);
        for (const auto& [row, intent] : state.in_doubt)
            if (auto* i = index_.find(row)) unsure.push_back(*i);
        if (!unsure.empty() && hold_reason.empty()) co_await reconcile(unsure);

        for (int round = 0;; ++round) {
            co_await submit_pending(hold_reason);
            if (stopping()) {
                outcome_.interrupted = true;
                outcome_.message = "stopped while submitting; in-flight rows were recorded, the batch resumes at "
                                   "the next start";
                outcome_.counts = count_rows(rows_);
                co_return outcome_;
            }
            std::vector<std::size_t> in_doubt;
            for (std::size_t i = 0; i < rows_.size(); ++i)
                if (rows_[i].status == RowStatus::in_doubt) in_doubt.push_back(i);
            if (in_doubt.empty() || round == 2) break;
            // The server may still be working on a request we stopped waiting for.
            auto delay = ctx_.client.reconcile_delay();
            log_.info(std::to_string(in_doubt.size()) + " submits in doubt; looking them up in " +
                      std::to_string(std::chrono::duration_cast<std::chrono::seconds>(delay).count()) + " s");
            for (auto waited = std::chrono::milliseconds(0); waited < delay && !stopping();
                 waited += std::chrono::milliseconds(250))
                co_await sleep_for(std::min<std::chrono::milliseconds>(std::chrono::milliseconds(250), delay - waited));
            if (stopping()) continue;  // reported as interrupted above, on the next turn
            co_await reconcile(in_doubt);
        }
        finish_rows(hold_reason);
    }

    auto w = write_report_atomically(out_.results_csv, render_results_csv(rows_));
    if (!w) log_.error(w.error().message);
    outcome_.results_csv = out_.results_csv;
    outcome_.counts = count_rows(rows_);
    // Done unless a row is still in doubt (then the next run looks it up again) or the batch
    // may legitimately run again (dry-run, held: fix and drop it again).
    if (outcome_.counts.in_doubt == 0 && hold_reason.empty()) {
        durable(journal_.append(journal::Phase{BatchPhase::done, now_iso()}));
        auto f = ctx_.ledger.finish_batch(snap_.sha256, input_.string(), now_iso());
        if (!f) log_.error("ledger: " + f.error().message);
    }
    log_.info("done: " + outcome_.summary());
    co_return outcome_;
}

}  // namespace

asio::awaitable<BatchOutcome> process_batch(BatchContext ctx, fs::path input, BatchOptions options)
{
    auto ex = co_await asio::this_coro::executor;
    BatchOutcome outcome;
    outcome.input = input;
    const OutputPaths out = output_paths_for(input);
    const std::string name = input.filename().string();

    auto sha = hash_file(input, options.limits.max_file_bytes);
    // The ledger knows whether this content was finished before, by this file or another drop.
    if (sha) {
        auto known = ctx.ledger.find_batch(*sha);
        if (known && *known && (*known)->state == LedgerBatchState::done) {
            outcome.sha256 = *sha;
            if ((*known)->input == input.string() && fs::exists(out.results_csv)) {
                outcome.already_processed = true;
                outcome.message = "already processed (" + out.results_csv.filename().string() + ")";
                co_return outcome;
            }
            outcome.duplicate_batch = true;
            outcome.message = "the same content was already processed as " + (*known)->input + " (" +
                              (*known)->at + "); nothing was submitted again";
            if (!fs::exists(out.error_txt)) {
                auto w = write_report_atomically(out.error_txt, name + ": duplicate: " + outcome.message + "\n");
                (void)w;
            }
            log_warn(name + ": " + outcome.message);
            co_return outcome;
        }
    }

    std::error_code ec;
    const bool resuming = sha && fs::exists(options.state_dir / "batches" / *sha / "journal", ec);
    BatchLog log(out.log, resuming);
    log.info(std::string(resuming ? "resuming " : "processing ") + input.string() + " (approval mode " +
             to_string(options.approval.mode) + ")");

    auto reject = [&](const std::string& message) {
        outcome.file_rejected = true;
        outcome.message = message;
        log.error("file rejected, nothing submitted: " + message);
        auto w = write_report_atomically(out.error_txt, name + ": " + message +
                                                            "\nNothing from this file was submitted. Fix the file "
                                                            "and drop it again.\n");
        if (!w) log.error(w.error().message);
        return outcome;
    };
    if (!sha) co_return reject(sha.error().message);
    auto snap = snapshot_batch(input, options.state_dir, *sha);
    if (!snap) co_return reject(snap.error().message);
    outcome.sha256 = *sha;

    // A batch that was held, or run as a dry-run, submitted nothing: its journal is set aside so
    // that dropping it again (after a fix, or in auto mode) starts afresh with the current config.
    const fs::path journal_path = snap->batch_dir / "journal";
    auto retire_journal = [&] {
        fs::rename(journal_path, snap->batch_dir / ("journal.set-aside-" + std::to_string(std::time(nullptr))), ec);
    };
    const ApprovalMode mode = options.approval.mode;

    auto begun = ctx.ledger.begin_batch(*sha, input.string(), now_iso());
    if (!begun) {
        outcome.message = "ledger: " + begun.error().message;
        log.error(outcome.message);
        co_return outcome;
    }
    std::optional<Journal> journal;
    if (auto opened = Journal::open(journal_path)) journal.emplace(std::move(*opened));
    else {
        outcome.message = "journal: " + opened.error().message;
        log.error(outcome.message);
        co_return outcome;
    }
    if (journal->repaired_tail())
        log.warn("the journal ended in a torn record (" + journal->repaired_tail()->reason +
                 "), from an interrupted write; it was cut off and the batch goes on");
    for (const auto& a : journal->state().anomalies) log.warn("journal: " + a);
    if (journal->records() == 0)
        durable(journal->append(journal::Batch{*sha, input.string(), to_string(options.approval.mode), now_iso()}));
    log.info("content sha256 " + *sha + ", " + std::to_string(snap->bytes) + " bytes");

    BatchRun run(ctx, input, std::move(options), log, *journal, *snap, ex);
    try {
        outcome = co_await run.run();
    } catch (const JournalFailure& e) {
        outcome.message = std::string("cannot write the journal, the batch stopped to stay safe: ") + e.what();
        log.error(outcome.message);
        outcome.interrupted = true;
        co_return outcome;
    }
    if (outcome.file_rejected || outcome.held_by_gate || (mode == ApprovalMode::dry_run && !outcome.interrupted)) {
        journal.reset();
        retire_journal();
    }
    if (outcome.file_rejected) co_return reject(outcome.message);
    if (!outcome.message.empty() && (outcome.api_unreachable || outcome.interrupted)) log.warn(outcome.message);
    co_return outcome;
}

}  // namespace xferd
