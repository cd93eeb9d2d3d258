#include "xferd/store/journal.hpp"

#include <cerrno>
#include <cstring>
#include <sys/file.h>

namespace xferd {

Result<Journal> Journal::open(const std::filesystem::path& path)
{
    auto file = AppendFile::open(path);
    if (!file) return file.error();
    // The lock lives as long as the descriptor: it goes with the process, even on SIGKILL.
    if (::flock(file->fd(), LOCK_EX | LOCK_NB) != 0) {
        if (errno == EWOULDBLOCK)
            return make_error("journal " + path.string() +
                              " is in use by another xferd process; that process is working on this batch");
        return make_error("cannot lock journal " + path.string() + ": " + std::strerror(errno));
    }
    Journal journal(std::move(*file));
    LineDecoder decoder;
    auto torn = journal.file_.read_from(decoder, [&journal](std::size_t, boost::json::object&& o) -> Result<void> {
        auto record = journal_record_from(o);
        if (!record) return record.error();
        journal.replayer_.apply(*record);
        return {};
    });
    if (!torn)
        return make_error("journal: " + torn.error().message +
                          ". The batch is not resumed: check the file (a disk problem?) before moving it aside");
    if (*torn) {
        // Power was lost while this record was written: it was never durable, so nothing was
        // done on its strength. Cut it off so new records follow the last good line.
        if (auto r = journal.file_.truncate(decoder.good_bytes()); !r) return r.error();
        journal.repaired_tail_ = *torn;
    }
    return journal;
}

Result<void> Journal::append(const JournalRecord& record)
{
    return append_many(std::span<const JournalRecord>(&record, 1));
}

Result<void> Journal::append_many(std::span<const JournalRecord> records)
{
    if (records.empty()) return {};
    std::string bytes;
    for (const auto& r : records) bytes += encode(r);
    if (auto w = file_.append(bytes); !w) return make_error("journal: " + w.error().message);
    for (const auto& r : records) replayer_.apply(r);
    return {};
}

}  // namespace xferd
