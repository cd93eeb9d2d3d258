// `xferd reconfirm BATCH`: a batch waiting for approval, held, or a finished dry-run is marked in
// the store to be confirmed anew; the next `xferd once` (or `xferd run` start) does it. Rows
// already submitted (or being submitted, or in doubt) are kept as they are and never sent again.
#include "xferd/service/reconfirm.hpp"

#include "xferd/service/snapshot_retention.hpp"
#include "xferd/core/printable.hpp"
#include "xferd/service/batch_selector.hpp"
#include "xferd/service/commands.hpp"
#include "xferd/store/inbox_lock.hpp"

#include <iostream>

namespace xferd {

namespace fs = std::filesystem;

std::optional<std::string> reconfirm_refusal(const BatchInfo& b)
{
    const bool dry_run_done = b.stage == BatchStage::done && b.mode == "dry-run";
    if (b.stage != BatchStage::awaiting_approval && b.stage != BatchStage::held && !dry_run_done)
        return "it is " + std::string(describe(b.stage)) +
               (is_unfinished(b.stage) ? ", it goes on by itself at the next run"
                                       : "; only a batch waiting for approval, held, or a dry-run is confirmed anew");
    std::error_code ec;
    if (b.snapshot.empty() || !fs::exists(b.snapshot, ec))
        return "its snapshot was deleted (state.keep_snapshots): drop the file again to have it confirmed anew";
    return std::nullopt;
}

Result<std::size_t> mark_for_reconfirm(StateStore& store, BatchInfo b, const std::string& at)
{
    auto w = store.work(b.id);
    if (!w) return w.error();
    std::size_t again = 0;
    if (w->counts.submitted == 0 && w->counts.in_doubt == 0 && w->submitting == 0) {
        // Nothing was sent: read again from the snapshot, so a corrected column mapping applies.
        if (auto d = store.delete_rows(b.id); !d) return d.error();
        again = w->counts.rows;
        b.stage = BatchStage::validating;
    } else {
        auto reset = store.reset_for_reconfirm(b.id);
        if (!reset) return reset.error();
        again = *reset;
        b.stage = BatchStage::confirming;
    }
    b.message = "confirmed anew on request (xferd reconfirm, " + at + ")";
    forget_confirmation(b, at);
    if (auto u = store.update_batch(b); !u) return u.error();
    return again;
}

namespace {

// Under the store's write lock: the stage is checked again (a run may have moved it meanwhile).
Result<std::size_t> reconfirm_now(StateStore& store, BatchId id, std::string& refusal)
{
    if (auto r = store.begin(); !r) return r.error();
    auto b = store.batch(id);
    if (!b || !*b) {
        store.rollback();
        return b ? make_error("the batch is gone from the state store") : b.error();
    }
    if (auto why = reconfirm_refusal(**b)) {
        store.rollback();
        refusal = *why;
        return std::size_t{0};
    }
    auto n = mark_for_reconfirm(store, **b, utc_iso_ms(std::chrono::system_clock::now()));
    if (!n) {
        store.rollback();
        return n;
    }
    if (auto c = store.commit(); !c) return c.error();
    return n;
}

}  // namespace

int cmd_reconfirm(const std::string& config_path, const std::string& spec)
{
    auto cfg = load_config_for_store(config_path);
    if (!cfg) return exit_usage;
    auto store = open_sqlite_store(cfg->state_dir);
    if (!store) {
        std::cerr << "xferd reconfirm: " << store.error().message << "\n";
        return exit_usage;
    }
    auto found = select_batches(**store, spec);
    if (!found) {
        std::cerr << "xferd reconfirm: " << found.error().message << "\n";
        return exit_usage;
    }
    if (found->size() != 1) {
        std::cerr << "xferd reconfirm: "
                  << (found->empty() ? "no batch matches '" + printable(spec) + "'\n"
                                     : "'" + printable(spec) + "' names " + std::to_string(found->size()) +
                                           " batches; name one by its hash:\n" + candidate_lines(*found));
        return exit_usage;
    }
    const BatchInfo& b = found->front();
    const std::string name = printable(fs::path(b.path).filename().string());
    // Not while a `once` or `run` works on this inbox: it holds the batch in memory.
    auto lock = lock_inboxes_now(cfg->state_dir, {fs::path(b.path).parent_path()});
    if (!lock) {
        std::cerr << "xferd reconfirm: " << lock.error().message
                  << "; nothing was changed: try again when it is done, or touch " << name
                  << " to have the running xferd confirm it anew\n";
        return exit_inbox_busy;
    }
    std::string refusal;
    auto n = reconfirm_now(**store, b.id, refusal);
    if (!n) {
        std::cerr << "xferd reconfirm: " << n.error().message << "\n";
        return exit_attention;
    }
    if (!refusal.empty()) {
        std::cout << name << ": not confirmed anew: " << refusal << "\n";
        return exit_attention;
    }
    std::cout << name << ": " << *n << " rows are confirmed anew at the next `xferd once` (or `xferd run` start); "
              << "a new confirmation report is written then\n";
    return exit_ok;
}

}  // namespace xferd
