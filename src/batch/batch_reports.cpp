// The report steps: the confirmation (CSV, HTML) after the decisions, the results (CSV, and the
// HTML again with the outcome) at the end. Streamed from the store on a worker thread with a
// connection of its own, so a big batch neither sits in memory nor holds up the io thread.
#include "batch_run_state.hpp"

#include "xferd/batch/process_log.hpp"
#include "xferd/batch/confirmation_xlsx.hpp"
#include "xferd/batch/report_html.hpp"
#include "xferd/core/reconcile.hpp"

#include <future>

namespace xferd {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t chunk_rows = 2000;

struct ReportJob {
    fs::path state_dir;
    BatchInfo batch;
    OutputPaths out;
    ApprovalMode mode = ApprovalMode::automatic;
    std::chrono::seconds max_age{0};
    bool results = false;   // false: the confirmation reports
};

ReportStage report_stage(BatchStage s)
{
    switch (s) {
    case BatchStage::awaiting_approval: return ReportStage::waiting_for_approval;
    case BatchStage::held: return ReportStage::held;
    case BatchStage::submitting: return ReportStage::submitting;
    case BatchStage::in_doubt: return ReportStage::in_doubt;
    case BatchStage::incomplete:
    case BatchStage::done:
        return ReportStage::done;
    default: return ReportStage::confirmed;
    }
}

std::string plus_seconds(const std::string& iso, std::chrono::seconds d)
{
    auto t = parse_iso8601(iso.substr(0, std::min<std::size_t>(iso.size(), 19)) + "Z");
    return t ? format_iso8601(*t + d) : std::string();
}

// The last approval refused since this confirmation, for the page's banner.
std::string approval_problem(StateStore& store, const BatchInfo& b)
{
    auto approvals = store.approvals(b.id);
    if (!approvals || approvals->empty() || approvals->back().accepted) return {};
    if (approvals->back().at < b.confirmation_written_at) return {};
    return fs::path(approvals->back().file).filename().string() + ": " + approvals->back().message;
}

// Every row of the batch in row order, from the store a chunk at a time.
template <class Visit>
Result<void> for_each_row(StateStore& store, BatchId id, Visit visit)
{
    for (std::size_t after = 0;;) {
        auto rows = store.rows(id, RowSet::all, after, chunk_rows);
        if (!rows) return rows.error();
        if (rows->empty()) return {};
        for (const auto& r : *rows)
            if (auto x = visit(r); !x) return x;
        after = rows->back().row;
    }
}

// Streams every row (in row order) through `line` into an atomically written file.
template <class Line>
Result<void> write_csv(StateStore& store, BatchId id, const fs::path& target, const std::string& header, Line line)
{
    auto w = AtomicFileWriter::create(target);
    if (!w) return w.error();
    if (auto r = w->write(header); !r) return r;
    if (auto r = for_each_row(store, id, [&](const RowRecord& r) { return w->write(line(r)); }); !r) return r;
    return w->commit();
}

// Every row at each report rank in turn (problems first), from the store a chunk at a time;
// a rank no row holds is not read (one pass over the rows per rank that has some).
template <class Visit>
Result<void> for_each_ranked(StateStore& store, BatchId id, Visit visit)
{
    auto counts = store.rank_counts(id);
    if (!counts) return counts.error();
    for (int rank = 0; rank < StateStore::report_rank_count; ++rank) {
        if ((*counts)[static_cast<std::size_t>(rank)] == 0) continue;
        for (std::size_t after = 0;;) {
            auto rows = store.rows_at_rank(id, rank, after, chunk_rows);
            if (!rows) return rows.error();
            if (rows->empty()) break;
            for (const auto& r : *rows) visit(r);
            after = rows->back().row;
        }
    }
    return {};
}

// A read-only connection of the report's own; its page cache counts in the process's peak RSS.
Result<std::unique_ptr<StateStore>> open_report_store(const ReportJob& job, int cache_kib)
{
    return open_sqlite_store(job.state_dir, {std::chrono::seconds(30), cache_kib, true});
}

// The confirmation workbook, from a read of the rows of its own, into its temp file: it is made
// beside the CSV and the page (the slowest of the three: XML through zlib), and published only
// after them, so a confirmation that failed leaves no workbook newer than its CSV. It is a
// convenience: approvals are checked against the store, so a workbook that cannot be written is
// only reported back, not a reason to stop the batch; nothing it throws goes further.
Result<ConfirmationXlsxWriter> prepare_confirmation_book(const ReportJob& job)
{
    try {
        auto store = open_report_store(job, 1024);   // one pass in row order: a small cache does
        if (!store) return store.error();
        auto book = ConfirmationXlsxWriter::create(job.out.confirmation_xlsx);
        if (!book) return book.error();
        auto each = for_each_row(**store, job.batch.id, [&](const RowRecord& r) { return book->add(r); });
        if (!each) return each.error();   // the temp file goes with `book`
        if (auto f = book->finish(); !f) return f.error();
        return book;
    } catch (const std::exception& e) {
        return make_error("cannot write " + job.out.confirmation_xlsx.string() + ": " + e.what());
    }
}

// On a thread of its own when one can be had (a unit at its TasksMax cannot): otherwise it is
// made when asked for, after the CSV and the page.
std::future<Result<ConfirmationXlsxWriter>> start_confirmation_book(const ReportJob& job)
{
    try {
        return std::async(std::launch::async, [&job] { return prepare_confirmation_book(job); });
    } catch (const std::system_error&) {
        return std::async(std::launch::deferred, [&job] { return prepare_confirmation_book(job); });
    }
}

// The page. `with_workbook`: it points the operator to the confirmation workbook (else to the
// CSV, saying why when `workbook_problem` is known).
Result<void> write_html(StateStore& store, const ReportJob& job, bool with_workbook,
                        const std::string& workbook_problem = {})
{
    const BatchInfo& b = job.batch;
    ReportHeader h;
    h.input_name = fs::path(b.path).filename().string();
    h.content_sha256 = b.sha256;
    h.mode = job.mode;
    h.stage = report_stage(b.stage);
    h.gate_message = b.gate_hold ? b.gate_message : std::string();
    h.approval_problem = approval_problem(store, b);
    h.received_at = b.created_at;
    h.confirmed_at = b.confirmation_written_at.empty() ? now_iso() : b.confirmation_written_at;
    h.finished_at = b.finished_at;
    if (job.mode == ApprovalMode::manual) h.approval_deadline = plus_seconds(h.confirmed_at, job.max_age);
    h.updated_at = now_iso();
    h.approve_file = job.out.approve_file;
    h.approved_csv = job.out.approved_csv;
    h.approved_xlsx = job.out.approved_xlsx;
    h.confirmation_csv = job.out.confirmation_csv;
    if (with_workbook) h.confirmation_xlsx = job.out.confirmation_xlsx;
    h.workbook_problem = workbook_problem;
    if (job.results) h.results_csv = job.out.results_csv;
    h.log = job.out.log;
    auto counts = store.state_counts(b.id);
    if (!counts) return counts.error();
    for (const auto& c : *counts) {
        RowRecord r;
        r.status = c.status;
        r.decision = c.decision;
        h.counts.add(row_label(r, h.stage, h.mode), c.rows);
    }

    auto w = AtomicFileWriter::create(job.out.confirmation_html);
    if (!w) return w.error();
    std::optional<Error> failed;
    HtmlReport page(h, [&](std::string_view text) {
        if (failed) return;
        if (auto x = w->write(text); !x) failed = x.error();
    });
    if (auto r = for_each_ranked(store, b.id, [&](const RowRecord& r) { page.add(r); }); !r) return r;
    auto end = page.finish();
    if (failed) return *failed;
    if (!end.counts_match) log_error(h.input_name + ": the report's rows did not add up to its summary (a bug)");
    return w->commit();
}

// What a report step wrote, and what it could not (the workbook's problem, for the batch log).
struct ReportsWritten {
    std::vector<fs::path> files;
    std::string workbook_problem;
};

Result<ReportsWritten> write_reports(const ReportJob& job)
{
    auto store = open_report_store(job, 4 * 1024);
    if (!store) return store.error();
    ReportsWritten out;
    const BatchId id = job.batch.id;
    if (job.results) {
        if (auto r = write_csv(**store, id, job.out.results_csv, results_csv_header(), results_csv_line); !r)
            return r.error();
        out.files.push_back(job.out.results_csv);
        // Only a link to follow, not state: a workbook that could not be written is not offered.
        std::error_code ec;
        if (auto r = write_html(**store, job, fs::is_regular_file(job.out.confirmation_xlsx, ec)); !r) return r.error();
        out.files.push_back(job.out.confirmation_html);
        return out;
    }
    // Waited for on every return (std::async's future does): an early one drops the workbook.
    auto book = start_confirmation_book(job);
    if (auto r = write_csv(**store, id, job.out.confirmation_csv, confirmation_csv_header(), confirmation_csv_line); !r)
        return r.error();
    out.files.push_back(job.out.confirmation_csv);
    auto prepared = book.get();
    std::optional<Error> problem;
    if (!prepared) problem = prepared.error();
    else if (auto c = prepared->commit(); !c) problem = c.error();
    if (problem) {
        out.workbook_problem = problem->message;
        // An earlier workbook at that name (an earlier confirmation, another batch of the same
        // name) is not this confirmation's: kept aside, so that no page links it.
        if (auto kept = keep_existing(job.out.confirmation_xlsx); !kept)
            out.workbook_problem += "; " + kept.error().message;
    } else {
        out.files.push_back(job.out.confirmation_xlsx);
    }
    // Written once the workbook is known: it links the workbook only if this one is there.
    if (auto r = write_html(**store, job, !problem, out.workbook_problem); !r) return r.error();
    out.files.push_back(job.out.confirmation_html);
    return out;
}

}  // namespace

asio::awaitable<void> BatchRun::write_confirmation()
{
    ReportJob job{services_.state_dir, batch_, out_, options_.approval.mode, options_.approval.max_age, false};
    auto render = [job] { return write_reports(job); };
    auto written = co_await offload(services_.workers, std::move(render));
    if (!written) {
        reports_failed_ = true;
        reports_error_ = written.error().message;
        log_->error("the confirmation report could not be written: " + written.error().message);
        co_return stop(BatchOutcome::End::state_error, "the confirmation report could not be written (" +
                                                           written.error().message +
                                                           "); it is written at the next run");
    }
    for (auto& p : written->files) reports_.push_back(p);
    if (!written->workbook_problem.empty()) {
        const std::string text = "the confirmation workbook could not be written (the CSV and the page were): " +
                                 written->workbook_problem;
        log_->warn(text);
        log_warn(out_.confirmation_xlsx.filename().string() + ": " + text);   // and the journal
    }
    log_->info("confirmation report written: " + out_.confirmation_html.filename().string());
    batch_.confirmation_written_at = now_iso();
    co_await save_batch();
}

asio::awaitable<void> BatchRun::write_results()
{
    ReportJob job{services_.state_dir, batch_, out_, options_.approval.mode, options_.approval.max_age, true};
    auto render = [job] { return write_reports(job); };
    auto written = co_await offload(services_.workers, std::move(render));
    if (!written) {
        reports_failed_ = true;
        reports_error_ = written.error().message;
        log_->error("the results could not be written: " + written.error().message);
        co_return stop(BatchOutcome::End::state_error, "the results could not be written (" +
                                                           written.error().message +
                                                           "); they are written from the state store at the next "
                                                           "run, without any call to MobProc");
    }
    for (auto& p : written->files) reports_.push_back(p);
    batch_.results_written_at = now_iso();
    co_await save_batch();
}

}  // namespace xferd
