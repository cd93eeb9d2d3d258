#include "xferd/batch/row_stream.hpp"

#include <cerrno>
#include <cstring>

namespace xferd {

RowStream::RowStream(const std::filesystem::path& file, BatchFormat format, const ColumnMapping& columns,
                     const BatchLimits& limits, DuplicateOrders duplicates)
    : reader_(format, columns, limits, duplicates)
{
    file_ = std::fopen(file.c_str(), "rb");
    if (!file_) {
        error_ = FileError{"cannot open " + file.string() + ": " + std::strerror(errno), std::nullopt, std::nullopt};
        finished_ = true;
    }
}

RowStream::~RowStream()
{
    if (file_) std::fclose(file_);
}

std::optional<ParsedRow> RowStream::next()
{
    while (ready_pos_ == ready_.size()) {
        ready_.clear();
        ready_pos_ = 0;
        if (finished_) return std::nullopt;
        char buf[64 * 1024];
        std::size_t n = std::fread(buf, 1, sizeof buf, file_);
        bool ok = true;
        if (n > 0) ok = reader_.feed(std::string_view(buf, n), ready_);
        if (n < sizeof buf) {
            if (std::ferror(file_)) {
                error_ = FileError{std::string("read error: ") + std::strerror(errno), std::nullopt, std::nullopt};
                finished_ = true;
                return std::nullopt;
            }
            if (ok) ok = reader_.finish(ready_);
            finished_ = true;
        }
        if (!ok) {
            error_ = reader_.error();
            finished_ = true;
            // Rows completed before the error are still handed out; the caller checks error().
        }
    }
    return std::move(ready_[ready_pos_++]);
}

}  // namespace xferd
