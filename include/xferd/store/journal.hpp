// One batch's journal on disk (design.md § Exactly-once submission): every step of every row
// is appended and made durable BEFORE the caller acts on it, and replayed when the batch is
// resumed after a crash. Records and replay rules: core/journal_record.hpp, journal_replay.hpp.
//
// Opening locks the file (flock, exclusive, non-blocking): two processes never drive the same
// batch. A torn last record (power lost mid-write) is cut away on open and reported; damage in
// the middle is an error that names the line, and the batch must not be resumed blindly.
//
// Synchronous: each append is one write + one fdatasync on local disk (see append_file.hpp
// for the cost). Use append_many for records that may share one sync (a pass's confirmed /
// decided records); `submitting` must be durable on its own before the submit is sent.
#pragma once

#include "xferd/store/append_file.hpp"
#include "xferd/core/error.hpp"
#include "xferd/core/journal_record.hpp"
#include "xferd/core/journal_replay.hpp"

#include <filesystem>
#include <optional>
#include <span>

namespace xferd {

class Journal {
public:
    // Creates or opens `path`, reads and replays what is there, cuts a torn tail away.
    // Errors: in use by another process, corruption in the middle (names the line), I/O.
    static Result<Journal> open(const std::filesystem::path& path);

    // Durable when it returns success: only then may the caller act on the record. On error
    // nothing of the record is in the file (or the journal refuses every later append).
    Result<void> append(const JournalRecord& record);
    // Several records, one write and one fdatasync.
    Result<void> append_many(std::span<const JournalRecord> records);

    // Everything known so far (replayed on open, plus every append since). O(rows): take it
    // once when resuming and once for the reports, not per row.
    [[nodiscard]] ReplayedBatch state() const { return replayer_.state(); }
    [[nodiscard]] BatchPhase phase() const { return replayer_.phase(); }
    [[nodiscard]] std::size_t records() const { return replayer_.records(); }

    // Set when open found and removed a torn tail (worth a line in the batch log).
    [[nodiscard]] const std::optional<BadLine>& repaired_tail() const { return repaired_tail_; }
    [[nodiscard]] const std::filesystem::path& path() const { return file_.path(); }
    [[nodiscard]] std::uint64_t size_bytes() const { return file_.size(); }
    [[nodiscard]] std::uint64_t syncs() const { return file_.syncs(); }

private:
    explicit Journal(AppendFile file) : file_(std::move(file)) {}

    AppendFile file_;
    JournalReplayer replayer_;
    std::optional<BadLine> repaired_tail_;
};

}  // namespace xferd
