// An append-only file of checksummed lines (journal_record.hpp framing) that is durable on
// every append: the storage under the batch journal and the cross-batch ledger.
//
// Synchronous on purpose: a local-disk append + fdatasync is short, and the caller must not act
// (send a submit, say) before it has returned. Not thread-safe; one owner at a time.
#pragma once

#include "xferd/core/error.hpp"
#include "xferd/core/journal_record.hpp"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string_view>

namespace xferd {

class AppendFile {
public:
    // Opens (creating it 0640 if needed) for reading and appending, O_APPEND|O_CLOEXEC, and
    // fsyncs the folder so the file itself survives a power loss.
    static Result<AppendFile> open(const std::filesystem::path& path);

    AppendFile(AppendFile&& other) noexcept;
    AppendFile& operator=(AppendFile&& other) noexcept;
    AppendFile(const AppendFile&) = delete;
    AppendFile& operator=(const AppendFile&) = delete;
    ~AppendFile();

    // Reads from `decoder`'s offset to the end of the file through it (64 KiB at a time).
    // Returns the torn tail if the file ends in one; error: corruption, or a read error.
    Result<std::optional<BadLine>> read_from(LineDecoder& decoder, const LineDecoder::Sink& sink);

    // Cuts the file to `size` bytes (a torn tail away) and makes that durable.
    Result<void> truncate(std::uint64_t size);

    // Writes all of `bytes` at the end and fdatasyncs: when this returns success, the bytes
    // survive a crash or power loss. A failed write is cut back off, so the file never holds a
    // half line followed by good ones. A failed fdatasync poisons the file (the kernel may have
    // dropped the pages; nothing written after can be trusted): every later append fails.
    Result<void> append(std::string_view bytes);

    [[nodiscard]] int fd() const { return fd_; }
    [[nodiscard]] const std::filesystem::path& path() const { return path_; }
    // File size as this object knows it (after open: the size on disk; then + appends).
    [[nodiscard]] std::uint64_t size() const { return size_; }
    // Re-reads the size on disk (another process may have appended).
    Result<std::uint64_t> size_on_disk() const;
    [[nodiscard]] std::uint64_t syncs() const { return syncs_; }

private:
    AppendFile(int fd, std::filesystem::path path, std::uint64_t size);

    int fd_ = -1;
    std::filesystem::path path_;
    std::uint64_t size_ = 0;
    std::uint64_t syncs_ = 0;
    bool poisoned_ = false;
};

// fsync of a folder, so names created or renamed in it survive a power loss.
Result<void> sync_directory(const std::filesystem::path& dir);

}  // namespace xferd
