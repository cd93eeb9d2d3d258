// One xferd at a time per inbox folder: `xferd once` (from the timer) and `xferd run` must never
// work on the same inbox together. A lock file per inbox in state_dir/locks/, held with
// flock(LOCK_EX) for as long as the process works there; the kernel drops it when the process
// dies, so a crash never leaves a stale lock. The holder's pid is written inside for messages.
#pragma once

#include "xferd/core/error.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace xferd {

struct LockAttempt;

class InboxLock {
public:
    InboxLock(InboxLock&& other) noexcept;
    InboxLock& operator=(InboxLock&& other) noexcept;
    InboxLock(const InboxLock&) = delete;
    InboxLock& operator=(const InboxLock&) = delete;
    ~InboxLock();

    [[nodiscard]] const std::filesystem::path& inbox() const { return inbox_; }
    [[nodiscard]] const std::filesystem::path& file() const { return file_; }

private:
    friend LockAttempt try_lock_inbox(const std::filesystem::path&, const std::filesystem::path&);
    InboxLock(int fd, std::filesystem::path inbox, std::filesystem::path file);
    int fd_ = -1;
    std::filesystem::path inbox_;
    std::filesystem::path file_;
};

// state_dir/locks/<first 16 hex digits of SHA-256 of the inbox's canonical path>.lock
std::filesystem::path lock_file_for(const std::filesystem::path& state_dir, const std::filesystem::path& inbox);

struct LockAttempt {
    std::optional<InboxLock> lock;   // set when acquired
    bool busy = false;               // another process holds it
    long holder_pid = 0;             // that process, when it wrote its pid (0: unknown)
    // busy: "inbox /srv/xferd/inbox is being processed by another xferd (pid 1234)";
    // otherwise, when not acquired, why the lock could not be taken.
    std::string message;
};

// Never blocks.
LockAttempt try_lock_inbox(const std::filesystem::path& state_dir, const std::filesystem::path& inbox);

// For `xferd once`: every folder locked, or the first refusal's message (the locks taken so far
// are released).
Result<std::vector<InboxLock>> lock_inboxes_now(const std::filesystem::path& state_dir,
                                                const std::vector<std::filesystem::path>& inboxes);

}  // namespace xferd
