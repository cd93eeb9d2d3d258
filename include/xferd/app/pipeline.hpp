// One batch file, end to end: snapshot + hash → parse and validate → confirm every valid row
// (concurrently) → decide → confirmation report → submit approved rows → results + log.
#pragma once

#include "xferd/core/config.hpp"
#include "xferd/core/row_state.hpp"
#include "xferd/net/async_primitives.hpp"
#include "xferd/net/mobproc_client.hpp"

#include <boost/asio/awaitable.hpp>

#include <filesystem>
#include <string>

namespace xferd {

struct BatchOptions {
    ColumnMapping columns;
    ApprovalConfig approval;     // mode already resolved for the inbox
    LimitsConfig limits;
    std::filesystem::path state_dir;
};

struct BatchCounts {
    std::size_t rows = 0, approved = 0, rejected = 0, invalid = 0;
    std::size_t submitted = 0, not_submitted = 0, failed = 0, in_doubt = 0, duplicate = 0;
};
BatchCounts count_rows(const std::vector<RowRecord>& rows);

struct BatchOutcome {
    std::filesystem::path input;
    std::string sha256;
    bool file_rejected = false;     // bad file: nothing submitted (see message)
    bool duplicate_batch = false;   // the same content was processed before
    bool held_by_gate = false;      // too many bad rows: nothing submitted
    bool api_unreachable = false;   // could not authenticate / reach the API: batch left for later
    std::string message;
    BatchCounts counts;
    std::filesystem::path results_csv;

    // True when some row failed or is in doubt, or the file was rejected/held.
    [[nodiscard]] bool needs_attention() const;
    // "offboarding.csv: 12 rows, 8 approved, 8 submitted, 2 rejected, 2 invalid → offboarding.results.csv"
    [[nodiscard]] std::string summary() const;
};

asio::awaitable<BatchOutcome> process_batch(MobprocClient& client, AsyncSemaphore& budget,
                                            std::filesystem::path input, BatchOptions options);

}  // namespace xferd
