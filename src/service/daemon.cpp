#include "xferd/service/daemon.hpp"

#include "xferd/batch/batch_options.hpp"

#include "xferd/batch/intake.hpp"
#include "xferd/batch/operator_approval.hpp"
#include "xferd/batch/process_log.hpp"
#include "xferd/batch/report.hpp"
#include "xferd/core/printable.hpp"
#include "xferd/core/settle.hpp"
#include "xferd/service/config_loading.hpp"
#include "xferd/service/inbox_scan.hpp"
#include "xferd/service/inotify_watcher.hpp"
#include "xferd/service/sd_notify.hpp"
#include "xferd/store/inbox_lock.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value_to.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <map>
#include <set>

namespace xferd {

namespace fs = std::filesystem;
namespace json = boost::json;
using Clock = SettleTracker::Clock;

namespace {

constexpr auto lock_retry = std::chrono::seconds(1);

std::optional<FileStamp> stamp_of(const fs::path& p)
{
    struct stat st {};
    if (::stat(p.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
    return FileStamp{static_cast<std::uint64_t>(st.st_size),
                     static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec};
}

// The folder as the watcher and the scans name it: absolute, normalised, no trailing '/'.
fs::path folder_key(const fs::path& p)
{
    std::error_code ec;
    fs::path abs = fs::absolute(p, ec).lexically_normal();
    if (!abs.has_filename() && abs.has_parent_path() && abs != abs.root_path()) abs = abs.parent_path();
    return abs;
}

std::string plural(std::size_t n, const std::string& word)
{
    if (n == 1) return "1 " + word;
    const bool es = word.ends_with("x") || word.ends_with("ch");
    return std::to_string(n) + " " + word + (es ? "es" : "s");
}

// ── the real runner ───────────────────────────────────────────────────────────────────────

// The store, the writer and the worker thread: one for the process, whatever the reloads
// (state_dir does not change on reload).
struct SharedStore {
    std::unique_ptr<StateStore> reader;
    std::unique_ptr<StoreWriter> writer;
    std::unique_ptr<asio::thread_pool> workers;
    fs::path state_dir;
};

class PipelineRunner final : public BatchRunner {
public:
    PipelineRunner(asio::any_io_executor ex, const Config& config, std::shared_ptr<asio::ssl::context> tls,
                   std::shared_ptr<SharedStore> store)
        : tls_(std::move(tls)),
          client_(ex, config.api, tls_,
                  [](std::string_view level, std::string_view message) {
                      log_line(log_level_named(level), message);
                  }),
          budget_(ex, std::max(1u, config.api.concurrency)),
          store_(std::move(store)),
          services_{client_, budget_, *store_->writer, *store_->reader, *store_->workers, store_->state_dir, {}}
    {
    }

    asio::awaitable<BatchOutcome> process(fs::path input, BatchOptions options) override
    {
        Intake in = co_await take_file(services_, input, options);
        if (in.kind != Intake::Kind::run) co_return outcome_of(in, input);
        log_info(printable(input.string()) + ": processing (approval mode " + to_string(options.approval.mode) + ")");
        co_return co_await run_batch(services_, in.batch, std::move(options));
    }

    asio::awaitable<BatchOutcome> resume(BatchId batch, BatchOptions options) override
    {
        co_return co_await run_batch(services_, batch, std::move(options));
    }

    asio::awaitable<BatchOutcome> approve(BatchId batch, BatchOptions options) override
    {
        auto a = co_await act_on_operator_approval(services_, batch, options.approval);
        BatchOutcome o = co_await run_batch(services_, batch, options);
        if (a.kind == ApprovalOutcome::Kind::refused) o.message = a.file.filename().string() + ": " + a.message;
        co_return o;
    }

    std::vector<StoredBatch> batches(const std::vector<fs::path>& folders) override
    {
        std::vector<StoredBatch> out;
        auto all = store_->reader->list_batches(false, 1'000'000);
        if (!all) {
            log_error(all.error().message);
            return out;
        }
        for (const auto& b : *all) {
            if (!is_unfinished(b.stage) && b.stage != BatchStage::awaiting_approval) continue;
            const fs::path path = b.path;
            if (std::find(folders.begin(), folders.end(), path.parent_path()) == folders.end()) continue;
            out.push_back({b.id, path, b.stage == BatchStage::awaiting_approval});
        }
        return out;
    }

    void request_stop() override { client_.request_stop(); }

private:
    std::shared_ptr<asio::ssl::context> tls_;
    MobprocClient client_;
    AsyncSemaphore budget_;
    std::shared_ptr<SharedStore> store_;
    BatchServices services_;
};

}  // namespace

RunnerFactory pipeline_runner_factory()
{
    auto shared = std::make_shared<std::shared_ptr<SharedStore>>();
    return [shared](const Config& config, asio::any_io_executor ex) -> Result<std::shared_ptr<BatchRunner>> {
        auto tls = make_client_tls_context(config.api.ca_file);
        if (!tls) return tls.error();
        if (!*shared) {
            auto reader = open_sqlite_store(config.state_dir);
            if (!reader) return reader.error();
            auto writer = open_sqlite_store(config.state_dir);
            if (!writer) return writer.error();
            auto s = std::make_shared<SharedStore>();
            s->reader = std::move(*reader);
            s->writer = std::make_unique<StoreWriter>(std::move(*writer));
            s->workers = std::make_unique<asio::thread_pool>(1);
            s->state_dir = config.state_dir;
            *shared = std::move(s);
        }
        return std::shared_ptr<BatchRunner>(std::make_shared<PipelineRunner>(ex, config, *tls, *shared));
    };
}

// ── the daemon ───────────────────────────────────────────────────────────────────────────

struct Daemon::Impl {
    struct Inbox {
        InboxConfig config;
        fs::path folder;
        std::optional<InboxLock> lock;
        std::string lock_message;     // why we wait for it (shown in STATUS)
        bool lock_logged = false;
        bool watched = false;
        bool watch_error_logged = false;
    };
    struct Job {
        enum class Kind {
            process,   // a file in an inbox: intake decides
            resume,    // a batch the store says is unfinished (its input may be gone)
            approve,   // a batch waiting for its operator: an approval file appeared
        };
        Kind kind = Kind::process;
        fs::path input;               // the file, or the batch's input path
        BatchId batch = 0;            // resume, approve
        std::int64_t order = 0;       // input mtime: oldest first
    };

    Impl(asio::io_context& c, fs::path path, Config cfg, RunnerFactory f)
        : ctx(c), config_path(std::move(path)), config(std::move(cfg)), factory(std::move(f)),
          tracker(config.watch.settle), tasks(c.get_executor()), wake(c), watchdog_timer(c)
    {
    }

    asio::io_context& ctx;
    fs::path config_path;
    Config config;
    RunnerFactory factory;
    std::shared_ptr<BatchRunner> runner;
    std::vector<std::weak_ptr<BatchRunner>> runners;  // every generation, for stop()
    SdNotifier sd;
    SettleTracker tracker;
    std::unique_ptr<InotifyWatcher> watcher;
    std::vector<Inbox> inboxes;
    std::vector<Job> queue;
    std::set<fs::path> running;
    std::set<fs::path> waiting;   // inputs of batches waiting for their operator (for STATUS)
    TaskCounter tasks;
    asio::steady_timer wake;
    asio::steady_timer watchdog_timer;
    std::optional<asio::signal_set> signals;
    bool stopping = false;
    bool stopped = false;
    bool reload_requested = false;
    bool rescan_requested = true;
    bool poked = false;
    bool grace_expired = false;
    Clock::time_point next_rescan{};
    Clock::time_point next_lock_retry{};
    std::string last_status;

    void poke()
    {
        poked = true;
        wake.cancel();
    }

    // ── inboxes ──

    Inbox* inbox_of(const fs::path& file)
    {
        const fs::path folder = file.parent_path();
        for (auto& in : inboxes)
            if (in.folder == folder) return &in;
        return nullptr;
    }

    void set_inboxes(const std::vector<InboxConfig>& configs)
    {
        std::vector<Inbox> next;
        for (const auto& ic : configs) {
            const fs::path folder = folder_key(ic.path);
            if (std::any_of(next.begin(), next.end(), [&](const Inbox& i) { return i.folder == folder; })) continue;
            auto old = std::find_if(inboxes.begin(), inboxes.end(), [&](const Inbox& i) { return i.folder == folder; });
            if (old != inboxes.end()) {
                old->config = ic;
                next.push_back(std::move(*old));
                inboxes.erase(old);
            } else {
                next.push_back(Inbox{ic, folder, std::nullopt, {}, false, false, false});
            }
        }
        for (auto& gone : inboxes) {  // no longer configured: stop watching, release the lock
            if (watcher) watcher->unwatch(gone.folder);
            std::erase_if(queue, [&](const Job& j) { return j.input.parent_path() == gone.folder; });
            log_info("inbox " + gone.folder.string() + " is no longer watched");
        }
        inboxes = std::move(next);
    }

    // Locks and watches the inboxes not yet locked / watched (again every second until done).
    void attend_inboxes(Clock::time_point now)
    {
        next_lock_retry = now + lock_retry;
        for (auto& in : inboxes) {
            if (!in.lock) {
                auto attempt = try_lock_inbox(config.state_dir, in.folder);
                if (attempt.lock) {
                    in.lock = std::move(attempt.lock);
                    if (in.lock_logged) log_info("inbox " + in.folder.string() + ": the other xferd is done; taking over");
                    in.lock_logged = false;
                    in.lock_message.clear();
                    rescan_requested = true;
                    enqueue_stored(in.folder);
                } else {
                    in.lock_message = attempt.message;
                    if (!in.lock_logged) log_warn(attempt.message + (attempt.busy ? "; waiting for it to finish" : ""));
                    in.lock_logged = true;
                    continue;
                }
            }
            if (!in.watched && watcher) {
                auto w = watcher->watch(in.folder);
                if (w) {
                    in.watched = true;
                    if (in.watch_error_logged) log_info("inbox " + in.folder.string() + " is watched again");
                    in.watch_error_logged = false;
                    rescan_requested = true;  // whatever arrived before the watch
                } else if (!in.watch_error_logged) {
                    log_error(w.error().message + "; retrying, and rescanning every " +
                              std::to_string(config.watch.rescan_interval.count()) + " ms");
                    in.watch_error_logged = true;
                }
            }
        }
    }

    [[nodiscard]] bool inboxes_need_attention() const
    {
        return std::any_of(inboxes.begin(), inboxes.end(), [](const Inbox& i) { return !i.lock || !i.watched; });
    }

    void rescan(Clock::time_point now)
    {
        for (auto& in : inboxes) {
            if (!in.lock) continue;
            std::error_code ec;
            for (fs::directory_iterator it(in.folder, ec), end; !ec && it != end; it.increment(ec)) {
                const fs::path& p = it->path();
                if (!is_batch_candidate(p) && !is_approval_file(p)) continue;
                if (auto s = stamp_of(p)) tracker.seen(p, *s, now);
            }
        }
    }

    void on_event(const WatchEvent& e, Clock::time_point now)
    {
        switch (e.kind) {
        case WatchEvent::Kind::moved_in:
            if (auto s = stamp_of(e.path)) tracker.moved_in(e.path, *s, now);
            break;
        case WatchEvent::Kind::close_write:
            if (auto s = stamp_of(e.path)) tracker.close_write(e.path, *s, now);
            break;
        case WatchEvent::Kind::removed:
            tracker.deleted(e.path);
            std::erase_if(queue, [&](const Job& j) { return j.input == e.path && j.kind == Job::Kind::process; });
            break;
        case WatchEvent::Kind::overflow:
            log_warn("inotify queue overflow: events were lost; rescanning the inboxes");
            rescan_requested = true;
            break;
        case WatchEvent::Kind::folder_gone:
            for (auto& in : inboxes) {
                if (in.folder != e.path) continue;
                in.watched = false;
                log_warn("inbox " + in.folder.string() + " was removed or moved away; watching it again once it is back");
                in.watch_error_logged = true;
            }
            break;
        }
    }

    asio::awaitable<void> watch_loop()
    {
        while (!stopping && watcher) {
            auto events = co_await watcher->next();
            if (!events) {
                if (!stopping)
                    log_error(events.error().message + "; relying on the rescan every " +
                              std::to_string(config.watch.rescan_interval.count()) + " ms");
                co_return;
            }
            const auto now = Clock::now();
            for (const auto& e : *events) on_event(e, now);
            poke();
        }
    }

    // ── batches ──

    // Results (or a file-level rejection) newer than the input: handled before, by this daemon
    // before a restart or by `xferd once`. Touching the input makes it new again.
    void enqueue(Job job)
    {
        std::erase_if(queue, [&](const Job& j) { return j.input == job.input && j.kind == job.kind; });
        auto at = std::upper_bound(queue.begin(), queue.end(), job.order,
                                   [](std::int64_t order, const Job& j) { return order < j.order; });
        queue.insert(at, std::move(job));
    }

    void route(const fs::path& p)
    {
        Inbox* in = inbox_of(p);
        if (!in || !in->lock) return;
        auto s = stamp_of(p);
        if (is_approval_file(p)) {
            // The store knows which batch waits for it; the runner finds out (or says nothing).
            for (const auto& b : runner->batches({in->folder}))
                if (b.waiting && (output_paths_for(b.input).approve_file == p ||
                                  output_paths_for(b.input).approved_csv == p ||
                                  output_paths_for(b.input).approved_xlsx == p))
                    enqueue(Job{Job::Kind::approve, b.input, b.id, s ? s->mtime_ns : 0});
            return;
        }
        // Intake decides from the store whether there is anything to do.
        enqueue(Job{Job::Kind::process, p, 0, s ? s->mtime_ns : 0});
    }

    // At start (and after a lock is taken over): unfinished batches go on, waiting ones look for
    // an approval left meanwhile.
    void enqueue_stored(const fs::path& folder)
    {
        for (const auto& b : runner->batches({folder}))
            enqueue(Job{b.waiting ? Job::Kind::approve : Job::Kind::resume, b.input, b.id, 0});
    }

    void dispatch()
    {
        if (stopping) return;
        const std::size_t limit = std::max(1u, config.watch.max_parallel_batches);
        while (running.size() < limit) {
            auto it = std::find_if(queue.begin(), queue.end(), [&](const Job& j) { return !running.count(j.input); });
            if (it == queue.end()) break;
            Job job = std::move(*it);
            queue.erase(it);
            start(std::move(job));
        }
    }

    void start(Job job)
    {
        const fs::path input = job.input;
        running.insert(input);
        tasks.add();
        asio::co_spawn(ctx, run_job(runner, std::move(job), batch_options_for(config, input.parent_path())),
                       [this, input](std::exception_ptr e) {
                           if (e) {
                               try {
                                   std::rethrow_exception(e);
                               } catch (const std::exception& x) {
                                   log_error(input.string() + ": internal error: " + x.what());
                               }
                           }
                           running.erase(input);
                           tasks.done();
                           poke();
                       });
    }

    asio::awaitable<void> run_job(std::shared_ptr<BatchRunner> r, Job job, BatchOptions options)
    {
        const fs::path input = job.input;
        BatchOutcome outcome;
        switch (job.kind) {
        case Job::Kind::process: outcome = co_await r->process(input, options); break;
        case Job::Kind::resume: outcome = co_await r->resume(job.batch, options); break;
        case Job::Kind::approve: outcome = co_await r->approve(job.batch, options); break;
        }
        using E = BatchOutcome::End;
        if (outcome.end == E::nothing_to_do) co_return;
        if (outcome.end == E::waiting_for_approval) {
            waiting.insert(input);
            if (!outcome.message.empty()) log_warn(printable(input.filename().string()) + ": " + outcome.message);
            log_info(printable(input.filename().string()) + ": waiting for operator approval: " + outcome.approve_hint);
            co_return;
        }
        waiting.erase(input);
        log_line(outcome.needs_attention() ? LogLevel::warn : LogLevel::info, outcome.summary());
        if (outcome.end == E::api_unavailable || outcome.end == E::interrupted || outcome.end == E::left_for_later ||
            outcome.end == E::state_error)
            tracker.forget(input);  // taken again at the next rescan (or the next start)
    }

    // ── systemd ──

    std::string status_text() const
    {
        std::size_t watched = std::count_if(inboxes.begin(), inboxes.end(), [](const Inbox& i) { return i.lock.has_value(); });
        std::string s;
        if (stopping) {
            s = "stopping: waiting for " + plural(running.size(), "batch") + " to finish";
            return s;
        }
        s = "watching " + plural(watched, "inbox") + "; ";
        if (running.empty()) {
            s += "idle";
        } else {
            s += "processing ";
            bool first = true;
            for (const auto& r : running) {
                s += (first ? "" : ", ") + r.filename().string();
                first = false;
            }
        }
        if (!queue.empty()) s += "; " + std::to_string(queue.size()) + " queued";
        if (!waiting.empty()) s += "; " + std::to_string(waiting.size()) + " waiting for approval";
        for (const auto& in : inboxes)
            if (!in.lock && !in.lock_message.empty()) s += "; " + in.lock_message;
        return s;
    }

    void update_status()
    {
        std::string s = status_text();
        if (s == last_status) return;
        last_status = s;
        sd.status(s);
    }

    asio::awaitable<void> watchdog_loop()
    {
        auto period = sd.watchdog_period();
        if (!period) co_return;
        sd.watchdog();
        while (!stopped) {
            watchdog_timer.expires_after(*period);
            auto [ec] = co_await watchdog_timer.async_wait(asio::as_tuple(asio::use_awaitable));
            if (ec || stopped) co_return;
            sd.watchdog();
        }
    }

    // ── reload ──

    void do_reload()
    {
        sd.reloading();
        log_info("SIGHUP: reloading " + config_path.string());
        auto loaded = load_config(config_path);
        if (!loaded) {
            log_error("reload failed, the running configuration is kept: " + loaded.error().message);
            sd.ready_with_status(status_text() + "; last reload failed, old configuration kept");
            last_status.clear();
            return;
        }
        Config next = std::move(*loaded);
        if (folder_key(next.state_dir) != folder_key(config.state_dir)) {
            log_warn("reload: state_dir changed to " + next.state_dir.string() +
                     "; that takes a restart (locks, journals and approvals live there); keeping " +
                     config.state_dir.string());
            next.state_dir = config.state_dir;
        }
        auto r = factory(next, ctx.get_executor());
        if (!r) {
            log_error("reload failed, the running configuration is kept: " + r.error().message);
            sd.ready_with_status(status_text() + "; last reload failed, old configuration kept");
            last_status.clear();
            return;
        }
        runner = std::move(*r);  // running batches finish with the runner they started with
        runners.push_back(runner);
        config = std::move(next);
        tracker.set_settle(config.watch.settle);
        set_inboxes(config.inboxes);
        const auto now = Clock::now();
        next_lock_retry = now;
        next_rescan = now;
        log_info("configuration reloaded: " + plural(config.inboxes.size(), "inbox") + ", up to " +
                 plural(config.watch.max_parallel_batches, "batch") + " at once");
        last_status = status_text();
        sd.ready_with_status(last_status);
    }

    // ── the loop ──

    asio::awaitable<void> main_loop()
    {
        while (!stopping) {
            poked = false;
            if (reload_requested) {
                reload_requested = false;
                do_reload();
            }
            auto now = Clock::now();
            if (now >= next_lock_retry) attend_inboxes(now);
            if (rescan_requested || now >= next_rescan) {
                rescan_requested = false;
                rescan(now);
                next_rescan = now + config.watch.rescan_interval;
            }
            for (const auto& p : tracker.due(now)) {
                if (auto s = stamp_of(p)) tracker.seen(p, *s, now);
                else tracker.deleted(p);
            }
            for (const auto& p : tracker.take_ready()) route(p);
            dispatch();
            update_status();
            if (poked || stopping) continue;

            auto deadline = next_rescan;
            if (auto due = tracker.next_due()) deadline = std::min(deadline, *due);
            if (inboxes_need_attention()) deadline = std::min(deadline, next_lock_retry);
            wake.expires_at(deadline);
            co_await wake.async_wait(asio::as_tuple(asio::use_awaitable));
        }
    }

    asio::awaitable<void> shut_down()
    {
        using namespace asio::experimental::awaitable_operators;
        sd.stopping();
        const std::size_t queued = queue.size();
        queue.clear();  // not started: found again at the next start
        log_info("stopping: " + plural(running.size(), "running batch") + " to finish" +
                 (queued ? ", " + plural(queued, "queued batch") + " left for the next start" : std::string()));
        last_status.clear();
        update_status();
        if (tasks.count() > 0) {
            asio::steady_timer grace(ctx, config.watch.shutdown_grace);
            auto which = co_await (tasks.wait() || grace.async_wait(asio::as_tuple(asio::use_awaitable)));
            if (which.index() == 1 && tasks.count() > 0) {
                grace_expired = true;
                log_warn("shutdown grace of " + std::to_string(config.watch.shutdown_grace.count()) + " ms is over with " +
                         plural(tasks.count(), "batch") +
                         " still running; exiting anyway: their journal resumes them at the next start");
            }
        }
        stopped = true;
        if (watcher) watcher->close();
        if (signals) {
            boost::system::error_code ec;
            signals->cancel(ec);
        }
        watchdog_timer.cancel();
        log_info("stopped");
    }
};

Daemon::Daemon(asio::io_context& ctx, fs::path config_path, Config config, RunnerFactory factory)
    : impl_(std::make_unique<Impl>(ctx, std::move(config_path), std::move(config), std::move(factory)))
{
}

Daemon::~Daemon() = default;

bool Daemon::grace_expired() const { return impl_->grace_expired; }

void Daemon::reload()
{
    impl_->reload_requested = true;
    impl_->poke();
}

void Daemon::stop()
{
    if (impl_->stopping) return;
    impl_->stopping = true;
    for (auto& weak : impl_->runners)
        if (auto r = weak.lock()) r->request_stop();
    impl_->poke();
}

void Daemon::handle_signals()
{
    auto& d = *impl_;
    d.signals.emplace(d.ctx, SIGHUP, SIGTERM, SIGINT);
    asio::co_spawn(
        d.ctx,
        [this]() -> asio::awaitable<void> {
            for (;;) {
                auto [ec, sig] = co_await impl_->signals->async_wait(asio::as_tuple(asio::use_awaitable));
                if (ec) co_return;
                if (sig == SIGHUP) {
                    reload();
                } else {
                    log_info(std::string(sig == SIGINT ? "SIGINT" : "SIGTERM") + ": stopping");
                    stop();
                }
            }
        },
        asio::detached);
}

asio::awaitable<Result<void>> Daemon::run()
{
    auto& d = *impl_;
    auto ex = d.ctx.get_executor();
    auto r = d.factory(d.config, ex);
    if (!r) co_return r.error();
    d.runner = std::move(*r);
    d.runners.push_back(d.runner);
    auto w = InotifyWatcher::create(ex);
    if (!w) co_return w.error();
    d.watcher = std::move(*w);
    d.tracker.set_settle(d.config.watch.settle);
    d.set_inboxes(d.config.inboxes);
    d.attend_inboxes(Clock::now());
    asio::co_spawn(d.ctx, d.watch_loop(), asio::detached);
    asio::co_spawn(d.ctx, d.watchdog_loop(), asio::detached);

    d.last_status = d.status_text();
    d.sd.ready_with_status(d.last_status);
    std::string folders;
    for (const auto& in : d.inboxes) folders += (folders.empty() ? "" : ", ") + in.folder.string();
    log_info("xferd run: watching " + folders + " (settle " + std::to_string(d.config.watch.settle.count()) +
             " ms, rescan every " + std::to_string(d.config.watch.rescan_interval.count()) + " ms, up to " +
             plural(d.config.watch.max_parallel_batches, "batch") + " at once)");

    co_await d.main_loop();
    co_await d.shut_down();
    co_return Result<void>{};
}

int run_daemon(const std::string& config_path)
{
    auto config = load_config(config_path);
    if (!config) {
        std::cerr << "xferd: " << config.error().message << "\n";
        return 2;
    }
    asio::io_context ctx{1};
    Daemon daemon(ctx, config_path, std::move(*config), pipeline_runner_factory());
    daemon.handle_signals();
    int code = 0;
    asio::co_spawn(ctx, daemon.run(), [&](std::exception_ptr e, Result<void> r) {
        if (e) {
            try {
                std::rethrow_exception(e);
            } catch (const std::exception& x) {
                log_error(std::string("fatal: ") + x.what());
            }
            code = 2;
        } else if (!r) {
            log_error(r.error().message);
            code = 2;
        }
        ctx.stop();
    });
    ctx.run();
    if (daemon.grace_expired()) {
        // Batches still in flight hold the io_context; their journal lets the next start resume
        // them. Leave without unwinding them.
        std::fflush(stderr);
        std::_Exit(code);
    }
    return code;
}

}  // namespace xferd
