#include "xferd/core/xferd_metrics.hpp"

#include <array>

namespace xferd {

namespace {

// Batches tracked for the two gauges; past this a new batch is not counted (the gauges then
// under-report rather than grow without end).
constexpr std::size_t max_tracked_batches = 10'000;

constexpr std::array all_results = {BatchResult::done,        BatchResult::done_with_problems,
                                    BatchResult::held,        BatchResult::rejected,
                                    BatchResult::waiting_for_approval, BatchResult::duplicate,
                                    BatchResult::interrupted, BatchResult::api_unreachable};
constexpr std::array all_endpoints = {ApiEndpoint::token, ApiEndpoint::confirm, ApiEndpoint::submit,
                                      ApiEndpoint::lookup};

std::string_view to_string(TokenGrantType g) { return g == TokenGrantType::password ? "password" : "refresh_token"; }

std::string_view to_string(TokenResult r)
{
    switch (r) {
    case TokenResult::ok: return "ok";
    case TokenResult::refused: return "refused";
    case TokenResult::unreachable: return "unreachable";
    }
    return "unreachable";
}

std::string_view to_string(NotifyChannel c) { return c == NotifyChannel::command ? "command" : "webhook"; }

std::string_view to_string(NotifyResult r)
{
    switch (r) {
    case NotifyResult::delivered: return "delivered";
    case NotifyResult::failed: return "failed";
    case NotifyResult::dropped: return "dropped";
    }
    return "failed";
}

std::string_view submit_outcome(RowStatus s)
{
    switch (s) {
    case RowStatus::submitted: return "submitted";
    case RowStatus::not_submitted: return "not_submitted";
    case RowStatus::failed: return "failed";
    case RowStatus::in_doubt: return "in_doubt";
    case RowStatus::duplicate: return "duplicate";
    case RowStatus::submitting:
    case RowStatus::pending:
        break;
    }
    return {};
}

}  // namespace

std::string_view to_string(BatchResult r)
{
    switch (r) {
    case BatchResult::done: return "done";
    case BatchResult::done_with_problems: return "done_with_problems";
    case BatchResult::held: return "held";
    case BatchResult::rejected: return "rejected";
    case BatchResult::waiting_for_approval: return "waiting_for_approval";
    case BatchResult::duplicate: return "duplicate";
    case BatchResult::interrupted: return "interrupted";
    case BatchResult::api_unreachable: return "api_unreachable";
    }
    return "done";
}

std::string_view to_string(ApiEndpoint e)
{
    switch (e) {
    case ApiEndpoint::token: return "token";
    case ApiEndpoint::confirm: return "confirm";
    case ApiEndpoint::submit: return "submit";
    case ApiEndpoint::lookup: return "lookup";
    }
    return "lookup";
}

std::string api_status_label(const CallOutcome& outcome)
{
    using K = CallOutcome::Kind;
    switch (outcome.kind) {
    case K::answered:
        if (outcome.http_status >= 100 && outcome.http_status <= 599) return std::to_string(outcome.http_status);
        return "other";
    case K::connect_failed: return "connect";
    case K::tls_failed: return "tls";
    case K::write_failed: return "write";
    case K::timed_out: return "timeout";
    case K::connection_lost: return "connection_lost";
    case K::proxy_failed: return "proxy";
    case K::proxy_refused:
        if (outcome.http_status >= 100 && outcome.http_status <= 599) return "proxy_" + std::to_string(outcome.http_status);
        return "proxy_other";
    }
    return "other";
}

XferdMetrics::XferdMetrics(std::string_view version, clock::time_point process_start)
    : batches_(registry_.counter("xferd_batches_total", "Batch runs by how they ended.", {"outcome"})),
      rows_(registry_.counter("xferd_rows_total", "Rows by phase and the outcome of that phase.",
                              {"phase", "outcome"})),
      api_requests_(registry_.counter("xferd_api_requests_total",
                                      "HTTP attempts to the MobProc API and token endpoint, by endpoint and "
                                      "HTTP status or error kind.",
                                      {"endpoint", "status"})),
      api_retries_(registry_.counter("xferd_api_retries_total", "Attempts repeated after a retryable failure.",
                                     {"endpoint"})),
      token_requests_(registry_.counter("xferd_token_requests_total", "Access token requests by grant and result.",
                                        {"grant", "result"})),
      notifications_(registry_.counter("xferd_notifications_total",
                                       "Notifications by channel and result (after retries).",
                                       {"channel", "result"})),
      api_duration_(registry_.histogram("xferd_api_request_duration_seconds",
                                        "Duration of one HTTP attempt, connect included.",
                                        {0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60}, {"endpoint"})),
      store_commit_(registry_.histogram("xferd_store_commit_duration_seconds",
                                        "Duration of one durable commit of the state store.",
                                        {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5})),
      in_doubt_(registry_.gauge("xferd_rows_in_doubt",
                                "Rows whose submit may or may not have been processed, in batches not yet settled.")),
      waiting_(registry_.gauge("xferd_batches_waiting_for_approval", "Batches waiting for an operator's approval.")),
      last_success_(registry_.gauge("xferd_last_successful_batch_timestamp_seconds",
                                    "When a batch last ran to its end (done or done_with_problems); 0: not since "
                                    "the start.")),
      build_info_(registry_.gauge("xferd_build_info", "Always 1; the version in its label.", {"version"})),
      start_time_(registry_.gauge("process_start_time_seconds", "Start time of the process since the Unix epoch."))
{
    // Series that exist from the start, so rate() and increase() see their first increment.
    for (auto r : all_results) batches_.inc({to_string(r)}, 0);
    for (auto v : {"valid", "invalid"}) rows_.inc({"validate", v}, 0);
    for (auto v : {"approved", "rejected"}) rows_.inc({"confirm", v}, 0);
    for (auto s : {RowStatus::submitted, RowStatus::not_submitted, RowStatus::failed, RowStatus::in_doubt,
                   RowStatus::duplicate})
        rows_.inc({"submit", submit_outcome(s)}, 0);
    for (auto e : all_endpoints) api_retries_.inc({to_string(e)}, 0);
    for (auto g : {TokenGrantType::password, TokenGrantType::refresh_token})
        for (auto r : {TokenResult::ok, TokenResult::refused, TokenResult::unreachable})
            token_requests_.inc({to_string(g), to_string(r)}, 0);
    for (auto c : {NotifyChannel::command, NotifyChannel::webhook})
        for (auto r : {NotifyResult::delivered, NotifyResult::failed, NotifyResult::dropped})
            notifications_.inc({to_string(c), to_string(r)}, 0);
    in_doubt_.set(0);
    waiting_.set(0);
    last_success_.set(0);
    build_info_.set({version}, 1);
    start_time_.set(std::chrono::duration<double>(process_start.time_since_epoch()).count());
}

void XferdMetrics::update_batch_gauges()
{
    std::size_t rows = 0;
    for (const auto& [hash, n] : in_doubt_by_batch_) rows += n;
    in_doubt_.set(static_cast<double>(rows));
    waiting_.set(static_cast<double>(waiting_batches_.size()));
}

void XferdMetrics::batch_finished(BatchResult result, std::string_view content_sha256, std::size_t in_doubt,
                                  clock::time_point at)
{
    batches_.inc({to_string(result)});
    if (result == BatchResult::done || result == BatchResult::done_with_problems)
        last_success_.set(std::chrono::duration<double>(at.time_since_epoch()).count());
    std::lock_guard lock(mutex_);
    std::string key(content_sha256);
    if (result == BatchResult::waiting_for_approval) {
        if (waiting_batches_.size() < max_tracked_batches) waiting_batches_.insert(key);
    } else if (result != BatchResult::duplicate) {
        // A duplicate run says nothing about the first run of that content.
        waiting_batches_.erase(key);
    }
    // Only a run that went through the submits knows its in-doubt rows; a run that stopped
    // earlier (interrupted, unreachable) leaves the count as it was.
    if (result == BatchResult::done || result == BatchResult::done_with_problems) {
        if (in_doubt == 0) in_doubt_by_batch_.erase(key);
        else if (in_doubt_by_batch_.size() < max_tracked_batches || in_doubt_by_batch_.count(key))
            in_doubt_by_batch_[key] = in_doubt;
    }
    update_batch_gauges();
}

void XferdMetrics::batch_waiting(std::string_view content_sha256, bool waiting)
{
    std::lock_guard lock(mutex_);
    if (!waiting) waiting_batches_.erase(std::string(content_sha256));
    else if (waiting_batches_.size() < max_tracked_batches) waiting_batches_.emplace(content_sha256);
    update_batch_gauges();
}

void XferdMetrics::rows_validated(bool valid, std::size_t n)
{
    rows_.inc({"validate", valid ? "valid" : "invalid"}, static_cast<double>(n));
}

void XferdMetrics::rows_confirmed(Decision decision, std::size_t n)
{
    if (decision == Decision::approved) rows_.inc({"confirm", "approved"}, static_cast<double>(n));
    else if (decision == Decision::rejected) rows_.inc({"confirm", "rejected"}, static_cast<double>(n));
}

void XferdMetrics::rows_submitted(RowStatus status, std::size_t n)
{
    if (auto label = submit_outcome(status); !label.empty()) rows_.inc({"submit", label}, static_cast<double>(n));
}

void XferdMetrics::api_request(ApiEndpoint endpoint, const CallOutcome& outcome, seconds elapsed)
{
    api_requests_.inc({to_string(endpoint), api_status_label(outcome)});
    api_duration_.observe({to_string(endpoint)}, elapsed.count());
}

void XferdMetrics::api_retry(ApiEndpoint endpoint) { api_retries_.inc({to_string(endpoint)}); }

void XferdMetrics::token_request(TokenGrantType grant, TokenResult result)
{
    token_requests_.inc({to_string(grant), to_string(result)});
}

void XferdMetrics::store_commit(seconds elapsed) { store_commit_.observe(elapsed.count()); }

void XferdMetrics::notification(NotifyChannel channel, NotifyResult result)
{
    notifications_.inc({to_string(channel), to_string(result)});
}

}  // namespace xferd
