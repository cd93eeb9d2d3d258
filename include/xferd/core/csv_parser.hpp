// RFC 4180 record tokenizer, sans-I/O: feed bytes in chunks of any size, get whole records.
// It knows nothing of headers, columns or encodings; BatchReader adds those.
//
// Beyond RFC 4180, what Excel writes and reads:
// - CRLF, LF and a lone CR (old Mac Excel) all end a record;
// - a quote inside an unquoted field is kept literally (`5" screen`), and text after the
//   closing quote of a quoted field is appended to it (`"abc"def` → `abcdef`), as Excel does;
// - an empty line is a record of one empty field (the caller decides whether to skip it).
// Memory is bounded by one record: fields are kept only until their record is handed out.
// A value or record over a limit is not kept: its bytes are stepped over up to the end of the
// record, which is handed out with a CsvOverflow saying what was dropped (the caller makes it
// that row's error). Only when that end cannot be trusted (an over-long value or record with
// a line break inside quotes: a quote is probably never closed) is it an error for the input.
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

// What a record lost to a limit.
struct CsvOverflow {
    enum class Kind {
        field_too_long,   // that field is left empty
        record_too_long,  // the fields after this point are dropped
        too_many_fields,  // the fields after max_fields are dropped
    };
    Kind kind = Kind::field_too_long;
    std::size_t field = 0;  // field_too_long: the field's 0-based index
    std::string prefix;     // field_too_long: its first few bytes (whole UTF-8 characters)
};

struct CsvRecord {
    std::vector<std::string> fields;
    std::size_t index = 0;   // 0-based record number in the input (blank lines count)
    std::uint64_t line = 0;  // 1-based physical line the record starts on
    std::vector<CsvOverflow> overflows;  // empty unless a limit was hit
};

struct CsvError {
    // field_too_long / record_too_long: over the limit across a line break inside quotes.
    enum class Kind { unterminated_quote, field_too_long, record_too_long };
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
    void end_record(std::vector<CsvRecord>& out);
    bool fail(CsvError::Kind kind);
    bool append(std::string_view bytes);
    bool count(std::size_t bytes);
    bool quoted_line_break();
    void overflow_record(CsvOverflow::Kind kind);
    bool take_run(const char*& p, const char* end, char stop);
    bool step(const char*& p, const char* end, bool line_end, std::vector<CsvRecord>& out);

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
    bool skip_field_ = false;         // the field is over the limit: its bytes are dropped
    bool skip_record_ = false;        // the record is over a limit: the rest of it is dropped
    bool field_broken_ = false;       // the field has a line break inside quotes
    bool record_broken_ = false;      // the record has one
    std::vector<CsvOverflow> overflows_;
    std::optional<CsvError> error_;
};

}  // namespace xferd
