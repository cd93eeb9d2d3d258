// The SQLite schema of the state store (state_dir/state.db). Enum columns hold the values of
// the enums in core/row_state.hpp and core/batch_state.hpp: those are stored, append only.
#pragma once

namespace xferd::sqlite {

inline constexpr int schema_version = 1;

// Durability (README § The state store): WAL with synchronous=FULL makes every COMMIT fsync the
// write-ahead log before it returns, and SQLite's recovery replays or discards a torn WAL frame
// on the next open, so a crash or power cut leaves the last committed state.
inline constexpr const char* connection_pragmas = R"sql(
PRAGMA journal_mode = WAL;
PRAGMA synchronous = FULL;
PRAGMA foreign_keys = ON;
PRAGMA temp_store = FILE;
PRAGMA mmap_size = 0;
PRAGMA wal_autocheckpoint = 4000;
)sql";

// A read-only connection (`xferd status`) sets nothing that writes: the writers put the file in WAL.
inline constexpr const char* read_only_pragmas = R"sql(
PRAGMA temp_store = FILE;
PRAGMA mmap_size = 0;
)sql";

inline constexpr const char* has_schema = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'batches'";

inline constexpr const char* create_schema = R"sql(
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS batches (
    id INTEGER PRIMARY KEY,
    sha256 TEXT NOT NULL UNIQUE,
    path TEXT NOT NULL,
    format TEXT NOT NULL,
    mode TEXT NOT NULL,
    stage TEXT NOT NULL,
    message TEXT NOT NULL DEFAULT '',
    bytes INTEGER NOT NULL DEFAULT 0,
    snapshot TEXT NOT NULL DEFAULT '',
    gate_hold INTEGER NOT NULL DEFAULT 0,
    gate_message TEXT NOT NULL DEFAULT '',
    lookup_rounds INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    confirmed_at TEXT NOT NULL DEFAULT '',
    finished_at TEXT NOT NULL DEFAULT '',
    confirmation_written_at TEXT NOT NULL DEFAULT '',
    results_written_at TEXT NOT NULL DEFAULT '',
    approval_file TEXT NOT NULL DEFAULT '',
    approval_sha256 TEXT NOT NULL DEFAULT '',
    approval_owner TEXT NOT NULL DEFAULT '',
    approval_at TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS batches_by_stage ON batches(stage, updated_at);

CREATE TABLE IF NOT EXISTS sources (
    path TEXT NOT NULL,
    batch_id INTEGER NOT NULL REFERENCES batches(id),
    size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL, ctime_ns INTEGER NOT NULL,
    inode INTEGER NOT NULL, device INTEGER NOT NULL,
    seen_at TEXT NOT NULL,
    duplicate INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (path, batch_id)
);
CREATE INDEX IF NOT EXISTS sources_by_batch ON sources(batch_id);

CREATE TABLE IF NOT EXISTS rows (
    batch_id INTEGER NOT NULL REFERENCES batches(id),
    row INTEGER NOT NULL,
    external_order_number TEXT NOT NULL,
    service_id TEXT NOT NULL,
    service_number TEXT NOT NULL,
    employee_email TEXT NOT NULL,
    employee_id TEXT NOT NULL,
    personal_email TEXT NOT NULL,
    contact_number TEXT NOT NULL,
    confirm_state INTEGER NOT NULL DEFAULT 0,
    c_account_holder TEXT NOT NULL DEFAULT '',
    c_email TEXT NOT NULL DEFAULT '',
    c_employee_id TEXT NOT NULL DEFAULT '',
    c_tangoe_id TEXT NOT NULL DEFAULT '',
    c_department TEXT NOT NULL DEFAULT '',
    c_device TEXT NOT NULL DEFAULT '',
    c_imei TEXT NOT NULL DEFAULT '',
    c_carrier TEXT NOT NULL DEFAULT '',
    c_contract_end TEXT NOT NULL DEFAULT '',
    c_service_number TEXT NOT NULL DEFAULT '',
    c_service_status TEXT NOT NULL DEFAULT '',
    c_error TEXT NOT NULL DEFAULT '',
    confirmed_at TEXT NOT NULL DEFAULT '',
    decision INTEGER NOT NULL DEFAULT 0,
    reason TEXT NOT NULL DEFAULT '',
    operator INTEGER NOT NULL DEFAULT 0,
    status INTEGER NOT NULL DEFAULT 0,
    retry INTEGER NOT NULL DEFAULT 0,
    order_id TEXT NOT NULL DEFAULT '',
    message TEXT NOT NULL DEFAULT '',
    intent_at TEXT NOT NULL DEFAULT '',
    submitted_at TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (batch_id, row)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS rows_by_order_number ON rows(batch_id, external_order_number, row);
CREATE INDEX IF NOT EXISTS rows_by_service ON rows(service_id);
CREATE INDEX IF NOT EXISTS rows_by_service_number ON rows(service_number);
CREATE INDEX IF NOT EXISTS rows_by_employee_email ON rows(employee_email COLLATE NOCASE);
CREATE INDEX IF NOT EXISTS rows_by_holder_email ON rows(c_email COLLATE NOCASE);
CREATE INDEX IF NOT EXISTS rows_by_order_id ON rows(order_id) WHERE order_id <> '';
CREATE INDEX IF NOT EXISTS rows_by_external_number ON rows(external_order_number);

CREATE TABLE IF NOT EXISTS row_events (
    batch_id INTEGER NOT NULL,
    row INTEGER NOT NULL,
    at TEXT NOT NULL,
    event TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS row_events_by_row ON row_events(batch_id, row);

CREATE TABLE IF NOT EXISTS services (
    service_id TEXT PRIMARY KEY,
    batch_id INTEGER NOT NULL REFERENCES batches(id),
    row INTEGER NOT NULL,
    external_order_number TEXT NOT NULL,
    ordered INTEGER NOT NULL DEFAULT 0,
    order_id TEXT NOT NULL DEFAULT '',
    at TEXT NOT NULL
) WITHOUT ROWID;
-- A submit's answer updates or frees the claim of its row: without this every answer scanned the table.
CREATE INDEX IF NOT EXISTS services_by_row ON services(batch_id, row);

CREATE TABLE IF NOT EXISTS approvals (
    batch_id INTEGER NOT NULL REFERENCES batches(id),
    file TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    owner TEXT NOT NULL,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    accepted INTEGER NOT NULL,
    message TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS approvals_by_batch ON approvals(batch_id);

CREATE TABLE IF NOT EXISTS notices (
    path TEXT NOT NULL,
    size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL, ctime_ns INTEGER NOT NULL,
    inode INTEGER NOT NULL, device INTEGER NOT NULL,
    what TEXT NOT NULL,
    at TEXT NOT NULL,
    PRIMARY KEY (path, size, mtime_ns, ctime_ns, inode, device, what)
) WITHOUT ROWID;
)sql";

}  // namespace xferd::sqlite
