#include "xferd/service/approvals_not_taken.hpp"

#include "xferd/batch/process_log.hpp"
#include "xferd/batch/report.hpp"
#include "xferd/core/ascii_text.hpp"
#include "xferd/core/daemon_flow.hpp"
#include "xferd/core/printable.hpp"
#include "xferd/service/inbox_scan.hpp"
#include "xferd/store/input_file.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <string_view>

namespace xferd {

namespace fs = std::filesystem;

namespace {

constexpr std::array<std::string_view, 3> approval_suffixes{".approved.csv", ".approved.xlsx", ".approve"};
constexpr std::array<std::string_view, 5> batch_extensions{".csv", ".xlsx", ".json", ".ndjson", ".jsonl"};

// "x.approved.csv" → "x" (the NAME its batch's outputs share); the suffix compared as
// is_approval_file does, without regard to case.
std::string batch_name_of(const fs::path& approval)
{
    const std::string name = approval.filename().string();
    const std::string lower = lower_ascii(name);
    for (std::string_view suffix : approval_suffixes)
        if (name.size() > suffix.size() && lower.ends_with(suffix)) return name.substr(0, name.size() - suffix.size());
    return name;
}

bool is_output_of(const fs::path& approval, const std::string& input)
{
    const OutputPaths out = output_paths_for(input);
    const fs::path name = approval.filename();
    return out.approved_csv.filename() == name || out.approved_xlsx.filename() == name ||
           out.approve_file.filename() == name;
}

std::string stage_words(const BatchInfo& b)
{
    return std::string(describe(b.stage)) + (b.message.empty() ? "" : ": " + printable(b.message));
}

std::string why_for_finished(const BatchInfo& b, const std::string& input, const OutputPaths& out)
{
    const std::string results = out.results_csv.filename().string();
    if (!b.approval_file.empty())
        return input + " was approved already (by " + printable(fs::path(b.approval_file).filename().string()) +
               " at " + b.approval_at + ") and is " + std::string(describe(b.stage)) +
               "; a batch is approved once: see " + results + ", and drop a new batch file for other orders";
    if (b.mode == "dry-run")
        return input + " was a dry run (approval.mode dry-run: confirmed, nothing submitted); to submit it, set "
               "approval.mode manual for this inbox, drop the batch file again and approve its new confirmation";
    return input + " runs in approval mode " + (b.mode.empty() ? std::string("auto") : b.mode) + " (" +
           std::string(describe(b.stage)) + "): its approved rows are submitted without an operator; see " + results;
}

}  // namespace

std::optional<std::string> why_approval_not_taken(const fs::path& approval, const std::optional<BatchInfo>& newest)
{
    std::string why;
    if (!newest) {
        const std::string name = printable(batch_name_of(approval));
        why = "no batch named " + name + " (" + name + ".csv, .xlsx, .json, …) was taken in this folder, so nothing "
              "waits for this approval; drop the batch file first (approval.mode manual), review " + name +
              ".confirmation.html, then approve it";
    } else {
        const BatchInfo& b = *newest;
        const std::string input = printable(fs::path(b.path).filename().string());
        const OutputPaths out = output_paths_for(b.path);
        switch (b.stage) {
        case BatchStage::awaiting_approval: return std::nullopt;
        case BatchStage::validating:
        case BatchStage::confirming:
            why = input + " is still being confirmed (" + std::string(describe(b.stage)) + "); wait for " +
                  out.confirmation_html.filename().string() + ", review it, then save the approval again (one "
                  "written before the confirmation is refused)";
            break;
        case BatchStage::held:
            why = input + " is held by the batch gate (" + printable(b.gate_message) + "); nothing was submitted and "
                  "a held batch cannot be approved: correct the batch file and drop it again, then approve its new "
                  "confirmation";
            break;
        case BatchStage::rejected:
            why = input + " was rejected (" + stage_words(b) + "); a rejected file cannot be approved: correct it "
                  "and drop it again (see " + out.error_txt.filename().string() + "), then approve its confirmation";
            break;
        default: why = why_for_finished(b, input, out); break;
        }
    }
    return "not taken: " + why + "; nothing from this file was read";
}

namespace {

// The newest batch whose outputs sit beside `approval`: inputs NAME.<ext> in its folder, as
// the store knows them (the input itself may have been moved away since).
Result<std::optional<BatchInfo>> newest_batch_for(StateStore& store, const fs::path& approval)
{
    const fs::path folder = approval.parent_path();
    const std::string name = batch_name_of(approval);
    std::vector<std::string> inputs;
    for (std::string_view ext : batch_extensions) inputs.push_back((folder / (name + std::string(ext))).string());
    std::error_code ec;   // the same NAME with an extension in other letters (X.CSV)
    for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec))
        if (it->path().stem() == name && is_batch_candidate(it->path())) inputs.push_back(it->path().string());
    std::optional<BatchInfo> newest;
    for (const auto& input : inputs) {
        auto found = store.batches_by_file(input);
        if (!found) return found.error();
        for (auto& b : *found)
            if (is_output_of(approval, b.path) && (!newest || b.id > newest->id)) newest = std::move(b);
    }
    return newest;
}

// This very version was read by its batch (accepted or refused): said then, quiet now.
Result<bool> acted_on(StateStore& store, BatchId batch, const fs::path& approval, const SourceStamp& stamp)
{
    auto seen = store.approvals(batch);
    if (!seen) return seen.error();
    return std::any_of(seen->begin(), seen->end(), [&](const ApprovalRecord& a) {
        return fs::path(a.file).filename() == approval.filename() && a.size == stamp.size && a.mtime_ns == stamp.mtime_ns;
    });
}

Result<std::optional<std::string>> why_not_read(StateStore& store, const fs::path& p, const SourceStamp& stamp)
{
    auto newest = newest_batch_for(store, p);
    if (!newest) return newest.error();
    if (*newest) {
        auto acted = acted_on(store, (*newest)->id, p, stamp);
        if (!acted) return acted.error();
        if (*acted) return std::optional<std::string>{};
    }
    return why_approval_not_taken(p, *newest);
}

}  // namespace

asio::awaitable<void> notice_approvals_not_taken(BatchServices& s, fs::path folder)
{
    std::error_code ec;
    for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
        const fs::path p = it->path();
        struct stat st {};
        if (!is_approval_file(p) || ::lstat(p.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
        const SourceStamp stamp = stamp_of(st);
        auto why = why_not_read(s.reader, p, stamp);
        if (!why) {
            log_error(why.error().message);
            co_return;
        }
        if (!*why) continue;
        bool fresh = false;
        const std::string at = now_iso();
        StoreWriter::Job job = [&](StateStore& store) -> Result<void> {
            auto n = store.note_once(p.string(), stamp, "approval not taken", at);
            if (!n) return n.error();
            fresh = *n;
            return {};
        };
        if (auto w = co_await s.writer.write(std::move(job)); !w) {
            log_error(w.error().message);
            co_return;
        }
        if (!fresh) continue;
        const std::string line = printable(p.filename().string()) + ": " + **why;
        log_warn(printable(folder.string()) + "/" + line);
        fs::path note = p;
        note += ".error.txt";
        if (auto e = write_report_atomically(note, line + "\n"); !e) log_error(e.error().message);
    }
}

}  // namespace xferd
