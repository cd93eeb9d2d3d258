// The validate step: the snapshot read into the store (on a worker thread, with a connection of
// its own), then the batch moves on to confirming, or is rejected as a file.
#include "xferd/batch/validate_pass.hpp"

#include "batch_run_state.hpp"

#include "xferd/batch/row_stream.hpp"
#include "xferd/core/csv_columns.hpp"

namespace xferd {

namespace {

constexpr std::size_t rows_per_transaction = 5000;

RowRecord record_of(ParsedRow&& parsed)
{
    RowRecord r;
    auto& row = parsed.row;
    r.row = row.row;
    r.external_order_number = std::move(row.external_order_number);
    r.service_id = std::move(row.service_id);
    r.service_number = std::move(row.service_number);
    r.employee_email = std::move(row.employee_email);
    r.employee_id = std::move(row.employee_id);
    r.personal_email = std::move(row.personal_email);
    r.contact_number = std::move(row.contact_number);
    if (!parsed.valid()) {
        r.decision = Decision::invalid;
        r.reason = parsed.error_text();
    }
    return r;
}

Result<void> insert_chunk(StateStore& store, BatchId id, const std::vector<RowRecord>& rows)
{
    if (auto b = store.begin(); !b) return b;
    if (auto r = store.insert_rows(id, rows); !r) {
        store.rollback();
        return r;
    }
    return store.commit();
}

// The file's own name for the external order number column, for messages.
std::string order_number_column(const std::vector<std::string>& header, const ColumnMapping& columns,
                                BatchFormat format)
{
    if (format == BatchFormat::json || format == BatchFormat::ndjson) return "externalOrderNumber";
    if (auto layout = resolve_header(header, columns))
        for (std::size_t i = 0; i < layout->targets.size(); ++i)
            if (layout->targets[i].kind == ColumnTarget::Kind::canonical &&
                layout->targets[i].column == CanonicalColumn::external_order_number)
                return layout->labels[i];
    return "external_order_number";
}

}  // namespace

std::string describe_file_error(const FileError& e)
{
    std::string where;
    if (e.line) where = "line " + std::to_string(*e.line) + ": ";
    else if (e.byte_offset) where = "byte " + std::to_string(*e.byte_offset) + ": ";
    return where + e.message;
}

Result<ValidationSummary> read_rows_into_store(StateStore& store, BatchId id, const std::filesystem::path& file,
                                               BatchFormat format, const ColumnMapping& columns,
                                               const LimitsConfig& limits, const std::string& sheet)
{
    if (auto b = store.begin(); !b) return b.error();
    if (auto d = store.delete_rows(id); !d) {
        store.rollback();
        return d.error();
    }
    if (auto c = store.commit(); !c) return c.error();

    ValidationSummary summary;
    // Duplicates are found in the store (a set of every number would grow with the file).
    RowStream stream(file, format, columns, limits, sheet, DuplicateOrders::leave_to_caller);
    std::vector<RowRecord> chunk;
    chunk.reserve(rows_per_transaction);
    while (auto parsed = stream.next()) {
        ++summary.rows;
        if (!parsed->valid()) ++summary.invalid;
        chunk.push_back(record_of(std::move(*parsed)));
        if (chunk.size() == rows_per_transaction) {
            if (auto r = insert_chunk(store, id, chunk); !r) return r.error();
            chunk.clear();
        }
    }
    if (!chunk.empty())
        if (auto r = insert_chunk(store, id, chunk); !r) return r.error();
    summary.ignored_columns = stream.ignored_columns();
    if (stream.error()) {
        summary.file_error = *stream.error();
        return summary;
    }
    if (auto b = store.begin(); !b) return b.error();
    auto dup = store.mark_duplicate_order_numbers(id, order_number_column(stream.header(), columns, format));
    if (!dup) {
        store.rollback();
        return dup.error();
    }
    if (auto c = store.commit(); !c) return c.error();
    summary.duplicate_order_numbers = *dup;
    summary.invalid += *dup;
    return summary;
}

asio::awaitable<void> BatchRun::validate()
{
    const auto state_dir = services_.state_dir;
    const auto snapshot = std::filesystem::path(batch_.snapshot);
    const auto id = batch_.id;
    const auto format = batch_.format;
    const auto columns = options_.columns;
    const auto limits = options_.limits;
    const auto sheet = options_.sheet;
    auto read = [=]() -> Result<ValidationSummary> {
        auto store = open_sqlite_store(state_dir);
        if (!store) return store.error();
        return read_rows_into_store(**store, id, snapshot, format, columns, limits, sheet);
    };
    auto summary = co_await offload(services_.workers, std::move(read));
    if (!summary) co_return stop(BatchOutcome::End::state_error, summary.error().message);
    if (summary->file_error) {
        batch_.stage = BatchStage::rejected;
        batch_.message = describe_file_error(*summary->file_error);
        batch_.finished_at = now_iso();
        log_->error("file rejected, nothing submitted: " + batch_.message);
        auto w = write_report_atomically(out_.error_txt, std::filesystem::path(batch_.path).filename().string() + ": " +
                                                             batch_.message +
                                                             "\nNothing from this file was submitted. Fix the "
                                                             "file and drop it again.\n");
        if (!w) {
            reports_failed_ = true;
            reports_error_ = w.error().message;
            log_->error(w.error().message);
        } else {
            reports_.push_back(out_.error_txt);
        }
        co_return co_await save_batch();
    }
    if (!summary->ignored_columns.empty()) {
        std::string cols;
        for (const auto& c : summary->ignored_columns) cols += (cols.empty() ? "" : ", ") + c;
        log_->info("ignored columns (not used by xferd): " + cols);
    }
    log_->info(std::to_string(summary->rows) + " rows read, " + std::to_string(summary->rows - summary->invalid) +
               " valid, " + std::to_string(summary->invalid) + " invalid");
    batch_.stage = BatchStage::confirming;
    co_await save_batch();
}

}  // namespace xferd
