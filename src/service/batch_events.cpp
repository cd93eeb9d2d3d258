#include "xferd/service/batch_events.hpp"

#include "xferd/batch/report.hpp"
#include "xferd/core/config.hpp"
#include "xferd/service/notifier.hpp"

#include <unistd.h>

namespace xferd {

namespace fs = std::filesystem;
using std::chrono::system_clock;

namespace {

NotifyCounts counts_of(const BatchCounts& c)
{
    return NotifyCounts{c.rows,      c.approved,      c.rejected, c.invalid,  c.submitted,
                        c.not_submitted, c.failed,    c.in_doubt, c.duplicate};
}

std::optional<std::string> if_exists(const fs::path& p)
{
    std::error_code ec;
    if (fs::is_regular_file(p, ec)) return p.string();
    return std::nullopt;
}

std::string approval_how(const fs::path& input, const OutputPaths& out)
{
    return "Review " + out.confirmation_html.filename().string() + ", then approve by creating " +
           out.approve_file.filename().string() + " next to " + input.filename().string() +
           " holding 'all' (or the external order numbers to submit, one a line), or by saving " +
           out.confirmation_csv.filename().string() + " as " + out.approved_csv.filename().string() +
           " with its approve column filled (yes). Only approved, eligible rows are submitted.";
}

}  // namespace

std::optional<BatchResult> batch_result_of(const BatchOutcome& o)
{
    using E = BatchOutcome::End;
    switch (o.end) {
    case E::nothing_to_do:
    case E::left_for_later:
        return std::nullopt;   // nothing was done: nothing is counted
    case E::rejected:
    case E::refused:
        return BatchResult::rejected;
    case E::duplicate: return BatchResult::duplicate;
    case E::api_unavailable: return BatchResult::api_unreachable;
    case E::interrupted:
    case E::state_error:
        return BatchResult::interrupted;
    case E::held: return BatchResult::held;
    case E::waiting_for_approval: return BatchResult::waiting_for_approval;
    case E::finished: break;
    }
    if (o.needs_attention()) return BatchResult::done_with_problems;
    return BatchResult::done;
}

NotifyReports existing_reports(const fs::path& input)
{
    OutputPaths out = output_paths_for(input);
    NotifyReports r;
    r.confirmation_html = if_exists(out.confirmation_html);
    r.confirmation_csv = if_exists(out.confirmation_csv);
    r.confirmation_xlsx = if_exists(input.parent_path() / (input.stem().string() + ".confirmation.xlsx"));
    r.results_csv = if_exists(out.results_csv);
    r.log = if_exists(out.log);
    r.error_file = if_exists(out.error_txt);
    return r;
}

std::string host_name()
{
    char buf[256] = {};
    if (::gethostname(buf, sizeof buf - 1) != 0 || buf[0] == '\0') return "unknown";
    return buf;
}

std::optional<NotifyEvent> batch_event(const BatchOutcome& o, const BatchOptions& options, system_clock::time_point now,
                                       const std::string& host)
{
    auto result = batch_result_of(o);
    if (!result) return std::nullopt;
    NotifyEvent e;
    switch (*result) {
    case BatchResult::rejected: e.kind = NotifyKind::file_rejected; break;
    case BatchResult::held: e.kind = NotifyKind::batch_held; break;
    case BatchResult::waiting_for_approval: e.kind = NotifyKind::waiting_for_approval; break;
    case BatchResult::done_with_problems: e.kind = NotifyKind::finished_with_problems; break;
    case BatchResult::done: e.kind = NotifyKind::batch_done; break;
    case BatchResult::duplicate:
    case BatchResult::interrupted:
    case BatchResult::api_unreachable: return std::nullopt;
    }
    e.batch_file = o.input.string();
    e.sha256 = o.sha256;
    e.state = std::string(to_string(*result));
    e.counts = counts_of(o.counts);
    e.reports = existing_reports(o.input);
    e.message = o.summary();
    e.time = now;
    e.host = host;
    if (e.kind == NotifyKind::waiting_for_approval) {
        OutputPaths out = output_paths_for(o.input);
        e.approve_how = approval_how(o.input, out);
        e.approve_file = out.approve_file.string();
        e.approved_csv = out.approved_csv.string();
        e.approve_until = now + options.approval.max_age;
    }
    return e;
}

NotifyEvent approval_refused_event(const fs::path& input, const std::string& sha256, const fs::path& approval_file,
                                   const std::string& reason, system_clock::time_point now, const std::string& host)
{
    NotifyEvent e;
    e.kind = NotifyKind::approval_refused;
    e.batch_file = input.string();
    e.sha256 = sha256;
    e.state = std::string(to_string(BatchResult::waiting_for_approval));
    e.reports = existing_reports(input);
    e.message = input.filename().string() + ": the approval " + approval_file.filename().string() +
                " was refused and nothing was submitted; the batch still waits for a valid approval";
    e.time = now;
    e.host = host;
    e.approval_file = approval_file.string();
    e.refusal_reason = reason;
    return e;
}

void report_batch_end(XferdMetrics* metrics, Notifier* notifier, const BatchOutcome& o, const BatchOptions& options)
{
    auto result = batch_result_of(o);
    if (!result) return;
    if (metrics) metrics->batch_finished(*result, o.sha256, o.counts.in_doubt);
    if (notifier && notifier->enabled())
        if (auto e = batch_event(o, options, system_clock::now(), host_name())) notifier->notify(std::move(*e));
}

void report_approval_refused(Notifier* notifier, const fs::path& input, const std::string& sha256,
                             const fs::path& approval_file, const std::string& reason)
{
    if (notifier && notifier->enabled())
        notifier->notify(approval_refused_event(input, sha256, approval_file, reason, system_clock::now(), host_name()));
}

void BatchReporter::batch_end(const BatchOutcome& o, const BatchOptions& options)
{
    count_rows(o);
    report_batch_end(metrics_, notifier_, o, options);
}

void BatchReporter::approval_refused(const fs::path& input, const std::string& sha256, const fs::path& approval_file,
                                     const std::string& reason)
{
    report_approval_refused(notifier_, input, sha256, approval_file, reason);
}

void BatchReporter::still_waiting(const BatchOutcome& o, const BatchOptions& options)
{
    if (metrics_ && o.end == BatchOutcome::End::waiting_for_approval) metrics_->batch_waiting(o.sha256, true);
    else batch_end(o, options);
}

void BatchReporter::count_rows(const BatchOutcome& o)
{
    constexpr std::size_t max_tracked = 10'000;
    auto result = batch_result_of(o);
    if (!metrics_ || !result || *result == BatchResult::duplicate || o.sha256.empty()) return;
    if (counted_.size() >= max_tracked && !counted_.count(o.sha256)) counted_.clear();
    BatchCounts& before = counted_[o.sha256];
    const BatchCounts& now = o.counts;
    auto grown = [](std::size_t after, std::size_t earlier) { return after > earlier ? after - earlier : 0; };
    metrics_->rows_validated(true, grown(now.rows - now.invalid, before.rows - before.invalid));
    metrics_->rows_validated(false, grown(now.invalid, before.invalid));
    metrics_->rows_confirmed(Decision::approved, grown(now.approved, before.approved));
    metrics_->rows_confirmed(Decision::rejected, grown(now.rejected, before.rejected));
    metrics_->rows_submitted(RowStatus::submitted, grown(now.submitted, before.submitted));
    metrics_->rows_submitted(RowStatus::not_submitted, grown(now.not_submitted, before.not_submitted));
    metrics_->rows_submitted(RowStatus::failed, grown(now.failed, before.failed));
    metrics_->rows_submitted(RowStatus::in_doubt, grown(now.in_doubt, before.in_doubt));
    metrics_->rows_submitted(RowStatus::duplicate, grown(now.duplicate, before.duplicate));
    before = now;
    const bool final = *result == BatchResult::done || *result == BatchResult::held || *result == BatchResult::rejected ||
                       (*result == BatchResult::done_with_problems && now.in_doubt == 0);
    if (final) counted_.erase(o.sha256);   // nothing of it changes any more
}

}  // namespace xferd
