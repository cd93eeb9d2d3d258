#include "xferd/service/status_view.hpp"

#include "xferd/batch/report.hpp"
#include "xferd/core/printable.hpp"

namespace xferd {

namespace fs = std::filesystem;

namespace {

std::string file_name(const BatchView& v) { return fs::path(v.batch.path).filename().string(); }

std::string output_name(const fs::path& p) { return p.filename().string(); }

bool refused_last(const BatchView& v) { return v.last_approval && !v.last_approval->accepted; }

std::string approve_how(const BatchView& v)
{
    const OutputPaths out = output_paths_for(v.batch.path);
    std::string text = "waiting for your approval since " + waiting_since(v) + ": review " +
                       output_name(out.confirmation_html) + " (or " + output_name(out.confirmation_csv) +
                       "), then drop " + output_name(out.approve_file) +
                       " holding 'all' or the external order numbers to submit, one a line, or save the "
                       "confirmation back as " + output_name(out.approved_csv) + " with its approve column filled";
    if (refused_last(v))
        text += "; the last approval (" + printable(fs::path(v.last_approval->file).filename().string()) + ", " +
                v.last_approval->at + ") was refused: " + printable(v.last_approval->message) +
                "; `xferd reconfirm " + v.batch.sha256.substr(0, 12) +
                "` (or touching the input) has it confirmed anew at the next run";
    return text;
}

}  // namespace

bool in_progress(const BatchView& v)
{
    return is_unfinished(v.batch.stage) && v.batch.stage != BatchStage::in_doubt &&
           v.batch.stage != BatchStage::incomplete;
}

bool needs_attention(const BatchView& v)
{
    switch (v.batch.stage) {
    case BatchStage::awaiting_approval:
    case BatchStage::held:
    case BatchStage::rejected:
    case BatchStage::in_doubt:
    case BatchStage::incomplete: return true;
    default: return v.counts.failed > 0 || v.counts.in_doubt > 0;
    }
}

std::string waiting_since(const BatchView& v)
{
    if (v.batch.stage != BatchStage::awaiting_approval) return {};
    if (!v.batch.confirmation_written_at.empty()) return v.batch.confirmation_written_at;
    return v.batch.confirmed_at.empty() ? v.batch.updated_at : v.batch.confirmed_at;
}

std::string results_path(const BatchView& v)
{
    if (v.batch.results_written_at.empty()) return {};
    return output_paths_for(v.batch.path).results_csv.string();
}

std::string next_step(const BatchView& v)
{
    const BatchInfo& b = v.batch;
    const std::string results = output_name(output_paths_for(b.path).results_csv);
    switch (b.stage) {
    case BatchStage::validating:
    case BatchStage::confirming:
    case BatchStage::submitting:
        return "in progress (or cut short): it goes on at the next `xferd once` or `xferd run` start";
    case BatchStage::awaiting_approval: return approve_how(v);
    case BatchStage::held:
        return "held by the batch gate, nothing submitted: " + printable(b.gate_message) +
               "; fix the file (or the column mapping) and drop it again, or `xferd reconfirm " +
               b.sha256.substr(0, 12) + "` to have it confirmed anew";
    case BatchStage::rejected:
        return "the file was rejected, nothing submitted: " + printable(b.message) + "; fix it and drop it again";
    case BatchStage::in_doubt:
        return std::to_string(v.counts.in_doubt) +
               " rows IN DOUBT (submitted, no answer): xferd looks them up again at its next run; do not "
               "resubmit them by hand before checking MobProc for their external order numbers (see " +
               results + ")";
    case BatchStage::incomplete:
        return std::to_string(v.counts.failed) + " rows FAILED for a transient reason: asked again at the next run (see " +
               results + ")";
    case BatchStage::done: break;
    }
    if (v.counts.failed > 0) return std::to_string(v.counts.failed) + " rows FAILED: see " + results + " for why";
    if (b.mode == "dry-run") return "dry-run: confirmed, nothing submitted";
    return "nothing to do";
}

std::string status_line(const BatchView& v)
{
    const BatchCounts& c = v.counts;
    std::string line = printable(file_name(v)) + "  " + v.batch.sha256.substr(0, 12) + "  " +
                       std::string(to_string(v.batch.stage)) + "  " + std::to_string(c.rows) + " rows, " +
                       std::to_string(c.approved) + " approved, " + std::to_string(c.submitted) + " submitted, " +
                       std::to_string(c.failed) + " failed, " + std::to_string(c.in_doubt) + " in doubt";
    if (auto since = waiting_since(v); !since.empty()) line += ", waiting since " + since;
    const std::string results = results_path(v);
    line += "  results " + (results.empty() ? std::string("-") : printable(results));
    return line;
}

boost::json::object status_json(const BatchView& v)
{
    const BatchInfo& b = v.batch;
    const BatchCounts& c = v.counts;
    boost::json::object counts{{"rows", c.rows},
                               {"approved", c.approved},
                               {"rejected", c.rejected},
                               {"invalid", c.invalid},
                               {"undecided", c.pending_decision},
                               {"submitted", c.submitted},
                               {"not_submitted", c.not_submitted},
                               {"failed", c.failed},
                               {"in_doubt", c.in_doubt},
                               {"duplicate", c.duplicate},
                               {"pending", c.pending}};
    auto or_null = [](const std::string& s) -> boost::json::value {
        if (s.empty()) return nullptr;
        return boost::json::value(s);
    };
    const std::string confirmation =
        b.confirmation_written_at.empty() ? "" : output_paths_for(b.path).confirmation_csv.string();
    return boost::json::object{
        {"file", file_name(v)},
        {"path", b.path},
        {"sha256", b.sha256},
        {"stage", to_string(b.stage)},
        {"mode", b.mode},
        {"counts", std::move(counts)},
        {"created_at", b.created_at},
        {"updated_at", b.updated_at},
        {"confirmed_at", or_null(b.confirmed_at)},
        {"finished_at", or_null(b.finished_at)},
        {"waiting_since", or_null(waiting_since(v))},
        {"results", or_null(results_path(v))},
        {"confirmation", or_null(confirmation)},
        {"snapshot_kept", !b.snapshot.empty()},
        {"needs_attention", needs_attention(v)},
        {"in_progress", in_progress(v)},
        {"next", next_step(v)},
    };
}

}  // namespace xferd
