// Everything xferd measures, one method per measurement, so that every metric name, label and
// bucket layout is written here and nowhere else (docs/monitoring.md lists them). Label values
// come only from the enums below or from a fixed mapping (HTTP status 100..599 or an error
// kind), never from a file name or a row value: cardinality is bounded by construction.
// Thread-safe (the store's writer thread calls store_commit()).
#pragma once

#include "xferd/core/metrics.hpp"
#include "xferd/core/retry.hpp"
#include "xferd/core/row_state.hpp"

#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <string_view>

namespace xferd {

// How one batch run ended (the `outcome` label of xferd_batches_total).
enum class BatchResult {
    done,                  // every approved row submitted (or a dry run reported)
    done_with_problems,    // ran to the end, with FAILED or IN_DOUBT rows
    held,                  // the batch gate held it: nothing submitted
    rejected,              // the file was rejected whole
    waiting_for_approval,  // manual mode: confirmed and reported, waiting for the operator
    duplicate,             // the same content was processed before
    interrupted,           // stopped (SIGTERM) before its end; resumes at the next start
    api_unreachable,       // could not reach / authenticate to the API; left for later
};
std::string_view to_string(BatchResult r);

enum class ApiEndpoint { token, confirm, submit, lookup };
std::string_view to_string(ApiEndpoint e);

enum class TokenGrantType { password, refresh_token };
enum class TokenResult { ok, refused, unreachable };  // refused: an HTTP answer that is not 2xx

enum class NotifyChannel { command, webhook };
enum class NotifyResult { delivered, failed, dropped };  // dropped: the queue was full

// The `status` label of xferd_api_requests_total: "200", "503", … or the error kind
// "connect", "tls", "write", "timeout", "connection_lost" ("other" for a status out of range).
std::string api_status_label(const CallOutcome& outcome);

class XferdMetrics {
public:
    using clock = std::chrono::system_clock;
    using seconds = std::chrono::duration<double>;

    explicit XferdMetrics(std::string_view version, clock::time_point process_start = clock::now());
    XferdMetrics(const XferdMetrics&) = delete;
    XferdMetrics& operator=(const XferdMetrics&) = delete;

    // ── batches ── at the end of every batch run (process or submit_approved); `in_doubt` is
    // its rows still IN_DOUBT. Also keeps the waiting and in-doubt gauges and, for done and
    // done_with_problems, the last-success timestamp.
    void batch_finished(BatchResult result, std::string_view content_sha256, std::size_t in_doubt,
                        clock::time_point at = clock::now());
    // A batch known to wait (or no longer) without a run, e.g. restored from the state at start.
    void batch_waiting(std::string_view content_sha256, bool waiting);

    // ── rows ── as each row's fate in a phase is decided.
    void rows_validated(bool valid, std::size_t n = 1);
    void rows_confirmed(Decision decision, std::size_t n = 1);  // approved | rejected (others ignored)
    void rows_submitted(RowStatus status, std::size_t n = 1);   // the final status (pending ignored)

    // ── API ── one call per HTTP attempt (a retry is another attempt plus api_retry).
    void api_request(ApiEndpoint endpoint, const CallOutcome& outcome, seconds elapsed);
    void api_retry(ApiEndpoint endpoint);
    void token_request(TokenGrantType grant, TokenResult result);

    // ── store ── one durable commit (any thread).
    void store_commit(seconds elapsed);

    // ── notifications ── one per event and channel, once delivered, given up, or dropped.
    void notification(NotifyChannel channel, NotifyResult result);

    [[nodiscard]] std::string render() const { return registry_.render(); }
    [[nodiscard]] const metrics::Registry& registry() const { return registry_; }

private:
    void update_batch_gauges();  // caller holds mutex_

    metrics::Registry registry_;
    metrics::Counter batches_, rows_, api_requests_, api_retries_, token_requests_, notifications_;
    metrics::Histogram api_duration_, store_commit_;
    metrics::Gauge in_doubt_, waiting_, last_success_, build_info_, start_time_;

    std::mutex mutex_;                               // guards the two maps below
    std::map<std::string, std::size_t> in_doubt_by_batch_;  // content hash → rows in doubt
    std::set<std::string> waiting_batches_;                  // content hashes
};

}  // namespace xferd
