#include "xferd/core/csv_parser.hpp"

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
    if (field_.size() + bytes.size() > limits_.max_field_bytes) {
        return fail(CsvError::Kind::field_too_long);
    }
    field_.append(bytes);
    return true;
}

void CsvParser::end_field()
{
    fields_.push_back(std::move(field_));
    field_.clear();
}

bool CsvParser::end_record(std::vector<CsvRecord>& out)
{
    end_field();
    if (fields_.size() > limits_.max_fields) {
        return fail(CsvError::Kind::too_many_fields);
    }
    CsvRecord rec;
    rec.index = next_index_++;
    rec.line = record_line_;
    const std::size_t width = fields_.size();
    rec.fields = std::move(fields_);
    fields_.clear();
    fields_.reserve(width);
    out.push_back(std::move(rec));
    state_ = State::record_start;
    return true;
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
    record_bytes_ += run - 1;
    if (record_bytes_ > limits_.max_record_bytes) {
        return fail(CsvError::Kind::record_too_long);
    }
    if (!append(std::string_view(p, run))) {
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
            if (state_ == State::quoted) {
                if (!append("\n")) {
                    return false;
                }
                ++record_bytes_;
            }
            continue;
        }
        after_cr_ = false;

        if (state_ == State::record_start) {
            state_ = State::field_start;
            record_line_ = line_;
            record_bytes_ = 0;
        }
        if (++record_bytes_ > limits_.max_record_bytes) {
            return fail(CsvError::Kind::record_too_long);
        }
        const bool line_end = c == '\r' || c == '\n';
        if (line_end) {
            ++line_;
            after_cr_ = c == '\r';
        }

        switch (state_) {
        case State::record_start:  // handled above
        case State::field_start:
            if (c == '"') {
                state_ = State::quoted;
                quote_line_ = line_;
            } else if (c == delimiter_) {
                end_field();
                if (fields_.size() > limits_.max_fields) {
                    return fail(CsvError::Kind::too_many_fields);
                }
            } else if (line_end) {
                if (!end_record(out)) {
                    return false;
                }
            } else {
                state_ = State::unquoted;
                if (!append(std::string_view(p, 1))) {
                    return false;
                }
            }
            ++p;
            break;
        case State::unquoted: {
            if (c == delimiter_) {
                end_field();
                if (fields_.size() > limits_.max_fields) {
                    return fail(CsvError::Kind::too_many_fields);
                }
                state_ = State::field_start;
                ++p;
                break;
            }
            if (line_end) {
                if (!end_record(out)) {
                    return false;
                }
                ++p;
                break;
            }
            // Fast path: take the run of ordinary bytes at once (a stray quote stays literal).
            if (!take_run(p, end, delimiter_)) {
                return false;
            }
            break;
        }
        case State::quoted: {
            if (c == '"') {
                state_ = State::quote_in_quoted;
                ++p;
                break;
            }
            if (line_end) {
                if (!append(std::string_view(p, 1))) {
                    return false;
                }
                ++p;
                break;
            }
            if (!take_run(p, end, '"')) {
                return false;
            }
            break;
        }
        case State::quote_in_quoted:
            if (c == '"') {  // "" inside quotes: one literal quote
                state_ = State::quoted;
                if (!append("\"")) {
                    return false;
                }
            } else if (c == delimiter_) {
                end_field();
                if (fields_.size() > limits_.max_fields) {
                    return fail(CsvError::Kind::too_many_fields);
                }
                state_ = State::field_start;
            } else if (line_end) {
                if (!end_record(out)) {
                    return false;
                }
            } else {  // "abc"def: Excel keeps going, unquoted
                state_ = State::unquoted;
                if (!append(std::string_view(p, 1))) {
                    return false;
                }
            }
            ++p;
            break;
        }
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
        return end_record(out);
    }
}

}  // namespace xferd
