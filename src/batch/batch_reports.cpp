// The report steps: the confirmation (CSV, HTML) after the decisions, the results (CSV, and the
// HTML again with the outcome) at the end. Streamed from the store on a worker thread with a
// connection of its own, so a big batch neither sits in memory nor holds up the io thread.
#include "batch_run_state.hpp"

#include "xferd/batch/process_log.hpp"

namespace xferd {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t chunk_rows = 2000;
constexpr std::size_t html_rows_max = 20'000;   // beyond: the CSV holds every row

struct ReportJob {
    fs::path state_dir;
    BatchInfo batch;
    OutputPaths out;
    std::string mode;
    bool results = false;   // false: the confirmation reports
};

// Streams every row (in row order) through `line` into an atomically written file.
template <class Line>
Result<void> write_csv(StateStore& store, BatchId id, const fs::path& target, const std::string& header, Line line)
{
    auto w = AtomicFileWriter::create(target);
    if (!w) return w.error();
    if (auto r = w->write(header); !r) return r;
    for (std::size_t after = 0;;) {
        auto rows = store.rows(id, RowSet::all, after, chunk_rows);
        if (!rows) return rows.error();
        if (rows->empty()) break;
        for (const auto& r : *rows)
            if (auto x = w->write(line(r)); !x) return x;
        after = rows->back().row;
    }
    return w->commit();
}

Result<void> write_html(StateStore& store, const ReportJob& job)
{
    std::vector<RowRecord> rows;
    for (std::size_t offset = 0; rows.size() < html_rows_max;) {
        auto more = store.rows_problems_first(job.batch.id, offset, std::min(chunk_rows, html_rows_max - rows.size()));
        if (!more) return more.error();
        if (more->empty()) break;
        offset += more->size();
        for (auto& r : *more) rows.push_back(std::move(r));
    }
    BatchSummary summary{fs::path(job.batch.path).filename().string(), job.batch.sha256, job.mode,
                         job.batch.gate_hold ? job.batch.gate_message : std::string()};
    return write_report_atomically(job.out.confirmation_html, render_confirmation_html(summary, rows));
}

Result<std::vector<fs::path>> write_reports(const ReportJob& job)
{
    auto store = open_sqlite_store(job.state_dir, {std::chrono::seconds(30), 4 * 1024, true});
    if (!store) return store.error();
    std::vector<fs::path> written;
    const BatchId id = job.batch.id;
    if (job.results) {
        if (auto r = write_csv(**store, id, job.out.results_csv, results_csv_header(), results_csv_line); !r)
            return r.error();
        written.push_back(job.out.results_csv);
    } else {
        if (auto r = write_csv(**store, id, job.out.confirmation_csv, confirmation_csv_header(),
                               confirmation_csv_line);
            !r)
            return r.error();
        written.push_back(job.out.confirmation_csv);
    }
    if (auto r = write_html(**store, job); !r) return r.error();
    written.push_back(job.out.confirmation_html);
    return written;
}

}  // namespace

asio::awaitable<void> BatchRun::write_confirmation()
{
    ReportJob job{services_.state_dir, batch_, out_, to_string(options_.approval.mode), false};
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
    for (auto& p : *written) reports_.push_back(p);
    log_->info("confirmation report written: " + out_.confirmation_html.filename().string());
    batch_.confirmation_written_at = now_iso();
    co_await save_batch();
}

asio::awaitable<void> BatchRun::write_results()
{
    ReportJob job{services_.state_dir, batch_, out_, to_string(options_.approval.mode), true};
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
    for (auto& p : *written) reports_.push_back(p);
    batch_.results_written_at = now_iso();
    co_await save_batch();
}

}  // namespace xferd
