// One batch file, end to end, journaled so that a crash at any point resumes without losing a
// row and without submitting any order twice (design.md § Exactly-once submission):
//   snapshot + hash → parse and validate → confirm every valid row (concurrently) → decide →
//   confirmation report → [operator approval] → submit approved rows → reconcile → results.
#pragma once

#include "xferd/core/config.hpp"
#include "xferd/core/row_state.hpp"
#include "xferd/net/async_primitives.hpp"
#include "xferd/net/mobproc_client.hpp"

#include <boost/asio/awaitable.hpp>

#include <filesystem>
#include <optional>
#include <set>
#include <string>

namespace xferd {

class Ledger;

struct BatchOptions {
    ColumnMapping columns;
    ApprovalConfig approval;     // mode already resolved for the inbox
    LimitsConfig limits;
    std::filesystem::path state_dir;
    // Manual mode: the external order numbers the operator approved (checked against the
    // confirmed batch by the caller). Absent: the batch waits after its confirmation report.
    std::optional<std::set<std::string>> operator_approved;
    // .xlsx batches: the sheet to read (config `sheet:`, the inbox's first); empty: the first visible.
    std::string sheet;
};

// What a batch runs on; shared by every batch of the process.
struct BatchContext {
    MobprocClient& client;
    AsyncSemaphore& budget;   // api.concurrency requests in flight, across batches
    Ledger& ledger;           // batches by content, orders by service
};

struct BatchCounts {
    std::size_t rows = 0, approved = 0, rejected = 0, invalid = 0;
    std::size_t submitted = 0, not_submitted = 0, failed = 0, in_doubt = 0, duplicate = 0;
};
BatchCounts count_rows(const std::vector<RowRecord>& rows);

struct BatchOutcome {
    std::filesystem::path input;
    std::string sha256;
    bool file_rejected = false;       // bad file: nothing submitted (see message)
    bool duplicate_batch = false;     // the same content was processed before (another drop)
    bool already_processed = false;   // this very file was finished earlier: nothing to do
    bool held_by_gate = false;        // too many bad rows: nothing submitted
    bool waiting_for_approval = false;// manual mode: confirmed and reported, waiting
    bool interrupted = false;         // stopped (SIGTERM) before the end: resumes next start
    bool api_unreachable = false;     // could not authenticate / reach the API: left for later
    std::string message;
    BatchCounts counts;
    std::filesystem::path results_csv;

    // True when some row failed or is in doubt, or the file was rejected/held.
    [[nodiscard]] bool needs_attention() const;
    // "offboarding.csv: 12 rows, 8 approved, 2 rejected, 2 invalid; 8 submitted -> …results.csv"
    [[nodiscard]] std::string summary() const;
};

asio::awaitable<BatchOutcome> process_batch(BatchContext context, std::filesystem::path input,
                                            BatchOptions options);

}  // namespace xferd
