// `xferd once`: the inbox folders (or the given files and folders) now, then exit.
//
// 1. every unfinished batch the store knows in those folders goes on (even when its input was
//    moved away meanwhile: it finishes from its snapshot);
// 2. every batch waiting for an operator is checked for an approval left since the last run;
// 3. every file in the folders is taken (intake decides: new, known, duplicate, not ready…).
#include "xferd/service/commands.hpp"

#include "xferd/batch/batch_options.hpp"
#include "xferd/batch/batch_run.hpp"
#include "xferd/batch/intake.hpp"
#include "xferd/batch/operator_approval.hpp"
#include "xferd/batch/process_log.hpp"
#include "xferd/core/printable.hpp"
#include "xferd/net/task_group.hpp"
#include "xferd/service/batch_events.hpp"
#include "xferd/service/config_loading.hpp"
#include "xferd/service/files_not_taken.hpp"
#include "xferd/service/inbox_scan.hpp"
#include "xferd/service/monitoring.hpp"
#include "xferd/service/progress_line.hpp"
#include "xferd/store/inbox_lock.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <csignal>
#include <iostream>
#include <set>

namespace xferd {

namespace fs = std::filesystem;

namespace {

struct Scope {
    std::vector<fs::path> folders;   // whole folders
    std::vector<fs::path> files;     // single files named on the command line
    bool covers(const fs::path& input) const
    {
        for (const auto& f : files)
            if (f == input) return true;
        for (const auto& d : folders)
            if (d == input.parent_path()) return true;
        return false;
    }
};

fs::path normal(const fs::path& p)
{
    std::error_code ec;
    auto abs = fs::absolute(p, ec).lexically_normal();
    if (!abs.has_filename() && abs.has_parent_path()) abs = abs.parent_path();
    return abs;
}

class OnceRun {
public:
    OnceRun(const Config& cfg, Scope scope, BatchServices& services, BatchReporter& reporter)
        : cfg_(cfg), scope_(std::move(scope)), s_(services), reporter_(reporter)
    {
    }

    asio::awaitable<void> run()
    {
        cancel_ = co_await asio::this_coro::cancellation_state;
        auto open = s_.reader.list_batches(false, 100'000);
        if (!open) {
            state_error(open.error().message);
            co_return;
        }
        for (const auto& b : *open) {
            if (stopping()) co_return;
            if (!scope_.covers(b.path)) continue;
            if (is_unfinished(b.stage)) co_await run_one(b.id, b.path);
            else if (b.stage == BatchStage::awaiting_approval) co_await approval_for(b);
        }
        std::vector<fs::path> inputs = scope_.files;
        for (const auto& folder : scope_.folders)
            for (auto& p : list_batches(folder)) inputs.push_back(std::move(p));
        for (const auto& p : inputs) {
            if (stopping()) co_return;
            const BatchOptions options = batch_options_for(cfg_, p.parent_path());
            Intake in = co_await take_file(s_, p, options);
            if (in.kind == Intake::Kind::run) {
                if (!ran_.count(in.batch) || in.restarted) co_await run_one(in.batch, p);
                continue;
            }
            if (in.kind == Intake::Kind::nothing_to_do) {
                log_line(LogLevel::debug, printable(p.filename().string()) + ": " + in.message);
                continue;
            }
            report(outcome_of(in, p), options);
        }
        for (const auto& folder : scope_.folders) co_await notice_files_not_taken(s_, folder);
    }

    [[nodiscard]] const std::vector<BatchOutcome>& outcomes() const { return outcomes_; }
    [[nodiscard]] bool approval_refused() const { return approval_refused_; }

private:
    bool stopping() const { return cancel_.cancelled() != asio::cancellation_type::none; }

    // `waiting`: a batch already known to wait, looked at again without a new approval.
    asio::awaitable<void> run_one(BatchId id, const fs::path& path, bool waiting = false)
    {
        ran_.insert(id);
        const BatchOptions options = batch_options_for(cfg_, fs::path(path).parent_path());
        BatchOutcome o = co_await run_batch(s_, id, options);
        report(std::move(o), options, waiting);
    }

    asio::awaitable<void> approval_for(const BatchInfo& b)
    {
        const BatchOptions options = batch_options_for(cfg_, fs::path(b.path).parent_path());
        auto a = co_await act_on_operator_approval(s_, b.id, options.approval);
        if (a.kind == ApprovalOutcome::Kind::accepted) {
            log_info(printable(fs::path(b.path).filename().string()) + ": " + a.file.filename().string() +
                     " accepted: " + a.message);
            co_await run_one(b.id, b.path);
            co_return;
        }
        if (a.kind == ApprovalOutcome::Kind::refused) {
            approval_refused_ = true;
            reporter_.approval_refused(b.path, b.sha256, a.file, a.message);
            std::cout << printable(fs::path(b.path).filename().string()) << ": APPROVAL REFUSED: " << a.message
                      << std::endl;
        }
        ran_.insert(b.id);   // still waiting: said below through its outcome
        co_await run_one(b.id, b.path, true);
    }

    void report(BatchOutcome o, const BatchOptions& options, bool waiting = false)
    {
        progress_done();
        // A state problem (a full or read-only state disk, the store) is the log's business too.
        if (o.end == BatchOutcome::End::state_error) log_error(o.summary());
        std::cout << o.summary() << std::endl;
        if (waiting) reporter_.still_waiting(o, options);
        else reporter_.batch_end(o, options);
        outcomes_.push_back(std::move(o));
    }

    void state_error(const std::string& message)
    {
        BatchOutcome o;
        o.end = BatchOutcome::End::state_error;
        o.message = message;
        report(std::move(o), BatchOptions{});
    }

    void progress_done() { progress_line_clear(); }

    const Config& cfg_;
    Scope scope_;
    BatchServices& s_;
    BatchReporter& reporter_;
    asio::cancellation_state cancel_;   // of the coroutine run() is in: SIGTERM cancels it
    std::set<BatchId> ran_;
    std::vector<BatchOutcome> outcomes_;
    bool approval_refused_ = false;
};

int exit_code(const std::vector<BatchOutcome>& outcomes, bool refused, bool signalled)
{
    bool attention = refused, unavailable = false, progressed = false;
    for (const auto& o : outcomes) {
        attention |= o.needs_attention();
        if (o.end == BatchOutcome::End::api_unavailable) unavailable = true;
        else if (o.end != BatchOutcome::End::nothing_to_do && o.end != BatchOutcome::End::left_for_later) progressed = true;
    }
    if (unavailable && !progressed) return exit_unreachable;
    if (signalled) {
        for (const auto& o : outcomes)
            if (o.end == BatchOutcome::End::interrupted) return exit_attention;
    }
    return attention ? exit_attention : exit_ok;
}

// The inbox folders, or the files and folders named on the command line.
std::optional<Scope> scope_of(const Config& cfg, const std::vector<std::string>& paths)
{
    Scope scope;
    if (paths.empty()) {
        for (const auto& inbox : cfg.inboxes) scope.folders.push_back(normal(inbox.path));
        return scope;
    }
    for (const auto& p : paths) {
        std::error_code ec;
        auto st = fs::symlink_status(p, ec);
        if (fs::is_directory(st)) scope.folders.push_back(normal(p));
        else if (fs::exists(st)) scope.files.push_back(normal(p));
        else {
            std::cerr << "xferd: " << printable(p) << ": no such file or folder\n";
            return std::nullopt;
        }
    }
    return scope;
}

// How a SIGTERM / SIGINT went.
struct SignalStop {
    bool signalled = false;
    bool grace_over = false;   // requests were still in flight when the grace ended
};

// SIGTERM / SIGINT: the batch's coroutine is cancelled (total): no new rows start, waits end,
// requests in flight go on. At the grace's end, terminal: those are cut too (every step is in
// the store, so whatever is cut short resumes, or is looked up, at the next run).
void stop_on_signal(asio::signal_set& signals, asio::steady_timer& grace, TaskGroup& work,
                    std::chrono::milliseconds grace_period, SignalStop& stop)
{
    signals.async_wait([&, grace_period](const boost::system::error_code& ec, int signo) {
        if (ec) return;
        stop.signalled = true;
        log_warn(std::string(signo == SIGTERM ? "SIGTERM" : "SIGINT") +
                 ": stopping; no new rows are started, requests in flight get " +
                 std::to_string(std::chrono::duration_cast<std::chrono::seconds>(grace_period).count()) +
                 " s to finish");
        work.emit(asio::cancellation_type::total);
        grace.expires_after(grace_period);
        grace.async_wait([&](const boost::system::error_code& gec) {
            if (gec) return;
            stop.grace_over = true;
            log_warn("grace period over: cutting the requests in flight; they are looked up at the next run");
            work.emit(asio::cancellation_type::terminal);
        });
    });
}

// The store twice (reads on the io thread; the writer's own connection) and the API's TLS.
struct Opened {
    std::unique_ptr<StateStore> reader, writer;
    std::shared_ptr<asio::ssl::context> tls;
};

int open_store_and_tls(const Config& cfg, Opened& out)
{
    auto reader = open_sqlite_store(cfg.state_dir);
    if (!reader) {
        std::cerr << "xferd: ERROR: " << reader.error().message << "; nothing was done\n";
        return exit_attention;
    }
    auto writer = open_sqlite_store(cfg.state_dir);
    if (!writer) {
        std::cerr << "xferd: ERROR: " << writer.error().message << "; nothing was done\n";
        return exit_attention;
    }
    auto tls = make_client_tls_context(cfg.api.ca_file);
    if (!tls) {
        std::cerr << "xferd: " << tls.error().message << "\n";
        return exit_usage;
    }
    out = Opened{std::move(*reader), std::move(*writer), std::move(*tls)};
    return exit_ok;
}

}  // namespace

int cmd_once(const std::string& config_path, const std::vector<std::string>& paths)
{
    // Signals are caught from the very start: a SIGTERM while the store opens is acted on as
    // soon as the loop runs, not by dying half-way.
    asio::io_context ctx{1};
    asio::signal_set signals(ctx, SIGINT, SIGTERM);
    auto cfg = load_or_report(config_path);
    if (!cfg) return exit_usage;

    auto scope = scope_of(*cfg, paths);
    if (!scope) return exit_usage;
    // `once` (a timer) and `run` (the daemon) never work on the same inbox at the same time.
    std::vector<fs::path> folders = scope->folders;
    for (const auto& f : scope->files) folders.push_back(f.parent_path());
    auto locks = lock_inboxes_now(cfg->state_dir, folders);
    if (!locks) {
        std::cerr << "xferd: " << locks.error().message << "; nothing was done, try again later\n";
        return exit_inbox_busy;
    }

    auto monitoring = Monitoring::start_for(ctx.get_executor(), *cfg);
    if (!monitoring) {
        std::cerr << "xferd: " << monitoring.error().message << "\n";
        return exit_usage;
    }
    Monitoring& m = **monitoring;

    Opened opened;
    if (int code = open_store_and_tls(*cfg, opened); code != exit_ok) return code;
    MobprocClient client(ctx.get_executor(), cfg->api, opened.tls,
                         [](std::string_view level, std::string_view message) {
                             log_line(log_level_named(level), message);
                         });
    client.set_metrics(&m.metrics());
    AsyncSemaphore budget(ctx.get_executor(), std::max(1u, cfg->api.concurrency));
    asio::thread_pool workers(1);
    StoreWriterOptions writer_options;
    writer_options.on_commit = [&m](std::chrono::duration<double> took) { m.metrics().store_commit(took); };
    StoreWriter writer(std::move(opened.writer), std::move(writer_options));
    BatchServices services{client, budget, writer, *opened.reader, workers, cfg->state_dir, progress_line_sink()};

    asio::steady_timer grace(ctx);
    TaskGroup work(ctx.get_executor());   // the batches' coroutine: what a signal stops
    SignalStop stop;
    stop_on_signal(signals, grace, work, cfg->watch.shutdown_grace, stop);

    BatchReporter reporter(&m.metrics(), &m.notifier());
    OnceRun once(*cfg, std::move(*scope), services, reporter);
    bool failed = false;
    work.spawn([&once]() { return once.run(); }, [&](std::exception_ptr e) {
        if (e) {
            try {
                std::rethrow_exception(e);
            } catch (const std::exception& x) {
                log_error(std::string("internal error: ") + x.what());
            }
            failed = true;
        }
        signals.cancel();
        grace.cancel();
    });
    // Not in `work`: the notifications of a stopped batch still go out (at most notify.timeout).
    auto finish = [&]() -> asio::awaitable<void> {
        co_await work.wait();
        m.stopping();
        co_await m.finish();
    };
    asio::co_spawn(ctx, finish(), log_if_thrown("the end of once"));
    ctx.run();   // returns when all is done: a stop cancels, nothing is abandoned
    progress_line_clear();
    if (failed) return exit_attention;
    if (stop.grace_over) {   // whatever was in flight is looked up next run
        std::cout << "stopped: the shutdown grace ran out with requests in flight; the batch resumes at the "
                     "next run"
                  << std::endl;
        return exit_attention;
    }
    if (once.outcomes().empty() && !once.approval_refused()) log_info("nothing to do");
    return exit_code(once.outcomes(), once.approval_refused(), stop.signalled);
}

}  // namespace xferd
