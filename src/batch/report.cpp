// Reports next to the input: rendering is pure; writing is temp file + fsync + rename, so a
// reader (or a crash) never sees half a report, and an earlier report is kept, not replaced.
#include "xferd/batch/report.hpp"

#include "xferd/batch/process_log.hpp"

#include "xferd/core/ascii_text.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <ctime>
#include <random>
#include <system_error>
#include <utility>

namespace xferd {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view utf8_bom = "\xEF\xBB\xBF";
constexpr std::string_view crlf = "\r\n";
constexpr mode_t report_mode = 0640;  // personal data: owner and the operators' group only

std::string errno_text(int err) { return std::generic_category().message(err); }

bool all_digits(std::string_view s)
{
    if (s.empty()) return false;
    for (char c : s)
        if (c < '0' || c > '9') return false;
    return true;
}

fs::path folder_of(const fs::path& target)
{
    fs::path dir = target.parent_path();
    return dir.empty() ? fs::path(".") : dir;
}

// Makes the renames in `dir` durable. File systems that cannot fsync a directory say EINVAL;
// nothing more can be done there, so that is not an error.
Result<void> sync_directory(const fs::path& dir)
{
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return make_error(ErrorKind::io, "cannot open folder " + dir.string() + ": " + errno_text(errno));
    int rc = ::fsync(fd);
    int err = errno;
    ::close(fd);
    if (rc != 0 && err != EINVAL)
        return make_error(ErrorKind::io, "cannot sync folder " + dir.string() + ": " + errno_text(err));
    return {};
}

// rename() that refuses to replace an existing file (Linux renameat2). Where the file system
// cannot do that (EINVAL), falls back to checking first: a small race, but the only option.
int rename_no_replace(const fs::path& from, const fs::path& to)
{
    if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0) return 0;
    if (errno != EINVAL && errno != ENOSYS) return -1;
    struct stat st {};
    if (::lstat(to.c_str(), &st) == 0) {
        errno = EEXIST;
        return -1;
    }
    return ::rename(from.c_str(), to.c_str());
}

std::string random_suffix()
{
    thread_local std::mt19937_64 rng{std::random_device{}()};
    static constexpr char hex[] = "0123456789abcdef";
    std::string s;
    auto v = rng();
    for (int i = 0; i < 12; ++i, v >>= 4) s.push_back(hex[v & 0xf]);
    return s;
}

Result<void> write_all(int fd, std::string_view content)
{
    while (!content.empty()) {
        ssize_t n = ::write(fd, content.data(), content.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            return make_error(ErrorKind::io, errno_text(errno));
        }
        content.remove_prefix(static_cast<std::size_t>(n));
    }
    return {};
}

template <class Cells>
void append_cells(std::string& out, const Cells& cells)
{
    bool first = true;
    for (const auto& cell : cells) {
        if (!first) out += ',';
        first = false;
        out += csv_cell(cell);
    }
    out += crlf;
}

void append_line(std::string& out, std::initializer_list<std::string_view> cells) { append_cells(out, cells); }

std::string_view reason_of(const RowRecord& r)
{
    return r.reason.empty() ? std::string_view(r.confirmation.error) : std::string_view(r.reason);
}

}  // namespace

OutputPaths output_paths_for(const fs::path& input)
{
    fs::path dir = input.parent_path();
    std::string stem = input.stem().string();  // "a.b.csv" → "a.b"
    auto with = [&](std::string_view suffix) { return dir / (stem + std::string(suffix)); };
    return OutputPaths{
        .confirmation_csv = with(".confirmation.csv"),
        .confirmation_html = with(".confirmation.html"),
        .confirmation_xlsx = with(".confirmation.xlsx"),
        .approved_csv = with(".approved.csv"),
        .approved_xlsx = with(".approved.xlsx"),
        .approve_file = with(".approve"),
        .results_csv = with(".results.csv"),
        .log = with(".log"),
        .error_txt = with(".error.txt"),
    };
}

bool is_xferd_output(const fs::path& path)
{
    std::string name = path.filename().string();
    if (name.size() > 4 && name.front() == '.' && name.ends_with(".tmp")) return true;  // our temp files

    // Split "NAME.kind[.N].ext"; NAME may hold dots itself.
    std::vector<std::string> parts;
    std::size_t start = 0;
    for (;;) {
        auto dot = name.find('.', start);
        parts.push_back(lower_ascii(name.substr(start, dot == std::string::npos ? dot : dot - start)));
        if (dot == std::string::npos) break;
        start = dot + 1;
    }
    if (parts.size() < 2 || parts.front().empty()) return false;
    const std::string& ext = parts.back();
    if (ext == "log" || ext == "approve") return true;  // NAME.log, NAME.1.log, NAME.approve

    std::size_t kind_at = parts.size() - 2;
    if (parts.size() >= 4 && all_digits(parts[kind_at])) --kind_at;  // kept copy: NAME.results.1.csv
    if (kind_at == 0) return false;  // no NAME left
    const std::string& kind = parts[kind_at];
    static constexpr std::array<std::pair<std::string_view, std::string_view>, 7> outputs{{
        {"confirmation", "csv"},
        {"confirmation", "html"},
        {"confirmation", "xlsx"},
        {"approved", "csv"},
        {"approved", "xlsx"},
        {"results", "csv"},
        {"error", "txt"},
    }};
    for (const auto& [k, e] : outputs)
        if (kind == k && ext == e) return true;
    return false;
}

std::string csv_cell(std::string_view value)
{
    std::string cell;
    // A spreadsheet evaluates a cell starting with one of these; the apostrophe makes it text.
    // (So +12035551111 and -5 are shown with an apostrophe too: safe beats pretty here.)
    if (!value.empty() && std::string_view("=+-@\t\r").find(value.front()) != std::string_view::npos)
        cell = "'";
    cell += value;
    bool quote = cell.find_first_of(",\";\t\r\n") != std::string::npos ||
                 (!cell.empty() && (cell.front() == ' ' || cell.back() == ' '));
    if (!quote) return cell;
    std::string out = "\"";
    for (char c : cell) {
        if (c == '"') out += '"';
        out += c;
    }
    out += '"';
    return out;
}

std::string html_escape(std::string_view value)
{
    std::string out;
    out.reserve(value.size());
    for (char c : value) {
        switch (c) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&quot;"; break;
        case '\'': out += "&#39;"; break;
        default: out += c;
        }
    }
    return out;
}

const std::array<std::string_view, confirmation_column_count>& confirmation_columns()
{
    static constexpr std::array<std::string_view, confirmation_column_count> columns{
        "row", "external_order_number", "service_id", "service_number", "confirmed_service_number",
        "service_status", "account_holder", "account_holder_email", "account_holder_id", "device",
        "decision", "reason", "approve"};
    return columns;
}

std::array<std::string, confirmation_column_count> confirmation_values(const RowRecord& r)
{
    const auto& c = r.confirmation;
    return {std::to_string(r.row), r.external_order_number, r.service_id, r.service_number,
            c.service_number, c.service_status, c.account_holder, c.account_holder_email,
            c.account_holder_id, c.device, std::string(to_string(r.decision)),
            std::string(reason_of(r)), ""};
}

std::string confirmation_csv_header()
{
    std::string out(utf8_bom);
    append_cells(out, confirmation_columns());
    return out;
}

std::string confirmation_csv_line(const RowRecord& r)
{
    std::string out;
    append_cells(out, confirmation_values(r));
    return out;
}

std::string results_csv_header()
{
    std::string out(utf8_bom);
    append_line(out, {"row", "external_order_number", "service_id", "decision", "status", "order_id",
                      "message"});
    return out;
}

std::string results_csv_line(const RowRecord& r)
{
    std::string out;
    append_line(out, {std::to_string(r.row), r.external_order_number, r.service_id,
                      to_string(r.decision), to_string(r.status), r.order_id, r.message});
    return out;
}




Result<void> keep_existing(const fs::path& target)
{
    struct stat st {};
    if (::lstat(target.c_str(), &st) != 0) {
        if (errno == ENOENT) return {};
        return make_error(ErrorKind::io, "cannot check " + target.string() + ": " + errno_text(errno));
    }
    fs::path dir = folder_of(target);
    std::string stem = target.stem().string();
    std::string ext = target.extension().string();
    for (unsigned n = 1; n <= 100'000; ++n) {
        fs::path kept = dir / (stem + "." + std::to_string(n) + ext);
        if (rename_no_replace(target, kept) == 0) return sync_directory(dir);
        if (errno == EEXIST) continue;
        if (errno == ENOENT) return {};  // someone else moved it meanwhile: nothing to keep
        return make_error(ErrorKind::io, "cannot keep the earlier " + target.string() + " as " + kept.string() +
                          ": " + errno_text(errno));
    }
    return make_error(ErrorKind::io, "cannot keep the earlier " + target.string() +
                      ": 100000 earlier copies exist; clean up the folder");
}

Result<AtomicFileWriter> AtomicFileWriter::create(const fs::path& target)
{
    fs::path dir = folder_of(target);
    for (int attempt = 0; attempt < 100; ++attempt) {
        // A dotfile ending in .tmp: every watcher, ours included, ignores it.
        fs::path temp = dir / ("." + target.filename().string() + "." + random_suffix() + ".tmp");
        int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, report_mode);
        if (fd < 0 && errno == EEXIST) continue;
        if (fd < 0)
            return make_error(ErrorKind::io, "cannot write " + target.string() + ": cannot create a file in " +
                              dir.string() + ": " + errno_text(errno));
        AtomicFileWriter writer(target, temp, fd);
        // Exactly 0640 whatever the umask: the operators' group must be able to read reports.
        if (::fchmod(fd, report_mode) != 0) return writer.fail("chmod", errno).error();
        return writer;
    }
    return make_error(ErrorKind::io, "cannot write " + target.string() + ": no free temporary name");
}

AtomicFileWriter::AtomicFileWriter(fs::path target, fs::path temp, int fd)
    : target_(std::move(target)), temp_(std::move(temp)), fd_(fd)
{
}

AtomicFileWriter::AtomicFileWriter(AtomicFileWriter&& other) noexcept
    : target_(std::move(other.target_)),
      temp_(std::move(other.temp_)),
      fd_(std::exchange(other.fd_, -1)),
      buffer_(std::move(other.buffer_))
{
}

AtomicFileWriter& AtomicFileWriter::operator=(AtomicFileWriter&& other) noexcept
{
    if (this != &other) {
        discard();
        target_ = std::move(other.target_);
        temp_ = std::move(other.temp_);
        fd_ = std::exchange(other.fd_, -1);
        buffer_ = std::move(other.buffer_);
    }
    return *this;
}

AtomicFileWriter::~AtomicFileWriter() { discard(); }

void AtomicFileWriter::discard() noexcept
{
    if (fd_ < 0) return;
    ::close(fd_);
    ::unlink(temp_.c_str());
    fd_ = -1;
}

Result<void> AtomicFileWriter::fail(const std::string& what, int err)
{
    discard();
    return make_error(ErrorKind::io, "cannot write " + target_.string() + ": " + what + ": " + errno_text(err));
}

Result<void> AtomicFileWriter::flush()
{
    if (fd_ < 0) return make_error(ErrorKind::io, "cannot write " + target_.string() + ": already finished");
    if (auto w = write_all(fd_, buffer_); !w) {
        discard();
        return make_error(ErrorKind::io, "cannot write " + target_.string() + ": " + w.error().message);
    }
    buffer_.clear();
    return {};
}

Result<void> AtomicFileWriter::write(std::string_view data)
{
    if (fd_ < 0) return make_error(ErrorKind::io, "cannot write " + target_.string() + ": already finished");
    buffer_ += data;
    if (buffer_.size() >= 64 * 1024) return flush();
    return {};
}

Result<void> AtomicFileWriter::commit()
{
    if (auto f = flush(); !f) return f;
    if (::fsync(fd_) != 0) return fail("fsync", errno);
    int rc = ::close(fd_);
    int err = errno;
    fd_ = -1;
    if (rc != 0) {
        ::unlink(temp_.c_str());
        return make_error(ErrorKind::io, "cannot write " + target_.string() + ": close: " + errno_text(err));
    }
    // Something may recreate the target between keeping it and renaming: loop, never replace.
    for (int attempt = 0;; ++attempt) {
        if (auto kept = keep_existing(target_); !kept) {
            ::unlink(temp_.c_str());
            return kept;
        }
        if (rename_no_replace(temp_, target_) == 0) break;
        err = errno;
        if (err != EEXIST || attempt == 10) {
            ::unlink(temp_.c_str());
            return make_error(ErrorKind::io, "cannot write " + target_.string() + ": rename: " + errno_text(err));
        }
    }
    return sync_directory(folder_of(target_));
}

Result<void> write_report_atomically(const fs::path& target, std::string_view content)
{
    auto writer = AtomicFileWriter::create(target);
    if (!writer) return writer.error();
    if (auto w = writer->write(content); !w) return w;
    return writer->commit();
}

namespace {

// One call, one line: control characters (a newline in a row value) escaped, so a value cannot
// forge a log line.
std::string escaped_for_log(std::string_view message)
{
    std::string out;
    for (char c : message) {
        auto u = static_cast<unsigned char>(c);
        if (c == '\n') out += "\\n";
        else if (c == '\r') out += "\\r";
        else if (c == '\t') out += "\\t";
        else if (u < 0x20 || u == 0x7f) {
            char hex[8];
            std::snprintf(hex, sizeof hex, "\\x%02x", u);
            out += hex;
        } else out += c;
    }
    return out;
}

bool names_a_symlink(const fs::path& path)
{
    struct stat st {};
    return ::lstat(path.c_str(), &st) == 0 && S_ISLNK(st.st_mode);
}

// NAME.log swapped for a symbolic link (to /etc/passwd, a secret…): never written through, and
// said at WARNING, while its lines go to the process log instead.
void warn_about_link(const fs::path& path)
{
    log_warn(path.string() + " is a symbolic link, not followed (xferd never writes through one); this batch's log "
             "lines go to the process log until the link is removed");
}

// Appending, never through a symbolic link; nullptr and `error` when it cannot be opened.
std::FILE* open_log(const fs::path& path, std::string& error)
{
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, report_mode);
    if (fd < 0) {
        error = "cannot open " + path.string() + ": " + errno_text(errno) + "; its lines go to the process log";
        return nullptr;
    }
    ::fchmod(fd, report_mode);
    std::FILE* file = ::fdopen(fd, "a");
    if (file == nullptr) {
        error = "cannot open " + path.string() + ": " + errno_text(errno) + "; its lines go to the process log";
        ::close(fd);
    }
    return file;
}

// Which file an open log is (device, inode): taken once at open, as they never change.
std::pair<std::uint64_t, std::uint64_t> identity_of(std::FILE* file)
{
    struct stat st {};
    if (file == nullptr || ::fstat(::fileno(file), &st) != 0) return {0, 0};
    return {st.st_dev, st.st_ino};
}

// The path still names the file being written (not deleted, moved or swapped for a link since).
bool still_names(std::pair<std::uint64_t, std::uint64_t> mine, const fs::path& path)
{
    struct stat now {};
    return ::lstat(path.c_str(), &now) == 0 && mine.first == now.st_dev && mine.second == now.st_ino;
}

}  // namespace

BatchLog::BatchLog(fs::path path) : BatchLog(std::move(path), false) {}

BatchLog::BatchLog(fs::path path, bool append_to_existing) : path_(std::move(path))
{
    if (names_a_symlink(path_)) {   // left where it is, never followed nor moved aside as an earlier log
        warn_about_link(path_);
        return;
    }
    if (!append_to_existing) {
        // If the earlier log cannot be moved aside, append to it rather than lose either.
        if (auto kept = keep_existing(path_); !kept) open_error_ = kept.error().message;
    }
    std::string error;
    file_ = open_log(path_, error);
    identity_ = identity_of(file_);
    if (file_ == nullptr && names_a_symlink(path_)) warn_about_link(path_);   // swapped in just now
    else if (file_ == nullptr) open_error_ = error;
}

BatchLog::~BatchLog()
{
    if (file_ != nullptr) std::fclose(file_);
}

void BatchLog::info(std::string_view message) { write("INFO", message); }
void BatchLog::warn(std::string_view message) { write("WARN", message); }
void BatchLog::error(std::string_view message) { write("ERROR", message); }

void BatchLog::write(std::string_view level, std::string_view message)
{
    // Deleted, moved or swapped for a link while the batch ran: a new NAME.log, never the link.
    if (file_ != nullptr && !still_names(identity_, path_)) {
        std::fclose(file_);
        std::string error;
        file_ = open_log(path_, error);
        identity_ = identity_of(file_);
        if (file_ == nullptr) {
            if (names_a_symlink(path_)) warn_about_link(path_);
            else log_warn(error);
        }
    }
    if (file_ == nullptr) {   // never dropped silently
        log_line(log_level_named(level), path_.filename().string() + ": " + escaped_for_log(message));
        return;
    }
    auto now = std::chrono::system_clock::now();
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
    std::time_t seconds = static_cast<std::time_t>(ms / 1000);
    std::tm utc{};
    ::gmtime_r(&seconds, &utc);
    char stamp[96];  // room for any int the compiler can imagine
    std::snprintf(stamp, sizeof stamp, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900,
                  utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                  static_cast<int>(ms % 1000));

    std::string line = stamp;
    line += ' ';
    line += level;
    line += ' ';
    line += escaped_for_log(message);
    line += '\n';
    std::fwrite(line.data(), 1, line.size(), file_);
    std::fflush(file_);
}

}  // namespace xferd
