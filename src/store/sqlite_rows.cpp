// The SQLite store: rows, their history, and the cross-batch service claims.
#include "sqlite_store.hpp"

#include <algorithm>
#include <optional>

namespace xferd::sqlite {

namespace {

template <class E>
std::int64_t code(E e)
{
    return static_cast<std::int64_t>(e);
}

template <class E>
E enum_at(const Statement& s, int col)
{
    return static_cast<E>(s.int_at(col));
}

// The outcome and confirmation fields, bound in the order of update_sql (after ?1 batch, ?2 row);
// the record must outlive the statement's run (its text is not copied).
void bind_progress(Statement& s, const RowRecord& r, int c)
{
    const auto& f = r.confirmation;
    s.bind(c, code(r.confirm_state))
        .bind_ref(c + 1, f.account_holder)
        .bind_ref(c + 2, f.account_holder_email)
        .bind_ref(c + 3, f.account_holder_id)
        .bind_ref(c + 4, f.account_holder_tangoe_id)
        .bind_ref(c + 5, f.department)
        .bind_ref(c + 6, f.device)
        .bind_ref(c + 7, f.imei)
        .bind_ref(c + 8, f.carrier)
        .bind_ref(c + 9, f.contract_end)
        .bind_ref(c + 10, f.service_number)
        .bind_ref(c + 11, f.service_status)
        .bind_ref(c + 12, f.error)
        .bind_ref(c + 13, r.confirmed_at)
        .bind(c + 14, code(r.decision))
        .bind_ref(c + 15, r.reason)
        .bind(c + 16, code(r.operator_verdict))
        .bind(c + 17, code(r.status))
        .bind(c + 18, r.retry)
        .bind_ref(c + 19, r.order_id)
        .bind_ref(c + 20, r.message)
        .bind_ref(c + 21, r.intent_at)
        .bind_ref(c + 22, r.submitted_at);
}

const std::string progress_fields =
    "confirm_state, c_account_holder, c_email, c_employee_id, c_tangoe_id, c_department, c_device, c_imei, "
    "c_carrier, c_contract_end, c_service_number, c_service_status, c_error, confirmed_at, decision, reason, "
    "operator, status, retry, order_id, message, intent_at, submitted_at";

std::string where_of(RowSet set)
{
    // Values: core/row_state.hpp (Decision, RowStatus, ConfirmState, OperatorVerdict).
    switch (set) {
    case RowSet::all: return "1";
    case RowSet::needs_confirm: return "r.decision = 0 AND r.confirm_state = 0";
    case RowSet::undecided: return "r.decision = 0 AND r.confirm_state IN (1, 2)";
    case RowSet::submittable: return "r.decision = 1 AND r.status = 0 AND r.operator = 1";
    case RowSet::unresolved: return "r.status IN (1, 5)";
    case RowSet::retryable: return "r.status = 4 AND r.retry = 1";
    case RowSet::awaiting_operator: return "r.decision = 1 AND r.status = 0 AND r.operator = 0";
    case RowSet::not_final: return "r.status IN (0, 1)";
    }
    return "0";
}

Result<std::vector<RowRecord>> read_rows(Statement* s, std::size_t limit)
{
    // A record is large and growing the vector moves every one; a chunk's limit is no more than
    // growth would reach anyway (a huge limit is a "read them all": left to grow).
    return read_all(*s, [](const Statement& st) { return read_row(st); }, limit <= 8192 ? limit : 0);
}

std::optional<ServiceEntry> read_service(const Statement& s)
{
    ServiceEntry e;
    e.service_id = s.text_at(0);
    e.batch = s.int_at(1);
    e.row = static_cast<std::size_t>(s.int_at(2));
    e.external_order_number = s.text_at(3);
    e.ordered = s.int_at(4) != 0;
    e.order_id = s.text_at(5);
    e.at = s.text_at(6);
    e.batch_path = s.text_at(7);
    return e;
}

const std::string service_query =
    "SELECT s.service_id, s.batch_id, s.row, s.external_order_number, s.ordered, s.order_id, s.at, b.path "
    "FROM services s JOIN batches b ON b.id = s.batch_id WHERE s.service_id = ?1";

}  // namespace

const std::string row_columns =
    "r.row, r.external_order_number, r.service_id, r.service_number, r.employee_email, r.employee_id, "
    "r.personal_email, r.contact_number, r.confirm_state, r.c_account_holder, r.c_email, r.c_employee_id, "
    "r.c_tangoe_id, r.c_department, r.c_device, r.c_imei, r.c_carrier, r.c_contract_end, r.c_service_number, "
    "r.c_service_status, r.c_error, r.confirmed_at, r.decision, r.reason, r.operator, r.status, r.retry, "
    "r.order_id, r.message, r.intent_at, r.submitted_at";

RowRecord read_row(const Statement& s, int c)
{
    RowRecord r;
    r.row = static_cast<std::size_t>(s.int_at(c));
    r.external_order_number = s.text_at(c + 1);
    r.service_id = s.text_at(c + 2);
    r.service_number = s.text_at(c + 3);
    r.employee_email = s.text_at(c + 4);
    r.employee_id = s.text_at(c + 5);
    r.personal_email = s.text_at(c + 6);
    r.contact_number = s.text_at(c + 7);
    r.confirm_state = enum_at<ConfirmState>(s, c + 8);
    auto& f = r.confirmation;
    f.confirmed = r.confirm_state == ConfirmState::confirmed;
    f.account_holder = s.text_at(c + 9);
    f.account_holder_email = s.text_at(c + 10);
    f.account_holder_id = s.text_at(c + 11);
    f.account_holder_tangoe_id = s.text_at(c + 12);
    f.department = s.text_at(c + 13);
    f.device = s.text_at(c + 14);
    f.imei = s.text_at(c + 15);
    f.carrier = s.text_at(c + 16);
    f.contract_end = s.text_at(c + 17);
    f.service_number = s.text_at(c + 18);
    f.service_status = s.text_at(c + 19);
    f.error = s.text_at(c + 20);
    r.confirmed_at = s.text_at(c + 21);
    r.decision = enum_at<Decision>(s, c + 22);
    r.reason = s.text_at(c + 23);
    r.operator_verdict = enum_at<OperatorVerdict>(s, c + 24);
    r.status = enum_at<RowStatus>(s, c + 25);
    r.retry = s.int_at(c + 26) != 0;
    r.order_id = s.text_at(c + 27);
    r.message = s.text_at(c + 28);
    r.intent_at = s.text_at(c + 29);
    r.submitted_at = s.text_at(c + 30);
    return r;
}

Result<void> SqliteStore::delete_rows(BatchId batch)
{
    auto s = db_.prepare("DELETE FROM rows WHERE batch_id = ?1");
    if (!s) return s.error();
    (*s)->bind(1, batch);
    return (*s)->run();
}

Result<void> SqliteStore::insert_rows(BatchId batch, std::span<const RowRecord> rows)
{
    static const std::string sql =
        "INSERT INTO rows (batch_id, row, external_order_number, service_id, service_number, employee_email, "
        "employee_id, personal_email, contact_number, " +
        progress_fields +
        ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, "
        "?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30, ?31, ?32)";
    auto s = db_.prepare(sql);
    if (!s) return s.error();
    for (const auto& r : rows) {
        (*s)->reset()
            .bind(1, batch)
            .bind(2, static_cast<std::int64_t>(r.row))
            .bind_ref(3, r.external_order_number)
            .bind_ref(4, r.service_id)
            .bind_ref(5, r.service_number)
            .bind_ref(6, r.employee_email)
            .bind_ref(7, r.employee_id)
            .bind_ref(8, r.personal_email)
            .bind_ref(9, r.contact_number);
        bind_progress(**s, r, 10);
        if (auto done = (*s)->run(); !done) return db_.error("cannot record row " + std::to_string(r.row));
    }
    return {};
}

Result<std::size_t> SqliteStore::mark_duplicate_order_numbers(BatchId batch, const std::string& column)
{
    // MobProc does not deduplicate: two rows with one number would become two orders. (The
    // words are the batch reader's, so a file says the same read by once or validate.)
    static const std::string sql =
        "UPDATE rows AS r SET decision = 3, reason = 'column ''' || ?2 || ''': duplicates row ' || d.first || "
        "': external order number ''' || r.external_order_number || ''' is used twice in this file; give each row "
        "its own number' "
        "FROM (SELECT external_order_number AS number, MIN(row) AS first FROM rows WHERE batch_id = ?1 AND "
        "decision <> 3 AND external_order_number <> '' GROUP BY external_order_number HAVING COUNT(*) > 1) AS d "
        "WHERE r.batch_id = ?1 AND r.external_order_number = d.number AND r.row > d.first AND r.decision <> 3";
    auto s = db_.prepare(sql);
    if (!s) return s.error();
    (*s)->bind(1, batch).bind(2, column);
    if (auto r = (*s)->run(); !r) return r.error();
    return static_cast<std::size_t>(db_.changes());
}

Result<void> SqliteStore::update_rows(BatchId batch, std::span<const RowRecord> rows)
{
    static const std::string sql = [] {
        std::string set;
        int n = 3;
        std::string fields = progress_fields + ",";
        for (std::size_t at = 0, comma; (comma = fields.find(',', at)) != std::string::npos; at = comma + 2)
            set += (set.empty() ? "" : ", ") + fields.substr(at, comma - at) + " = ?" + std::to_string(n++);
        return "UPDATE rows SET " + set + " WHERE batch_id = ?1 AND row = ?2";
    }();
    auto s = db_.prepare(sql);
    if (!s) return s.error();
    for (const auto& r : rows) {
        (*s)->reset().bind(1, batch).bind(2, static_cast<std::int64_t>(r.row));
        bind_progress(**s, r, 3);
        if (auto done = (*s)->run(); !done) return db_.error("cannot update row " + std::to_string(r.row));
    }
    return {};
}

Result<void> SqliteStore::update_decisions(BatchId batch, std::span<const RowRecord> rows)
{
    auto s = db_.prepare("UPDATE rows SET decision = ?3, reason = ?4, operator = ?5 WHERE batch_id = ?1 AND row = ?2");
    if (!s) return s.error();
    for (const auto& r : rows) {
        (*s)->reset().bind(1, batch).bind(2, static_cast<std::int64_t>(r.row)).bind(3, code(r.decision));
        (*s)->bind_ref(4, r.reason).bind(5, code(r.operator_verdict));
        if (auto done = (*s)->run(); !done) return db_.error("cannot update row " + std::to_string(r.row));
    }
    return {};
}

Result<std::vector<RowRecord>> SqliteStore::rows(BatchId batch, RowSet set, std::size_t after_row,
                                                 std::size_t limit)
{
    auto s = db_.prepare("SELECT " + row_columns + " FROM rows r WHERE r.batch_id = ?1 AND r.row > ?2 AND " +
                         where_of(set) + " ORDER BY r.row LIMIT ?3");
    if (!s) return s.error();
    (*s)->bind(1, batch).bind(2, static_cast<std::int64_t>(after_row)).bind(3, static_cast<std::int64_t>(limit));
    return read_rows(*s, limit);
}

namespace {

// report_rank() in SQL: what happened to the order first, then the decision.
const std::string rank_of_row =
    "(CASE WHEN r.status = 2 THEN 8 WHEN r.status = 4 THEN 0 WHEN r.status = 5 THEN 1 WHEN r.status = 6 THEN 4 "
    "WHEN r.decision = 3 THEN 3 WHEN r.decision = 2 THEN 2 WHEN r.decision = 0 THEN 5 WHEN r.status = 3 THEN 6 "
    "ELSE 7 END)";

}  // namespace

Result<std::vector<RowRecord>> SqliteStore::rows_at_rank(BatchId batch, int rank, std::size_t after_row,
                                                         std::size_t limit)
{
    static const std::string sql = "SELECT " + row_columns + " FROM rows r WHERE r.batch_id = ?1 AND r.row > ?3 AND " +
                                   rank_of_row + " = ?2 ORDER BY r.row LIMIT ?4";
    auto s = db_.prepare(sql);
    if (!s) return s.error();
    (*s)->bind(1, batch).bind(2, std::int64_t{rank}).bind(3, static_cast<std::int64_t>(after_row));
    (*s)->bind(4, static_cast<std::int64_t>(limit));
    return read_rows(*s, limit);
}

Result<std::vector<std::size_t>> SqliteStore::rank_counts(BatchId batch)
{
    static const std::string sql =
        "SELECT " + rank_of_row + ", COUNT(*) FROM rows r WHERE r.batch_id = ?1 GROUP BY 1";
    auto s = db_.prepare(sql);
    if (!s) return s.error();
    (*s)->bind(1, batch);
    auto groups = read_all(**s, [](const Statement& st) { return std::pair{st.int_at(0), st.int_at(1)}; });
    if (!groups) return groups.error();
    std::vector<std::size_t> out(report_rank_count, 0);
    for (auto [rank, n] : *groups)
        if (rank >= 0 && rank < report_rank_count) out[static_cast<std::size_t>(rank)] = static_cast<std::size_t>(n);
    return out;
}

Result<BatchWork> SqliteStore::work(BatchId batch)
{
    // The sums run over the few distinct states, not over every row: one grouping pass instead
    // of eighteen aggregate calls a row (the step loop asks for this after every step).
    static const std::string sql = [] {
        const std::string sums[] = {"r.decision = 1", "r.decision = 2", "r.decision = 3", "r.decision = 0",
                                    "r.status = 2", "r.status = 3", "r.status = 4", "r.status = 5", "r.status = 6",
                                    "r.status IN (0, 1)", where_of(RowSet::needs_confirm), where_of(RowSet::undecided),
                                    where_of(RowSet::submittable), where_of(RowSet::unresolved), "r.status = 1",
                                    where_of(RowSet::retryable), where_of(RowSet::awaiting_operator)};
        std::string q = "SELECT SUM(r.n)";
        for (const auto& e : sums) q += ", SUM(r.n * (" + e + "))";
        return q + " FROM (SELECT decision, status, confirm_state, operator, retry, COUNT(*) AS n FROM rows "
                   "WHERE batch_id = ?1 GROUP BY 1, 2, 3, 4, 5) r";
    }();
    // (not_final is the same as counts.pending: status pending or submitting.)
    auto s = db_.prepare(sql);
    if (!s) return s.error();
    (*s)->bind(1, batch);
    auto row = (*s)->step();
    if (!row) return row.error();
    auto n = [&](int col) { return static_cast<std::size_t>((*s)->int_at(col)); };
    BatchWork w;
    auto& c = w.counts;
    c.rows = n(0);
    c.approved = n(1);
    c.rejected = n(2);
    c.invalid = n(3);
    c.pending_decision = n(4);
    c.submitted = n(5);
    c.not_submitted = n(6);
    c.failed = n(7);
    c.in_doubt = n(8);
    c.duplicate = n(9);
    c.pending = n(10);
    w.needs_confirm = n(11);
    w.undecided = n(12);
    w.submittable = n(13);
    w.unresolved = n(14);
    w.submitting = n(15);
    w.retryable = n(16);
    w.awaiting_operator = n(17);
    w.not_final = c.pending;
    (*s)->reset();
    return w;
}

Result<std::vector<StateStore::StateCount>> SqliteStore::state_counts(BatchId batch)
{
    auto s = db_.prepare("SELECT status, decision, COUNT(*) FROM rows WHERE batch_id = ?1 GROUP BY 1, 2");
    if (!s) return s.error();
    (*s)->bind(1, batch);
    return read_all(**s, [](const Statement& st) {
        return StateCount{enum_at<RowStatus>(st, 0), enum_at<Decision>(st, 1), static_cast<std::size_t>(st.int_at(2))};
    });
}

Result<std::vector<StateStore::Repeat>> SqliteStore::repeats(BatchId batch, RepeatField field, std::size_t limit)
{
    const std::string column = field == RepeatField::service_id ? "service_id" : "service_number";
    auto s = db_.prepare("SELECT " + column + ", group_concat(row) FROM (SELECT " + column +
                         ", row FROM rows WHERE batch_id = ?1 AND decision <> 3 AND " + column +
                         " <> '' ORDER BY row) GROUP BY " + column + " HAVING COUNT(*) > 1 ORDER BY MIN(row) LIMIT ?2");
    if (!s) return s.error();
    (*s)->bind(1, batch).bind(2, static_cast<std::int64_t>(limit));
    std::vector<Repeat> out;
    for (;;) {
        auto r = (*s)->step();
        if (!r) return r.error();
        if (!*r) break;
        Repeat rep{(*s)->text_at(0), {}};
        const std::string list = (*s)->text_at(1);
        for (std::size_t at = 0; at < list.size();) {
            auto comma = list.find(',', at);
            rep.rows.push_back(std::stoul(list.substr(at, comma - at)));
            at = comma == std::string::npos ? list.size() : comma + 1;
        }
        out.push_back(std::move(rep));
    }
    return out;
}

namespace {

// A term that is a phone or service number as people write it: its digits; else nothing.
std::optional<std::string> number_digits(const std::string& term)
{
    std::string digits;
    for (char c : term) {
        if (c >= '0' && c <= '9') digits += c;
        else if (c != ' ' && c != '+' && c != '-' && c != '(' && c != ')' && c != '.') return std::nullopt;
    }
    if (digits.empty()) return std::nullopt;
    return digits;
}

}  // namespace

Result<std::vector<FoundRow>> SqliteStore::find_rows(const std::string& term, std::size_t limit)
{
    static const std::string sql =
        "SELECT " + batch_columns + ", " + row_columns +
        " FROM rows r JOIN batches b ON b.id = r.batch_id WHERE r.external_order_number = ?1 OR r.service_id = ?1 "
        "OR r.service_number IN (?1, ?2, '+' || ?2) OR r.c_service_number IN (?1, ?2, '+' || ?2) "
        "OR (r.employee_id = ?1 AND r.employee_id <> '') OR (r.c_employee_id = ?1 AND r.c_employee_id <> '') "
        "OR r.employee_email = ?1 COLLATE NOCASE OR r.c_email = ?1 COLLATE NOCASE "
        "OR r.personal_email = ?1 COLLATE NOCASE OR (r.order_id = ?1 AND r.order_id <> '') "
        "ORDER BY b.id, r.row LIMIT ?3";
    // Not a number: ?2 is a value no column holds.
    const std::string digits = number_digits(term).value_or(std::string(1, '\x01'));
    auto s = db_.prepare(sql);
    if (!s) return s.error();
    (*s)->bind(1, term).bind(2, digits).bind(3, static_cast<std::int64_t>(limit));
    std::vector<FoundRow> out;
    for (;;) {
        auto row = (*s)->step();
        if (!row) return row.error();
        if (!*row) break;
        out.push_back({read_batch(**s), read_row(**s, 22)});
    }
    return out;
}

Result<std::size_t> SqliteStore::reset_for_reconfirm(BatchId batch)
{
    static const std::string sql =
        "UPDATE rows SET confirm_state = 0, c_account_holder = '', c_email = '', c_employee_id = '', "
        "c_tangoe_id = '', c_department = '', c_device = '', c_imei = '', c_carrier = '', c_contract_end = '', "
        "c_service_number = '', c_service_status = '', c_error = '', confirmed_at = '', decision = 0, reason = '', "
        "operator = 0, status = 0, retry = 0, order_id = '', message = '' "
        "WHERE batch_id = ?1 AND decision <> 3 AND status IN (0, 3, 4, 6)";
    auto s = db_.prepare(sql);
    if (!s) return s.error();
    (*s)->bind(1, batch);
    if (auto r = (*s)->run(); !r) return r.error();
    return static_cast<std::size_t>(db_.changes());
}

Result<void> SqliteStore::add_row_event(BatchId batch, std::size_t row, const std::string& at,
                                        const std::string& event, const std::string& detail)
{
    auto s = db_.prepare("INSERT INTO row_events (batch_id, row, at, event, detail) VALUES (?1, ?2, ?3, ?4, ?5)");
    if (!s) return s.error();
    (*s)->bind(1, batch).bind(2, static_cast<std::int64_t>(row)).bind(3, at).bind(4, event).bind(5, detail);
    return (*s)->run();
}

Result<std::vector<std::string>> SqliteStore::row_events(BatchId batch, std::size_t row)
{
    auto s = db_.prepare("SELECT at, event, detail FROM row_events WHERE batch_id = ?1 AND row = ?2 ORDER BY rowid");
    if (!s) return s.error();
    (*s)->bind(1, batch).bind(2, static_cast<std::int64_t>(row));
    std::vector<std::string> out;
    for (;;) {
        auto r = (*s)->step();
        if (!r) return r.error();
        if (!*r) break;
        std::string detail = (*s)->text_at(2);
        out.push_back((*s)->text_at(0) + " " + (*s)->text_at(1) + (detail.empty() ? "" : ": " + detail));
    }
    return out;
}

Result<std::optional<ServiceEntry>> SqliteStore::service(const std::string& service_id)
{
    auto s = db_.prepare(service_query);
    if (!s) return s.error();
    (*s)->bind(1, service_id);
    auto row = (*s)->step();
    if (!row) return row.error();
    if (!*row) return std::optional<ServiceEntry>{};
    auto e = read_service(**s);
    (*s)->reset();
    return e;
}

Result<ClaimResult> SqliteStore::claim_and_intend(BatchId batch, const RowRecord& row, const std::string& at)
{
    auto held = service(row.service_id);
    if (!held) return held.error();
    if (*held && !((*held)->batch == batch && (*held)->row == row.row)) return ClaimResult{false, *held};
    if (!*held) {
        auto s = db_.prepare("INSERT INTO services (service_id, batch_id, row, external_order_number, ordered, at) "
                             "VALUES (?1, ?2, ?3, ?4, 0, ?5)");
        if (!s) return s.error();
        (*s)->bind_ref(1, row.service_id).bind(2, batch).bind(3, static_cast<std::int64_t>(row.row));
        (*s)->bind_ref(4, row.external_order_number).bind_ref(5, at);
        if (auto r = (*s)->run(); !r) return r.error();
    }
    auto s = db_.prepare("UPDATE rows SET status = 1, intent_at = ?3 WHERE batch_id = ?1 AND row = ?2");
    if (!s) return s.error();
    (*s)->bind(1, batch).bind(2, static_cast<std::int64_t>(row.row)).bind_ref(3, at);
    if (auto r = (*s)->run(); !r) return r.error();
    return ClaimResult{true, std::nullopt};
}

Result<void> SqliteStore::record_submit(BatchId batch, const SubmitResult& r)
{
    auto s = db_.prepare("UPDATE rows SET status = ?3, order_id = ?4, message = ?5, retry = ?6, "
                         "submitted_at = CASE WHEN ?3 = 2 THEN ?7 ELSE submitted_at END, "
                         "c_carrier = CASE WHEN c_carrier = '' THEN ?8 ELSE c_carrier END "
                         "WHERE batch_id = ?1 AND row = ?2");
    if (!s) return s.error();
    (*s)->bind(1, batch).bind(2, static_cast<std::int64_t>(r.row)).bind(3, code(r.status)).bind_ref(4, r.order_id);
    (*s)->bind_ref(5, r.message).bind(6, r.retry).bind_ref(7, r.at).bind_ref(8, r.carrier);
    if (auto done = (*s)->run(); !done) return done.error();
    if (r.status == RowStatus::submitted) {
        // The order covers the service for every later batch.
        auto u = db_.prepare("UPDATE services SET ordered = 1, order_id = ?3, at = ?4 WHERE batch_id = ?1 AND "
                             "row = ?2");
        if (!u) return u.error();
        (*u)->bind(1, batch).bind(2, static_cast<std::int64_t>(r.row)).bind_ref(3, r.order_id).bind_ref(4, r.at);
        return (*u)->run();
    }
    if (r.status == RowStatus::failed) {
        // Provably not placed: the service is free again.
        auto d = db_.prepare("DELETE FROM services WHERE batch_id = ?1 AND row = ?2 AND ordered = 0");
        if (!d) return d.error();
        (*d)->bind(1, batch).bind(2, static_cast<std::int64_t>(r.row));
        return (*d)->run();
    }
    return {};
}

}  // namespace xferd::sqlite
