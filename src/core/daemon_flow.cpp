#include "xferd/core/daemon_flow.hpp"

#include <algorithm>

namespace xferd {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using Kind = DaemonEvent::Kind;
using Act = DaemonAction::Kind;

namespace {

bool ends_with_icase(std::string_view s, std::string_view suffix)
{
    if (s.size() < suffix.size()) return false;
    s = s.substr(s.size() - suffix.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        if (c != suffix[i]) return false;
    }
    return true;
}

std::string plural(std::size_t n, const std::string& word)
{
    return std::to_string(n) + " " + word + (n == 1 ? "" : (word.ends_with("ch") ? "es" : "s"));
}

DaemonAction log(DaemonAction::Level level, std::string text)
{
    DaemonAction a;
    a.kind = Act::log;
    a.level = level;
    a.text = std::move(text);
    return a;
}

DaemonAction simple(Act kind)
{
    DaemonAction a;
    a.kind = kind;
    return a;
}

}  // namespace

bool is_approval_file(const fs::path& path)
{
    const std::string name = path.filename().string();
    if (name.empty() || name.front() == '.' || name.starts_with("~$")) return false;
    for (std::string_view suffix :
         {std::string_view(".approve"), std::string_view(".approved.csv"), std::string_view(".approved.xlsx")})
        if (ends_with_icase(name, suffix) && name.size() > suffix.size()) return true;
    return false;
}

std::vector<fs::path> DaemonFlow::running() const
{
    std::vector<fs::path> out;
    for (const auto& [id, job] : running_) out.push_back(job.input);
    return out;
}

std::vector<DaemonAction> DaemonFlow::on(const DaemonEvent& e)
{
    Actions out;
    if (exited_) return out;
    switch (e.kind) {
    case Kind::configured:
        settings_ = e.settings;
        tracker_.set_settle(settings_.settle);
        next_rescan_.reset();  // look at everything now, with the new settings
        break;
    case Kind::events_lost:
        out.push_back(log(DaemonAction::Level::warn, "inotify queue overflow: events were lost; rescanning the inboxes"));
        tracker_.forget_writers();  // their IN_CLOSE_WRITE may be among the lost ones
        next_rescan_.reset();
        break;
    case Kind::rescan_now: next_rescan_.reset(); break;
    case Kind::timer_fired: break;  // the deadlines are checked below
    case Kind::stored_batch:
        enqueue(Job{e.waiting ? JobKind::approve : JobKind::resume, e.path, e.batch, 0});
        break;
    case Kind::approval_for: {
        auto stamp = tracker_.handed_out(e.approval);
        enqueue(Job{JobKind::approve, e.path, e.batch, stamp ? stamp->mtime_ns : 0});
        break;
    }
    case Kind::outputs_missing:   // the intake writes them again from the store
        enqueue(Job{JobKind::take, e.path, 0, 0});
        break;
    case Kind::inbox_dropped:
        std::erase_if(queue_, [&](const Job& j) { return j.input.parent_path() == e.path; });
        break;
    case Kind::batch_finished: on_finished(e, out); break;
    case Kind::stop_requested: on_stop(e, out); break;
    case Kind::grace_expired:
        if (stopping_ && !running_.empty()) {
            out.push_back(log(DaemonAction::Level::warn,
                              "shutdown grace of " + std::to_string(settings_.shutdown_grace.count()) +
                                  " ms is over with " + plural(running_.size(), "batch") +
                                  " still running; exiting anyway: their journal resumes them at the next start"));
            exited_ = true;
            DaemonAction a = simple(Act::exit);
            a.grace_expired = true;
            out.push_back(std::move(a));
            return out;
        }
        break;
    default: on_file(e, out); break;
    }
    if (stopping_) {
        exit_if_idle(out);
        return out;
    }
    on_timer(e, out);
    hand_out_ready(out);
    dispatch(out);
    arm(out);
    return out;
}

void DaemonFlow::on_file(const DaemonEvent& e, Actions&)
{
    switch (e.kind) {
    case Kind::file_seen:
        if (e.stamp) tracker_.seen(e.path, *e.stamp, e.now);
        else tracker_.deleted(e.path);
        break;
    case Kind::file_modified: tracker_.written(e.path); break;
    case Kind::file_closed:
        if (e.stamp) tracker_.close_write(e.path, *e.stamp, e.now);
        break;
    case Kind::file_moved_in:
        if (e.stamp) tracker_.moved_in(e.path, *e.stamp, e.now);
        break;
    case Kind::file_deleted:
        tracker_.deleted(e.path);
        std::erase_if(queue_, [&](const Job& j) { return j.input == e.path && j.kind == JobKind::take; });
        break;
    default: break;
    }
}

// The periodic rescan, and the files whose settle time is over without a second look.
void DaemonFlow::on_timer(const DaemonEvent& e, Actions& out)
{
    if (!next_rescan_ || e.now >= *next_rescan_) {
        out.push_back(simple(Act::rescan));
        next_rescan_ = e.now + settings_.rescan_interval;
    }
    for (const auto& p : tracker_.due(e.now)) {
        DaemonAction a = simple(Act::look);
        a.path = p;
        out.push_back(std::move(a));
    }
}

void DaemonFlow::on_finished(const DaemonEvent& e, Actions& out)
{
    auto it = running_.find(e.job);
    if (it == running_.end()) return;
    const Job job = std::move(it->second);
    running_.erase(it);
    if (e.end == JobEnd::waiting) waiting_.insert(job.input);
    else waiting_.erase(job.input);
    if (e.end == JobEnd::retry_later) tracker_.forget(job.input);  // taken again at the next look
    DaemonAction a = simple(Act::report);
    a.job = e.job;
    a.path = job.input;
    out.push_back(std::move(a));
}

void DaemonFlow::on_stop(const DaemonEvent& e, Actions& out)
{
    if (stopping_) return;
    stopping_ = true;
    const std::size_t queued = queue_.size();
    queue_.clear();  // not started: found again at the next start
    out.push_back(log(DaemonAction::Level::info,
                      "stopping: " + plural(running_.size(), "running batch") + " to finish" +
                          (queued ? ", " + plural(queued, "queued batch") + " left for the next start" : std::string())));
    if (!running_.empty()) {
        DaemonAction a = simple(Act::arm_grace);
        a.at = e.now + settings_.shutdown_grace;
        out.push_back(std::move(a));
    }
}

// One job per input in the queue (a newer one of the same kind replaces it), oldest first.
void DaemonFlow::enqueue(Job job)
{
    std::erase_if(queue_, [&](const Job& j) { return j.input == job.input && j.kind == job.kind; });
    auto at = std::upper_bound(queue_.begin(), queue_.end(), job.order,
                               [](std::int64_t order, const Job& j) { return order < j.order; });
    queue_.insert(at, std::move(job));
}

void DaemonFlow::hand_out_ready(Actions& out)
{
    for (const auto& p : tracker_.take_ready()) {
        if (is_approval_file(p)) {
            // Which batch waits for it is the store's to say.
            DaemonAction a = simple(Act::match_approval);
            a.path = p;
            out.push_back(std::move(a));
            continue;
        }
        auto stamp = tracker_.handed_out(p);
        enqueue(Job{JobKind::take, p, 0, stamp ? stamp->mtime_ns : 0});
    }
}

void DaemonFlow::dispatch(Actions& out)
{
    const std::size_t limit = std::max(1u, settings_.max_parallel_batches);
    while (running_.size() < limit) {
        auto busy = [&](const Job& j) {
            return std::any_of(running_.begin(), running_.end(), [&](const auto& r) { return r.second.input == j.input; });
        };
        auto it = std::find_if(queue_.begin(), queue_.end(), [&](const Job& j) { return !busy(j); });
        if (it == queue_.end()) break;
        const std::uint64_t id = next_job_++;
        DaemonAction a = simple(Act::start_job);
        a.job = id;
        a.job_kind = it->kind;
        a.path = it->input;
        a.batch = it->batch;
        running_.emplace(id, std::move(*it));
        queue_.erase(it);
        out.push_back(std::move(a));
    }
}

void DaemonFlow::arm(Actions& out)
{
    DaemonAction a = simple(Act::arm_timer);
    a.at = next_rescan_.value_or(Clock::time_point{});
    if (auto due = tracker_.next_due(); due && *due < a.at) a.at = *due;
    out.push_back(std::move(a));
}

void DaemonFlow::exit_if_idle(Actions& out)
{
    if (exited_ || !running_.empty()) return;
    exited_ = true;
    out.push_back(simple(Act::exit));
}

}  // namespace xferd
