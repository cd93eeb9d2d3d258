// The driver of core/daemon_flow.hpp: inbox locks and watches, inotify records, the timers,
// batches started and finished, signals, systemd. Every decision about files, jobs and the
// shutdown is the flow's; this file only turns what happens into its events and carries out
// the actions it answers.
#include "xferd/service/daemon.hpp"

#include "daemon_support.hpp"

#include "xferd/batch/batch_options.hpp"
#include "xferd/batch/process_log.hpp"
#include "xferd/batch/report.hpp"
#include "xferd/core/daemon_flow.hpp"
#include "xferd/core/printable.hpp"
#include "xferd/net/task_group.hpp"
#include "xferd/service/config_loading.hpp"
#include "xferd/service/inbox_scan.hpp"
#include "xferd/service/inotify_watcher.hpp"
#include "xferd/service/sd_notify.hpp"
#include "xferd/store/inbox_lock.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <csignal>
#include <deque>
#include <map>

namespace xferd {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using EventKind = DaemonEvent::Kind;

namespace {

constexpr auto lock_retry = std::chrono::seconds(1);
constexpr auto min_wake = std::chrono::milliseconds(20);   // never spin on a deadline already past

}  // namespace

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

    Impl(asio::io_context& c, fs::path path, Config cfg, RunnerFactory f)
        : ctx(c), config_path(std::move(path)), config(std::move(cfg)), factory(std::move(f)), wake(c), grace(c),
          watchdog_timer(c), done(c, Clock::time_point::max()), batches(c.get_executor())
    {
    }

    asio::io_context& ctx;
    fs::path config_path;
    Config config;
    RunnerFactory factory;
    std::shared_ptr<BatchRunner> runner;
    SdNotifier sd;
    DaemonFlow flow;
    std::unique_ptr<InotifyWatcher> watcher;
    std::vector<Inbox> inboxes;
    std::map<std::uint64_t, BatchOutcome> outcomes;   // of jobs ended, until reported
    std::deque<DaemonEvent> pending;                  // events to feed, in order
    bool feeding = false;
    asio::steady_timer wake, grace, watchdog_timer, done;
    // Every running job, each with a cancellation slot of its own: SIGTERM emits total (no new
    // rows, waits end), the grace's end terminal (requests in flight are cut); run() returns
    // once they have all unwound.
    TaskGroup batches;
    std::optional<asio::signal_set> signals;
    bool stopped = false;
    Clock::time_point flow_deadline = Clock::time_point::max();
    Clock::time_point next_lock_retry{};
    std::string last_status;

    // ── the flow ──

    static DaemonEvent event(EventKind kind, fs::path path = {})
    {
        DaemonEvent e;
        e.kind = kind;
        e.now = Clock::now();
        e.path = std::move(path);
        return e;
    }

    // Events caused by carrying out an action are fed after the actions of the current one, so
    // the flow always answers from its latest state (the last arm_timer wins).
    void feed(DaemonEvent e)
    {
        pending.push_back(std::move(e));
        if (feeding) return;
        feeding = true;
        while (!pending.empty()) {
            DaemonEvent next = std::move(pending.front());
            pending.pop_front();
            for (const auto& a : flow.on(next)) perform(a);
        }
        feeding = false;
        if (!stopped) {
            rearm();
            update_status();
        }
    }

    void perform(const DaemonAction& a)
    {
        using A = DaemonAction::Kind;
        switch (a.kind) {
        case A::start_job: start(a); break;
        case A::look: {
            DaemonEvent e = event(EventKind::file_seen, a.path);
            e.stamp = stamp_of(a.path);
            feed(std::move(e));
            break;
        }
        case A::rescan: rescan(); break;
        case A::match_approval: match_approval(a.path); break;
        case A::report:
            if (auto it = outcomes.find(a.job); it != outcomes.end()) {
                log_outcome(it->second);
                outcomes.erase(it);
            }
            break;
        case A::arm_timer: flow_deadline = a.at; break;
        case A::arm_grace: arm_grace(a.at); break;
        case A::log: log_line(a.level == DaemonAction::Level::warn ? LogLevel::warn : LogLevel::info, a.text); break;
        case A::exit: finish(a.grace_expired); break;
        }
    }

    void rearm()
    {
        auto deadline = flow.stopping() ? Clock::time_point::max() : flow_deadline;   // no more looks once stopping
        if (inboxes_need_attention() && !flow.stopping()) deadline = std::min(deadline, next_lock_retry);
        deadline = std::max(deadline, Clock::now() + min_wake);
        if (deadline != wake.expiry()) wake.expires_at(deadline);   // cancels the wait: timer_loop waits again
    }

    asio::awaitable<void> timer_loop()
    {
        while (!stopped) {
            auto [ec] = co_await wake.async_wait(asio::as_tuple(asio::use_awaitable));
            if (stopped) co_return;
            if (ec) continue;  // re-armed
            wake.expires_at(Clock::time_point::max());
            const auto now = Clock::now();
            if (now >= next_lock_retry && inboxes_need_attention()) attend_inboxes(now);
            feed(event(EventKind::timer_fired));
        }
    }

    void arm_grace(Clock::time_point at)
    {
        grace.expires_at(at);
        grace.async_wait([this](const boost::system::error_code& ec) {
            if (!ec && !stopped) feed(event(EventKind::grace_expired));
        });
    }

    void finish(bool grace_over)
    {
        stopped = true;
        if (grace_over) batches.emit(asio::cancellation_type::terminal);
        if (watcher) watcher->close();
        if (signals) {
            boost::system::error_code ec;
            signals->cancel(ec);
        }
        wake.cancel();
        grace.cancel();
        watchdog_timer.cancel();
        done.cancel();
    }

    // ── inboxes ──

    Inbox* inbox_of(const fs::path& file)
    {
        for (auto& in : inboxes)
            if (in.folder == file.parent_path()) return &in;
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
            feed(event(EventKind::inbox_dropped, gone.folder));
            log_info("inbox " + gone.folder.string() + " is no longer watched");
        }
        inboxes = std::move(next);
    }

    // Locks and watches the inboxes not yet locked / watched (again every second until done).
    void attend_inboxes(Clock::time_point now)
    {
        next_lock_retry = now + lock_retry;
        for (auto& in : inboxes) {
            if (!in.lock && !lock(in)) continue;
            if (in.watched || !watcher) continue;
            auto w = watcher->watch(in.folder);
            if (w) {
                in.watched = true;
                if (in.watch_error_logged) log_info("inbox " + in.folder.string() + " is watched again");
                in.watch_error_logged = false;
                feed(event(EventKind::rescan_now));  // whatever arrived before the watch
            } else if (!in.watch_error_logged) {
                log_error(w.error().message + "; retrying, and rescanning every " +
                          std::to_string(config.watch.rescan_interval.count()) + " ms");
                in.watch_error_logged = true;
            }
        }
    }

    bool lock(Inbox& in)
    {
        auto attempt = try_lock_inbox(config.state_dir, in.folder);
        if (!attempt.lock) {
            in.lock_message = attempt.message;
            if (!in.lock_logged) log_warn(attempt.message + (attempt.busy ? "; waiting for it to finish" : ""));
            in.lock_logged = true;
            return false;
        }
        in.lock = std::move(attempt.lock);
        if (in.lock_logged) log_info("inbox " + in.folder.string() + ": the other xferd is done; taking over");
        in.lock_logged = false;
        in.lock_message.clear();
        feed(event(EventKind::rescan_now));
        // Unfinished batches go on, waiting ones look for an approval left meanwhile.
        for (const auto& b : runner->batches({in.folder})) {
            DaemonEvent e = event(EventKind::stored_batch, b.input);
            e.batch = b.id;
            e.waiting = b.waiting;
            feed(std::move(e));
        }
        return true;
    }

    [[nodiscard]] bool inboxes_need_attention() const
    {
        return std::any_of(inboxes.begin(), inboxes.end(), [](const Inbox& i) { return !i.lock || !i.watched; });
    }

    void rescan()
    {
        for (auto& in : inboxes) {
            if (!in.lock) continue;
            std::error_code ec;
            for (fs::directory_iterator it(in.folder, ec), end; !ec && it != end; it.increment(ec)) {
                const fs::path& p = it->path();
                if (!is_batch_candidate(p) && !is_approval_file(p)) continue;
                DaemonEvent e = event(EventKind::file_seen, p);
                if (!(e.stamp = stamp_of(p))) continue;
                feed(std::move(e));
                if (runner && !flow.stopping() && runner->outputs_missing(p))   // results deleted meanwhile
                    feed(event(EventKind::outputs_missing, p));
            }
            if (runner && !flow.stopping()) notice_not_taken(in.folder);
        }
    }

    // Files the scan passed over are said once each (the store remembers), never silently left.
    void notice_not_taken(const fs::path& folder)
    {
        asio::co_spawn(ctx, runner->notice_files_not_taken(folder), [folder](std::exception_ptr e) {
            if (e) log_error(printable(folder.string()) + ": internal error while looking for files not taken");
        });
    }

    // The store knows which batch waits for this approval file.
    void match_approval(const fs::path& approval)
    {
        Inbox* in = inbox_of(approval);
        if (!in || !in->lock) return;
        for (const auto& b : runner->batches({in->folder})) {
            const OutputPaths out = output_paths_for(b.input);
            if (!b.waiting || (out.approve_file != approval && out.approved_csv != approval && out.approved_xlsx != approval))
                continue;
            DaemonEvent e = event(EventKind::approval_for, b.input);
            e.batch = b.id;
            e.approval = approval;
            feed(std::move(e));
        }
    }

    void on_watch_event(const WatchEvent& w)
    {
        using K = WatchEvent::Kind;
        switch (w.kind) {
        case K::moved_in:
        case K::close_write: {
            DaemonEvent e = event(w.kind == K::moved_in ? EventKind::file_moved_in : EventKind::file_closed, w.path);
            e.stamp = stamp_of(w.path);
            feed(std::move(e));
            break;
        }
        case K::modified: feed(event(EventKind::file_modified, w.path)); break;
        case K::removed: feed(event(EventKind::file_deleted, w.path)); break;
        case K::overflow: feed(event(EventKind::events_lost)); break;
        case K::folder_gone:
            for (auto& in : inboxes) {
                if (in.folder != w.path) continue;
                in.watched = false;
                log_warn("inbox " + in.folder.string() + " was removed or moved away; watching it again once it is back");
                in.watch_error_logged = true;
            }
            rearm();
            break;
        }
    }

    asio::awaitable<void> watch_loop()
    {
        while (!stopped && watcher) {
            auto events = co_await watcher->next();
            if (!events) {
                if (!stopped)
                    log_error(events.error().message + "; relying on the rescan every " +
                              std::to_string(config.watch.rescan_interval.count()) + " ms");
                co_return;
            }
            for (const auto& e : *events) on_watch_event(e);
        }
    }

    // ── batches ──

    void start(const DaemonAction& a)
    {
        const std::uint64_t job = a.job;
        const fs::path input = a.path;
        auto outcome = std::make_shared<BatchOutcome>();
        batches.spawn(
            [r = runner, kind = a.job_kind, input, id = a.batch, options = batch_options_for(config, input.parent_path()),
             outcome]() -> asio::awaitable<void> { *outcome = co_await run_job(r, kind, input, id, options); },
            [this, job, input, outcome](std::exception_ptr e) { job_ended(job, input, e, std::move(*outcome)); });
    }

    void job_ended(std::uint64_t job, const fs::path& input, std::exception_ptr e, BatchOutcome outcome)
    {
        DaemonEvent finished = event(EventKind::batch_finished, input);
        finished.job = job;
        finished.end = JobEnd::done;   // an internal error: not retried in a loop
        if (e) {
            try {
                std::rethrow_exception(e);
            } catch (const std::exception& x) {
                log_error(input.string() + ": internal error: " + x.what());
            }
        } else if (stopped) {
            outcome.input = outcome.input.empty() ? input : outcome.input;
            log_outcome(outcome);   // cut by the grace's end: the flow has exited and reports no more
        } else {
            finished.end = job_end_of(outcome);
            outcome.input = outcome.input.empty() ? input : outcome.input;
            outcomes.emplace(job, std::move(outcome));
        }
        feed(std::move(finished));
    }

    static asio::awaitable<BatchOutcome> run_job(std::shared_ptr<BatchRunner> r, JobKind kind, fs::path input,
                                                 BatchId batch, BatchOptions options)
    {
        switch (kind) {
        case JobKind::take: co_return co_await r->process(input, options);
        case JobKind::resume: co_return co_await r->resume(batch, options);
        case JobKind::approve: break;
        }
        co_return co_await r->approve(batch, options);
    }

    // ── systemd ──

    std::string status_text() const
    {
        const auto running = flow.running();
        if (flow.stopping()) return "stopping: waiting for " + plural(running.size(), "batch") + " to finish";
        std::size_t watched = std::count_if(inboxes.begin(), inboxes.end(), [](const Inbox& i) { return i.lock.has_value(); });
        std::string s = "watching " + plural(watched, "inbox") + "; ";
        if (running.empty()) s += "idle";
        for (std::size_t i = 0; i < running.size(); ++i) s += (i ? ", " : "processing ") + running[i].filename().string();
        if (flow.queued()) s += "; " + std::to_string(flow.queued()) + " queued";
        if (flow.waiting()) s += "; " + std::to_string(flow.waiting()) + " waiting for approval";
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

    void reload_failed(const std::string& why)
    {
        log_error("reload failed, the running configuration is kept: " + why);
        sd.ready_with_status(status_text() + "; last reload failed, old configuration kept");
        last_status.clear();
    }

    void do_reload()
    {
        sd.reloading();
        log_info("SIGHUP: reloading " + config_path.string());
        auto loaded = load_config(config_path);
        if (!loaded) return reload_failed(loaded.error().message);
        Config next = std::move(*loaded);
        if (folder_key(next.state_dir) != folder_key(config.state_dir)) {
            log_warn("reload: state_dir changed to " + next.state_dir.string() +
                     "; that takes a restart (locks, journals and approvals live there); keeping " +
                     config.state_dir.string());
            next.state_dir = config.state_dir;
        }
        auto r = factory(next, ctx.get_executor());
        if (!r) return reload_failed(r.error().message);
        runner = std::move(*r);  // running batches finish with the runner they started with
        config = std::move(next);
        DaemonEvent configured = event(EventKind::configured);
        configured.settings = settings_of(config);
        feed(std::move(configured));
        set_inboxes(config.inboxes);
        attend_inboxes(Clock::now());
        log_info("configuration reloaded: " + plural(config.inboxes.size(), "inbox") + ", up to " +
                 plural(config.watch.max_parallel_batches, "batch") + " at once");
        last_status = status_text();
        sd.ready_with_status(last_status);
    }
};

Daemon::Daemon(asio::io_context& ctx, fs::path config_path, Config config, RunnerFactory factory)
    : impl_(std::make_unique<Impl>(ctx, std::move(config_path), std::move(config), std::move(factory)))
{
}

Daemon::~Daemon() = default;

bool Daemon::stopping() const { return impl_->stopped || impl_->flow.stopping(); }

void Daemon::reload()
{
    if (impl_->stopped || impl_->flow.stopping()) return;
    impl_->do_reload();
}

void Daemon::stop()
{
    auto& d = *impl_;
    if (d.stopped || d.flow.stopping()) return;
    d.sd.stopping();
    d.batches.emit(asio::cancellation_type::total);   // each batch stops at its next clean point
    d.feed(Impl::event(EventKind::stop_requested));
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
        log_if_thrown("the signal handler"));
}

asio::awaitable<Result<void>> Daemon::run()
{
    auto& d = *impl_;
    auto ex = d.ctx.get_executor();
    auto r = d.factory(d.config, ex);
    if (!r) co_return r.error();
    d.runner = std::move(*r);
    auto w = InotifyWatcher::create(ex);
    if (!w) co_return w.error();
    d.watcher = std::move(*w);
    DaemonEvent configured = Impl::event(EventKind::configured);
    configured.settings = settings_of(d.config);
    d.feed(std::move(configured));
    d.set_inboxes(d.config.inboxes);
    d.attend_inboxes(Clock::now());
    asio::co_spawn(d.ctx, d.watch_loop(), log_if_thrown("the inbox watcher"));
    asio::co_spawn(d.ctx, d.timer_loop(), log_if_thrown("the rescan timer"));
    asio::co_spawn(d.ctx, d.watchdog_loop(), log_if_thrown("the systemd watchdog"));

    d.last_status = d.status_text();
    d.sd.ready_with_status(d.last_status);
    std::string folders;
    for (const auto& in : d.inboxes) folders += (folders.empty() ? "" : ", ") + in.folder.string();
    log_info("xferd run: watching " + folders + " (settle " + std::to_string(d.config.watch.settle.count()) +
             " ms, rescan every " + std::to_string(d.config.watch.rescan_interval.count()) + " ms, up to " +
             plural(d.config.watch.max_parallel_batches, "batch") + " at once)");
    d.feed(Impl::event(EventKind::rescan_now));

    if (!d.stopped) co_await d.done.async_wait(asio::as_tuple(asio::use_awaitable));
    // After the grace, what a batch still does once cut (a store write, a report) has deadlines
    // of its own (store busy timeout, request and connect timeouts): nothing here is left behind
    // for the io_context's end to destroy under it.
    co_await d.batches.wait();
    log_info("stopped");
    co_return Result<void>{};
}

}  // namespace xferd
