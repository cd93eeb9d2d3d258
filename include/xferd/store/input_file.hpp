// Opening a file someone dropped into an inbox, safely (a security reviewer's checklist):
// - never through a symlink (O_NOFOLLOW), never a FIFO or a device (O_NONBLOCK, then fstat of
//   what was opened: no check-then-use race), never anything but a regular file of its own;
// - never a file still being written: Linux refuses a read lease (F_SETLEASE) while any process
//   has the file open for writing. That needs xferd to own the file (or CAP_LEASE); where it
//   does not, or the file system has no leases (NFS), only the settle time protects;
// - the snapshot (the bytes every pass reads) is copied and hashed from this one descriptor.
#pragma once

#include "xferd/core/error.hpp"
#include "xferd/store/state_store.hpp"

#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

namespace xferd {

// What identifies one version of a file, from its stat (size, times, inode, device).
SourceStamp stamp_of(const struct ::stat& st);

class InputFile {
public:
    enum class Refusal {
        none,
        missing,      // gone (moved or deleted meanwhile)
        not_regular,  // a symlink, FIFO, device, socket or folder: see message
        unreadable,   // permission, I/O: see message
    };

    // Opens without following a symlink and without blocking on a FIFO.
    static InputFile open(const std::filesystem::path& path);
    InputFile(InputFile&& other) noexcept;
    InputFile& operator=(InputFile&&) = delete;
    InputFile(const InputFile&) = delete;
    ~InputFile();

    [[nodiscard]] bool ok() const { return fd_ >= 0; }
    [[nodiscard]] Refusal refusal() const { return refusal_; }
    // For the operator: what the entry is and what to do. Quotes nothing from any target.
    [[nodiscard]] const std::string& message() const { return message_; }
    [[nodiscard]] const SourceStamp& stamp() const { return stamp_; }
    [[nodiscard]] std::chrono::system_clock::time_point modified() const;
    [[nodiscard]] int fd() const { return fd_; }

    // Whether some process has it open for writing: true / false, or nullopt when Linux cannot
    // tell us (not our file, no lease support).
    [[nodiscard]] std::optional<bool> open_for_writing() const;

private:
    InputFile() = default;
    int fd_ = -1;
    Refusal refusal_ = Refusal::none;
    std::string message_;
    SourceStamp stamp_;
};

struct Snapshot {
    std::string sha256;
    std::filesystem::path path;   // state_dir/batches/<sha256>/input.<ext>
    std::uint64_t bytes = 0;
};

// Copies what `input` holds into state_dir/batches/<sha256>/ while hashing it (one read of one
// descriptor), fsync'd; an existing snapshot of that content is kept. Errors: the file is over
// `max_bytes` (`too_large` set: a file problem), or the disk (`too_large` unset: not the file's
// fault, leave it and try again later).
struct SnapshotError {
    std::string message;
    bool too_large = false;
};
boost::system::result<Snapshot, SnapshotError> take_snapshot(const InputFile& input,
                                                             const std::filesystem::path& state_dir,
                                                             const std::string& extension, std::uint64_t max_bytes);

// The whole (small) file: approvals and the like. Error when larger than `max_bytes`.
Result<std::string> read_whole(const InputFile& input, std::uint64_t max_bytes);

// The user name of the file's owner (or its uid when it has no name).
std::string owner_name(const InputFile& input);

// "a symbolic link", "a FIFO (named pipe)", "a folder"… for messages.
std::string describe_file_type(unsigned mode);

}  // namespace xferd
