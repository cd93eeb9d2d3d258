// `xferd status [--json] [BATCH]`: what the state store says about the recent batches, or one
// batch in detail with what to do next. Reads the store read-only, so it is safe while `once`
// or `run` work; needs no API secrets.
#include "xferd/service/commands.hpp"

#include "xferd/core/printable.hpp"
#include "xferd/service/batch_selector.hpp"
#include "xferd/service/status_view.hpp"

#include <boost/json/serialize.hpp>

#include <iostream>

namespace xferd {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t recent_batches = 50;   // besides every unfinished one
constexpr std::size_t problem_rows_shown = 50;

Result<BatchView> view_of(StateStore& store, const BatchInfo& b)
{
    auto w = store.work(b.id);
    if (!w) return w.error();
    auto approvals = store.approvals(b.id);
    if (!approvals) return approvals.error();
    BatchView v{b, w->counts, std::nullopt};
    if (!approvals->empty()) v.last_approval = approvals->back();
    return v;
}

struct Detail {
    std::vector<SourceInfo> sources;
    std::vector<ApprovalRecord> approvals;
    std::vector<RowRecord> problems;   // FAILED, then IN DOUBT
};

Result<Detail> detail_of(StateStore& store, BatchId id)
{
    Detail d;
    auto sources = store.sources_of(id);
    if (!sources) return sources.error();
    d.sources = std::move(*sources);
    auto approvals = store.approvals(id);
    if (!approvals) return approvals.error();
    d.approvals = std::move(*approvals);
    for (int rank : {0, 1}) {   // report_rank: 0 FAILED, 1 IN_DOUBT
        auto rows = store.rows_at_rank(id, rank, 0, problem_rows_shown);
        if (!rows) return rows.error();
        d.problems.insert(d.problems.end(), rows->begin(), rows->end());
    }
    return d;
}

std::string row_problem(const RowRecord& r)
{
    return "row " + std::to_string(r.row) + " (" + printable(r.external_order_number) + ", service " +
           printable(r.service_id) + "): " + std::string(to_string(r.status)) + ": " + printable(r.message);
}

void print_detail(const BatchView& v, const Detail& d)
{
    const BatchInfo& b = v.batch;
    std::cout << "file:         " << printable(fs::path(b.path).filename().string()) << "\n"
              << "path:         " << printable(b.path) << "\n"
              << "sha256:       " << b.sha256 << "\n"
              << "stage:        " << to_string(b.stage) << " (" << describe(b.stage) << "), mode " << b.mode << "\n"
              << "taken:        " << b.created_at << (b.confirmed_at.empty() ? "" : ", confirmed " + b.confirmed_at)
              << (b.finished_at.empty() ? "" : ", finished " + b.finished_at) << "\n"
              << "rows:         " << describe(v.counts) << "\n";
    const std::string results = results_path(v);
    std::cout << "results:      " << (results.empty() ? "-" : printable(results)) << "\n"
              << "snapshot:     " << (b.snapshot.empty() ? "deleted (state.keep_snapshots)" : printable(b.snapshot))
              << "\n";
    for (const auto& s : d.sources)
        std::cout << "seen as:      " << printable(s.path) << " (" << s.seen_at << (s.duplicate ? ", a duplicate" : "")
                  << ")\n";
    for (const auto& a : d.approvals)
        std::cout << "approval:     " << printable(fs::path(a.file).filename().string()) << " (" << a.at << ", "
                  << printable(a.owner) << ", sha256 " << a.sha256.substr(0, 12) << "): " << (a.accepted ? "accepted" : "refused: " + printable(a.message))
                  << "\n";
    for (const auto& r : d.problems) std::cout << "problem:      " << row_problem(r) << "\n";
    std::cout << "next:         " << next_step(v) << "\n";
}

boost::json::object detail_json(const BatchView& v, const Detail& d)
{
    boost::json::object o = status_json(v);
    boost::json::array sources, approvals, problems;
    for (const auto& s : d.sources)
        sources.push_back(boost::json::object{{"path", s.path}, {"seen_at", s.seen_at}, {"duplicate", s.duplicate}});
    for (const auto& a : d.approvals)
        approvals.push_back(boost::json::object{{"file", a.file}, {"owner", a.owner}, {"sha256", a.sha256},
                                                {"at", a.at}, {"accepted", a.accepted}, {"message", a.message}});
    for (const auto& r : d.problems)
        problems.push_back(boost::json::object{{"row", r.row},
                                               {"external_order_number", r.external_order_number},
                                               {"service_id", r.service_id},
                                               {"status", to_string(r.status)},
                                               {"message", r.message}});
    o["sources"] = std::move(sources);
    o["approvals"] = std::move(approvals);
    o["problem_rows"] = std::move(problems);
    return o;
}

// One read transaction: the batches and their counts as of one commit.
Result<std::vector<BatchView>> recent_views(StateStore& store)
{
    if (auto r = store.begin_read(); !r) return r.error();
    auto batches = store.list_batches(false, recent_batches);
    if (!batches) return batches.error();
    std::vector<BatchView> views;
    for (const auto& b : *batches) {
        auto v = view_of(store, b);
        if (!v) return v.error();
        views.push_back(std::move(*v));
    }
    (void)store.commit();
    return views;
}

void print_document(boost::json::array batches, bool attention)
{
    boost::json::object doc{{"version", 1}, {"needs_attention", attention}, {"batches", std::move(batches)}};
    std::cout << boost::json::serialize(doc) << "\n";
}

int list_all(StateStore& store, bool json)
{
    auto views = recent_views(store);
    if (!views) {
        std::cerr << "xferd status: " << views.error().message << "\n";
        return exit_usage;
    }
    bool attention = false;
    boost::json::array out;
    for (const auto& v : *views) {
        attention |= needs_attention(v);
        if (json) out.push_back(status_json(v));
        else std::cout << status_line(v) << "\n";
    }
    if (json) print_document(std::move(out), attention);
    else if (views->empty()) std::cout << "no batches yet\n";
    return attention ? exit_attention : exit_ok;
}

int show_one(StateStore& store, const std::string& spec, bool json)
{
    if (auto r = store.begin_read(); !r) {
        std::cerr << "xferd status: " << r.error().message << "\n";
        return exit_usage;
    }
    auto found = select_batches(store, spec);
    if (!found) {
        std::cerr << "xferd status: " << found.error().message << "\n";
        return exit_usage;
    }
    if (found->size() != 1) {
        std::cerr << "xferd status: " << (found->empty() ? "no batch matches '" + printable(spec) + "'"
                                                          : "'" + printable(spec) + "' names " +
                                                                std::to_string(found->size()) +
                                                                " batches; name one by its hash:\n" +
                                                                candidate_lines(*found));
        if (found->empty()) std::cerr << " (a path, a file name, or 8+ hex digits of its sha256)\n";
        return exit_usage;
    }
    auto v = view_of(store, found->front());
    auto d = v ? detail_of(store, found->front().id) : Result<Detail>(v.error());
    (void)store.commit();
    if (!d) {
        std::cerr << "xferd status: " << d.error().message << "\n";
        return exit_usage;
    }
    if (json) print_document(boost::json::array{detail_json(*v, *d)}, needs_attention(*v));
    else print_detail(*v, *d);
    return needs_attention(*v) ? exit_attention : exit_ok;
}

}  // namespace

int cmd_status(const StatusArgs& args)
{
    auto cfg = load_config_for_store(args.config_path);
    if (!cfg) return exit_usage;
    auto store = open_store_for_reading(*cfg);
    if (!store) {
        std::cerr << "xferd status: " << store.error().message << "\n";
        return exit_usage;
    }
    if (!*store) {
        if (!args.batch.empty()) {
            std::cerr << "xferd status: no batch matches '" << printable(args.batch) << "' (nothing taken yet)\n";
            return exit_usage;
        }
        if (args.json) print_document({}, false);
        else std::cout << "no batches yet (no state store in " << printable(cfg->state_dir.string()) << ")\n";
        return exit_ok;
    }
    if (args.batch.empty()) return list_all(**store, args.json);
    return show_one(**store, args.batch, args.json);
}

}  // namespace xferd
