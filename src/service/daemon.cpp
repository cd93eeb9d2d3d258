#include "xferd/service/daemon.hpp"

#include "xferd/batch/batch_options.hpp"

#include "xferd/store/batch_snapshot.hpp"

#include "xferd/store/inbox_lock.hpp"
#include "xferd/service/inbox_scan.hpp"
#include "xferd/service/inotify_watcher.hpp"
#include "xferd/store/ledger.hpp"
#include "xferd/batch/process_log.hpp"
#include "xferd/batch/report.hpp"
#include "xferd/service/sd_notify.hpp"
#include "xferd/core/settle.hpp"
#include "xferd/core/sha256.hpp"

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

constexpr std::uint64_t max_approval_bytes = 16 * 1024 * 1024;
constexpr auto lock_retry = std::chrono::seconds(1);

std::optional<FileStamp> stamp_of(const fs::path& p)
{
    struct stat st {};
    if (::stat(p.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
    return FileStamp{static_cast<std::uint64_t>(st.st_size),
                     static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec};
}

std::chrono::system_clock::time_point wall_time(const FileStamp& s)
{
    return std::chrono::system_clock::time_point(
        std::chrono::duration_cast<std::chrono::system_clock::duration>(std::chrono::nanoseconds(s.mtime_ns)));
}

// The folder as the watcher and the scans name it: absolute, normalised, no trailing '/'.
fs::path folder_key(const fs::path& p)
{
    std::error_code ec;
    fs::path abs = fs::absolute(p, ec).lexically_normal();
    if (!abs.has_filename() && abs.has_parent_path() && abs != abs.root_path()) abs = abs.parent_path();
    return abs;
}

Result<std::string> read_file(const fs::path& p, std::uint64_t max_bytes)
{
    std::FILE* f = std::fopen(p.c_str(), "rb");
    if (!f) return make_error("cannot read " + p.string() + ": " + std::strerror(errno));
    std::string out;
    char buf[64 * 1024];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) {
        out.append(buf, n);
        if (out.size() > max_bytes) {
            std::fclose(f);
            return make_error(p.filename().string() + " is too large to be an approval");
        }
    }
    std::fclose(f);
    return Result<std::string>(boost::system::in_place_value, std::move(out));
}


// Whole-file replace for the daemon's own state (temp + fsync + rename).
Result<void> write_state_file(const fs::path& target, std::string_view content)
{
    std::error_code ec;
    fs::create_directories(target.parent_path(), ec);
    if (ec) return make_error("cannot create " + target.parent_path().string() + ": " + ec.message());
    fs::path tmp = target;
    tmp += ".tmp";
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
    if (fd < 0) return make_error("cannot write " + tmp.string() + ": " + std::strerror(errno));
    bool ok = ::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size()) && ::fsync(fd) == 0;
    ::close(fd);
    if (!ok || ::rename(tmp.c_str(), target.c_str()) != 0) {
        fs::remove(tmp, ec);
        return make_error("cannot write " + target.string() + ": " + std::strerror(errno));
    }
    return {};
}

std::string path_hash(const fs::path& p)
{
    Sha256 h;
    h.update(p.string());
    return h.hex_digest().substr(0, 16);
}

std::string_view decision_name(Decision d)
{
    auto s = to_string(d);
    return s.empty() ? std::string_view("PENDING") : s;
}

Decision decision_from(std::string_view s)
{
    if (s == "APPROVED") return Decision::approved;
    if (s == "REJECTED") return Decision::rejected;
    if (s == "INVALID") return Decision::invalid;
    return Decision::pending;
}

std::string plural(std::size_t n, const std::string& word)
{
    if (n == 1) return "1 " + word;
    const bool es = word.ends_with("x") || word.ends_with("ch");
    return std::to_string(n) + " " + word + (es ? "es" : "s");
}

// ── the real runner ───────────────────────────────────────────────────────────────────────

class PipelineRunner final : public BatchRunner {
public:
    PipelineRunner(asio::any_io_executor ex, const Config& config, std::shared_ptr<asio::ssl::context> tls,
                   std::shared_ptr<Ledger> ledger)
        : tls_(std::move(tls)),
          client_(ex, config.api, tls_,
                  [](std::string_view level, std::string_view message) {
                      log_line(log_level_named(level), message);
                  }),
          budget_(ex, std::max(1u, config.api.concurrency)),
          ledger_(std::move(ledger))
    {
    }

    asio::awaitable<BatchOutcome> process(fs::path input, BatchOptions options) override
    {
        co_return co_await process_batch(BatchContext{client_, budget_, *ledger_}, std::move(input), std::move(options));
    }

    std::optional<ConfirmedBatch> waiting_for_approval(const BatchOutcome& outcome, const BatchOptions&) override
    {
        if (!outcome.waiting_for_approval) return std::nullopt;
        // What the operator was shown is the confirmation CSV the pipeline has just written;
        // the confirmation time is when it was written.
        const fs::path csv = output_paths_for(outcome.input).confirmation_csv;
        auto stamp = stamp_of(csv);
        auto text = read_file(csv, 1ull << 30);
        if (!stamp || !text) {
            log_error(csv.string() + ": cannot read the confirmation report; the batch cannot be approved");
            return std::nullopt;
        }
        auto rows = parse_confirmation_csv(*text);
        if (!rows) {
            log_error(csv.string() + ": " + rows.error().message);
            return std::nullopt;
        }
        return ConfirmedBatch{outcome.sha256, wall_time(*stamp), std::move(*rows)};
    }

    asio::awaitable<BatchOutcome> submit_approved(fs::path input, ConfirmedBatch batch, ApprovalVerdict verdict,
                                                  BatchOptions options) override
    {
        // The pipeline resumes the confirmed batch from its journal and submits the rows whose
        // external order numbers the operator approved (and that were eligible).
        std::set<std::string> approved;
        for (std::size_t row : verdict.approved_rows)
            for (const auto& r : batch.rows)
                if (r.row == row) approved.insert(r.external_order_number);
        options.operator_approved = std::move(approved);
        co_return co_await process_batch(BatchContext{client_, budget_, *ledger_}, std::move(input), std::move(options));
    }

    void request_stop() override { client_.request_stop(); }

private:
    std::shared_ptr<asio::ssl::context> tls_;
    MobprocClient client_;
    AsyncSemaphore budget_;
    std::shared_ptr<Ledger> ledger_;
};

}  // namespace

RunnerFactory pipeline_runner_factory()
{
    // One ledger for the process, whatever the reloads (state_dir does not change on reload).
    auto ledger = std::make_shared<std::shared_ptr<Ledger>>();
    return [ledger](const Config& config, asio::any_io_executor ex) -> Result<std::shared_ptr<BatchRunner>> {
        auto tls = make_client_tls_context(config.api.ca_file);
        if (!tls) return tls.error();
        if (!*ledger) {
            auto opened = Ledger::open(config.state_dir);
            if (!opened) return opened.error();
            *ledger = std::make_shared<Ledger>(std::move(*opened));
        }
        return std::shared_ptr<BatchRunner>(std::make_shared<PipelineRunner>(ex, config, *tls, *ledger));
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
        enum class Kind { process, submit };
        Kind kind = Kind::process;
        fs::path input;
        std::int64_t order = 0;       // input mtime: oldest first
        ConfirmedBatch batch;         // submit
        ApprovalVerdict verdict;      // submit
        fs::path approval;            // submit: the file that approved it
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
    std::map<fs::path, ConfirmedBatch> waiting;        // input → the confirmation it waits on
    std::map<fs::path, FileStamp> approvals_acted_on;  // approval file → the version read
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
        if (is_approval_file(p)) {
            on_approval_file(p);
            return;
        }
        auto s = stamp_of(p);
        if (!s) return;
        if (auto w = waiting.find(p); w != waiting.end()) {
            // Confirmed earlier and waiting for the operator: unless its content changed since,
            // there is nothing to do until an approval arrives (whatever reports lie around).
            auto sha = hash_file(p, UINT64_MAX);
            if (sha && *sha == w->second.sha256) return;
        } else if (already_handled(p)) {
            // Quietly: a restart finds every earlier batch. One with IN_DOUBT rows is taken once
            // more (the settle tracker hands out each file version once per run).
            return;
        }
        enqueue(Job{Job::Kind::process, p, s->mtime_ns, {}, {}, {}});
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
        const std::string name = input.filename().string();
        if (job.kind == Job::Kind::process) {
            log_info(input.string() + ": processing (approval mode " + to_string(options.approval.mode) + ")");
            BatchOutcome outcome = co_await r->process(input, options);
            log_line(outcome.needs_attention() ? LogLevel::warn : LogLevel::info, outcome.summary());
            if (outcome.api_unreachable || outcome.interrupted) {
                tracker.forget(input);  // taken again at the next rescan (or the next start)
                co_return;
            }
            auto confirmed = r->waiting_for_approval(outcome, options);
            if (!confirmed) {
                set_waiting(input, std::nullopt);
                co_return;
            }
            set_waiting(input, std::move(*confirmed));
            const OutputPaths out = output_paths_for(input);
            log_info(name + ": waiting for operator approval: review " + out.confirmation_html.filename().string() +
                     ", then drop " + out.approve_file.filename().string() + " (`all` or external order numbers) or " +
                     out.approved_csv.filename().string());
            // An approval that arrived while it was being confirmed.
            for (const auto& a : {out.approve_file, out.approved_csv})
                if (stamp_of(a)) on_approval_file(a);
        } else {
            log_info(name + ": submitting what the operator approved: " + job.verdict.message);
            BatchOutcome outcome = co_await r->submit_approved(input, job.batch, job.verdict, options);
            log_line(outcome.needs_attention() ? LogLevel::warn : LogLevel::info, outcome.summary());
            if (outcome.api_unreachable || outcome.interrupted) {
                // Still waiting: act on the same approval again at the next rescan / start.
                approvals_acted_on.erase(job.approval);
                tracker.forget(job.approval);
                co_return;
            }
            if (outcome.waiting_for_approval) {
                log_error(name + ": the approved rows were not taken up; the batch still waits (" + outcome.message + ")");
                co_return;
            }
            auto w = waiting.find(input);
            if (w != waiting.end() && w->second.sha256 == job.batch.sha256) set_waiting(input, std::nullopt);
        }
    }

    // ── manual approval ──

    fs::path waiting_file(const fs::path& input) const
    {
        return config.state_dir / "approvals" / (path_hash(input) + ".json");
    }

    void set_waiting(const fs::path& input, std::optional<ConfirmedBatch> batch)
    {
        std::error_code ec;
        if (!batch) {
            if (waiting.erase(input)) fs::remove(waiting_file(input), ec);
            return;
        }
        waiting[input] = std::move(*batch);
        persist_waiting(input);
    }

    // Approvals survive restarts: what waits, and which approval versions were already refused
    // (so a restart does not refuse them again), is kept in state_dir.
    void persist_waiting(const fs::path& input)
    {
        const ConfirmedBatch& batch = waiting.at(input);
        json::array rows;
        for (const auto& r : batch.rows)
            rows.push_back(json::array{r.row, r.external_order_number, r.service_id, decision_name(r.decision), r.reason});
        json::array refused;
        const OutputPaths out = output_paths_for(input);
        for (const auto& a : {out.approve_file, out.approved_csv})
            if (auto it = approvals_acted_on.find(a); it != approvals_acted_on.end())
                refused.push_back(json::array{a.string(), it->second.size, it->second.mtime_ns});
        json::object o;
        o["input"] = input.string();
        o["sha256"] = batch.sha256;
        o["confirmed_at_ns"] =
            std::chrono::duration_cast<std::chrono::nanoseconds>(batch.confirmed_at.time_since_epoch()).count();
        o["rows"] = std::move(rows);
        o["refused"] = std::move(refused);
        auto w = write_state_file(waiting_file(input), json::serialize(o));
        if (!w) log_error(w.error().message + "; the approval wait for " + input.string() + " will not survive a restart");
    }

    void load_waiting()
    {
        std::error_code ec;
        const fs::path dir = config.state_dir / "approvals";
        for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
            if (it->path().extension() != ".json") continue;
            auto text = read_file(it->path(), 1ull << 30);
            if (!text) continue;
            try {
                auto o = json::parse(*text).as_object();
                ConfirmedBatch b;
                b.sha256 = json::value_to<std::string>(o.at("sha256"));
                b.confirmed_at = std::chrono::system_clock::time_point(
                    std::chrono::duration_cast<std::chrono::system_clock::duration>(
                        std::chrono::nanoseconds(o.at("confirmed_at_ns").to_number<std::int64_t>())));
                for (const auto& v : o.at("rows").as_array()) {
                    const auto& a = v.as_array();
                    b.rows.push_back(ConfirmedRow{a.at(0).to_number<std::size_t>(), json::value_to<std::string>(a.at(1)),
                                                  json::value_to<std::string>(a.at(2)),
                                                  decision_from(a.at(3).as_string()), json::value_to<std::string>(a.at(4))});
                }
                fs::path input = json::value_to<std::string>(o.at("input"));
                if (auto r = o.if_contains("refused"))
                    for (const auto& v : r->as_array()) {
                        const auto& a = v.as_array();
                        approvals_acted_on[json::value_to<std::string>(a.at(0))] =
                            FileStamp{a.at(1).to_number<std::uint64_t>(), a.at(2).to_number<std::int64_t>()};
                    }
                log_info(input.filename().string() + ": still waiting for operator approval (confirmed earlier)");
                waiting[input] = std::move(b);
            } catch (const std::exception& e) {
                log_error(it->path().string() + ": unreadable (" + e.what() + "); ignored");
            }
        }
    }

    void refuse_approval(const fs::path& input, const fs::path& approval, const std::string& message)
    {
        const std::string text = approval.filename().string() + ": " + message;
        log_warn(input.filename().string() + ": " + text);
        const OutputPaths out = output_paths_for(input);
        BatchLog log(out.log, true);
        log.error(text);
        auto w = write_report_atomically(out.error_txt, text + "\n");
        if (!w) log_error(w.error().message);
        persist_waiting(input);
    }

    void on_approval_file(const fs::path& approval)
    {
        fs::path input;
        for (const auto& [in, batch] : waiting) {
            const OutputPaths out = output_paths_for(in);
            if (out.approve_file == approval || out.approved_csv == approval) input = in;
        }
        if (input.empty()) {
            log_line(LogLevel::debug, approval.string() + ": no batch of that name waits for approval");
            return;
        }
        // Being confirmed again, or being submitted: looked at again when that is done.
        if (running.count(input)) return;
        if (std::any_of(queue.begin(), queue.end(), [&](const Job& j) { return j.input == input; })) return;

        auto stamp = stamp_of(approval);
        if (!stamp) return;
        auto seen = approvals_acted_on.find(approval);
        if (seen != approvals_acted_on.end() && seen->second == *stamp) return;
        approvals_acted_on[approval] = *stamp;

        const ConfirmedBatch& batch = waiting.at(input);
        const auto written_at = wall_time(*stamp);
        if (written_at < batch.confirmed_at) {
            // Left over from an earlier round of this batch name: not meant for this confirmation.
            log_info(approval.filename().string() + " predates the current confirmation of " + input.filename().string() +
                     "; write it again to approve the current one");
            return;
        }
        const BatchOptions options = batch_options_for(config, input.parent_path());
        auto text = read_file(approval, max_approval_bytes);
        if (!text) {
            refuse_approval(input, approval, "approval refused: " + text.error().message + "; nothing was submitted");
            return;
        }
        const bool is_csv = output_paths_for(input).approved_csv == approval;
        auto parsed = is_csv ? parse_approved_csv(*text) : parse_approve_file(*text);
        if (!parsed) {
            refuse_approval(input, approval, "approval refused: " + parsed.error().message + "; nothing was submitted");
            return;
        }
        ApprovalVerdict verdict = check_approval(*parsed, batch, written_at, std::chrono::system_clock::now(),
                                                 options.approval.max_age);
        if (verdict.accepted) {
            auto sha = hash_file(input, UINT64_MAX);
            if (!sha || *sha != batch.sha256) {
                verdict.accepted = false;
                verdict.message = "approval refused: " + input.filename().string() +
                                  (sha ? " changed since it was confirmed" : " is gone") +
                                  "; nothing was submitted. A changed file is confirmed anew: approve that "
                                  "confirmation";
            }
        }
        if (!verdict.accepted) {
            refuse_approval(input, approval, verdict.message);
            return;
        }
        log_info(input.filename().string() + ": " + approval.filename().string() + " accepted: " + verdict.message);
        for (const auto& note : verdict.notes) log_info(input.filename().string() + ": " + note);
        auto s = stamp_of(input);
        enqueue(Job{Job::Kind::submit, input, s ? s->mtime_ns : 0, batch, std::move(verdict), approval});
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
    d.load_waiting();
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
