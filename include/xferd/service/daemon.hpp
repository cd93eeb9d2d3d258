// `xferd run`: the daemon. Its decisions are core/daemon_flow.hpp's; this is the driver that
// turns inotify, timers, finished batches and signals into its events and carries out its
// actions. Watches the inbox folders (inotify + a periodic rescan), takes each
// batch once it is complete (settle.hpp), runs ready batches concurrently up to
// watch.max_parallel_batches, oldest first, all sharing one request budget (api.concurrency)
// and one MobprocClient; in manual approval mode waits for the operator's NAME.approve /
// NAME.approved.csv and then submits. Under systemd: READY / STATUS / WATCHDOG / RELOADING /
// STOPPING; SIGHUP re-reads the config (a bad one is logged, the old one kept); SIGTERM and
// SIGINT stop taking batches and let running ones finish within watch.shutdown_grace.
#pragma once

#include "xferd/batch/batch_options.hpp"
#include "xferd/batch/batch_run.hpp"
#include "xferd/core/config.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace xferd {

// A batch the store holds for an inbox folder: unfinished, or waiting for its operator.
struct StoredBatch {
    BatchId id = 0;
    std::filesystem::path input;
    bool waiting = false;   // waiting for approval (else unfinished)
};

// What the daemon asks of the batch layer: an interface, so the daemon's own logic (readiness,
// ordering, approvals, reload, shutdown) is tested with a fake.
class BatchRunner {
public:
    virtual ~BatchRunner() = default;

    // A file in an inbox: intake (the store decides whether there is anything to do), then the batch.
    virtual asio::awaitable<BatchOutcome> process(std::filesystem::path input, BatchOptions options) = 0;
    // A batch the store says is unfinished: it goes on, from its snapshot.
    virtual asio::awaitable<BatchOutcome> resume(BatchId batch, BatchOptions options) = 0;
    // A batch waiting for its operator: act on an approval file next to its input, then go on.
    virtual asio::awaitable<BatchOutcome> approve(BatchId batch, BatchOptions options) = 0;
    // Unfinished and waiting batches whose input is (or was) in one of these folders.
    virtual std::vector<StoredBatch> batches(const std::vector<std::filesystem::path>& folders) = 0;
    // The store handled `input` before, but its results (or its HTML report) are gone now:
    // taking it again writes them from the store, with no API call.
    virtual bool outputs_missing(const std::filesystem::path& /*input*/) { return false; }
    // Files in `folder` xferd will not take: each said once (log + a note beside it).
    virtual asio::awaitable<void> notice_files_not_taken(std::filesystem::path /*folder*/) { co_return; }
    // A stop (SIGTERM) is not asked of the runner, whose client batches share: each job's
    // coroutine is cancelled on its own (the daemon's TaskGroup, see task_group.hpp).
};

// Builds the runner for a configuration (the HTTPS client, the shared request budget). Called at
// start and on every reload; batches already running keep the runner they started with.
using RunnerFactory =
    std::function<Result<std::shared_ptr<BatchRunner>>(const Config& config, asio::any_io_executor ex)>;

class XferdMetrics;
class Notifier;

// The real one (pipeline_runner.cpp): one MobprocClient and one AsyncSemaphore(api.concurrency)
// per configuration, one state store (reader, group-commit writer, worker thread) for the
// process. Batch ends and refused approvals go to `metrics` and `notifier` (either may be null),
// as do the store's commit times.
RunnerFactory pipeline_runner_factory(XferdMetrics* metrics = nullptr, Notifier* notifier = nullptr);

class Daemon {
public:
    // `config` is the already loaded content of `config_path` (re-read on reload()).
    Daemon(asio::io_context& ctx, std::filesystem::path config_path, Config config, RunnerFactory factory);
    ~Daemon();
    Daemon(const Daemon&) = delete;
    Daemon& operator=(const Daemon&) = delete;

    // Runs until stop(): watches, processes, and at the end waits for running batches up to
    // watch.shutdown_grace; then cuts what they still have in flight and waits for them to
    // unwind. Error when it could not start at all (no runner, no inotify).
    asio::awaitable<Result<void>> run();
    // A stop was asked (SIGTERM): running batches finish, nothing new starts.
    [[nodiscard]] bool stopping() const;

    // Both to be called on the io_context's thread (post them from elsewhere).
    void reload();   // as SIGHUP
    void stop();     // as SIGTERM

    // Catch SIGHUP, SIGTERM and SIGINT and act on them (run_daemon does; tests need not).
    void handle_signals();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// `xferd run --config FILE`: loads the config, runs the daemon with the real pipeline and the
// signals until SIGTERM / SIGINT; metrics.listen serves /metrics and /healthz for its life,
// notify.command / notify.webhook get the batch events. Exit status: 0 after a clean stop; 2 when the config or the
// start-up failed.
int run_daemon(const std::string& config_path);

}  // namespace xferd
