#include "daemon_support.hpp"

#include "xferd/batch/process_log.hpp"
#include "xferd/core/printable.hpp"

#include <sys/stat.h>

namespace xferd {

namespace fs = std::filesystem;

std::optional<FileStamp> stamp_of(const fs::path& p)
{
    struct stat st {};
    if (::stat(p.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
    return FileStamp{static_cast<std::uint64_t>(st.st_size),
                     static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec};
}

fs::path folder_key(const fs::path& p)
{
    std::error_code ec;
    fs::path abs = fs::absolute(p, ec).lexically_normal();
    if (!abs.has_filename() && abs.has_parent_path() && abs != abs.root_path()) abs = abs.parent_path();
    return abs;
}

std::string plural(std::size_t n, const std::string& word)
{
    if (n == 1) return "1 " + word;
    const bool es = word.ends_with("x") || word.ends_with("ch");
    return std::to_string(n) + " " + word + (es ? "es" : "s");
}

DaemonSettings settings_of(const Config& c)
{
    return DaemonSettings{c.watch.settle, c.watch.rescan_interval, c.watch.shutdown_grace, c.watch.max_parallel_batches};
}

JobEnd job_end_of(const BatchOutcome& o)
{
    using E = BatchOutcome::End;
    switch (o.end) {
    case E::waiting_for_approval: return JobEnd::waiting;
    case E::api_unavailable:
    case E::interrupted:
    case E::left_for_later:
    case E::state_error:
        return JobEnd::retry_later;   // taken again at the next rescan (or the next start)
    default: return JobEnd::done;
    }
}

void log_outcome(const BatchOutcome& o)
{
    using E = BatchOutcome::End;
    if (o.end == E::nothing_to_do) return;
    const std::string name = printable(o.input.filename().string());
    if (o.end == E::waiting_for_approval) {
        if (!o.message.empty()) log_warn(name + ": " + o.message);
        log_info(name + ": waiting for operator approval: " + o.approve_hint);
        return;
    }
    const LogLevel level = o.end == E::state_error ? LogLevel::error : o.needs_attention() ? LogLevel::warn : LogLevel::info;
    log_line(level, o.summary());
}

}  // namespace xferd
