#include "xferd/store/batch_snapshot.hpp"

#include "xferd/core/sha256.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace xferd {

namespace fs = std::filesystem;

namespace {

// Streams `input` through `hash`, and through `out_fd` when it is >= 0.
std::string copy_and_hash(const fs::path& input, int out_fd, std::uint64_t max_bytes, Sha256& hash,
                          std::uint64_t& bytes)
{
    std::FILE* in = std::fopen(input.c_str(), "rb");
    if (!in) return "cannot read " + input.string() + ": " + std::strerror(errno);
    char buf[64 * 1024];
    std::string failure;
    for (;;) {
        std::size_t n = std::fread(buf, 1, sizeof buf, in);
        if (n > 0) {
            bytes += n;
            if (bytes > max_bytes) {
                failure = "the file is larger than limits.max_file_bytes (" + std::to_string(max_bytes) +
                          " bytes); split it into smaller batches";
                break;
            }
            hash.update(std::string_view(buf, n));
            if (out_fd >= 0 && ::write(out_fd, buf, n) != static_cast<ssize_t>(n)) {
                failure = std::string("cannot write the snapshot: ") + std::strerror(errno);
                break;
            }
        }
        if (n < sizeof buf) {
            if (std::ferror(in)) failure = "read error on " + input.string() + ": " + std::strerror(errno);
            break;
        }
    }
    std::fclose(in);
    return failure;
}

}  // namespace

Result<std::string> hash_file(const fs::path& input, std::uint64_t max_bytes)
{
    Sha256 hash;
    std::uint64_t bytes = 0;
    auto failure = copy_and_hash(input, -1, max_bytes, hash, bytes);
    if (!failure.empty()) return make_error(failure);
    return Result<std::string>(boost::system::in_place_value, hash.hex_digest());
}

Result<BatchSnapshot> snapshot_batch(const fs::path& input, const fs::path& state_dir,
                                     const std::string& expected_sha256)
{
    BatchSnapshot snap;
    snap.sha256 = expected_sha256;
    snap.batch_dir = state_dir / "batches" / expected_sha256;
    snap.path = snap.batch_dir / ("input" + input.extension().string());
    std::error_code ec;
    fs::create_directories(snap.batch_dir, ec);
    if (ec) return make_error("cannot create " + snap.batch_dir.string() + ": " + ec.message());
    if (fs::exists(snap.path, ec)) {
        snap.bytes = fs::file_size(snap.path, ec);
        return snap;  // written (and fsync'd) by an earlier run of this batch
    }
    fs::path tmp = snap.batch_dir / ("input-" + std::to_string(::getpid()) + ".tmp");
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
    if (fd < 0) return make_error("cannot write " + tmp.string() + ": " + std::strerror(errno));
    Sha256 hash;
    auto failure = copy_and_hash(input, fd, UINT64_MAX, hash, snap.bytes);
    if (failure.empty() && ::fsync(fd) != 0) failure = "cannot fsync " + tmp.string() + ": " + std::strerror(errno);
    ::close(fd);
    if (failure.empty() && hash.hex_digest() != expected_sha256)
        failure = input.string() + " changed while it was being read; it will be taken again once it is complete";
    if (failure.empty()) {
        fs::rename(tmp, snap.path, ec);
        if (ec) failure = "cannot move the snapshot into " + snap.batch_dir.string() + ": " + ec.message();
    }
    if (!failure.empty()) {
        fs::remove(tmp, ec);
        return make_error(failure);
    }
    if (int dfd = ::open(snap.batch_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dfd >= 0) {
        ::fsync(dfd);
        ::close(dfd);
    }
    return snap;
}

}  // namespace xferd
