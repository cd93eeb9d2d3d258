// RFC 4180 record tokenizer, sans-I/O: feed bytes in chunks of any size, get whole records.
// It knows nothing of headers, columns or encodings; BatchReader adds those.
//
// Beyond RFC 4180, what Excel writes and reads:
// - CRLF, LF and a lone CR (old Mac Excel) all end a record;
// - a quote inside an unquoted field is kept literally (`5" screen`), and text after the
//   closing quote of a quoted field is appended to it (`"abc"def` → `abcdef`), as Excel does;
// - an empty line is a record of one empty field (the caller decides whether to skip it).
// Memory is bounded by one record: fields are kept only until their record is handed out.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace xferd {

struct CsvLimits {
    std::size_t max_field_bytes = 64 * 1024;
    std::size_t max_record_bytes = 1024 * 1024;  // delimiters and quotes included
    std::size_t max_fields = 256;
};

struct CsvRecord {
    std::vector<std::string> fields;
    std::size_t index = 0;   // 0-based record number in the input (blank lines count)
    std::uint64_t line = 0;  // 1-based physical line the record starts on
};

struct CsvError {
    enum class Kind { unterminated_quote, field_too_long, record_too_long, too_many_fields };
    Kind kind = Kind::unterminated_quote;
    std::size_t record_index = 0;     // the record it happened in
    std::uint64_t record_line = 0;    // the line that record starts on
    std::uint64_t line = 0;           // the line where it was noticed
    std::optional<std::uint64_t> open_quote_line;  // set when inside a quoted field
};

// Excel writes ',' or, in locales with a decimal comma, ';' (and "Unicode Text" uses tab).
// Picks the one of ',', ';', '\t' that splits `header_line` into the most columns, counting
// only outside quotes; ',' on a tie or when none occurs.
char detect_csv_delimiter(std::string_view header_line);

class CsvParser {
public:
    explicit CsvParser(char delimiter = ',', CsvLimits limits = {});

    // Tokenises `chunk`; appends every record it completes to `out`, in input order.
    // Returns false once an error was found (see error()); later calls do nothing.
    bool feed(std::string_view chunk, std::vector<CsvRecord>& out);
    // End of input: hands out a last record that has no line end; an open quote is an error.
    bool finish(std::vector<CsvRecord>& out);

    [[nodiscard]] const std::optional<CsvError>& error() const { return error_; }
    [[nodiscard]] char delimiter() const { return delimiter_; }
    // Records handed out so far.
    [[nodiscard]] std::size_t records() const { return next_index_; }

private:
    enum class State { record_start, field_start, unquoted, quoted, quote_in_quoted };

    void end_field();
    bool end_record(std::vector<CsvRecord>& out);
    bool fail(CsvError::Kind kind);
    bool append(std::string_view bytes);
    bool take_run(const char*& p, const char* end, char stop);
    void count_line_end(char c);

    char delimiter_;
    CsvLimits limits_;
    State state_ = State::record_start;
    std::vector<std::string> fields_;
    std::string field_;
    std::size_t record_bytes_ = 0;
    std::size_t next_index_ = 0;
    std::uint64_t line_ = 1;          // current physical line
    std::uint64_t record_line_ = 1;
    std::uint64_t quote_line_ = 0;    // where the open quoted field started
    bool after_cr_ = false;           // the last byte was a CR: a following LF belongs to it
    std::optional<CsvError> error_;
};

}  // namespace xferd
