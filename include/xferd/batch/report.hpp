// Reports next to the input file: written to a temp file in the same folder, fsync'd, then
// renamed, mode 0640 (they hold personal data). An earlier file of the same name is kept,
// renamed with a suffix, never overwritten silently.
#pragma once

#include "xferd/core/error.hpp"
#include "xferd/core/row_state.hpp"

#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace xferd {

// NAME.csv → NAME.confirmation.csv etc. (stem of the input + suffix).
struct OutputPaths {
    std::filesystem::path confirmation_csv;
    std::filesystem::path confirmation_html;
    std::filesystem::path confirmation_xlsx;
    std::filesystem::path approved_csv;   // written by the operator (manual mode)
    std::filesystem::path approved_xlsx;  // the confirmation workbook saved back by the operator
    std::filesystem::path approve_file;   // NAME.approve, written by the operator
    std::filesystem::path results_csv;
    std::filesystem::path log;
    std::filesystem::path error_txt;      // file-level rejection (NAME.error.txt)
};
OutputPaths output_paths_for(const std::filesystem::path& input);
// True for names xferd writes itself (so a watcher never takes them as input).
bool is_xferd_output(const std::filesystem::path& path);

// One CSV cell: quoted when needed (RFC 4180), and neutralised against formula injection:
// a value starting with = + - @ tab or CR gets a leading apostrophe.
std::string csv_cell(std::string_view value);
std::string html_escape(std::string_view value);

// The CSV reports, streamed from the store: the header (with the BOM), then one CRLF-terminated
// line per row.
std::string confirmation_csv_header();
std::string confirmation_csv_line(const RowRecord& row);
// The confirmation's columns and one row's values, as the CSV and the workbook both show them
// (the last column, approve, is left for the operator).
inline constexpr std::size_t confirmation_column_count = 13;
const std::array<std::string_view, confirmation_column_count>& confirmation_columns();
std::array<std::string, confirmation_column_count> confirmation_values(const RowRecord& row);
std::string results_csv_header();
std::string results_csv_line(const RowRecord& row);

// A report written piece by piece into a temp file beside `target` (O_EXCL, 0640) and published
// by commit(): fsync, keep_existing(target), rename, fsync the folder. Dropped without commit(),
// the temp file is removed and `target` is untouched.
class AtomicFileWriter {
public:
    static Result<AtomicFileWriter> create(const std::filesystem::path& target);
    AtomicFileWriter(AtomicFileWriter&& other) noexcept;
    AtomicFileWriter& operator=(AtomicFileWriter&& other) noexcept;
    AtomicFileWriter(const AtomicFileWriter&) = delete;
    AtomicFileWriter& operator=(const AtomicFileWriter&) = delete;
    ~AtomicFileWriter();

    Result<void> write(std::string_view data);  // buffered
    Result<void> commit();
    [[nodiscard]] const std::filesystem::path& target() const { return target_; }
    // The temp file, for a library that writes by file name (libxlsxwriter); commit() still
    // syncs and publishes what it wrote there.
    [[nodiscard]] const std::filesystem::path& temp_path() const { return temp_; }

private:
    AtomicFileWriter(std::filesystem::path target, std::filesystem::path temp, int fd);
    Result<void> flush();
    Result<void> fail(const std::string& what, int err);
    void discard() noexcept;
    std::filesystem::path target_;
    std::filesystem::path temp_;
    int fd_ = -1;
    std::string buffer_;
};

// … and writes. If `target` exists it is first renamed to NAME.N.ext (lowest free N).
Result<void> write_report_atomically(const std::filesystem::path& target, std::string_view content);
// Moves an existing file aside as above (used before starting a new NAME.log).
Result<void> keep_existing(const std::filesystem::path& target);

// NAME.log: timestamped lines ("2026-11-30T13:12:18.123Z INFO message"), appended and flushed
// as they happen, so the log survives a crash. Control characters in a message (a newline in a
// row value) are escaped, so one call is always one line and a value cannot forge a log line.
class BatchLog {
public:
    explicit BatchLog(std::filesystem::path path);
    // append_to_existing: continue an earlier NAME.log (a batch resumed after a restart)
    // instead of moving it aside.
    BatchLog(std::filesystem::path path, bool append_to_existing);
    ~BatchLog();
    BatchLog(const BatchLog&) = delete;
    BatchLog& operator=(const BatchLog&) = delete;
    void info(std::string_view message);
    void warn(std::string_view message);
    void error(std::string_view message);
    [[nodiscard]] const std::filesystem::path& path() const { return path_; }
    // False when the file could not be opened: then its lines go to the process log, and
    // open_error() says why (a symbolic link at NAME.log is never followed: that is said at
    // WARNING in the process log, also when the link is swapped in while the batch runs).
    [[nodiscard]] bool is_open() const { return file_ != nullptr; }
    // Empty, or why the log is not as asked: it cannot be opened (lines go to stderr), or the
    // earlier log could not be moved aside (lines are appended to it). The batch run and the
    // approval step write it to the process log (stderr / the journal).
    [[nodiscard]] const std::string& open_error() const { return open_error_; }

private:
    void write(std::string_view level, std::string_view message);
    std::filesystem::path path_;
    std::FILE* file_ = nullptr;
    std::pair<std::uint64_t, std::uint64_t> identity_{0, 0};   // file_'s device and inode
    std::string open_error_;
};

}  // namespace xferd
