#include "xferd/batch/operator_approval.hpp"

#include "batch_run_state.hpp"

#include "xferd/batch/approved_xlsx.hpp"
#include "xferd/batch/process_log.hpp"
#include "xferd/core/approval.hpp"
#include "xferd/core/reconcile.hpp"
#include "xferd/core/sha256.hpp"
#include "xferd/store/input_file.hpp"

#include <algorithm>

namespace xferd {

namespace fs = std::filesystem;

namespace {

constexpr std::uint64_t max_approval_bytes = 16 * 1024 * 1024;

std::chrono::system_clock::time_point time_of(const std::string& iso)
{
    auto t = parse_iso8601(iso.substr(0, std::min<std::size_t>(iso.size(), 19)) + "Z");
    return t ? std::chrono::system_clock::time_point(*t) : std::chrono::system_clock::time_point{};
}

struct Candidate {
    fs::path path;
    InputFile file;
};

// The newest approval file not acted on before, opened safely (never through a symlink).
std::optional<Candidate> newest_unseen(const OutputPaths& out, const std::vector<ApprovalRecord>& seen)
{
    std::optional<Candidate> best;
    for (const auto& p : {out.approve_file, out.approved_csv, out.approved_xlsx}) {
        auto f = InputFile::open(p);
        if (!f.ok()) continue;
        const auto& st = f.stamp();
        bool acted = std::any_of(seen.begin(), seen.end(), [&](const ApprovalRecord& a) {
            return a.file == p.string() && a.size == st.size && a.mtime_ns == st.mtime_ns;
        });
        if (acted) continue;
        if (!best || st.mtime_ns > best->file.stamp().mtime_ns) best.emplace(Candidate{p, std::move(f)});
    }
    return best;
}

Result<ConfirmedBatch> confirmed_batch(StateStore& store, const BatchInfo& b)
{
    ConfirmedBatch out{b.sha256, time_of(b.confirmation_written_at), {}};
    for (std::size_t after = 0;;) {
        auto rows = store.rows(b.id, RowSet::all, after, 5000);
        if (!rows) return rows.error();
        if (rows->empty()) break;
        for (const auto& r : *rows)
            out.rows.push_back({r.row, r.external_order_number, r.service_id, r.decision, r.reason});
        after = rows->back().row;
    }
    return out;
}

// The operator filled in the approve column of NAME.confirmation.csv itself (xferd's output,
// rewritten by xferd, never read as an approval): the words to say so, or nullopt.
std::optional<std::string> approval_in_confirmation(const OutputPaths& out, const InputFile& file)
{
    auto text = read_whole(file, max_approval_bytes);
    if (!text) return std::nullopt;
    auto parsed = parse_approved_csv(*text);
    if (!parsed || std::none_of(parsed->rows.begin(), parsed->rows.end(), [](const auto& r) { return r.approve; }))
        return std::nullopt;
    const std::string conf = out.confirmation_csv.filename().string();
    return "approval not taken: the approve column of " + conf + " is filled in, but " + conf +
           " is xferd's own report (rewritten by xferd, never read as an approval); save it as " +
           out.approved_csv.filename().string() + " in the same folder to approve; nothing was submitted";
}

Result<ApprovalInput> parse_candidate(const Candidate& candidate, const OutputPaths& paths, std::string_view text)
{
    if (candidate.path == paths.approved_xlsx)   // the very file opened, not whatever the name is now
        return parse_approved_xlsx("/proc/self/fd/" + std::to_string(candidate.file.fd()));
    if (candidate.path == paths.approved_csv) return parse_approved_csv(text);
    return parse_approve_file(text);
}

// Every eligible row gets the operator's word (approved ones are submitted, the rest not), the
// batch goes on to submitting, and the approval's record goes with it in the one transaction:
// nobody sees a batch submitting on an approval the store does not know (approvals_not_taken
// would call that file ignored).
StoreWriter::Job apply_approval(const BatchInfo& b, const ApprovalVerdict& verdict, const ApprovalRecord& record)
{
    std::vector<std::size_t> approved = verdict.approved_rows;
    std::sort(approved.begin(), approved.end());
    BatchInfo next = b;
    next.stage = BatchStage::submitting;
    next.approval_file = record.file;
    next.approval_sha256 = record.sha256;
    next.approval_owner = record.owner;
    next.approval_at = record.at;
    next.updated_at = record.at;
    next.results_written_at.clear();
    return [approved = std::move(approved), next = std::move(next), record](StateStore& st) -> Result<void> {
        for (std::size_t after = 0;;) {
            auto rows = st.rows(next.id, RowSet::awaiting_operator, after, 5000);
            if (!rows) return rows.error();
            if (rows->empty()) break;
            after = rows->back().row;
            for (auto& r : *rows)
                r.operator_verdict = std::binary_search(approved.begin(), approved.end(), r.row)
                                         ? OperatorVerdict::approved
                                         : OperatorVerdict::not_approved;
            if (auto u = st.update_rows(next.id, *rows); !u) return u;
        }
        if (auto u = st.update_batch(next); !u) return u;
        return st.add_approval(next.id, record);
    };
}

}  // namespace

// Said once per version of the confirmation file (the store remembers), as a refusal.
asio::awaitable<ApprovalOutcome> approval_saved_in_the_wrong_file(BatchServices& s,
                                                                  const OutputPaths& paths)
{
    ApprovalOutcome out;
    auto file = InputFile::open(paths.confirmation_csv);
    if (!file.ok()) co_return out;
    auto why = approval_in_confirmation(paths, file);
    if (!why) co_return out;
    bool fresh = false;
    const std::string at = now_iso();
    const std::string path = paths.confirmation_csv.string();
    StoreWriter::Job job = [&](StateStore& st) -> Result<void> {
        auto n = st.note_once(path, file.stamp(), "approval in the confirmation", at);
        if (!n) return n.error();
        fresh = *n;
        return {};
    };
    if (auto w = co_await s.writer.write(std::move(job)); !w || !fresh) co_return out;
    out.kind = ApprovalOutcome::Kind::refused;
    out.file = paths.confirmation_csv;
    out.message = *why;
    BatchLog(paths.log, true).error(paths.confirmation_csv.filename().string() + ": " + out.message);
    if (auto e = write_report_atomically(paths.error_txt, paths.confirmation_csv.filename().string() + ": " +
                                                              out.message + "\n");
        !e)
        log_error(e.error().message);
    co_return out;
}

asio::awaitable<ApprovalOutcome> act_on_operator_approval(BatchServices& s, BatchId id, const ApprovalConfig& cfg)
{
    ApprovalOutcome out;
    auto batch = s.reader.batch(id);
    if (!batch || !*batch || (*batch)->stage != BatchStage::awaiting_approval ||
        (*batch)->confirmation_written_at.empty())
        co_return out;
    const BatchInfo& b = **batch;
    // Approval files sit beside the input's path, so they are for the newest content seen there:
    // a batch replaced by a later upload to the same path is never approved by them.
    auto same_path = s.reader.batches_by_file(b.path);
    if (!same_path) co_return out;
    if (std::any_of(same_path->begin(), same_path->end(),
                    [&](const BatchInfo& o) { return o.path == b.path && o.id > b.id; }))
        co_return out;
    const OutputPaths paths = output_paths_for(b.path);
    auto seen = s.reader.approvals(id);
    if (!seen) co_return out;
    auto candidate = newest_unseen(paths, *seen);
    if (!candidate) co_return co_await approval_saved_in_the_wrong_file(s, paths);

    ApprovalRecord record;
    record.file = candidate->path.string();
    record.size = candidate->file.stamp().size;
    record.mtime_ns = candidate->file.stamp().mtime_ns;
    record.owner = owner_name(candidate->file);
    record.at = now_iso();
    out.file = candidate->path;
    const std::string name = candidate->path.filename().string();
    BatchLog log(paths.log, true);
    if (!log.open_error().empty()) log_error(name + ": the batch log: " + log.open_error());

    auto refuse = [&](std::string message) -> asio::awaitable<ApprovalOutcome> {
        out.kind = ApprovalOutcome::Kind::refused;
        out.message = std::move(message);
        record.message = out.message;
        StoreWriter::Job job = [id, &record](StateStore& st) { return st.add_approval(id, record); };
        auto w = co_await s.writer.write(std::move(job));
        if (!w) log_error(w.error().message);
        log.error(name + ": " + out.message);
        if (auto e = write_report_atomically(paths.error_txt, name + ": " + out.message + "\n"); !e)
            log_error(e.error().message);
        co_return out;
    };

    auto text = read_whole(candidate->file, max_approval_bytes);
    if (!text)
        co_return co_await refuse("approval refused: cannot read " + name + ": " + text.error().message +
                                  "; nothing was submitted");
    Sha256 h;
    h.update(*text);
    record.sha256 = h.hex_digest();
    auto parsed = parse_candidate(*candidate, paths, *text);
    if (!parsed) co_return co_await refuse("approval refused: " + parsed.error().message + "; nothing was submitted");
    auto confirmed = confirmed_batch(s.reader, b);
    if (!confirmed) co_return out;
    auto verdict = check_approval(*parsed, *confirmed, candidate->file.modified(), std::chrono::system_clock::now(),
                                  cfg.max_age);
    if (!verdict.accepted) co_return co_await refuse(verdict.message);

    record.accepted = true;
    record.message = verdict.message;
    if (auto w = co_await s.writer.write(apply_approval(b, verdict, record)); !w) co_return out;
    std::error_code ec;
    fs::remove(paths.error_txt, ec);   // an earlier refusal no longer stands
    fs::path not_taken = candidate->path;   // nor a notice that nothing waited for this file
    not_taken += ".error.txt";
    fs::remove(not_taken, ec);
    log.info(name + " accepted (sha256 " + record.sha256.substr(0, 12) + ", owner " + record.owner +
             "): " + verdict.message);
    for (const auto& note : verdict.notes) log.info(name + ": " + note);
    out.kind = ApprovalOutcome::Kind::accepted;
    out.message = verdict.message;
    co_return out;
}

}  // namespace xferd
