#include "xferd/app/pipeline.hpp"

#include "xferd/app/process_log.hpp"
#include "xferd/app/report.hpp"
#include "xferd/app/row_stream.hpp"
#include "xferd/core/batch_reader.hpp"
#include "xferd/core/order.hpp"
#include "xferd/core/policy.hpp"
#include "xferd/core/sha256.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

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
    if (duplicate_batch) return name + ": not processed: " + message;
    if (api_unreachable) return name + ": not processed: " + message;
    const auto& c = counts;
    std::string s = name + ": " + std::to_string(c.rows) + " rows, " + std::to_string(c.approved) + " approved, " +
                    std::to_string(c.rejected) + " rejected, " + std::to_string(c.invalid) + " invalid; " +
                    std::to_string(c.submitted) + " submitted";
    if (c.failed) s += ", " + std::to_string(c.failed) + " FAILED";
    if (c.in_doubt) s += ", " + std::to_string(c.in_doubt) + " IN DOUBT";
    if (c.duplicate) s += ", " + std::to_string(c.duplicate) + " duplicate";
    if (held_by_gate) s += " (HELD: " + message + ")";
    if (!results_csv.empty()) s += " -> " + results_csv.string();
    return s;
}

namespace {

struct Snapshot {
    std::string sha256;
    fs::path path;       // state_dir/batches/<sha>/input.<ext>
    fs::path batch_dir;  // state_dir/batches/<sha>
    std::uint64_t bytes = 0;
};

// Copies the input into the state dir while hashing it: every later pass reads these exact
// bytes, even if someone edits the original meanwhile.
Result<Snapshot> snapshot_input(const fs::path& input, const fs::path& state_dir, std::uint64_t max_bytes)
{
    std::error_code ec;
    fs::create_directories(state_dir / "incoming", ec);
    if (ec) return make_error("cannot create " + (state_dir / "incoming").string() + ": " + ec.message());
    std::FILE* in = std::fopen(input.c_str(), "rb");
    if (!in) return make_error("cannot read " + input.string() + ": " + std::strerror(errno));
    fs::path tmp = state_dir / "incoming" / ("snapshot-" + std::to_string(::getpid()) + ".tmp");
    int out_fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
    if (out_fd < 0) {
        std::fclose(in);
        return make_error("cannot write " + tmp.string() + ": " + std::strerror(errno));
    }
    Sha256 hash;
    Snapshot snap;
    char buf[64 * 1024];
    std::string failure;
    for (;;) {
        std::size_t n = std::fread(buf, 1, sizeof buf, in);
        if (n > 0) {
            snap.bytes += n;
            if (snap.bytes > max_bytes) {
                failure = "the file is larger than limits.max_file_bytes (" + std::to_string(max_bytes) +
                          " bytes); split it into smaller batches";
                break;
            }
            hash.update(std::string_view(buf, n));
            if (::write(out_fd, buf, n) != static_cast<ssize_t>(n)) {
                failure = "cannot write " + tmp.string() + ": " + std::strerror(errno);
                break;
            }
        }
        if (n < sizeof buf) {
            if (std::ferror(in)) failure = "read error on " + input.string() + ": " + std::strerror(errno);
            break;
        }
    }
    std::fclose(in);
    if (failure.empty() && ::fsync(out_fd) != 0) failure = "cannot fsync " + tmp.string();
    ::close(out_fd);
    if (!failure.empty()) {
        fs::remove(tmp, ec);
        return make_error(failure);
    }
    snap.sha256 = hash.hex_digest();
    snap.batch_dir = state_dir / "batches" / snap.sha256;
    fs::create_directories(snap.batch_dir, ec);
    if (ec) return make_error("cannot create " + snap.batch_dir.string() + ": " + ec.message());
    snap.path = snap.batch_dir / ("input" + input.extension().string());
    fs::rename(tmp, snap.path, ec);
    if (ec) return make_error("cannot move the snapshot into " + snap.batch_dir.string() + ": " + ec.message());
    return snap;
}

std::string read_small_file(const fs::path& p)
{
    std::string out;
    if (std::FILE* f = std::fopen(p.c_str(), "rb")) {
        char buf[4096];
        std::size_t n;
        while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
        std::fclose(f);
    }
    return out;
}

RowRecord record_from(const ParsedRow& parsed)
{
    RowRecord r;
    const auto& row = parsed.row;
    r.row = row.row;
    r.external_order_number = row.external_order_number;
    r.service_id = row.service_id;
    r.service_number = row.service_number;
    r.employee_email = row.employee_email;
    r.employee_id = row.employee_id;
    if (!parsed.valid()) {
        r.decision = Decision::invalid;
        r.reason = parsed.error_text();
        r.status = RowStatus::not_submitted;
        r.message = "INVALID: " + r.reason;
    }
    return r;
}

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

void apply_confirm_answer(RowRecord& rec, const ApiResponse& answer)
{
    if (answer.ok()) {
        boost::system::error_code ec;
        auto body = boost::json::parse(answer.body, ec);
        rec.confirmation = ec ? ConfirmationSummary{false, {}, {}, {}, {}, {}, {}, {}, "unreadable JSON in the answer"}
                              : summarize_confirmation(body);
    } else if (answer.kind == ApiResponse::Kind::answered) {
        rec.confirmation.error = describe_api_error(answer.status, answer.body);
    } else {
        rec.confirmation.error = "confirm call failed: " + answer.message;
        rec.status = RowStatus::failed;  // not the row's fault: the API could not be asked
        rec.message = rec.confirmation.error;
    }
}

void apply_submit_answer(RowRecord& rec, const ApiResponse& answer)
{
    if (answer.ok()) {
        boost::system::error_code ec;
        auto body = boost::json::parse(answer.body, ec);
        auto order = ec ? std::nullopt : parse_order(body);
        if (order) {
            rec.status = RowStatus::submitted;
            rec.order_id = order->order_id;
            rec.message = "order " + order->order_id + " placed (" + order->status + ")";
        } else {
            // A 2xx without a readable order: it was probably placed. Never resend blindly.
            rec.status = RowStatus::in_doubt;
            rec.message = "the API accepted the submit but its answer holds no orderId; check MobProc for " +
                          rec.external_order_number + " before resubmitting";
        }
    } else if (answer.kind == ApiResponse::Kind::answered) {
        rec.status = RowStatus::failed;
        rec.message = "submit refused: " + describe_api_error(answer.status, answer.body);
    } else if (answer.kind == ApiResponse::Kind::in_doubt) {
        rec.status = RowStatus::in_doubt;
        rec.message = answer.message + "; look up external order number " + rec.external_order_number +
                      " in MobProc before resubmitting";
    } else {
        rec.status = RowStatus::failed;
        rec.message = "not submitted: " + answer.message;
    }
}

}  // namespace

asio::awaitable<BatchOutcome> process_batch(MobprocClient& client, AsyncSemaphore& budget, fs::path input,
                                            BatchOptions options)
{
    auto ex = co_await asio::this_coro::executor;
    BatchOutcome outcome;
    outcome.input = input;
    const OutputPaths out = output_paths_for(input);
    BatchLog log(out.log);
    const std::string name = input.filename().string();
    log.info("processing " + input.string() + " (approval mode " + to_string(options.approval.mode) + ")");

    auto reject_file = [&](const std::string& message) {
        outcome.file_rejected = true;
        outcome.message = message;
        log.error("file rejected, nothing submitted: " + message);
        auto w = write_report_atomically(out.error_txt, name + ": " + message +
                                                            "\nNothing from this file was submitted. Fix the file "
                                                            "and drop it again.\n");
        if (!w) log.error(w.error().message);
    };

    auto snap = snapshot_input(input, options.state_dir, options.limits.max_file_bytes);
    if (!snap) {
        reject_file(snap.error().message);
        co_return outcome;
    }
    outcome.sha256 = snap->sha256;
    log.info("content sha256 " + snap->sha256 + ", " + std::to_string(snap->bytes) + " bytes");
    const fs::path done_marker = snap->batch_dir / "done";
    if (fs::exists(done_marker)) {
        outcome.duplicate_batch = true;
        outcome.message = "the same content was already processed (" + read_small_file(done_marker) +
                          "); it is a duplicate drop and was not processed again";
        log.warn(outcome.message);
        co_return outcome;
    }
    const BatchFormat format = format_for_path(input);

    // Pass 1: parse and validate every row, no network.
    std::vector<RowRecord> records;
    {
        RowStream rows(snap->path, format, options.columns, options.limits);
        while (auto parsed = rows.next()) records.push_back(record_from(*parsed));
        if (rows.error()) {
            const auto& e = *rows.error();
            std::string where;
            if (e.line) where += "line " + std::to_string(*e.line) + ": ";
            else if (e.byte_offset) where += "byte " + std::to_string(*e.byte_offset) + ": ";
            reject_file(where + e.message);
            co_return outcome;
        }
    }
    std::size_t valid = 0;
    for (const auto& r : records) valid += r.decision != Decision::invalid;
    log.info(std::to_string(records.size()) + " rows read, " + std::to_string(valid) + " valid, " +
             std::to_string(records.size() - valid) + " invalid");
    for (const auto& r : records)
        if (r.decision == Decision::invalid) log.warn("row " + std::to_string(r.row) + ": " + r.reason);

    // Pass 2: confirm every valid row, up to the shared request budget at once.
    if (valid > 0) {
        auto auth = co_await client.authenticate();
        if (!auth) {
            outcome.api_unreachable = true;
            outcome.message = auth.error().message + "; the batch is left for the next run";
            log.error(outcome.message);
            co_return outcome;
        }
        TaskCounter tasks(ex);
        RowStream rows(snap->path, format, options.columns, options.limits);
        std::size_t index = 0;
        while (auto parsed = rows.next()) {
            const std::size_t i = index++;
            if (!parsed->valid()) continue;
            co_await budget.acquire();
            std::string body = boost::json::serialize(make_order_request(parsed->row));
            spawn_counted(ex, tasks,
                          [&client, &records, &budget, i, body = std::move(body)]() mutable -> asio::awaitable<void> {
                              SemaphorePermit permit(budget);
                              auto answer = co_await client.confirm_order(std::move(body));
                              apply_confirm_answer(records[i], answer);
                          });
        }
        co_await tasks.wait();
        if (!client.api_reached()) {
            outcome.api_unreachable = true;
            outcome.message = "the API could not be reached; the batch is left for the next run";
            log.error(outcome.message);
            co_return outcome;
        }
    }

    // Decide, gate, report.
    for (auto& r : records) {
        auto d = decide(r, options.approval);
        r.decision = d.decision;
        r.reason = d.reason;
    }
    GateVerdict gate = batch_gate(records, options.approval.max_reject_ratio);
    if (gate.hold) {
        outcome.held_by_gate = true;
        outcome.message = gate.message;
        log.error("batch held: " + gate.message);
    }
    BatchSummary summary{name, snap->sha256, to_string(options.approval.mode), gate.message};
    for (const auto& [path, content] :
         {std::pair{out.confirmation_csv, render_confirmation_csv(records)},
          std::pair{out.confirmation_html, render_confirmation_html(summary, records)}}) {
        auto w = write_report_atomically(path, content);
        if (!w) log.error(w.error().message);
    }
    BatchCounts decided = count_rows(records);
    log.info("confirmation report written: " + std::to_string(decided.approved) + " approved, " +
             std::to_string(decided.rejected) + " rejected, " + std::to_string(decided.invalid) + " invalid");
    for (const auto& r : records)
        if (r.decision == Decision::rejected)
            log.warn("row " + std::to_string(r.row) + " (" + r.external_order_number + ") rejected: " + r.reason);

    // Pass 3: submit approved rows (unless held, dry-run or waiting for an operator).
    std::string hold_reason;
    if (gate.hold) hold_reason = "batch held: " + gate.message;
    else if (options.approval.mode == ApprovalMode::dry_run) hold_reason = "dry-run: approved, not submitted";
    else if (options.approval.mode == ApprovalMode::manual)
        hold_reason = "waiting for operator approval (" + out.approve_file.filename().string() + ")";

    if (hold_reason.empty() && decided.approved > 0) {
        TaskCounter tasks(ex);
        RowStream rows(snap->path, format, options.columns, options.limits);
        std::size_t index = 0;
        while (auto parsed = rows.next()) {
            const std::size_t i = index++;
            if (records[i].decision != Decision::approved || records[i].status != RowStatus::pending) continue;
            co_await budget.acquire();
            std::string body = boost::json::serialize(make_order_request(parsed->row));
            spawn_counted(ex, tasks,
                          [&client, &records, &budget, i, body = std::move(body)]() mutable -> asio::awaitable<void> {
                              SemaphorePermit permit(budget);
                              auto answer = co_await client.submit_order(std::move(body));
                              apply_submit_answer(records[i], answer);
                          });
        }
        co_await tasks.wait();
    }
    for (auto& r : records) {
        if (r.status != RowStatus::pending) continue;
        r.status = RowStatus::not_submitted;
        r.message = r.decision == Decision::approved ? hold_reason : r.reason;
    }
    for (const auto& r : records) {
        if (r.status == RowStatus::submitted)
            log.info("row " + std::to_string(r.row) + " (" + r.external_order_number + ") " + r.message);
        else if (r.status == RowStatus::failed || r.status == RowStatus::in_doubt)
            log.error("row " + std::to_string(r.row) + " (" + r.external_order_number + ") " +
                      std::string(to_string(r.status)) + ": " + r.message);
    }

    auto w = write_report_atomically(out.results_csv, render_results_csv(records));
    if (!w) log.error(w.error().message);
    outcome.results_csv = out.results_csv;
    outcome.counts = count_rows(records);

    // Only a batch whose rows were really put through is "done": a dry-run, a held batch or one
    // waiting for an operator may be dropped again.
    if (hold_reason.empty()) {
        std::FILE* f = std::fopen(done_marker.c_str(), "w");
        if (f) {
            std::fprintf(f, "%s at %s", name.c_str(), utc_timestamp().c_str());
            std::fclose(f);
        }
    }
    log.info("done: " + outcome.summary());
    co_return outcome;
}

}  // namespace xferd
