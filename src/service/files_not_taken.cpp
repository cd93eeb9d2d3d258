#include "xferd/service/files_not_taken.hpp"

#include "xferd/batch/report.hpp"
#include "xferd/service/approvals_not_taken.hpp"
#include "xferd/core/daemon_flow.hpp"
#include "xferd/core/printable.hpp"
#include "xferd/service/inbox_scan.hpp"
#include "xferd/store/input_file.hpp"
#include "xferd/batch/process_log.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cctype>

namespace xferd {

namespace fs = std::filesystem;

namespace {

std::string lower(std::string s)
{
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    return s;
}

bool quietly_someone_elses(const std::string& name)
{
    static constexpr std::string_view temp[] = {".tmp", ".part", ".swp", ".crdownload", ".filepart"};
    if (name.empty() || name.front() == '.' || name.starts_with("~$") || name.back() == '~') return true;
    const std::string l = lower(name);
    return std::any_of(std::begin(temp), std::end(temp), [&](std::string_view t) { return l.ends_with(t); });
}

std::string advice_for(const std::string& ext)
{
    if (ext == ".xls" || ext == ".xlsm" || ext == ".xlsb" || ext == ".ods")
        return "save it as an Excel Workbook (.xlsx) or as CSV (UTF-8) and drop that";
    if (ext == ".txt" || ext == ".tsv" || ext == ".dat")
        return "if it is comma- or semicolon-separated, rename it to .csv";
    return "drop the batch as .csv, .json, .ndjson, .jsonl or .xlsx";
}

}  // namespace

std::optional<std::string> why_not_taken(const fs::path& path)
{
    const std::string name = path.filename().string();
    if (quietly_someone_elses(name) || is_batch_candidate(path) || is_approval_file(path) || is_xferd_output(path))
        return std::nullopt;
    const std::string ext = lower(path.extension().string());
    return "not taken: xferd reads .csv, .json, .ndjson, .jsonl and .xlsx files, not '" +
           (ext.empty() ? std::string("(no extension)") : printable(ext)) + "'; " + advice_for(ext);
}

asio::awaitable<void> notice_files_not_taken(BatchServices& s, fs::path folder)
{
    std::error_code ec;
    for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
        const fs::path p = it->path();
        struct stat st {};
        if (::lstat(p.c_str(), &st) != 0 || S_ISDIR(st.st_mode)) continue;
        auto why = why_not_taken(p);
        if (!why) continue;
        const SourceStamp stamp = stamp_of(st);
        bool fresh = false;
        const std::string at = now_iso();
        StoreWriter::Job job = [&](StateStore& store) -> Result<void> {
            auto n = store.note_once(p.string(), stamp, "not taken", at);
            if (!n) return n.error();
            fresh = *n;
            return {};
        };
        auto w = co_await s.writer.write(std::move(job));
        if (!w) {
            log_line(LogLevel::error, w.error().message);
            co_return;
        }
        if (!fresh) continue;
        const std::string line = printable(p.filename().string()) + ": " + *why;
        log_line(LogLevel::warn, printable(folder.string()) + "/" + line);
        // Beside it, for the uploader who cannot see the log (NAME.EXT.error.txt: xferd's own output).
        fs::path note = p;
        note += ".error.txt";
        if (S_ISREG(st.st_mode)) (void)write_report_atomically(note, line + "\nNothing from this file was read.\n");
    }
    co_await notice_approvals_not_taken(s, std::move(folder));   // approvals nothing waits for
}

}  // namespace xferd
