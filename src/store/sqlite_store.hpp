// The SQLite backend of StateStore (private to src/store): batches and sources in
// sqlite_store.cpp, rows and the service claims in sqlite_rows.cpp.
#pragma once

#include "sqlite_db.hpp"

#include "xferd/store/state_store.hpp"

namespace xferd::sqlite {

class SqliteStore final : public StateStore {
public:
    explicit SqliteStore(Database db) : db_(std::move(db)) {}

    Result<void> begin() override;
    Result<void> commit() override;
    void rollback() noexcept override;
    Result<void> begin_read() override;

    Result<BatchId> create_batch(const BatchInfo& batch) override;
    Result<void> update_batch(const BatchInfo& batch) override;
    Result<void> put_source(const SourceInfo& source) override;
    Result<std::optional<BatchInfo>> batch(BatchId id) override;
    Result<std::optional<BatchInfo>> batch_by_sha256(const std::string& sha256) override;
    Result<std::optional<SourceInfo>> source(const std::string& path, BatchId batch) override;
    Result<std::optional<SourceInfo>> latest_source(const std::string& path) override;
    Result<std::optional<SourceInfo>> source_with_stamp(const std::string& path, const SourceStamp& s) override;
    Result<std::vector<SourceInfo>> sources_of(BatchId batch) override;
    Result<std::vector<BatchInfo>> list_batches(bool unfinished_only, std::size_t latest) override;
    Result<std::vector<BatchInfo>> batches_by_file(const std::string& path_or_name) override;
    Result<std::vector<BatchInfo>> batches_by_prefix(const std::string& sha256_prefix) override;
    Result<std::vector<BatchInfo>> snapshots_finished_before(const std::string& before) override;

    Result<void> delete_rows(BatchId batch) override;
    Result<void> insert_rows(BatchId batch, std::span<const RowRecord> rows) override;
    Result<std::size_t> mark_duplicate_order_numbers(BatchId batch, const std::string& column) override;
    Result<void> update_rows(BatchId batch, std::span<const RowRecord> rows) override;
    Result<void> update_decisions(BatchId batch, std::span<const RowRecord> rows) override;
    Result<std::vector<RowRecord>> rows(BatchId batch, RowSet set, std::size_t after_row, std::size_t limit) override;
    Result<std::vector<RowRecord>> rows_at_rank(BatchId batch, int rank, std::size_t after_row,
                                                std::size_t limit) override;
    Result<std::vector<std::size_t>> rank_counts(BatchId batch) override;
    Result<BatchWork> work(BatchId batch) override;
    Result<std::vector<StateCount>> state_counts(BatchId batch) override;
    Result<std::size_t> reset_for_reconfirm(BatchId batch) override;
    Result<std::vector<Repeat>> repeats(BatchId batch, RepeatField field, std::size_t limit) override;
    Result<std::vector<FoundRow>> find_rows(const std::string& term, std::size_t limit) override;
    Result<void> add_row_event(BatchId batch, std::size_t row, const std::string& at, const std::string& event,
                               const std::string& detail) override;
    Result<std::vector<std::string>> row_events(BatchId batch, std::size_t row) override;

    Result<ClaimResult> claim_and_intend(BatchId batch, const RowRecord& row, const std::string& at) override;
    Result<void> record_submit(BatchId batch, const SubmitResult& result) override;
    Result<std::optional<ServiceEntry>> service(const std::string& service_id) override;

    Result<bool> note_once(const std::string& path, const SourceStamp& stamp, const std::string& what,
                           const std::string& at) override;
    Result<void> add_approval(BatchId batch, const ApprovalRecord& approval) override;
    Result<std::vector<ApprovalRecord>> approvals(BatchId batch) override;

    Database& db() { return db_; }

private:
    Result<std::vector<BatchInfo>> batches_where(const std::string& where, const std::string& arg);
    Database db_;
    bool in_transaction_ = false;
};

// Column lists and readers shared by the two halves.
extern const std::string batch_columns;   // "b.id, b.sha256, …" (table alias b) in read_batch order
BatchInfo read_batch(const Statement& s, int first_col = 0);
extern const std::string row_columns;     // "r.row, r.external_order_number, …" (alias r) in read_row order
RowRecord read_row(const Statement& s, int first_col = 0);

}  // namespace xferd::sqlite
