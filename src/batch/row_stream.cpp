#include "xferd/batch/row_stream.hpp"

#include "xferd/batch/xlsx_file.hpp"
#include "xferd/core/xlsx_reader.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace xferd {

namespace {

FileError file_error(std::string message) { return FileError{std::move(message), std::nullopt, std::nullopt}; }

}  // namespace

struct RowStream::Source {
    virtual ~Source() = default;
    // Reads on; appends the rows that completes. False once the input is done (then error()).
    virtual bool pump(std::vector<ParsedRow>& out) = 0;
    [[nodiscard]] virtual std::optional<FileError> error() const = 0;
    [[nodiscard]] virtual const std::vector<std::string>& header() const = 0;
    [[nodiscard]] virtual const std::vector<std::string>& ignored() const = 0;
};

namespace {

const std::vector<std::string> no_names;

// A file that has no rows to give: it could not be opened, or xferd does not read its format.
struct FailedSource final : RowStream::Source {
    explicit FailedSource(FileError e) : e_(std::move(e)) {}
    bool pump(std::vector<ParsedRow>&) override { return false; }
    std::optional<FileError> error() const override { return e_; }
    const std::vector<std::string>& header() const override { return no_names; }
    const std::vector<std::string>& ignored() const override { return no_names; }
    FileError e_;
};

struct TextSource final : RowStream::Source {
    TextSource(std::FILE* f, BatchFormat format, const ColumnMapping& columns, const BatchLimits& limits,
               DuplicateOrders duplicates)
        : file(f), reader(format, columns, limits, duplicates)
    {
    }
    ~TextSource() override { std::fclose(file); }

    bool pump(std::vector<ParsedRow>& out) override
    {
        char buf[64 * 1024];
        const std::size_t n = std::fread(buf, 1, sizeof buf, file);
        bool ok = n == 0 || reader.feed(std::string_view(buf, n), out);
        if (n == sizeof buf) return ok;
        if (std::ferror(file)) {
            read_error = file_error(std::string("read error: ") + std::strerror(errno));
            return false;
        }
        if (ok) reader.finish(out);
        return false;
    }
    std::optional<FileError> error() const override { return read_error ? read_error : reader.error(); }
    const std::vector<std::string>& header() const override { return reader.header(); }
    const std::vector<std::string>& ignored() const override { return reader.ignored_columns(); }

    std::FILE* file;
    BatchReader reader;
    std::optional<FileError> read_error;
};

// The workbook stays open while its sheet streams: the reader looks its strings and styles up.
struct XlsxSource final : RowStream::Source {
    XlsxSource(std::unique_ptr<XlsxWorkbookFile> b, std::size_t sheet, const ColumnMapping& columns,
               const LimitsConfig& limits)
        : book(std::move(b)),
          reader(book->sheets()[sheet].name, book->strings(), book->styles(), columns, limits)
    {
    }

    bool pump(std::vector<ParsedRow>& out) override
    {
        auto chunk = book->next_chunk();
        if (!chunk) {
            zip_error = file_error(chunk.error().message);
            return false;
        }
        if (chunk->empty()) {
            reader.finish(out);
            return false;
        }
        return reader.feed(*chunk, out);
    }
    std::optional<FileError> error() const override { return zip_error ? zip_error : reader.error(); }
    const std::vector<std::string>& header() const override { return reader.header(); }
    const std::vector<std::string>& ignored() const override { return reader.ignored_columns(); }

    std::unique_ptr<XlsxWorkbookFile> book;
    XlsxBatchReader reader;
    std::optional<FileError> zip_error;
};

std::unique_ptr<RowStream::Source> open_xlsx(const std::filesystem::path& file, const ColumnMapping& columns,
                                             const BatchLimits& limits, const std::string& sheet)
{
    auto book = XlsxWorkbookFile::open(file);
    if (!book) return std::make_unique<FailedSource>(file_error(book.error().message));
    auto index = (*book)->choose_sheet(sheet);
    if (!index) return std::make_unique<FailedSource>(file_error(index.error().message));
    if (auto opened = (*book)->open_sheet(*index); !opened)
        return std::make_unique<FailedSource>(file_error(opened.error().message));
    return std::make_unique<XlsxSource>(std::move(*book), *index, columns, limits);
}

}  // namespace

RowStream::RowStream(const std::filesystem::path& file, BatchFormat format, const ColumnMapping& columns,
                     const BatchLimits& limits, const std::string& sheet, DuplicateOrders duplicates)
{
    if (auto why = unsupported_format(file)) {
        source_ = std::make_unique<FailedSource>(file_error(*why));
    } else if (format == BatchFormat::xlsx) {
        source_ = open_xlsx(file, columns, limits, sheet);
    } else if (std::FILE* f = std::fopen(file.c_str(), "rb")) {
        source_ = std::make_unique<TextSource>(f, format, columns, limits, duplicates);
    } else {
        source_ = std::make_unique<FailedSource>(file_error("cannot open " + file.string() + ": " + std::strerror(errno)));
    }
}

RowStream::~RowStream() = default;

const std::vector<std::string>& RowStream::header() const { return source_->header(); }
const std::vector<std::string>& RowStream::ignored_columns() const { return source_->ignored(); }

std::optional<ParsedRow> RowStream::next()
{
    while (ready_pos_ == ready_.size()) {
        ready_.clear();
        ready_pos_ = 0;
        if (finished_) return std::nullopt;
        if (!source_->pump(ready_)) {
            finished_ = true;
            // Rows completed before an error are still handed out; the caller checks error().
            error_ = source_->error();
        }
    }
    return std::move(ready_[ready_pos_++]);
}

}  // namespace xferd
