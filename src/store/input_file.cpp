#include "xferd/store/input_file.hpp"

#include "xferd/core/sha256.hpp"
#include "xferd/store/private_dir.hpp"

#include <fcntl.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace xferd {

SourceStamp stamp_of(const struct ::stat& st)
{
    return {static_cast<std::uint64_t>(st.st_size),
            static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec,
            static_cast<std::int64_t>(st.st_ctim.tv_sec) * 1'000'000'000 + st.st_ctim.tv_nsec,
            static_cast<std::uint64_t>(st.st_ino), static_cast<std::uint64_t>(st.st_dev)};
}

namespace fs = std::filesystem;

std::string describe_file_type(unsigned mode)
{
    switch (mode & S_IFMT) {
    case S_IFLNK: return "a symbolic link";
    case S_IFIFO: return "a FIFO (named pipe)";
    case S_IFCHR: return "a character device";
    case S_IFBLK: return "a block device";
    case S_IFSOCK: return "a socket";
    case S_IFDIR: return "a folder";
    default: return "not a regular file";
    }
}

InputFile InputFile::open(const fs::path& path)
{
    InputFile f;
    int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        const int err = errno;
        struct stat st {};
        if (err == ELOOP || (::lstat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode))) {
            f.refusal_ = Refusal::not_regular;
            f.message_ = "it is " + describe_file_type(err == ELOOP ? S_IFLNK : st.st_mode) +
                         ", not a file of its own; xferd never opens those. Copy the batch file itself into the "
                         "inbox";
        } else if (err == ENOENT) {
            f.refusal_ = Refusal::missing;
            f.message_ = "it is gone (moved or deleted)";
        } else {
            f.refusal_ = Refusal::unreadable;
            f.message_ = std::string("cannot open it: ") + std::strerror(err) +
                         (err == EACCES ? "; let the xferd user read it" : "");
        }
        return f;
    }
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        f.refusal_ = Refusal::not_regular;
        f.message_ = "it is " + describe_file_type(st.st_mode) +
                     ", not a file of its own; xferd never reads those. Copy the batch file itself into the inbox";
        ::close(fd);
        return f;
    }
    // A hard link shares its content with a name elsewhere (perhaps a file the uploader may not
    // read): refused like a symlink, its content never read.
    if (st.st_nlink > 1) {
        f.refusal_ = Refusal::not_regular;
        f.message_ = "it is a hard link (the same file has " + std::to_string(st.st_nlink) +
                     " names), not a file of its own; xferd never reads those. Copy the file instead";
        ::close(fd);
        return f;
    }
    // Regular file: reads should block normally from here on.
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    f.fd_ = fd;
    f.stamp_ = stamp_of(st);
    return f;
}

InputFile::InputFile(InputFile&& o) noexcept
    : fd_(o.fd_), refusal_(o.refusal_), message_(std::move(o.message_)), stamp_(o.stamp_)
{
    o.fd_ = -1;
}

InputFile::~InputFile()
{
    if (fd_ >= 0) ::close(fd_);
}

std::chrono::system_clock::time_point InputFile::modified() const
{
    return std::chrono::system_clock::time_point(
        std::chrono::duration_cast<std::chrono::system_clock::duration>(std::chrono::nanoseconds(stamp_.mtime_ns)));
}

std::optional<bool> InputFile::open_for_writing() const
{
    if (fd_ < 0) return std::nullopt;
    if (::fcntl(fd_, F_SETLEASE, F_RDLCK) == 0) {
        ::fcntl(fd_, F_SETLEASE, F_UNLCK);
        return false;
    }
    if (errno == EAGAIN || errno == EBUSY) return true;
    return std::nullopt;   // EACCES (not our file), EINVAL (no leases here)
}

Result<std::string> read_whole(const InputFile& input, std::uint64_t max_bytes)
{
    std::string out;
    char buf[64 * 1024];
    for (off_t at = 0;;) {
        ssize_t n = ::pread(input.fd(), buf, sizeof buf, at);
        if (n < 0) {
            if (errno == EINTR) continue;
            return make_error(std::string("read error: ") + std::strerror(errno));
        }
        if (n == 0) break;
        at += n;
        if (out.size() + static_cast<std::size_t>(n) > max_bytes)
            return make_error("it is larger than " + std::to_string(max_bytes) + " bytes");
        out.append(buf, static_cast<std::size_t>(n));
    }
    return Result<std::string>(boost::system::in_place_value, std::move(out));
}

std::string owner_name(const InputFile& input)
{
    struct stat st {};
    if (::fstat(input.fd(), &st) != 0) return "?";
    struct passwd pw {};
    struct passwd* found = nullptr;
    char buf[4096];
    if (::getpwuid_r(st.st_uid, &pw, buf, sizeof buf, &found) == 0 && found) return found->pw_name;
    return "uid " + std::to_string(st.st_uid);
}

namespace {

// Writes all of buf (a full disk first shows as a short write, then as ENOSPC): 0 or the errno.
int write_all(int fd, const char* buf, std::size_t size)
{
    while (size > 0) {
        ssize_t n = ::write(fd, buf, size);
        if (n < 0) {
            if (errno == EINTR) continue;
            return errno;
        }
        buf += n;
        size -= static_cast<std::size_t>(n);
    }
    return 0;
}

}  // namespace

boost::system::result<Snapshot, SnapshotError> take_snapshot(const InputFile& input, const fs::path& state_dir,
                                                             const std::string& extension, std::uint64_t max_bytes)
{
    auto disk_error = [](std::string m) { return SnapshotError{std::move(m), false}; };
    const fs::path batches = state_dir / "batches";
    if (auto d = make_private_dir(batches); !d) return disk_error(d.error().message);
    fs::path tmp = batches / ("incoming-" + std::to_string(::getpid()) + "-" + std::to_string(input.fd()) + ".tmp");
    int out = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (out < 0) return disk_error("cannot write a snapshot in " + batches.string() + ": " + std::strerror(errno));
    Sha256 hash;
    Snapshot snap;
    std::optional<SnapshotError> failure;
    char buf[64 * 1024];
    for (off_t at = 0;;) {
        ssize_t n = ::pread(input.fd(), buf, sizeof buf, at);
        if (n < 0) {
            if (errno == EINTR) continue;
            failure = disk_error(std::string("read error: ") + std::strerror(errno));
            break;
        }
        if (n == 0) break;
        at += n;
        snap.bytes += static_cast<std::uint64_t>(n);
        if (snap.bytes > max_bytes) {
            failure = SnapshotError{"the file is larger than limits.max_file_bytes (" + std::to_string(max_bytes) +
                                        " bytes); split it into smaller batches",
                                    true};
            break;
        }
        hash.update(std::string_view(buf, static_cast<std::size_t>(n)));
        if (int err = write_all(out, buf, static_cast<std::size_t>(n)); err != 0) {
            failure = disk_error("cannot write the snapshot into " + batches.string() + ": " + std::strerror(err) +
                                 (err == ENOSPC || err == EDQUOT ? " (free space there)" : ""));
            break;
        }
    }
    if (!failure && ::fsync(out) != 0)
        failure = disk_error("cannot write the snapshot into " + batches.string() + ": " + std::strerror(errno));
    ::close(out);
    std::error_code ec;
    if (failure) {
        fs::remove(tmp, ec);
        return *failure;
    }
    snap.sha256 = hash.hex_digest();
    const fs::path dir = batches / snap.sha256;
    snap.path = dir / ("input" + extension);
    if (auto d = make_private_dir(dir); !d) {
        fs::remove(tmp, ec);
        return disk_error(d.error().message);
    }
    if (fs::exists(snap.path, ec)) {
        fs::remove(tmp, ec);   // this content was taken before: its snapshot stays
        return snap;
    }
    if (::rename(tmp.c_str(), snap.path.c_str()) != 0) {
        fs::remove(tmp, ec);
        return disk_error("cannot move the snapshot into " + dir.string() + ": " + std::strerror(errno));
    }
    if (int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dfd >= 0) {
        ::fsync(dfd);
        ::close(dfd);
    }
    return snap;
}

}  // namespace xferd
