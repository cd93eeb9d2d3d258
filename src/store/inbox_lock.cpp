#include "xferd/store/inbox_lock.hpp"

#include "xferd/store/private_dir.hpp"

#include "xferd/core/sha256.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <set>
#include <string>

namespace xferd {

namespace fs = std::filesystem;

namespace {

fs::path canonical_folder(const fs::path& inbox)
{
    std::error_code ec;
    fs::path p = fs::weakly_canonical(fs::absolute(inbox, ec), ec);
    return ec ? inbox.lexically_normal() : p;
}

long read_pid(int fd)
{
    char buf[32] = {};
    ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
    if (n <= 0) return 0;
    return std::strtol(buf, nullptr, 10);
}

}  // namespace

InboxLock::InboxLock(int fd, fs::path inbox, fs::path file) : fd_(fd), inbox_(std::move(inbox)), file_(std::move(file)) {}

InboxLock::InboxLock(InboxLock&& other) noexcept
    : fd_(other.fd_), inbox_(std::move(other.inbox_)), file_(std::move(other.file_))
{
    other.fd_ = -1;
}

InboxLock& InboxLock::operator=(InboxLock&& other) noexcept
{
    if (this != &other) {
        if (fd_ >= 0) ::close(fd_);
        fd_ = other.fd_;
        inbox_ = std::move(other.inbox_);
        file_ = std::move(other.file_);
        other.fd_ = -1;
    }
    return *this;
}

InboxLock::~InboxLock()
{
    // Closing the only descriptor releases the flock. The file stays: removing it would race
    // with a process that has just opened it.
    if (fd_ >= 0) ::close(fd_);
}

fs::path lock_file_for(const fs::path& state_dir, const fs::path& inbox)
{
    Sha256 h;
    h.update(canonical_folder(inbox).string());
    return state_dir / "locks" / (h.hex_digest().substr(0, 16) + ".lock");
}

LockAttempt try_lock_inbox(const fs::path& state_dir, const fs::path& inbox)
{
    LockAttempt attempt;
    const fs::path folder = canonical_folder(inbox);
    const fs::path file = lock_file_for(state_dir, folder);
    if (auto d = make_private_dir(file.parent_path()); !d) {
        attempt.message = d.error().message;
        return attempt;
    }
    int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0640);
    if (fd < 0) {
        attempt.message = "cannot open the inbox lock " + file.string() + ": " + std::strerror(errno);
        return attempt;
    }
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int err = errno;
        if (err == EWOULDBLOCK) {
            attempt.busy = true;
            attempt.holder_pid = read_pid(fd);
            attempt.message = "inbox " + folder.string() + " is being processed by another xferd" +
                              (attempt.holder_pid > 0 ? " (pid " + std::to_string(attempt.holder_pid) + ")" : "");
        } else {
            attempt.message = "cannot lock " + file.string() + ": " + std::strerror(err);
        }
        ::close(fd);
        return attempt;
    }
    // Ours: say who holds it, for the message the other process prints.
    std::string pid = std::to_string(::getpid()) + "\n";
    if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size())) {
        // Not fatal: the lock is held; only the pid in the message of another process is lost.
    }
    attempt.lock.emplace(InboxLock(fd, folder, file));
    return attempt;
}

Result<std::vector<InboxLock>> lock_inboxes_now(const fs::path& state_dir, const std::vector<fs::path>& inboxes)
{
    std::vector<InboxLock> locks;
    std::set<fs::path> done;
    for (const auto& inbox : inboxes) {
        if (!done.insert(canonical_folder(inbox)).second) continue;  // one lock per folder
        auto attempt = try_lock_inbox(state_dir, inbox);
        if (!attempt.lock) return make_error(attempt.message);
        locks.push_back(std::move(*attempt.lock));
    }
    return locks;
}

}  // namespace xferd
