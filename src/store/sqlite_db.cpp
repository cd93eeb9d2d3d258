#include "sqlite_db.hpp"

namespace xferd::sqlite {

Statement::~Statement()
{
    if (stmt_) sqlite3_finalize(stmt_);
}

Statement& Statement::reset()
{
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
    return *this;
}

Statement& Statement::bind(int index, std::int64_t v)
{
    sqlite3_bind_int64(stmt_, index, v);
    return *this;
}

Statement& Statement::bind(int index, std::string_view v)
{
    sqlite3_bind_text(stmt_, index, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
}

Statement& Statement::bind_ref(int index, std::string_view v)
{
    sqlite3_bind_text(stmt_, index, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
    return *this;
}

Statement& Statement::bind_null(int index)
{
    sqlite3_bind_null(stmt_, index);
    return *this;
}

Result<bool> Statement::step()
{
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    std::string message = sqlite3_errmsg(db_);
    sqlite3_reset(stmt_);
    if (rc == SQLITE_BUSY) message += " (another xferd kept the store busy for too long)";
    if (rc == SQLITE_FULL) message += " (the disk is full: free space in state_dir)";
    return make_error(message);
}

Result<void> Statement::run()
{
    for (;;) {
        auto r = step();
        if (!r) return r.error();
        if (!*r) return {};
    }
}

std::string Statement::text_at(int col) const
{
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
    if (!p) return {};
    return std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)));
}

Result<Database> Database::open(const std::filesystem::path& file, bool read_only)
{
    sqlite3* db = nullptr;
    int flags = (read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
                SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_NOFOLLOW;
    int rc = sqlite3_open_v2(file.c_str(), &db, flags, nullptr);
    if (rc != SQLITE_OK) {
        std::string message = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
        sqlite3_close(db);
        return make_error("cannot open the state store " + file.string() + ": " + message +
                          (read_only ? "" : "; check that state_dir exists and is writable by xferd"));
    }
    sqlite3_extended_result_codes(db, 0);
    return Database(db, file);
}

Database::Database(Database&& o) noexcept : db_(o.db_), file_(std::move(o.file_)), cache_(std::move(o.cache_))
{
    o.db_ = nullptr;
}

Database::~Database()
{
    cache_.clear();   // statements before the connection
    if (db_) sqlite3_close(db_);
}

namespace {

// What an operator can do about the codes a disk causes (the rest are bugs or damage).
std::string disk_hint(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_FULL: return "; the disk of state_dir is full: free space there";
    case SQLITE_IOERR: return "; the disk of state_dir failed to write (full or failing?)";
    case SQLITE_READONLY: return "; state_dir is read-only: xferd must be able to write it";
    case SQLITE_CANTOPEN: return "; check that state_dir exists and is writable by xferd";
    default: return "";
    }
}

}  // namespace

Error Database::error(std::string_view what) const
{
    return make_error("state store " + file_.string() + ": " + std::string(what) + ": " + sqlite3_errmsg(db_) +
                      disk_hint(sqlite3_errcode(db_)));
}

Result<void> Database::exec(const char* sql)
{
    char* message = nullptr;
    int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &message);
    if (rc == SQLITE_OK) return {};
    std::string text = message ? message : sqlite3_errstr(rc);
    sqlite3_free(message);
    return make_error("state store " + file_.string() + ": " + text + disk_hint(rc));
}

Result<Statement*> Database::prepare(const std::string& sql)
{
    auto it = cache_.find(sql);
    if (it == cache_.end()) {
        sqlite3_stmt* stmt = nullptr;
        if (sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt,
                               nullptr) != SQLITE_OK)
            return error("cannot prepare a statement");
        it = cache_.emplace(sql, std::make_unique<Statement>(db_, stmt)).first;
    }
    it->second->reset();
    return it->second.get();
}

}  // namespace xferd::sqlite
