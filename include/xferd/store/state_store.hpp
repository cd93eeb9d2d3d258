// The one source of truth for batches, rows, their history and the cross-batch service claims.
//
// A narrow interface of domain operations, so that a networked backend (PostgreSQL, for two hosts
// sharing an inbox) can fill it: nothing above it knows a file or SQL. One object is one
// connection, used by one thread at a time; several may be open at once, in this process and
// in others (`xferd once` and `xferd run` share one store). Writes happen inside begin()/commit()
// (begin takes the store's write lock, so claim-then-intend is atomic across processes); a
// commit is durable when it returns. Reads see the last commit of any connection.
#pragma once

#include "xferd/core/batch_state.hpp"
#include "xferd/core/error.hpp"
#include "xferd/core/row.hpp"
#include "xferd/core/row_state.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace xferd {

using BatchId = std::int64_t;

// What stat() said of a file when it was taken: the same stamp means the same content, so a
// file seen again unchanged is not hashed again (ctime cannot be set by a user).
struct SourceStamp {
    std::uint64_t size = 0;
    std::int64_t mtime_ns = 0;
    std::int64_t ctime_ns = 0;
    std::uint64_t inode = 0;
    std::uint64_t device = 0;
    friend bool operator==(const SourceStamp&, const SourceStamp&) = default;
};

struct BatchInfo {
    BatchId id = 0;
    std::string sha256;
    std::string path;                 // where its outputs go: the latest input path of this content
    BatchFormat format = BatchFormat::csv;
    std::string mode;                 // auto | manual | dry-run, as it runs
    BatchStage stage = BatchStage::validating;
    std::string message;              // why held / rejected, or the last word on the batch
    std::uint64_t bytes = 0;
    std::string snapshot;             // the frozen copy of the input (empty once deleted)
    bool gate_hold = false;
    std::string gate_message;
    unsigned lookup_rounds = 0;       // in-doubt lookups done since the last submit round
    std::string created_at, updated_at, confirmed_at, finished_at;   // ISO-8601 UTC
    std::string confirmation_written_at, results_written_at;        // empty: not (yet) written
    std::string approval_file;        // the accepted approval: file, its SHA-256 and owner
    std::string approval_sha256, approval_owner, approval_at;
};

// A batch confirmed anew (re-dropped, touched, `xferd reconfirm`): everything decided from its
// last confirmation is forgotten; the rows are the caller's.
inline void forget_confirmation(BatchInfo& b, std::string at)
{
    b.gate_hold = false;
    b.gate_message.clear();
    b.lookup_rounds = 0;
    b.confirmed_at.clear();
    b.finished_at.clear();
    b.confirmation_written_at.clear();
    b.results_written_at.clear();
    b.approval_file.clear();
    b.approval_sha256.clear();
    b.approval_owner.clear();
    b.approval_at.clear();
    b.updated_at = std::move(at);
}

struct SourceInfo {
    std::string path;
    BatchId batch = 0;
    SourceStamp stamp;
    std::string seen_at;
    bool duplicate = false;           // this path repeated content that another path brought first
};

// Rows as the batch passes need them, in row order.
enum class RowSet {
    all,
    needs_confirm,     // valid, confirmation pending
    undecided,         // confirmation answered (or row invalid), no decision yet
    submittable,       // approved, not yet submitted, and (manual mode) approved by the operator
    unresolved,        // submitting (intent without answer) or IN_DOUBT: to be looked up
    retryable,         // FAILED for a transient reason
    awaiting_operator, // approved, the operator has not said yet (manual mode)
    not_final,         // no final status yet: pending, or submitting without an answer
};

// The work left in a batch, for the batch's step function.
struct BatchWork {
    BatchCounts counts;
    std::size_t needs_confirm = 0, undecided = 0, submittable = 0, unresolved = 0, submitting = 0;
    std::size_t retryable = 0, awaiting_operator = 0, not_final = 0;
};

// One XFER_SERVICE_OUT per service, ever: who has it.
struct ServiceEntry {
    std::string service_id;
    BatchId batch = 0;
    std::size_t row = 0;
    std::string external_order_number;
    bool ordered = false;             // false: claimed (being submitted, or in doubt)
    std::string order_id;
    std::string at;
    std::string batch_path;           // for messages
};

struct ClaimResult {
    bool granted = false;
    std::optional<ServiceEntry> holder;   // not granted: who has the service
};

struct SubmitResult {
    std::size_t row = 0;
    RowStatus status = RowStatus::pending;   // submitted, failed, in_doubt, duplicate, pending (absent: send again)
    std::string order_id;
    std::string message;
    std::string carrier;
    bool retry = false;                      // failed for a transient reason (not sent)
    std::string at;
};

struct ApprovalRecord {
    std::string file;
    std::string sha256;
    std::string owner;
    std::uint64_t size = 0;
    std::int64_t mtime_ns = 0;
    bool accepted = false;
    std::string message;
    std::string at;
};

struct FoundRow {
    BatchInfo batch;
    RowRecord row;
};

class StateStore {
public:
    virtual ~StateStore() = default;

    // ---- transactions (writes only inside one) ----
    virtual Result<void> begin() = 0;      // takes the write lock (waits for other writers)
    virtual Result<void> commit() = 0;     // durable on success
    virtual void rollback() noexcept = 0;
    // Several reads that see one state (no lock taken; works read-only); end it with commit().
    virtual Result<void> begin_read() = 0;

    // ---- batches and where they came from ----
    virtual Result<BatchId> create_batch(const BatchInfo& batch) = 0;
    virtual Result<void> update_batch(const BatchInfo& batch) = 0;   // every field but id/sha256/created_at
    virtual Result<void> put_source(const SourceInfo& source) = 0;   // insert or replace (path, batch)
    virtual Result<std::optional<BatchInfo>> batch(BatchId id) = 0;
    virtual Result<std::optional<BatchInfo>> batch_by_sha256(const std::string& sha256) = 0;
    virtual Result<std::optional<SourceInfo>> source(const std::string& path, BatchId batch) = 0;
    // The batch a path brought last (input or duplicate).
    virtual Result<std::optional<SourceInfo>> latest_source(const std::string& path) = 0;
    // The batch of a path whose content was seen with exactly this stamp.
    virtual Result<std::optional<SourceInfo>> source_with_stamp(const std::string& path, const SourceStamp& s) = 0;
    // The first input path of a batch that is not `except` (for "duplicate of …").
    virtual Result<std::vector<SourceInfo>> sources_of(BatchId batch) = 0;
    // Unfinished batches, oldest first; or, for `xferd status`, the `latest` most recent others too.
    virtual Result<std::vector<BatchInfo>> list_batches(bool unfinished_only, std::size_t latest) = 0;
    // Batches whose input (or a duplicate of it) was seen at this path, or, for a bare file name
    // (no '/'), at any path of that name; newest first (for `xferd status BATCH`).
    virtual Result<std::vector<BatchInfo>> batches_by_file(const std::string& path_or_name) = 0;
    // Batches by SHA-256 prefix (for `xferd status BATCH`).
    virtual Result<std::vector<BatchInfo>> batches_by_prefix(const std::string& sha256_prefix) = 0;
    // Finished batches whose snapshot is still there and that finished before `before` (ISO-8601).
    virtual Result<std::vector<BatchInfo>> snapshots_finished_before(const std::string& before) = 0;

    // ---- rows ----
    // A restarted batch drops its rows first (they are read again from the snapshot).
    virtual Result<void> delete_rows(BatchId batch) = 0;
    virtual Result<void> insert_rows(BatchId batch, std::span<const RowRecord> rows) = 0;
    // Later rows repeating an external order number become INVALID naming the first (under
    // `column`, the file's name for that column); returns how many.
    virtual Result<std::size_t> mark_duplicate_order_numbers(BatchId batch, const std::string& column) = 0;
    // Writes the confirmation, decision, operator verdict and outcome fields of these rows.
    virtual Result<void> update_rows(BatchId batch, std::span<const RowRecord> rows) = 0;
    // Writes only the decision, its reason and the operator verdict of these rows (the decide step).
    virtual Result<void> update_decisions(BatchId batch, std::span<const RowRecord> rows) = 0;
    virtual Result<std::vector<RowRecord>> rows(BatchId batch, RowSet set, std::size_t after_row,
                                                std::size_t limit) = 0;
    // The rows of one report rank (batch/report_rank.hpp: 0 FAILED, 1 IN_DOUBT, 2 REJECTED,
    // 3 INVALID, 4 DUPLICATE, 5 undecided, 6 not submitted, 7 to be submitted, 8 SUBMITTED), by row.
    virtual Result<std::vector<RowRecord>> rows_at_rank(BatchId batch, int rank, std::size_t after_row,
                                                        std::size_t limit) = 0;
    // How many rows are at each of those ranks (report_rank_count entries): a report reads
    // only the ranks that hold rows.
    static constexpr int report_rank_count = 9;
    virtual Result<std::vector<std::size_t>> rank_counts(BatchId batch) = 0;
    virtual Result<BatchWork> work(BatchId batch) = 0;
    // How many rows hold each (status, decision) pair: a report's summary counts without
    // reading every row (row_label() depends on nothing else).
    struct StateCount {
        RowStatus status = RowStatus::pending;
        Decision decision = Decision::pending;
        std::size_t rows = 0;
    };
    virtual Result<std::vector<StateCount>> state_counts(BatchId batch) = 0;
    // `xferd reconfirm`: the valid rows not submitted (pending, NOT_SUBMITTED, FAILED, DUPLICATE)
    // are to be confirmed and decided anew: their confirmation, decision, operator verdict and
    // outcome are cleared. SUBMITTED, SUBMITTING and IN_DOUBT rows, and INVALID ones, stay as
    // they are. Returns how many rows were reset.
    virtual Result<std::size_t> reset_for_reconfirm(BatchId batch) = 0;
    // Values of a column that more than one valid row of the batch holds, with those rows
    // (for `xferd validate`: one service, one transfer).
    enum class RepeatField { service_id, service_number };
    struct Repeat {
        std::string value;
        std::vector<std::size_t> rows;
    };
    virtual Result<std::vector<Repeat>> repeats(BatchId batch, RepeatField field, std::size_t limit) = 0;
    // "What happened to this person's line": external order number, service id, service number
    // (as input or confirmed; a term of digits and + - ( ) . spaces is compared as its digits),
    // employee id (input or confirmed), employee, account holder or personal e-mail
    // (case-insensitive), order id.
    virtual Result<std::vector<FoundRow>> find_rows(const std::string& term, std::size_t limit) = 0;
    // A row's history (the unusual steps: lookups, retries, restarts), oldest first.
    virtual Result<void> add_row_event(BatchId batch, std::size_t row, const std::string& at, const std::string& event,
                                       const std::string& detail) = 0;
    virtual Result<std::vector<std::string>> row_events(BatchId batch, std::size_t row) = 0;

    // ---- the cross-batch guard ----
    // Claims the service for (batch,row) and records the row's intent (status submitting) in one
    // step. Not granted when another row holds the service (ordered, or claimed and unresolved).
    virtual Result<ClaimResult> claim_and_intend(BatchId batch, const RowRecord& row, const std::string& at) = 0;
    // Records a submit's outcome; an order makes the claim permanent, a definitive failure or a
    // proven absence frees it.
    virtual Result<void> record_submit(BatchId batch, const SubmitResult& result) = 0;
    virtual Result<std::optional<ServiceEntry>> service(const std::string& service_id) = 0;

    // A word about an inbox entry that is no batch (a symlink, a file too large, an approval for
    // nothing): true the first time this version of it gets this word, so it is said once.
    virtual Result<bool> note_once(const std::string& path, const SourceStamp& stamp, const std::string& what,
                                   const std::string& at) = 0;

    // ---- approvals ----
    virtual Result<void> add_approval(BatchId batch, const ApprovalRecord& approval) = 0;
    virtual Result<std::vector<ApprovalRecord>> approvals(BatchId batch) = 0;
};

struct StoreOptions {
    std::chrono::milliseconds busy_timeout{30'000};   // waiting for another writer
    int cache_kib = 3 * 1024;                          // page cache of this connection (bounds RSS)
    bool read_only = false;
};

// state_dir/state.db (created 0600 in a 0700 state_dir when missing). Errors name the file and
// what to do. read_only: nothing is created or written, and the result is nullptr while the
// store holds no schema yet (a writer is just creating it: nothing was taken).
Result<std::unique_ptr<StateStore>> open_sqlite_store(const std::filesystem::path& state_dir,
                                                      StoreOptions options = {});
std::filesystem::path sqlite_store_path(const std::filesystem::path& state_dir);

}  // namespace xferd
