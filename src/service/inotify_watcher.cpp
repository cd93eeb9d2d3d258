#include "xferd/service/inotify_watcher.hpp"

#include "xferd/service/inbox_scan.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace xferd {

namespace fs = std::filesystem;

namespace {

constexpr std::uint32_t watch_mask =
    IN_MODIFY | IN_CLOSE_WRITE | IN_MOVED_TO | IN_DELETE | IN_MOVED_FROM | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR;
constexpr std::size_t header_size = sizeof(struct inotify_event);

}  // namespace

void InotifyDecoder::feed(std::string_view bytes, std::vector<InotifyRecord>& out)
{
    partial_.append(bytes);
    std::size_t pos = 0;
    while (partial_.size() - pos >= header_size) {
        struct inotify_event ev {};
        std::memcpy(&ev, partial_.data() + pos, header_size);
        if (partial_.size() - pos - header_size < ev.len) break;  // the name is still to come
        InotifyRecord r;
        r.wd = ev.wd;
        r.mask = ev.mask;
        r.cookie = ev.cookie;
        std::string_view name(partial_.data() + pos + header_size, ev.len);
        r.name = std::string(name.substr(0, name.find('\0')));
        out.push_back(std::move(r));
        pos += header_size + ev.len;
    }
    partial_.erase(0, pos);
}

std::optional<WatchEvent> classify(const InotifyRecord& r, const std::map<int, fs::path>& folders)
{
    if (r.mask & IN_Q_OVERFLOW) return WatchEvent{WatchEvent::Kind::overflow, {}};
    auto folder = folders.find(r.wd);
    if (folder == folders.end()) return std::nullopt;  // a watch already removed
    if (r.mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED))
        return WatchEvent{WatchEvent::Kind::folder_gone, folder->second};
    if ((r.mask & IN_ISDIR) || r.name.empty()) return std::nullopt;
    fs::path path = folder->second / r.name;
    if (!is_batch_candidate(path) && !is_approval_file(path)) return std::nullopt;
    if (r.mask & IN_MOVED_TO) return WatchEvent{WatchEvent::Kind::moved_in, path};
    if (r.mask & IN_CLOSE_WRITE) return WatchEvent{WatchEvent::Kind::close_write, path};
    if (r.mask & (IN_DELETE | IN_MOVED_FROM)) return WatchEvent{WatchEvent::Kind::removed, path};
    if (r.mask & IN_MODIFY) return WatchEvent{WatchEvent::Kind::modified, path};
    return std::nullopt;
}

InotifyWatcher::InotifyWatcher(asio::posix::stream_descriptor sd) : sd_(std::move(sd)), buffer_(64 * 1024) {}

Result<std::unique_ptr<InotifyWatcher>> InotifyWatcher::create(asio::any_io_executor ex)
{
    int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (fd < 0) return make_error(std::string("cannot start inotify: ") + std::strerror(errno));
    return std::make_unique<InotifyWatcher>(asio::posix::stream_descriptor(ex, fd));
}

Result<void> InotifyWatcher::watch(const fs::path& folder)
{
    if (watching(folder)) return {};
    int wd = ::inotify_add_watch(sd_.native_handle(), folder.c_str(), watch_mask);
    if (wd < 0) {
        int err = errno;
        std::string hint = err == ENOSPC ? " (raise fs.inotify.max_user_watches)" : "";
        return make_error("cannot watch " + folder.string() + ": " + std::strerror(err) + hint);
    }
    folders_[wd] = folder;
    return {};
}

void InotifyWatcher::unwatch(const fs::path& folder)
{
    for (auto it = folders_.begin(); it != folders_.end(); ++it) {
        if (it->second != folder) continue;
        ::inotify_rm_watch(sd_.native_handle(), it->first);
        folders_.erase(it);
        return;
    }
}

bool InotifyWatcher::watching(const fs::path& folder) const
{
    for (const auto& [wd, f] : folders_)
        if (f == folder) return true;
    return false;
}

asio::awaitable<Result<std::vector<WatchEvent>>> InotifyWatcher::next()
{
    auto [ec, n] = co_await sd_.async_read_some(asio::buffer(buffer_), asio::as_tuple(asio::use_awaitable));
    if (ec) co_return make_error("inotify read failed: " + ec.message());
    std::vector<InotifyRecord> records;
    decoder_.feed(std::string_view(buffer_.data(), n), records);
    std::vector<WatchEvent> events;
    for (const auto& r : records) {
        auto e = classify(r, folders_);
        if (!e) continue;
        // The kernel has dropped a watch whose folder went away: forget it so it can be re-added.
        if (e->kind == WatchEvent::Kind::folder_gone) {
            if (!(r.mask & IN_IGNORED)) ::inotify_rm_watch(sd_.native_handle(), r.wd);
            folders_.erase(r.wd);
        }
        events.push_back(std::move(*e));
    }
    co_return events;
}

void InotifyWatcher::close()
{
    boost::system::error_code ec;
    sd_.close(ec);
    folders_.clear();
}

}  // namespace xferd
