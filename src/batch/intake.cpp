#include "xferd/batch/intake.hpp"

#include "xferd/core/printable.hpp"

#include "batch_run_state.hpp"

#include "xferd/batch/report.hpp"
#include "xferd/core/batch_reader.hpp"
#include "xferd/store/input_file.hpp"

#include <sys/stat.h>

namespace xferd {

namespace fs = std::filesystem;

namespace {

Intake make(Intake::Kind kind, std::string message, BatchId batch = 0) { return Intake{kind, batch, std::move(message)}; }

std::optional<SourceStamp> lstat_stamp(const fs::path& p)
{
    struct stat st {};
    if (::lstat(p.c_str(), &st) != 0) return std::nullopt;
    return stamp_of(st);
}

// The same content starts afresh: rows read again (from the snapshot just taken: the old one
// may have been deleted by state.keep_snapshots), confirmed again, with today's config.
void restart(BatchInfo& b, const fs::path& path, const fs::path& snapshot, const BatchOptions& options)
{
    b.path = path.string();
    b.snapshot = snapshot.string();
    b.mode = to_string(options.approval.mode);
    b.stage = BatchStage::validating;
    b.message.clear();
    forget_confirmation(b, now_iso());
}

class Taker {
public:
    Taker(BatchServices& s, fs::path path, const BatchOptions& o) : s_(s), path_(std::move(path)), options_(o) {}

    asio::awaitable<Intake> take()
    {
        InputFile file = InputFile::open(path_);
        if (!file.ok()) co_return co_await refuse(file);
        if (auto wait = still_being_written(file)) co_return make(Intake::Kind::left_for_later, *wait);

        auto known = s_.reader.source_with_stamp(path_.string(), file.stamp());
        if (!known) co_return make(Intake::Kind::state_error, known.error().message);
        if (*known) co_return co_await seen_before(**known);

        auto snap = take_snapshot(file, options_.state_dir, path_.extension().string(), options_.limits.max_file_bytes);
        if (!snap) {
            if (!snap.error().too_large)
                co_return make(Intake::Kind::state_error, snap.error().message + "; " + name() +
                                                              " is left as it is and taken at the next run");
            if (co_await first_time(file.stamp(), "too large"))
                write_error_file(name() + ": " + snap.error().message + "\nNothing from this file was submitted.\n");
            co_return make(Intake::Kind::rejected, snap.error().message);
        }
        auto batch = s_.reader.batch_by_sha256(snap->sha256);
        if (!batch) co_return make(Intake::Kind::state_error, batch.error().message);
        if (!*batch) co_return co_await new_batch(*snap, file.stamp());
        co_return co_await known_content(**batch, snap->path, file.stamp());
    }

private:
    std::string name() const { return path_.filename().string(); }

    std::optional<std::string> still_being_written(const InputFile& file) const
    {
        auto age = std::chrono::system_clock::now() - file.modified();
        if (age < options_.settle)
            return "still being written (modified " +
                   std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(age).count()) +
                   " ms ago); it is taken at the next run once it has not changed for " +
                   std::to_string(options_.settle.count()) + " ms";
        if (file.open_for_writing() == true)
            return "still open for writing by another program; it is taken once the upload has closed it";
        return std::nullopt;
    }

    asio::awaitable<bool> first_time(const SourceStamp& stamp, std::string what)
    {
        bool fresh = false;
        const std::string at = now_iso();
        StoreWriter::Job job = [&](StateStore& st) -> Result<void> {
            auto n = st.note_once(path_.string(), stamp, what, at);
            if (!n) return n.error();
            fresh = *n;
            return {};
        };
        auto r = co_await s_.writer.write(std::move(job));
        co_return r && fresh;
    }

    void write_error_file(const std::string& text)
    {
        auto w = write_report_atomically(output_paths_for(path_).error_txt, text);
        (void)w;   // the log line says it all too
    }

    asio::awaitable<Intake> refuse(const InputFile& file)
    {
        if (file.refusal() == InputFile::Refusal::missing) co_return make(Intake::Kind::nothing_to_do, file.message());
        auto stamp = lstat_stamp(path_).value_or(SourceStamp{});
        if (co_await first_time(stamp, "refused"))
            write_error_file(name() + ": not taken: " + file.message() + ".\n");
        co_return make(Intake::Kind::refused, file.message());
    }

    asio::awaitable<Intake> seen_before(const SourceInfo& src)
    {
        auto batch = s_.reader.batch(src.batch);
        if (!batch || !*batch) co_return make(Intake::Kind::state_error, "the state store lost a batch");
        BatchInfo& b = **batch;
        if (src.duplicate) co_return make(Intake::Kind::nothing_to_do, "a duplicate, reported before");
        if (is_unfinished(b.stage)) co_return make(Intake::Kind::run, {}, b.id);
        // Waiting for its operator: only an approval (or the file touched) moves it.
        if (b.stage == BatchStage::awaiting_approval)
            co_return make(Intake::Kind::nothing_to_do, "waiting for operator approval", b.id);
        co_return co_await maybe_rewrite_outputs(b);
    }

    // Done before: nothing to do, unless its reports at this path were deleted.
    asio::awaitable<Intake> maybe_rewrite_outputs(BatchInfo& b)
    {
        if (b.path != path_.string() || !outputs_missing(b))
            co_return make(Intake::Kind::nothing_to_do, "already processed (" + std::string(describe(b.stage)) +
                                                            "); see " +
                                                            printable(output_paths_for(b.path).results_csv.filename().string()));
        b.results_written_at.clear();
        b.confirmation_written_at.clear();
        co_return co_await save(b, std::nullopt, false, Intake::Kind::run);
    }

    asio::awaitable<Intake> new_batch(const Snapshot& snap, const SourceStamp& stamp)
    {
        BatchInfo b;
        b.sha256 = snap.sha256;
        b.path = path_.string();
        b.format = format_for_path(path_);
        b.mode = to_string(options_.approval.mode);
        b.stage = BatchStage::validating;
        b.bytes = snap.bytes;
        b.snapshot = snap.path.string();
        b.created_at = b.updated_at = now_iso();
        BatchId id = 0;
        StoreWriter::Job job = [&](StateStore& st) -> Result<void> {
            auto created = st.create_batch(b);
            if (!created) return created.error();
            id = *created;
            return st.put_source({path_.string(), id, stamp, b.created_at, false});
        };
        auto r = co_await s_.writer.write(std::move(job));
        if (!r) co_return make(Intake::Kind::state_error, r.error().message);
        co_return make(Intake::Kind::run, {}, id);
    }

    asio::awaitable<Intake> known_content(BatchInfo& b, const fs::path& snapshot, const SourceStamp& stamp)
    {
        auto src = s_.reader.source(path_.string(), b.id);
        if (!src) co_return make(Intake::Kind::state_error, src.error().message);
        const bool dry_run = b.mode == "dry-run";
        const SourceInfo here{path_.string(), b.id, stamp, now_iso(), false};
        if (*src && !(*src)->duplicate) {
            // This path again, touched or dropped again.
            if (restarts_on_redrop(b.stage, dry_run) || b.stage == BatchStage::awaiting_approval) {
                restart(b, path_, snapshot, options_);
                co_return co_await save(b, here, true, Intake::Kind::run);
            }
            if (is_unfinished(b.stage)) co_return co_await save(b, here, false, Intake::Kind::run);
            co_await save(b, here, false, Intake::Kind::nothing_to_do);
            co_return co_await maybe_rewrite_outputs(b);
        }
        if (restarts_on_redrop(b.stage, dry_run)) {
            restart(b, path_, snapshot, options_);
            co_return co_await save(b, here, true, Intake::Kind::run);
        }
        SourceInfo dup = here;
        dup.duplicate = true;
        const std::string message = "duplicate: the same content (sha256 " + b.sha256.substr(0, 12) +
                                    ") was already taken as " + printable(b.path) + " (" +
                                    std::string(describe(b.stage)) + ", " + b.created_at + "); nothing from " +
                                    printable(name()) + " was submitted again";
        StoreWriter::Job job = [&dup](StateStore& st) { return st.put_source(dup); };
        auto r = co_await s_.writer.write(std::move(job));
        if (!r) co_return make(Intake::Kind::state_error, r.error().message);
        write_error_file(name() + ": " + message + "\n");
        co_return make(Intake::Kind::duplicate, message, b.id);
    }

    // Durable: the batch's fields, the source, and for a restart its rows dropped.
    asio::awaitable<Intake> save(const BatchInfo& b, std::optional<SourceInfo> src, bool drop_rows, Intake::Kind then)
    {
        StoreWriter::Job job = [&](StateStore& st) -> Result<void> {
            if (drop_rows)
                if (auto d = st.delete_rows(b.id); !d) return d;
            if (src)
                if (auto p = st.put_source(*src); !p) return p;
            return st.update_batch(b);
        };
        auto r = co_await s_.writer.write(std::move(job));
        if (!r) co_return make(Intake::Kind::state_error, r.error().message);
        Intake out = make(then, {}, b.id);
        out.restarted = drop_rows;
        co_return out;
    }

    BatchServices& s_;
    fs::path path_;
    const BatchOptions& options_;
};

}  // namespace

// Deleted by someone, or never written (the folder was read-only, the disk full): either way the
// store has what they say, so they are written again.
bool outputs_missing(const BatchInfo& b)
{
    std::error_code ec;
    const OutputPaths out = output_paths_for(b.path);
    switch (b.stage) {
    case BatchStage::done:
    case BatchStage::held:
    case BatchStage::in_doubt:
    case BatchStage::incomplete:
        return b.results_written_at.empty() || !fs::exists(out.results_csv, ec) ||
               !fs::exists(out.confirmation_html, ec);
    case BatchStage::awaiting_approval:
        return b.confirmation_written_at.empty() || !fs::exists(out.confirmation_csv, ec);
    default:
        return false;
    }
}

asio::awaitable<Intake> take_file(BatchServices& services, const fs::path& path, const BatchOptions& options)
{
    Taker t(services, path, options);
    co_return co_await t.take();
}

BatchOutcome outcome_of(const Intake& intake, const fs::path& path)
{
    using K = Intake::Kind;
    using E = BatchOutcome::End;
    BatchOutcome o;
    o.input = path;
    o.message = intake.message;
    switch (intake.kind) {
    case K::nothing_to_do: o.end = E::nothing_to_do; break;
    case K::duplicate: o.end = E::duplicate; break;
    case K::left_for_later: o.end = E::left_for_later; break;
    case K::refused: o.end = E::refused; break;
    case K::rejected: o.end = E::rejected; break;
    case K::state_error: o.end = E::state_error; break;
    case K::run: o.end = E::finished; break;
    }
    return o;
}

}  // namespace xferd
