#include "xferd/core/settle.hpp"

namespace xferd {

namespace fs = std::filesystem;

void SettleTracker::observe(const fs::path& path, FileStamp stamp, Clock::time_point now, bool moved_in)
{
    if (auto h = handed_out_.find(path); h != handed_out_.end()) {
        if (h->second == stamp) return;  // the version already handed out
    }
    auto [it, inserted] = pending_.try_emplace(path, Pending{stamp, now, now, moved_in});
    if (inserted) return;
    Pending& p = it->second;
    if (p.stamp == stamp) {
        p.last_seen = now;
        p.moved_in |= moved_in;
    } else {
        // Changed since we last looked: someone is still writing. Start over.
        p = Pending{stamp, now, now, moved_in};
    }
}

void SettleTracker::moved_in(const fs::path& path, FileStamp stamp, Clock::time_point now)
{
    writing_.erase(path);  // renamed into place: whoever wrote it is done
    observe(path, stamp, now, true);
}

void SettleTracker::close_write(const fs::path& path, FileStamp stamp, Clock::time_point now)
{
    // A close after writing always restarts the wait, even with an unchanged stamp: a writer
    // that appends within one mtime tick must not make an old observation count.
    writing_.erase(path);
    if (auto h = handed_out_.find(path); h != handed_out_.end() && h->second == stamp) return;
    pending_.insert_or_assign(path, Pending{stamp, now, now, false});
}

void SettleTracker::seen(const fs::path& path, FileStamp stamp, Clock::time_point now)
{
    observe(path, stamp, now, false);
}

void SettleTracker::written(const fs::path& path) { writing_.insert(path); }

void SettleTracker::deleted(const fs::path& path)
{
    writing_.erase(path);
    pending_.erase(path);
    handed_out_.erase(path);
}

void SettleTracker::forget(const fs::path& path) { handed_out_.erase(path); }

bool SettleTracker::is_ready(const fs::path& path, const Pending& p) const
{
    if (writing_.count(path)) return false;
    return p.moved_in || p.last_seen - p.since >= settle_;
}

std::optional<FileStamp> SettleTracker::handed_out(const fs::path& path) const
{
    auto it = handed_out_.find(path);
    if (it == handed_out_.end()) return std::nullopt;
    return it->second;
}

std::vector<fs::path> SettleTracker::due(Clock::time_point now) const
{
    std::vector<fs::path> out;
    for (const auto& [path, p] : pending_)
        if (!writing_.count(path) && !is_ready(path, p) && now - p.since >= settle_) out.push_back(path);
    return out;
}

std::optional<SettleTracker::Clock::time_point> SettleTracker::next_due() const
{
    std::optional<Clock::time_point> next;
    for (const auto& [path, p] : pending_) {
        if (writing_.count(path) || is_ready(path, p)) continue;
        auto t = p.since + settle_;
        if (!next || t < *next) next = t;
    }
    return next;
}

std::vector<fs::path> SettleTracker::take_ready()
{
    std::vector<fs::path> out;
    for (auto it = pending_.begin(); it != pending_.end();) {
        if (!is_ready(it->first, it->second)) {
            ++it;
            continue;
        }
        handed_out_.insert_or_assign(it->first, it->second.stamp);
        out.push_back(it->first);
        it = pending_.erase(it);
    }
    return out;
}

}  // namespace xferd
