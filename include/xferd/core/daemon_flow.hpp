// The decisions of `xferd run`, apart from any I/O (like Reconciler): the driver
// (service/daemon.cpp) turns inotify records, rescans, timers, finished batches and signals into
// events, hands each to on(), and carries out the actions it gets back, in order. No threads, no
// clock reads (the time is an event field), no file system: a file's size and mtime come in
// the events.
//
// It owns the settle tracking (settle.hpp: a file with an IN_MODIFY and no IN_CLOSE_WRITE yet is
// open for writing and never taken, whatever the stamps say), the queue of jobs (oldest first,
// one job per input at a time, up to max_parallel_batches at once), the periodic rescan, and the
// shutdown (no new job once a stop is asked; exit when the running ones are done or the grace
// period is over).
#pragma once

#include "xferd/core/settle.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace xferd {

// NAME.approve, NAME.approved.csv and NAME.approved.xlsx: what an operator drops to approve a
// batch (manual mode).
bool is_approval_file(const std::filesystem::path& path);

struct DaemonSettings {
    std::chrono::milliseconds settle{2'000};
    std::chrono::milliseconds rescan_interval{60'000};
    std::chrono::milliseconds shutdown_grace{30'000};
    unsigned max_parallel_batches = 2;
};

enum class JobKind {
    take,     // a file in an inbox: hand it to intake (the store decides what there is to do)
    resume,   // a batch the store says is unfinished
    approve,  // a batch waiting for its operator: an approval file for it appeared
};

// How a job ended, as far as the daemon's decisions go.
enum class JobEnd {
    done,         // finished for now (or nothing to do): its file version is not taken again
    waiting,      // waiting for its operator's approval
    retry_later,  // not taken (API down, still written, stopped…): the next look takes it again
};

struct DaemonEvent {
    enum class Kind {
        configured,      // settings (at start, after a reload)
        file_seen,       // a rescan or a look found `path` with `stamp`
        file_modified,   // IN_MODIFY: open for writing
        file_closed,     // IN_CLOSE_WRITE, with the stamp after it
        file_moved_in,   // IN_MOVED_TO, with its stamp
        file_deleted,    // IN_DELETE / IN_MOVED_FROM, or a look found nothing
        events_lost,     // inotify queue overflow
        rescan_now,      // a folder was (re)watched or its lock taken: look at everything
        timer_fired,     // the deadline of the last arm_timer (or later)
        stored_batch,    // the store holds `batch` for `path` (unfinished, or `waiting`)
        approval_for,    // the approval file `approval` is for waiting `batch` of input `path`
        outputs_missing, // the store handled `path`, but its results were deleted: take it again
        inbox_dropped,   // `path` (a folder) is no longer an inbox
        batch_finished,  // job `job` ended so
        stop_requested,  // SIGTERM / SIGINT
        grace_expired,   // the deadline of arm_grace
    };
    Kind kind = Kind::timer_fired;
    std::chrono::steady_clock::time_point now{};
    std::filesystem::path path;
    std::optional<FileStamp> stamp;
    std::int64_t batch = 0;
    bool waiting = false;
    std::filesystem::path approval;
    std::uint64_t job = 0;
    JobEnd end = JobEnd::done;
    DaemonSettings settings;
};

struct DaemonAction {
    enum class Kind {
        start_job,       // run job `job` (`job_kind` on `path`, `batch` for resume / approve)
        look,            // stat `path`: answer file_seen, or file_deleted
        rescan,          // list every inbox: answer file_seen for each candidate and approval file
        match_approval,  // find the waiting batch `path` (an approval file) is for: approval_for
        report,          // job `job` ended: log and notify its outcome
        arm_timer,       // wake up at `at` with timer_fired (replaces the previous one)
        arm_grace,       // wake up at `at` with grace_expired
        log,             // `text` at `level`
        exit,            // stop the daemon; `grace_expired`: jobs are still running
    };
    enum class Level { info, warn };
    Kind kind = Kind::log;
    std::uint64_t job = 0;
    JobKind job_kind = JobKind::take;
    std::filesystem::path path;
    std::int64_t batch = 0;
    std::chrono::steady_clock::time_point at{};
    Level level = Level::info;
    std::string text;
    bool grace_expired = false;
};

class DaemonFlow {
public:
    std::vector<DaemonAction> on(const DaemonEvent& event);

    [[nodiscard]] bool stopping() const { return stopping_; }
    [[nodiscard]] std::vector<std::filesystem::path> running() const;   // inputs, in start order
    [[nodiscard]] std::size_t queued() const { return queue_.size(); }
    [[nodiscard]] std::size_t waiting() const { return waiting_.size(); }
    [[nodiscard]] const SettleTracker& tracker() const { return tracker_; }

private:
    struct Job {
        JobKind kind = JobKind::take;
        std::filesystem::path input;
        std::int64_t batch = 0;
        std::int64_t order = 0;   // input mtime: oldest first
    };
    using Actions = std::vector<DaemonAction>;

    void on_file(const DaemonEvent& e, Actions& out);
    void on_finished(const DaemonEvent& e, Actions& out);
    void on_stop(const DaemonEvent& e, Actions& out);
    void on_timer(const DaemonEvent& e, Actions& out);
    void enqueue(Job job);
    void hand_out_ready(Actions& out);
    void dispatch(Actions& out);
    void arm(Actions& out);
    void exit_if_idle(Actions& out);

    DaemonSettings settings_;
    SettleTracker tracker_;
    std::vector<Job> queue_;
    std::map<std::uint64_t, Job> running_;          // by job id
    std::set<std::filesystem::path> waiting_;       // inputs waiting for their operator
    std::optional<std::chrono::steady_clock::time_point> next_rescan_;
    std::uint64_t next_job_ = 1;
    bool stopping_ = false;
    bool exited_ = false;
};

}  // namespace xferd
