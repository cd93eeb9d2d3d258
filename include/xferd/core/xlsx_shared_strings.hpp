// The shared-strings table of an .xlsx (xl/sharedStrings.xml): most text cells of a sheet are an
// index into it, so it is the one thing held in memory while the sheet streams by. Bounded: past
// XlsxStringLimits the workbook is refused with a file error, rather than spilled to a temp file
// (that would put the personal data of the batch in a second place on disk). Pure: fed bytes.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace xferd {

struct XlsxStringLimits {
    std::size_t max_total_bytes = 64 * 1024 * 1024;  // about 300,000 rows of unique names and addresses
    std::size_t max_count = 4'000'000;
    std::size_t max_string_bytes = 64 * 1024;       // longer strings are kept cut to one byte more
};

class SharedStrings {
public:
    // nullopt when the table has no such index.
    [[nodiscard]] std::optional<std::string_view> at(std::size_t index) const;
    [[nodiscard]] std::size_t size() const { return ends_.size(); }
    [[nodiscard]] std::size_t bytes() const { return text_.size(); }
    void add(std::string_view s);

private:
    std::string text_;                  // every string, one after another
    std::vector<std::uint32_t> ends_;   // where each ends in text_
};

class SharedStringsReader {
public:
    explicit SharedStringsReader(XlsxStringLimits limits = {});
    ~SharedStringsReader();
    SharedStringsReader(const SharedStringsReader&) = delete;
    SharedStringsReader& operator=(const SharedStringsReader&) = delete;

    bool feed(std::string_view chunk);
    bool finish();
    // What is wrong, as "its shared strings …: what to do".
    [[nodiscard]] const std::optional<std::string>& error() const;
    // The error is malformed XML, not a limit.
    [[nodiscard]] bool malformed() const;
    // The table (after finish()).
    SharedStrings take();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace xferd
