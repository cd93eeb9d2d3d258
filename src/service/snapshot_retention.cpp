#include "xferd/service/snapshot_retention.hpp"

#include "xferd/batch/process_log.hpp"
#include "xferd/core/config.hpp"
#include "xferd/service/config_loading.hpp"
#include "xferd/core/reconcile.hpp"

#include <csignal>
#include <cstdio>
#include <filesystem>

namespace xferd {

namespace fs = std::filesystem;

std::string utc_iso_ms(std::chrono::system_clock::time_point t)
{
    auto ms = std::chrono::time_point_cast<std::chrono::milliseconds>(t);
    auto secs = std::chrono::floor<std::chrono::seconds>(ms);
    std::string s = format_iso8601(secs);
    char frac[8];
    std::snprintf(frac, sizeof frac, ".%03d", static_cast<int>((ms - secs).count()));
    s.insert(s.size() - 1, frac);
    return s;
}

namespace {

bool finished(BatchStage s) { return s == BatchStage::done || s == BatchStage::held || s == BatchStage::rejected; }

// One batch: true when its snapshot is gone now (or was by the time the lock was held).
Result<bool> prune_one(StateStore& store, const BatchInfo& listed, const std::string& cutoff)
{
    if (auto r = store.begin(); !r) return r.error();
    auto b = store.batch(listed.id);
    if (!b || !*b) {
        store.rollback();
        return b ? Result<bool>(false) : Result<bool>(b.error());
    }
    BatchInfo now = **b;
    // Taken again meanwhile (a redrop restarts a held batch from a fresh snapshot): keep it.
    if (now.snapshot != listed.snapshot || !finished(now.stage) || now.finished_at.empty() ||
        now.finished_at >= cutoff) {
        store.rollback();
        return false;
    }
    std::error_code ec;
    fs::remove(now.snapshot, ec);
    if (ec) {
        store.rollback();
        return make_error("cannot delete the snapshot " + now.snapshot + ": " + ec.message());
    }
    fs::remove(fs::path(now.snapshot).parent_path(), ec);   // its folder, when nothing else is in it
    now.snapshot.clear();
    if (auto u = store.update_batch(now); !u) {
        store.rollback();
        return u.error();
    }
    if (auto c = store.commit(); !c) return c.error();
    return true;
}

}  // namespace

SnapshotPruning prune_snapshots(StateStore& store, std::chrono::milliseconds keep,
                                std::chrono::system_clock::time_point now)
{
    SnapshotPruning out;
    if (keep.count() <= 0) return out;
    const std::string cutoff = utc_iso_ms(now - keep);
    auto old = store.snapshots_finished_before(cutoff);
    if (!old) {
        out.problem = old.error().message;
        return out;
    }
    for (const auto& b : *old) {
        auto r = prune_one(store, b, cutoff);
        if (!r) {
            out.problem = r.error().message;
            break;
        }
        if (*r) ++out.deleted;
    }
    return out;
}

bool prune_snapshots_at_start(const std::string& config_path)
{
    sigset_t stop, old;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop, &old);
    auto cfg = load_config_without_secrets(config_path);
    if (cfg && cfg->state.keep_snapshots.count() > 0 && fs::exists(sqlite_store_path(cfg->state_dir))) {
        if (auto store = open_sqlite_store(cfg->state_dir)) {
            auto pruned = prune_snapshots(**store, cfg->state.keep_snapshots, std::chrono::system_clock::now());
            if (pruned.deleted > 0)
                log_info("deleted the snapshots of " + std::to_string(pruned.deleted) + " batches finished more than " +
                         format_duration(cfg->state.keep_snapshots) + " ago (state.keep_snapshots)");
            if (!pruned.problem.empty()) log_warn("state.keep_snapshots: " + pruned.problem + "; tried again at the next start");
        }
    }
    sigset_t pending;
    sigpending(&pending);
    const bool asked = sigismember(&pending, SIGTERM) == 1 || sigismember(&pending, SIGINT) == 1;
    if (asked) {
        const timespec none{};
        while (sigtimedwait(&stop, nullptr, &none) > 0) {
        }
    }
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
    return asked;
}

}  // namespace xferd
