// What the end of a batch run means for the metrics and the notifications, in one place, so
// `once` and `run` report the same way: one call after each process / submit_approved, one
// when an operator's approval is refused.
#pragma once

#include "xferd/batch/batch_options.hpp"
#include "xferd/batch/batch_run.hpp"
#include "xferd/core/notify_event.hpp"
#include "xferd/core/xferd_metrics.hpp"

#include <filesystem>
#include <map>
#include <optional>
#include <string>

namespace xferd {

class Notifier;

// How the run counts in xferd_batches_total; nullopt for a file already finished earlier
// (nothing was done, nothing is counted).
std::optional<BatchResult> batch_result_of(const BatchOutcome& outcome);

// The event to send for this outcome; nullopt when there is nobody to tell (duplicate,
// interrupted, API unreachable: those are logged and counted, and retried by xferd itself).
// `now` and `host` fill the event's time and host; approvals are due within approval.max_age.
std::optional<NotifyEvent> batch_event(const BatchOutcome& outcome, const BatchOptions& options,
                                       std::chrono::system_clock::time_point now, const std::string& host);

NotifyEvent approval_refused_event(const std::filesystem::path& input, const std::string& sha256,
                                   const std::filesystem::path& approval_file, const std::string& reason,
                                   std::chrono::system_clock::time_point now, const std::string& host);

// The reports of `input` that exist now (NAME.confirmation.html/.csv/.xlsx, NAME.results.csv,
// NAME.log, NAME.error.txt).
NotifyReports existing_reports(const std::filesystem::path& input);

// This machine's name, for events ("unknown" if it has none).
std::string host_name();

// The calls to make: either pointer may be null (metrics or notifications off).
void report_batch_end(XferdMetrics* metrics, Notifier* notifier, const BatchOutcome& outcome,
                      const BatchOptions& options);
void report_approval_refused(Notifier* notifier, const std::filesystem::path& input, const std::string& sha256,
                             const std::filesystem::path& approval_file, const std::string& reason);

// What `once` and `run` call: report_batch_end and report_approval_refused, plus the rows
// counters (xferd_rows_total), from each batch's counts: the growth since this process last
// reported that batch, so a manual batch (waiting, then submitted) counts each row once per
// phase. Either pointer may be null.
class BatchReporter {
public:
    BatchReporter(XferdMetrics* metrics, Notifier* notifier) : metrics_(metrics), notifier_(notifier) {}

    void batch_end(const BatchOutcome& outcome, const BatchOptions& options);
    void approval_refused(const std::filesystem::path& input, const std::string& sha256,
                          const std::filesystem::path& approval_file, const std::string& reason);
    // A waiting batch looked at again with no (new) approval: the waiting gauge, no event (a
    // timer running `once` would otherwise repeat "waiting for approval" at every run).
    void still_waiting(const BatchOutcome& outcome, const BatchOptions& options);

    [[nodiscard]] XferdMetrics* metrics() const { return metrics_; }
    [[nodiscard]] Notifier* notifier() const { return notifier_; }

private:
    void count_rows(const BatchOutcome& outcome);

    XferdMetrics* metrics_;
    Notifier* notifier_;
    std::map<std::string, BatchCounts> counted_;   // by content hash: what was counted already
};

}  // namespace xferd
