// Reports next to the input file: written to a temp file in the same folder, fsync'd, then
// renamed, mode 0640 (they hold personal data). An earlier file of the same name is kept,
// renamed with a suffix, never overwritten silently.
#pragma once

#include "xferd/core/error.hpp"
#include "xferd/core/row_state.hpp"

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
    std::filesystem::path approved_csv;   // written by the operator (manual mode)
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

struct BatchSummary {
    std::string input_name;        // file name shown in the report headings
    std::string content_sha256;
    std::string mode;              // auto | manual | dry-run
    std::string gate_message;      // non-empty when the batch gate held the batch
};

// Renders (pure) …
std::string render_confirmation_csv(const std::vector<RowRecord>& rows);
std::string render_confirmation_html(const BatchSummary& batch, const std::vector<RowRecord>& rows);
std::string render_results_csv(const std::vector<RowRecord>& rows);

// … and writes. If `target` exists it is first renamed to NAME.N.ext (lowest free N).
Result<void> write_report_atomically(const std::filesystem::path& target, std::string_view content);
// Moves an existing file aside as above (used before starting a new NAME.log).
Result<void> keep_existing(const std::filesystem::path& target);

// NAME.log: timestamped lines ("2026-11-30T13:12:18Z INFO message"), appended and flushed
// as they happen, so the log survives a crash.
class BatchLog {
public:
    explicit BatchLog(std::filesystem::path path);
    ~BatchLog();
    BatchLog(const BatchLog&) = delete;
    BatchLog& operator=(const BatchLog&) = delete;
    void info(std::string_view message);
    void warn(std::string_view message);
    void error(std::string_view message);
    [[nodiscard]] const std::filesystem::path& path() const { return path_; }

private:
    void write(std::string_view level, std::string_view message);
    std::filesystem::path path_;
    std::FILE* file_ = nullptr;
};

}  // namespace xferd
