// Orchestrates the stages of reading a batch: TextFilter (UTF-8, BOM) → format stage
// (CSV tokenizer + header, JSON item stream, NDJSON lines) → RawRow → validate_row →
// duplicate order numbers (unless the caller does that). Every stage is fed whatever arrived,
// so memory stays bounded by one record (plus the set of order numbers seen, when kept).
#include "xferd/core/batch_reader.hpp"

#include "xferd/core/ascii_text.hpp"

#include "xferd/core/csv_columns.hpp"
#include "xferd/core/csv_parser.hpp"
#include "xferd/core/csv_rows.hpp"
#include "xferd/core/json_rows.hpp"
#include "xferd/core/json_stream.hpp"
#include "xferd/core/row_validation.hpp"
#include "xferd/core/table_rows.hpp"
#include "xferd/core/text_filter.hpp"

#include <algorithm>
#include <utility>

namespace xferd {

namespace {

std::string save_advice(BatchFormat format)
{
    if (format == BatchFormat::csv) {
        return "in Excel use File → Save As → \"CSV UTF-8 (Comma delimited) (*.csv)\", or "
               "export the file as UTF-8 from the source system";
    }
    return "save or export the file as UTF-8 text";
}

bool blank_record(const CsvRecord& rec)
{
    return rec.overflows.empty() &&
           std::all_of(rec.fields.begin(), rec.fields.end(),
                       [](const std::string& f) { return trim_value(f).empty(); });
}

}  // namespace

BatchFormat format_for_path(const std::filesystem::path& path)
{
    const std::string ext = lower_ascii(path.extension().string());
    if (ext == ".json") {
        return BatchFormat::json;
    }
    if (ext == ".ndjson" || ext == ".jsonl") {
        return BatchFormat::ndjson;
    }
    if (ext == ".xlsx") {
        return BatchFormat::xlsx;
    }
    return BatchFormat::csv;
}

std::optional<std::string> unsupported_format(const std::filesystem::path& path)
{
    const std::string ext = lower_ascii(path.extension().string());
    const std::string save = "save it as Excel Workbook (.xlsx) or as CSV UTF-8 (Comma delimited) (*.csv) and drop "
                             "that file instead";
    if (ext == ".xls") return "it is an Excel 97-2003 workbook (.xls), which xferd does not read: open it in Excel, " + save;
    if (ext == ".xlsb") return "it is an Excel binary workbook (.xlsb), which xferd does not read: open it in Excel, " + save;
    if (ext == ".xlsm") return "it is a macro-enabled workbook (.xlsm), which xferd does not read: open it in Excel, " + save;
    if (ext == ".ods") return "it is an OpenDocument spreadsheet (.ods), which xferd does not read: open it in LibreOffice, " + save;
    if (ext == ".numbers") return "it is an Apple Numbers file, which xferd does not read: in Numbers use File → Export To → Excel or CSV";
    return std::nullopt;
}

struct BatchReader::Impl {
    Impl(BatchFormat f, ColumnMapping c, BatchLimits l, DuplicateOrders d)
        : format(f), mapping(std::move(c)), limits(l), duplicates(d), filter(save_advice(f))
    {
        if (format == BatchFormat::json) {
            json.emplace(limits.max_field_bytes, limits.max_row_bytes);
        }
    }

    BatchFormat format;
    ColumnMapping mapping;
    BatchLimits limits;
    DuplicateOrders duplicates;
    TextFilter filter;
    std::optional<FileError> error;
    std::vector<std::string> header;
    std::vector<std::string> ignored;
    std::size_t rows_out = 0;
    std::uint64_t bytes_in = 0;        // file bytes taken (for limits.max_file_bytes)
    bool finished = false;
    bool started = false;              // the first text arrived (BOM known)
    std::vector<ParsedRow>* out = nullptr;
    DuplicateOrderCheck seen_orders;

    // CSV: the header line is collected to pick the delimiter, then the tokenizer takes over.
    std::string head;
    std::size_t head_scan = 0;
    bool head_quoted = false;
    std::optional<CsvParser> csv;
    std::vector<CsvRecord> records;
    std::optional<HeaderLayout> layout;
    bool header_blank = false;         // line 1 was empty: fine if the whole file is

    // JSON
    std::optional<JsonBatchStream> json;
    std::vector<JsonItem> items;

    // NDJSON
    std::string line;
    bool line_over = false;            // over the row limit: the rest of the line is skipped
    std::size_t line_no = 0;
    JsonLineParser line_parser{limits.max_field_bytes, limits.max_row_bytes};

    bool fail(std::string message, std::optional<std::uint64_t> offset = std::nullopt,
              std::optional<std::size_t> at_line = std::nullopt)
    {
        error = FileError{std::move(message), offset, at_line};
        return false;
    }

    bool consume(std::string_view text)
    {
        if (!started) {
            started = true;
            if (json) {
                json->set_offset_base(filter.had_bom() ? 3 : 0);
            }
        }
        switch (format) {
        case BatchFormat::csv: return consume_csv(text);
        case BatchFormat::json: return consume_json(text);
        case BatchFormat::ndjson: return consume_ndjson(text);
        case BatchFormat::xlsx: return fail("an .xlsx workbook is not text: it is read by XlsxBatchReader");
        }
        return false;
    }

    void emit(ParsedRow row, bool check_duplicate)
    {
        if (check_duplicate && duplicates == DuplicateOrders::mark_invalid) {
            mark_duplicate(row);
        }
        out->push_back(std::move(row));
        ++rows_out;
    }

    void mark_duplicate(ParsedRow& row) { seen_orders.check(row, eon_column); }
    std::string eon_column;

    void emit_raw(RawRow raw)
    {
        eon_column = raw.external_order_number.column;
        const bool check = !raw.skip_field_checks;
        emit(validate_row(std::move(raw)), check);
    }

    // ---- CSV ----

    bool consume_csv(std::string_view text)
    {
        if (csv) {
            return feed_csv(text);
        }
        head.append(text);
        // Look no further than one record's limit, whatever arrived: same outcome for any chunking.
        const std::size_t scan_end = std::min(head.size(), limits.max_row_bytes + 1);
        for (; head_scan < scan_end; ++head_scan) {
            const char c = head[head_scan];
            if (c == '"') {
                head_quoted = !head_quoted;
            } else if (!head_quoted && (c == '\r' || c == '\n')) {
                return start_csv();
            }
        }
        if (head.size() > limits.max_row_bytes) {
            return fail("the header row is longer than " + std::to_string(limits.max_row_bytes) +
                            " bytes; is this a CSV file?",
                        std::nullopt, 1);
        }
        return true;
    }

    bool start_csv()
    {
        csv.emplace(detect_csv_delimiter(std::string_view(head).substr(0, head_scan)),
                    CsvLimits{limits.max_field_bytes, limits.max_row_bytes, limits.max_columns});
        const std::string text = std::move(head);
        head.clear();
        return feed_csv(text);
    }

    bool feed_csv(std::string_view text)
    {
        csv->feed(text, records);
        return take_records();
    }

    // Records completed before a tokenizer error are still rows: the same whatever the chunks.
    bool take_records()
    {
        for (auto& rec : records) {
            if (!record(rec)) {
                records.clear();
                return false;
            }
        }
        records.clear();
        if (csv->error()) {
            return csv_error(*csv->error());
        }
        return true;
    }

    static std::string where(std::size_t index, std::uint64_t line)
    {
        return (index == 0 ? std::string("the header row") : "row " + std::to_string(index)) +
               " (line " + std::to_string(line) + ")";
    }

    // The tokenizer stops at a quote left open at the end, or at an over-long value or record
    // spanning lines inside quotes (where that record ends is unknown).
    bool csv_error(const CsvError& e)
    {
        const std::string quote_hint =
            e.open_quote_line
                ? "; probably the quote that opens a value on line " +
                      std::to_string(*e.open_quote_line) +
                      " is never closed (a quote inside a quoted value must be doubled: \"\")"
                : "";
        const std::string unknown_end =
            ": where that row ends cannot be told, so the file is rejected; close the quote, or "
            "shorten the value";
        switch (e.kind) {
        case CsvError::Kind::unterminated_quote:
            return fail("the file ends inside a quoted value that starts on line " +
                            std::to_string(e.open_quote_line.value_or(e.line)) + ", " +
                            where(e.record_index, e.record_line) +
                            ": add the closing quote (a quote inside a quoted value must be "
                            "doubled: \"\")",
                        std::nullopt, e.open_quote_line.value_or(e.line));
        case CsvError::Kind::field_too_long:
            return fail(where(e.record_index, e.record_line) + " has a value longer than " +
                            size_text(limits.max_field_bytes) +
                            " (limits.max_field_bytes) over several lines" + quote_hint +
                            unknown_end,
                        std::nullopt, e.record_line);
        case CsvError::Kind::record_too_long:
            return fail(where(e.record_index, e.record_line) + " is longer than " +
                            size_text(limits.max_row_bytes) +
                            " (limits.max_row_bytes) and has a value over several lines" +
                            quote_hint + unknown_end,
                        std::nullopt, e.record_line);
        }
        return false;
    }

    // The header must be read whole: a file error.
    bool header_overflow(const CsvRecord& rec)
    {
        const std::string what = where(0, rec.line);
        const auto at = std::find_if(rec.overflows.begin(), rec.overflows.end(), [](const auto& o) {
            return o.kind != CsvOverflow::Kind::field_too_long;
        });
        if (at != rec.overflows.end() && at->kind == CsvOverflow::Kind::too_many_fields) {
            return fail(what + " has more than " + std::to_string(limits.max_columns) +
                            " columns (limits.max_columns): remove the columns xferd does not "
                            "need, or raise limits.max_columns in the config",
                        std::nullopt, rec.line);
        }
        return fail(what + (at == rec.overflows.end()
                                ? " has a name longer than " + size_text(limits.max_field_bytes) +
                                      " (limits.max_field_bytes)"
                                : " is longer than " + size_text(limits.max_row_bytes) +
                                      " (limits.max_row_bytes)") +
                        ": is this a CSV file with a header row?",
                    std::nullopt, rec.line);
    }

    bool record(CsvRecord& rec)
    {
        if (rec.index == 0) {
            if (!rec.overflows.empty()) {
                return header_overflow(rec);
            }
            header = rec.fields;
            if (blank_record(rec)) {
                header_blank = true;
                return true;
            }
            auto resolved = resolve_header(rec.fields, mapping);
            if (!resolved) {
                return fail(std::move(resolved.error().message), std::nullopt, rec.line);
            }
            layout = std::move(*resolved);
            ignored = layout->ignored;
            return true;
        }
        if (blank_record(rec)) {
            return true;  // Excel's empty rows (";;;;"): skipped, but they keep their number
        }
        if (header_blank) {
            return fail("line 1 is empty: the header row (external_order_number, service_id, …) "
                        "must be the first line",
                        std::nullopt, 1);
        }
        emit_raw(raw_row_from_csv(rec, *layout, csv->delimiter(), limits));
        return true;
    }

    bool finish_csv()
    {
        if (!csv) {
            head_scan = head.size();
            if (!start_csv()) {
                return false;
            }
        }
        csv->finish(records);
        if (!take_records()) {
            return false;
        }
        if (csv->records() == 0 || (header_blank && rows_out == 0)) {
            return fail("the file is empty: expected a header row (external_order_number, "
                        "service_id, service_number, contact_number, personal_email, …) and one "
                        "row per line to transfer");
        }
        if (rows_out == 0) {
            return fail("the file has a header row but no data rows");
        }
        return true;
    }

    // ---- JSON ----

    bool take_items()
    {
        for (auto& item : items) {
            emit_raw(raw_row_from_json(item, "item " + std::to_string(item.index), limits));
        }
        items.clear();
        if (json->error()) {
            error = json->error();
            return false;
        }
        return true;
    }

    bool consume_json(std::string_view text)
    {
        json->feed(text, items);
        return take_items();
    }

    bool finish_json()
    {
        json->finish(items);
        return take_items();
    }

    // ---- NDJSON ----

    // Lines are independent: one over the row limit is skipped up to its line end.
    bool consume_ndjson(std::string_view text)
    {
        while (!text.empty()) {
            const auto nl = text.find('\n');
            const auto part = text.substr(0, nl);
            if (!line_over && line.size() + part.size() > limits.max_row_bytes) {
                line_over = true;
                line.clear();
            }
            if (!line_over) {
                line.append(part);
            }
            if (nl == std::string_view::npos) {
                break;
            }
            text.remove_prefix(nl + 1);
            ++line_no;
            take_line();
        }
        return true;
    }

    void take_line()
    {
        const std::string what = "line " + std::to_string(line_no);
        if (line_over) {
            line_over = false;
            emit(line_error(row_too_long_message(what, limits.max_row_bytes,
                                                 "an .ndjson file holds one orderRequest object "
                                                 "per line; check that line of the file")),
                 false);
            return;
        }
        std::string_view l = line;
        if (!l.empty() && l.back() == '\r') {
            l.remove_suffix(1);
        }
        if (!trim_value(l).empty()) {
            auto item = line_parser.parse(l, line_no);
            if (item) {
                emit_raw(raw_row_from_json(*item, what, limits));
            } else {
                emit(line_error(what + " is not valid JSON (" + item.error().message +
                                "): each line must be one complete orderRequest object"),
                     false);
            }
        }
        line.clear();
    }

    ParsedRow line_error(std::string message) const
    {
        ParsedRow bad;
        bad.row.row = line_no;
        bad.errors.push_back({"", std::move(message)});
        return bad;
    }

    bool finish_ndjson()
    {
        if (!line.empty() || line_over) {
            ++line_no;
            take_line();
        }
        if (rows_out == 0) {
            return fail("the file is empty: expected one orderRequest object per line");
        }
        return true;
    }
};

BatchReader::BatchReader(BatchFormat format, ColumnMapping columns, BatchLimits limits,
                         DuplicateOrders duplicates)
    : impl_(std::make_unique<Impl>(format, std::move(columns), limits, duplicates))
{
}

BatchReader::~BatchReader() = default;
BatchReader::BatchReader(BatchReader&&) noexcept = default;
BatchReader& BatchReader::operator=(BatchReader&&) noexcept = default;

bool BatchReader::feed(std::string_view chunk, std::vector<ParsedRow>& out)
{
    Impl& m = *impl_;
    if (m.error || m.finished) {
        return !m.error;
    }
    m.out = &out;
    // The bytes up to the file limit are read as usual (the same rows for any chunking).
    const std::uint64_t room = m.limits.max_file_bytes - m.bytes_in;
    const bool too_big = chunk.size() > room;
    if (too_big) {
        chunk = chunk.substr(0, room);
    }
    m.bytes_in += chunk.size();
    if (!m.filter.feed(chunk, [&m](std::string_view text) { return m.consume(text); }) &&
        !m.error) {
        m.error = m.filter.error();
    }
    if (too_big && !m.error) {
        m.fail("the file is larger than " + size_text(m.limits.max_file_bytes) +
                   " (limits.max_file_bytes): split it into smaller batches, or raise "
                   "limits.max_file_bytes in the config",
               m.limits.max_file_bytes);
    }
    return !m.error;
}

bool BatchReader::finish(std::vector<ParsedRow>& out)
{
    Impl& m = *impl_;
    if (m.error || m.finished) {
        return !m.error;
    }
    m.finished = true;
    m.out = &out;
    if (!m.filter.finish([&m](std::string_view text) { return m.consume(text); })) {
        if (!m.error) {
            m.error = m.filter.error();
        }
        return false;
    }
    switch (m.format) {
    case BatchFormat::csv: return m.finish_csv();
    case BatchFormat::json: return m.finish_json();
    case BatchFormat::ndjson: return m.finish_ndjson();
    case BatchFormat::xlsx: return m.fail("an .xlsx workbook is not text: it is read by XlsxBatchReader");
    }
    return false;
}

const std::optional<FileError>& BatchReader::error() const { return impl_->error; }
const std::vector<std::string>& BatchReader::header() const { return impl_->header; }
std::size_t BatchReader::rows_seen() const { return impl_->rows_out; }
const std::vector<std::string>& BatchReader::ignored_columns() const { return impl_->ignored; }
char BatchReader::delimiter() const { return impl_->csv ? impl_->csv->delimiter() : '\0'; }

}  // namespace xferd
