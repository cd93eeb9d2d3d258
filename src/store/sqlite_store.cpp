// The SQLite store: opening, transactions, batches, sources and approvals (rows and service
// claims: sqlite_rows.cpp).
#include "sqlite_store.hpp"

#include "sqlite_schema.hpp"

#include "xferd/store/private_dir.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cctype>

namespace xferd {

namespace fs = std::filesystem;

namespace sqlite {

namespace {

std::string_view format_name(BatchFormat f)
{
    switch (f) {
    case BatchFormat::csv: return "csv";
    case BatchFormat::json: return "json";
    case BatchFormat::ndjson: return "ndjson";
    case BatchFormat::xlsx: return "xlsx";
    }
    return "csv";
}

BatchFormat format_named(std::string_view s)
{
    if (s == "json") return BatchFormat::json;
    if (s == "ndjson") return BatchFormat::ndjson;
    if (s == "xlsx") return BatchFormat::xlsx;
    return BatchFormat::csv;
}

// Binds every BatchInfo field but id in the order of the UPDATE/INSERT statements below.
void bind_batch_fields(Statement& s, const BatchInfo& b, int first)
{
    s.bind(first, b.path)
        .bind(first + 1, format_name(b.format))
        .bind(first + 2, b.mode)
        .bind(first + 3, to_string(b.stage))
        .bind(first + 4, b.message)
        .bind(first + 5, static_cast<std::int64_t>(b.bytes))
        .bind(first + 6, b.snapshot)
        .bind(first + 7, b.gate_hold)
        .bind(first + 8, b.gate_message)
        .bind(first + 9, static_cast<std::int64_t>(b.lookup_rounds))
        .bind(first + 10, b.updated_at)
        .bind(first + 11, b.confirmed_at)
        .bind(first + 12, b.finished_at)
        .bind(first + 13, b.confirmation_written_at)
        .bind(first + 14, b.results_written_at)
        .bind(first + 15, b.approval_file)
        .bind(first + 16, b.approval_sha256)
        .bind(first + 17, b.approval_owner)
        .bind(first + 18, b.approval_at);
}

const std::string batch_fields =
    "path, format, mode, stage, message, bytes, snapshot, gate_hold, gate_message, lookup_rounds, updated_at, "
    "confirmed_at, finished_at, confirmation_written_at, results_written_at, approval_file, approval_sha256, "
    "approval_owner, approval_at";

const std::string source_columns = "path, batch_id, size, mtime_ns, ctime_ns, inode, device, seen_at, duplicate";

SourceInfo read_source(const Statement& s)
{
    SourceInfo o;
    o.path = s.text_at(0);
    o.batch = s.int_at(1);
    o.stamp = {static_cast<std::uint64_t>(s.int_at(2)), s.int_at(3), s.int_at(4),
               static_cast<std::uint64_t>(s.int_at(5)), static_cast<std::uint64_t>(s.int_at(6))};
    o.seen_at = s.text_at(7);
    o.duplicate = s.int_at(8) != 0;
    return o;
}

Result<std::optional<SourceInfo>> one_source(Statement* s)
{
    auto row = s->step();
    if (!row) return row.error();
    if (!*row) return std::optional<SourceInfo>{};
    auto out = read_source(*s);
    s->reset();
    return std::optional<SourceInfo>(std::move(out));
}

}  // namespace

const std::string batch_columns =
    "b.id, b.sha256, b.path, b.format, b.mode, b.stage, b.message, b.bytes, b.snapshot, b.gate_hold, "
    "b.gate_message, b.lookup_rounds, b.created_at, b.updated_at, b.confirmed_at, b.finished_at, "
    "b.confirmation_written_at, b.results_written_at, b.approval_file, b.approval_sha256, b.approval_owner, "
    "b.approval_at";

BatchInfo read_batch(const Statement& s, int c)
{
    BatchInfo b;
    b.id = s.int_at(c);
    b.sha256 = s.text_at(c + 1);
    b.path = s.text_at(c + 2);
    b.format = format_named(s.text_at(c + 3));
    b.mode = s.text_at(c + 4);
    b.stage = parse_batch_stage(s.text_at(c + 5)).value_or(BatchStage::validating);
    b.message = s.text_at(c + 6);
    b.bytes = static_cast<std::uint64_t>(s.int_at(c + 7));
    b.snapshot = s.text_at(c + 8);
    b.gate_hold = s.int_at(c + 9) != 0;
    b.gate_message = s.text_at(c + 10);
    b.lookup_rounds = static_cast<unsigned>(s.int_at(c + 11));
    b.created_at = s.text_at(c + 12);
    b.updated_at = s.text_at(c + 13);
    b.confirmed_at = s.text_at(c + 14);
    b.finished_at = s.text_at(c + 15);
    b.confirmation_written_at = s.text_at(c + 16);
    b.results_written_at = s.text_at(c + 17);
    b.approval_file = s.text_at(c + 18);
    b.approval_sha256 = s.text_at(c + 19);
    b.approval_owner = s.text_at(c + 20);
    b.approval_at = s.text_at(c + 21);
    return b;
}

Result<void> SqliteStore::begin()
{
    // IMMEDIATE: the write lock now, so a claim decided inside cannot race another process.
    if (auto r = db_.exec("BEGIN IMMEDIATE"); !r) return r;
    in_transaction_ = true;
    return {};
}

Result<void> SqliteStore::commit()
{
    auto r = db_.exec("COMMIT");
    if (!r) {
        rollback();
        return r;
    }
    in_transaction_ = false;
    return {};
}

Result<void> SqliteStore::begin_read()
{
    if (auto r = db_.exec("BEGIN DEFERRED"); !r) return r;
    in_transaction_ = true;
    return {};
}

void SqliteStore::rollback() noexcept
{
    if (!in_transaction_) return;
    (void)db_.exec("ROLLBACK");
    in_transaction_ = false;
}

Result<BatchId> SqliteStore::create_batch(const BatchInfo& b)
{
    static const std::string sql = "INSERT INTO batches (sha256, created_at, " + batch_fields +
                                   ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, "
                                   "?16, ?17, ?18, ?19, ?20, ?21)";
    auto s = db_.prepare(sql);
    if (!s) return s.error();
    (*s)->bind(1, b.sha256).bind(2, b.created_at);
    bind_batch_fields(**s, b, 3);
    if (auto r = (*s)->run(); !r) return db_.error("cannot record batch " + b.sha256.substr(0, 12));
    return db_.last_insert_rowid();
}

Result<void> SqliteStore::update_batch(const BatchInfo& b)
{
    static const std::string sql =
        "UPDATE batches SET path = ?2, format = ?3, mode = ?4, stage = ?5, message = ?6, bytes = ?7, snapshot = ?8, "
        "gate_hold = ?9, gate_message = ?10, lookup_rounds = ?11, updated_at = ?12, confirmed_at = ?13, "
        "finished_at = ?14, confirmation_written_at = ?15, results_written_at = ?16, approval_file = ?17, "
        "approval_sha256 = ?18, approval_owner = ?19, approval_at = ?20 WHERE id = ?1";
    auto s = db_.prepare(sql);
    if (!s) return s.error();
    (*s)->bind(1, b.id);
    bind_batch_fields(**s, b, 2);
    return (*s)->run();
}

Result<void> SqliteStore::put_source(const SourceInfo& o)
{
    static const std::string sql = "INSERT OR REPLACE INTO sources (" + source_columns +
                                   ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
    auto s = db_.prepare(sql);
    if (!s) return s.error();
    (*s)->bind(1, o.path)
        .bind(2, o.batch)
        .bind(3, static_cast<std::int64_t>(o.stamp.size))
        .bind(4, o.stamp.mtime_ns)
        .bind(5, o.stamp.ctime_ns)
        .bind(6, static_cast<std::int64_t>(o.stamp.inode))
        .bind(7, static_cast<std::int64_t>(o.stamp.device))
        .bind(8, o.seen_at)
        .bind(9, o.duplicate);
    return (*s)->run();
}

Result<std::vector<BatchInfo>> SqliteStore::batches_where(const std::string& where, const std::string& arg)
{
    auto s = db_.prepare("SELECT " + batch_columns + " FROM batches b " + where);
    if (!s) return s.error();
    if (!arg.empty()) (*s)->bind(1, arg);
    std::vector<BatchInfo> out;
    for (;;) {
        auto row = (*s)->step();
        if (!row) return row.error();
        if (!*row) break;
        out.push_back(read_batch(**s));
    }
    return out;
}

Result<std::optional<BatchInfo>> SqliteStore::batch(BatchId id)
{
    auto found = batches_where("WHERE b.id = " + std::to_string(id), {});
    if (!found) return found.error();
    if (found->empty()) return std::optional<BatchInfo>{};
    return std::optional<BatchInfo>(std::move(found->front()));
}

Result<std::optional<BatchInfo>> SqliteStore::batch_by_sha256(const std::string& sha256)
{
    auto found = batches_where("WHERE b.sha256 = ?1", sha256);
    if (!found) return found.error();
    if (found->empty()) return std::optional<BatchInfo>{};
    return std::optional<BatchInfo>(std::move(found->front()));
}

Result<std::optional<SourceInfo>> SqliteStore::source(const std::string& path, BatchId batch)
{
    static const std::string sql = "SELECT " + source_columns + " FROM sources WHERE path = ?1 AND batch_id = ?2";
    auto s = db_.prepare(sql);
    if (!s) return s.error();
    (*s)->bind(1, path).bind(2, batch);
    return one_source(*s);
}

Result<std::optional<SourceInfo>> SqliteStore::latest_source(const std::string& path)
{
    static const std::string sql =
        "SELECT " + source_columns + " FROM sources WHERE path = ?1 ORDER BY rowid DESC LIMIT 1";
    auto s = db_.prepare(sql);
    if (!s) return s.error();
    (*s)->bind(1, path);
    return one_source(*s);
}

Result<std::optional<SourceInfo>> SqliteStore::source_with_stamp(const std::string& path, const SourceStamp& st)
{
    static const std::string sql = "SELECT " + source_columns +
                                   " FROM sources WHERE path = ?1 AND size = ?2 AND mtime_ns = ?3 AND ctime_ns = ?4 "
                                   "AND inode = ?5 AND device = ?6 ORDER BY rowid DESC LIMIT 1";
    auto s = db_.prepare(sql);
    if (!s) return s.error();
    (*s)->bind(1, path)
        .bind(2, static_cast<std::int64_t>(st.size))
        .bind(3, st.mtime_ns)
        .bind(4, st.ctime_ns)
        .bind(5, static_cast<std::int64_t>(st.inode))
        .bind(6, static_cast<std::int64_t>(st.device));
    return one_source(*s);
}

Result<std::vector<SourceInfo>> SqliteStore::sources_of(BatchId batch)
{
    static const std::string sql = "SELECT " + source_columns + " FROM sources WHERE batch_id = ?1 ORDER BY rowid";
    auto s = db_.prepare(sql);
    if (!s) return s.error();
    (*s)->bind(1, batch);
    std::vector<SourceInfo> out;
    for (;;) {
        auto row = (*s)->step();
        if (!row) return row.error();
        if (!*row) break;
        out.push_back(read_source(**s));
    }
    return out;
}

Result<std::vector<BatchInfo>> SqliteStore::list_batches(bool unfinished_only, std::size_t latest)
{
    const std::string unfinished = "stage IN ('validating', 'confirming', 'submitting', 'in_doubt', 'incomplete')";
    auto open = batches_where("WHERE " + unfinished + " ORDER BY b.id", {});
    if (!open || unfinished_only) return open;
    auto others = batches_where("WHERE NOT " + unfinished + " ORDER BY b.updated_at DESC, b.id DESC LIMIT " +
                                    std::to_string(latest),
                                {});
    if (!others) return others.error();
    open->insert(open->end(), others->begin(), others->end());
    return open;
}

Result<std::vector<BatchInfo>> SqliteStore::batches_by_file(const std::string& path_or_name)
{
    if (path_or_name.find('/') != std::string::npos)
        return batches_where("WHERE b.path = ?1 OR b.id IN (SELECT batch_id FROM sources WHERE path = ?1) "
                             "ORDER BY b.id DESC",
                             path_or_name);
    // A name: compared with what follows the last '/' (substr from the position after it).
    const std::string name_of = "substr(%1, length(rtrim(%1, replace(%1, '/', ''))) + 1)";
    auto named = [&](const std::string& column) {
        std::string e = name_of;
        for (std::size_t at; (at = e.find("%1")) != std::string::npos;) e.replace(at, 2, column);
        return e;
    };
    return batches_where("WHERE " + named("b.path") + " = ?1 OR b.id IN (SELECT batch_id FROM sources WHERE " +
                             named("path") + " = ?1) ORDER BY b.id DESC",
                         path_or_name);
}

Result<std::vector<BatchInfo>> SqliteStore::batches_by_prefix(const std::string& prefix)
{
    std::string clean;
    for (char c : prefix)
        if (std::isxdigit(static_cast<unsigned char>(c))) clean += static_cast<char>(std::tolower(c));
    if (clean.size() != prefix.size() || clean.empty()) return std::vector<BatchInfo>{};
    return batches_where("WHERE b.sha256 >= ?1 AND b.sha256 < ?1 || 'g' ORDER BY b.id", clean);
}

Result<std::vector<BatchInfo>> SqliteStore::snapshots_finished_before(const std::string& before)
{
    return batches_where("WHERE b.snapshot <> '' AND b.finished_at <> '' AND b.finished_at < ?1 AND b.stage IN "
                         "('done', 'held', 'rejected') ORDER BY b.id",
                         before);
}

Result<bool> SqliteStore::note_once(const std::string& path, const SourceStamp& st, const std::string& what,
                                    const std::string& at)
{
    static const std::string sql = "INSERT OR IGNORE INTO notices (path, size, mtime_ns, ctime_ns, inode, device, "
                                   "what, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
    auto s = db_.prepare(sql);
    if (!s) return s.error();
    (*s)->bind(1, path)
        .bind(2, static_cast<std::int64_t>(st.size))
        .bind(3, st.mtime_ns)
        .bind(4, st.ctime_ns)
        .bind(5, static_cast<std::int64_t>(st.inode))
        .bind(6, static_cast<std::int64_t>(st.device))
        .bind(7, what)
        .bind(8, at);
    if (auto r = (*s)->run(); !r) return r.error();
    return db_.changes() > 0;
}

Result<void> SqliteStore::add_approval(BatchId batch, const ApprovalRecord& a)
{
    static const std::string sql =
        "INSERT INTO approvals (batch_id, file, sha256, owner, size, mtime_ns, accepted, message, at) VALUES "
        "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
    auto s = db_.prepare(sql);
    if (!s) return s.error();
    (*s)->bind(1, batch)
        .bind(2, a.file)
        .bind(3, a.sha256)
        .bind(4, a.owner)
        .bind(5, static_cast<std::int64_t>(a.size))
        .bind(6, a.mtime_ns)
        .bind(7, a.accepted)
        .bind(8, a.message)
        .bind(9, a.at);
    return (*s)->run();
}

Result<std::vector<ApprovalRecord>> SqliteStore::approvals(BatchId batch)
{
    static const std::string sql = "SELECT file, sha256, owner, size, mtime_ns, accepted, message, at FROM approvals "
                                   "WHERE batch_id = ?1 ORDER BY rowid";
    auto s = db_.prepare(sql);
    if (!s) return s.error();
    (*s)->bind(1, batch);
    std::vector<ApprovalRecord> out;
    for (;;) {
        auto row = (*s)->step();
        if (!row) return row.error();
        if (!*row) break;
        const auto& st = **s;
        out.push_back({st.text_at(0), st.text_at(1), st.text_at(2), static_cast<std::uint64_t>(st.int_at(3)),
                       st.int_at(4), st.int_at(5) != 0, st.text_at(6), st.text_at(7)});
    }
    return out;
}

}  // namespace sqlite

fs::path sqlite_store_path(const fs::path& state_dir) { return state_dir / "state.db"; }

Result<std::unique_ptr<StateStore>> open_sqlite_store(const fs::path& state_dir, StoreOptions options)
{
    if (!options.read_only)
        if (auto d = make_private_dir(state_dir); !d) return d.error();
    const fs::path file = sqlite_store_path(state_dir);
    if (!options.read_only) {
        // Created 0600 before SQLite opens it: the store holds personal data.
        if (int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600); fd >= 0) ::close(fd);
    }
    auto db = sqlite::Database::open(file, options.read_only);
    if (!db) return db.error();
    sqlite3_busy_timeout(db->handle(), static_cast<int>(options.busy_timeout.count()));
    if (auto r = db->exec(options.read_only ? sqlite::read_only_pragmas : sqlite::connection_pragmas); !r)
        return r.error();
    const std::string cache = "PRAGMA cache_size = -" + std::to_string(options.cache_kib);
    if (auto r = db->exec(cache.c_str()); !r) return r.error();
    if (options.read_only) {
        // A store just created by a writer that has not committed its schema yet: nothing in it.
        auto s = db->prepare(sqlite::has_schema);
        if (!s) return s.error();
        auto row = (*s)->step();
        if (!row) return row.error();
        const bool empty = !*row || (*s)->int_at(0) == 0;
        (*s)->reset();
        if (empty) return std::unique_ptr<StateStore>{};
    } else {
        if (auto r = db->exec(sqlite::create_schema); !r) return r.error();
        const std::string version = "INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', '" +
                                    std::to_string(sqlite::schema_version) + "')";
        if (auto r = db->exec(version.c_str()); !r) return r.error();
    }
    return std::unique_ptr<StateStore>(std::make_unique<sqlite::SqliteStore>(std::move(*db)));
}

}  // namespace xferd
