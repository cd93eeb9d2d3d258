// Watching the inbox folders with inotify through Asio: one watch per folder, the events a
// batch's readiness depends on (moved in, written to, closed after writing, deleted / moved away) and
// queue overflow, which tells the daemon to rescan. The byte decoding is pure and separate,
// so it is tested with handmade buffers.
#pragma once

#include "xferd/core/daemon_flow.hpp"  // is_approval_file
#include "xferd/core/error.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace xferd {

namespace asio = boost::asio;

// One struct inotify_event as the kernel wrote it (name without its NUL padding).
struct InotifyRecord {
    int wd = 0;
    std::uint32_t mask = 0;
    std::uint32_t cookie = 0;
    std::string name;
};

// Splits a stream of inotify bytes into records. An event cut at a buffer boundary is kept
// until the rest arrives.
class InotifyDecoder {
public:
    void feed(std::string_view bytes, std::vector<InotifyRecord>& out);
    [[nodiscard]] std::size_t buffered() const { return partial_.size(); }

private:
    std::string partial_;
};


struct WatchEvent {
    enum class Kind {
        moved_in,      // IN_MOVED_TO: complete now
        close_write,   // IN_CLOSE_WRITE: complete once it stays unchanged for `settle`
        modified,      // IN_MODIFY: open for writing until its IN_CLOSE_WRITE
        removed,       // IN_DELETE / IN_MOVED_FROM
        overflow,      // IN_Q_OVERFLOW: events were lost, rescan everything
        folder_gone,   // the watched folder itself was deleted or moved (watch dropped)
    };
    Kind kind = Kind::moved_in;
    std::filesystem::path path;   // folder/name; the folder itself for folder_gone; empty for overflow
};

// The event a record means for the daemon, or nothing: a name that is neither a batch
// candidate (is_batch_candidate) nor an approval file, a sub-folder, an unknown watch.
std::optional<WatchEvent> classify(const InotifyRecord& record, const std::map<int, std::filesystem::path>& folders);

class InotifyWatcher {
public:
    // IN_NONBLOCK | IN_CLOEXEC inotify instance, read through a stream_descriptor.
    static Result<std::unique_ptr<InotifyWatcher>> create(asio::any_io_executor ex);

    // Starts watching `folder` (a second call for the same folder does nothing).
    Result<void> watch(const std::filesystem::path& folder);
    void unwatch(const std::filesystem::path& folder);
    [[nodiscard]] bool watching(const std::filesystem::path& folder) const;

    // Waits for the next events (at least one read from the kernel; possibly none after
    // filtering). An error when the watcher was closed or the read failed.
    asio::awaitable<Result<std::vector<WatchEvent>>> next();
    void close();

    explicit InotifyWatcher(asio::posix::stream_descriptor sd);

private:
    asio::posix::stream_descriptor sd_;
    InotifyDecoder decoder_;
    std::map<int, std::filesystem::path> folders_;
    std::vector<char> buffer_;
};

}  // namespace xferd
