// A thin RAII layer over the SQLite C API for the store: a connection, prepared statements
// with typed bind/column helpers, and errors as sentences that name the database file.
#pragma once

#include "xferd/core/error.hpp"

#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <unordered_map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace xferd::sqlite {

class Statement {
public:
    Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
    Statement(Statement&& o) noexcept : db_(o.db_), stmt_(o.stmt_) { o.stmt_ = nullptr; }
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;
    Statement& operator=(Statement&&) = delete;
    ~Statement();

    Statement& reset();   // ready for new bindings
    Statement& bind(int index, std::int64_t v);
    Statement& bind(int index, std::string_view v);
    // Not copied: the text must stay alive and unchanged until the statement has run (hot paths
    // that bind a record's fields and run at once; a temporary here would dangle).
    Statement& bind_ref(int index, std::string_view v);
    Statement& bind(int index, bool v) { return bind(index, std::int64_t{v}); }
    Statement& bind_null(int index);

    // SQLITE_ROW → true, SQLITE_DONE → false, anything else: an error.
    Result<bool> step();
    Result<void> run();   // step to the end (for statements without rows)

    [[nodiscard]] std::int64_t int_at(int col) const { return sqlite3_column_int64(stmt_, col); }
    [[nodiscard]] std::string text_at(int col) const;
    [[nodiscard]] bool is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

private:
    sqlite3* db_;
    sqlite3_stmt* stmt_;
};

// Steps `s` to the end, one read(s) a row.
template <class Read>
auto read_all(Statement& s, Read read, std::size_t reserve = 0) -> Result<std::vector<decltype(read(s))>>
{
    std::vector<decltype(read(s))> out;
    out.reserve(reserve);
    for (;;) {
        auto row = s.step();
        if (!row) return row.error();
        if (!*row) return out;
        out.push_back(read(s));
    }
}

class Database {
public:
    static Result<Database> open(const std::filesystem::path& file, bool read_only);
    Database(Database&& o) noexcept;
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;
    Database& operator=(Database&&) = delete;
    ~Database();

    Result<void> exec(const char* sql);
    // A cached prepared statement (prepared once per connection), reset and ready to bind.
    // Do not prepare the same SQL again while its rows are still being read.
    Result<Statement*> prepare(const std::string& sql);
    Error error(std::string_view what) const;   // "state.db: <what>: <sqlite message>"
    [[nodiscard]] std::int64_t last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }
    [[nodiscard]] int changes() const { return sqlite3_changes(db_); }
    [[nodiscard]] sqlite3* handle() const { return db_; }
    [[nodiscard]] const std::filesystem::path& file() const { return file_; }

private:
    Database(sqlite3* db, std::filesystem::path file) : db_(db), file_(std::move(file)) {}
    sqlite3* db_ = nullptr;
    std::filesystem::path file_;
    std::unordered_map<std::string, std::unique_ptr<Statement>> cache_;
};

}  // namespace xferd::sqlite
