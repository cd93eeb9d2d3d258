#include "xferd/core/csv_parser.hpp"

#include "xferd/core/limits.hpp"

#include <algorithm>
#include <utility>

namespace xferd {

char detect_csv_delimiter(std::string_view header_line)
{
    std::size_t commas = 0, semicolons = 0, tabs = 0;
    bool quoted = false;
    for (const char c : header_line) {
        if (c == '"') {
            quoted = !quoted;  // a doubled quote toggles twice: still right
        } else if (!quoted) {
            commas += c == ',';
            semicolons += c == ';';
            tabs += c == '\t';
        }
    }
    if (semicolons > commas && semicolons >= tabs) {
        return ';';
    }
    if (tabs > commas && tabs > semicolons) {
        return '\t';
    }
    return ',';
}

CsvParser::CsvParser(char delimiter, CsvLimits limits) : delimiter_(delimiter), limits_(limits) {}

bool CsvParser::fail(CsvError::Kind kind)
{
    CsvError e;
    e.kind = kind;
    e.record_index = next_index_;
    e.record_line = record_line_;
    e.line = line_;
    if (state_ == State::quoted) {
        e.open_quote_line = quote_line_;
    }
    error_ = e;
    return false;
}

bool CsvParser::append(std::string_view bytes)
{
    if (skip_field_ || skip_record_) {
        return true;
    }
    if (field_.size() + bytes.size() <= limits_.max_field_bytes) {
        field_.append(bytes);
        return true;
    }
    // The value's first bytes, no more than it certainly has (limit + 1): the same for any chunking.
    std::string first = field_.substr(0, message_prefix_bytes);
    first.append(bytes.substr(0, message_prefix_bytes - first.size()));
    first.resize(std::min(first.size(), limits_.max_field_bytes + 1));
    overflows_.push_back({CsvOverflow::Kind::field_too_long, fields_.size(), message_prefix(first)});
    skip_field_ = true;
    field_.clear();
    return field_broken_ ? fail(CsvError::Kind::field_too_long) : true;
}

// Counts bytes of the record; past the limit the rest of the record is dropped.
bool CsvParser::count(std::size_t bytes)
{
    const bool was_over = record_bytes_ > limits_.max_record_bytes;
    record_bytes_ += bytes;
    if (was_over || record_bytes_ <= limits_.max_record_bytes) {
        return true;
    }
    if (record_broken_) {
        return fail(CsvError::Kind::record_too_long);
    }
    if (!skip_record_) {
        overflow_record(CsvOverflow::Kind::record_too_long);
    }
    return true;
}

// A line break inside quotes is fine, unless its value or record is over a limit: then a quote
// is probably never closed, and where the record ends is anyone's guess.
bool CsvParser::quoted_line_break()
{
    field_broken_ = true;
    record_broken_ = true;
    if (record_bytes_ > limits_.max_record_bytes) {
        return fail(CsvError::Kind::record_too_long);
    }
    return skip_field_ ? fail(CsvError::Kind::field_too_long) : true;
}

void CsvParser::overflow_record(CsvOverflow::Kind kind)
{
    overflows_.push_back({kind, fields_.size(), {}});
    skip_record_ = true;
    field_.clear();
}

void CsvParser::end_field()
{
    if (!skip_record_ && fields_.size() == limits_.max_fields) {
        overflow_record(CsvOverflow::Kind::too_many_fields);
    }
    if (!skip_record_) {
        fields_.push_back(std::move(field_));
    }
    field_.clear();
    skip_field_ = false;
    field_broken_ = false;
}

void CsvParser::end_record(std::vector<CsvRecord>& out)
{
    end_field();
    CsvRecord rec;
    rec.index = next_index_++;
    rec.line = record_line_;
    const std::size_t width = fields_.size();
    rec.fields = std::move(fields_);
    rec.overflows = std::move(overflows_);
    fields_.clear();
    fields_.reserve(width);
    overflows_.clear();
    skip_record_ = false;
    record_broken_ = false;
    out.push_back(std::move(rec));
    state_ = State::record_start;
}

// Appends the bytes from `p` up to (not including) `stop`, a line end or the end of the chunk,
// counting them against the record limit; `p` then points at what stopped the run.
bool CsvParser::take_run(const char*& p, const char* end, char stop)
{
    const char* q = p + 1;
    while (q < end && *q != stop && *q != '\r' && *q != '\n') {
        ++q;
    }
    const auto run = static_cast<std::size_t>(q - p);
    // feed() counted the first byte. Up to the record limit the bytes go to the field, past it
    // none does: the same as byte by byte, so the same for any chunking.
    const std::size_t room = limits_.max_record_bytes - std::min(record_bytes_, limits_.max_record_bytes);
    if (!append(std::string_view(p, 1 + std::min(run - 1, room))) || !count(run - 1)) {
        return false;
    }
    p = q;
    return true;
}

bool CsvParser::feed(std::string_view chunk, std::vector<CsvRecord>& out)
{
    if (error_) {
        return false;
    }
    const char* p = chunk.data();
    const char* const end = p + chunk.size();
    while (p < end) {
        const char c = *p;
        // A LF right after a CR is the second half of one line end.
        if (after_cr_ && c == '\n') {
            after_cr_ = false;
            ++p;
            if (state_ == State::quoted && !(count(1) && append("\n"))) {
                return false;
            }
            continue;
        }
        after_cr_ = false;

        if (state_ == State::record_start) {
            state_ = State::field_start;
            record_line_ = line_;
            record_bytes_ = 0;
        }
        if (!count(1)) {
            return false;
        }
        const bool line_end = c == '\r' || c == '\n';
        if (line_end) {
            ++line_;
            after_cr_ = c == '\r';
        }
        if (!step(p, end, line_end, out)) {
            return false;
        }
    }
    return true;
}

// Takes the byte at `p` (on the fast paths, the run of ordinary bytes there) in the current
// state and moves `p` past it.
bool CsvParser::step(const char*& p, const char* end, bool line_end, std::vector<CsvRecord>& out)
{
    const char c = *p;
    switch (state_) {
    case State::record_start:  // feed() made it field_start
    case State::field_start:
        ++p;
        if (c == '"') {
            state_ = State::quoted;
            quote_line_ = line_;
        } else if (c == delimiter_) {
            end_field();
        } else if (line_end) {
            end_record(out);
        } else {
            state_ = State::unquoted;
            return append(std::string_view(p - 1, 1));
        }
        return true;
    case State::unquoted:
        if (c == delimiter_ || line_end) {
            ++p;
            state_ = State::field_start;
            line_end ? end_record(out) : end_field();
            return true;
        }
        return take_run(p, end, delimiter_);  // a stray quote stays literal
    case State::quoted:
        if (c == '"') {
            state_ = State::quote_in_quoted;
            ++p;
            return true;
        }
        if (line_end) {
            ++p;
            return quoted_line_break() && append(std::string_view(p - 1, 1));
        }
        return take_run(p, end, '"');
    case State::quote_in_quoted:
        ++p;
        if (c == '"') {  // "" inside quotes: one literal quote
            state_ = State::quoted;
            return append("\"");
        }
        if (c == delimiter_) {
            state_ = State::field_start;
            end_field();
        } else if (line_end) {
            end_record(out);
        } else {  // "abc"def: Excel keeps going, unquoted
            state_ = State::unquoted;
            return append(std::string_view(p - 1, 1));
        }
        return true;
    }
    return true;
}

bool CsvParser::finish(std::vector<CsvRecord>& out)
{
    if (error_) {
        return false;
    }
    switch (state_) {
    case State::record_start:
        return true;
    case State::quoted:
        return fail(CsvError::Kind::unterminated_quote);
    default:
        end_record(out);
        return true;
    }
}

}  // namespace xferd
