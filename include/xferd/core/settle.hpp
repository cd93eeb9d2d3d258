// When is a file in an inbox complete? (docs/architecture.md § Intake) Pure bookkeeping, fed what the
// watcher saw and the time; the caller does the stat() calls.
//
// - moved in (IN_MOVED_TO): the writer finished elsewhere and renamed it here: ready at once;
// - closed after writing (IN_CLOSE_WRITE) or found by a rescan: ready once its size and mtime
//   were seen unchanged for `settle` (a writer that reopens the file and appends restarts it);
// - written to (IN_MODIFY) and not yet closed (IN_CLOSE_WRITE): open for writing, never ready,
//   whatever the stamps say (an upload that appends a block every few seconds, without a
//   rename, looks settled between two blocks);
// - the same (path, size, mtime) is never handed out twice; a file that changes afterwards is
//   a new version and is tracked again.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <vector>

namespace xferd {

// What stat() says about a file version.
struct FileStamp {
    std::uint64_t size = 0;
    std::int64_t mtime_ns = 0;  // st_mtim since the epoch
    friend bool operator==(const FileStamp&, const FileStamp&) = default;
};

class SettleTracker {
public:
    using Clock = std::chrono::steady_clock;

    explicit SettleTracker(std::chrono::milliseconds settle = std::chrono::seconds(2)) : settle_(settle) {}
    void set_settle(std::chrono::milliseconds settle) { settle_ = settle; }
    [[nodiscard]] std::chrono::milliseconds settle() const { return settle_; }

    // IN_MOVED_TO: complete now.
    void moved_in(const std::filesystem::path& path, FileStamp stamp, Clock::time_point now);
    // IN_CLOSE_WRITE: a writer finished a pass; wait for the file to stay unchanged.
    void close_write(const std::filesystem::path& path, FileStamp stamp, Clock::time_point now);
    // IN_MODIFY: a writer has the file open and is writing; held until its IN_CLOSE_WRITE (or
    // moved_in / deleted / forget_writers).
    void written(const std::filesystem::path& path);
    // Events were lost (inotify queue overflow): the closes may be among them, so no file is
    // held as open any longer (the read-lease check at intake still refuses an open file).
    void forget_writers() { writing_.clear(); }
    [[nodiscard]] bool open_for_writing(const std::filesystem::path& path) const { return writing_.count(path) > 0; }
    // A rescan (or a due check, see due()) found the file with this stamp.
    void seen(const std::filesystem::path& path, FileStamp stamp, Clock::time_point now);
    // IN_DELETE / IN_MOVED_FROM, or stat() found nothing: forget it (a later drop of the same
    // name is a new file).
    void deleted(const std::filesystem::path& path);
    // Allows the version handed out last to be handed out again (its batch must be retried).
    void forget(const std::filesystem::path& path);

    // Files whose settle time has passed without a confirming look: stat them and call seen()
    // (or deleted()).
    [[nodiscard]] std::vector<std::filesystem::path> due(Clock::time_point now) const;
    // When due() will next return something; nullopt when nothing waits.
    [[nodiscard]] std::optional<Clock::time_point> next_due() const;
    // Files complete now, each version handed out once (marked as handed out by this call).
    std::vector<std::filesystem::path> take_ready();

    // The version of `path` handed out last, if any.
    [[nodiscard]] std::optional<FileStamp> handed_out(const std::filesystem::path& path) const;

    // Files being watched, not yet handed out.
    [[nodiscard]] std::size_t pending() const { return pending_.size(); }

private:
    struct Pending {
        FileStamp stamp;
        Clock::time_point since;           // first seen with this stamp
        Clock::time_point last_seen;       // last seen with this stamp
        bool moved_in = false;
    };
    void observe(const std::filesystem::path& path, FileStamp stamp, Clock::time_point now, bool moved_in);
    [[nodiscard]] bool is_ready(const std::filesystem::path& path, const Pending& p) const;

    std::chrono::milliseconds settle_;
    std::map<std::filesystem::path, Pending> pending_;
    std::map<std::filesystem::path, FileStamp> handed_out_;
    std::set<std::filesystem::path> writing_;   // IN_MODIFY seen, IN_CLOSE_WRITE not yet
};

}  // namespace xferd
