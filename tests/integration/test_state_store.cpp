// The SQLite state store: what the batch passes rely on (rows by set, work counts, duplicates,
// the cross-batch claim, find), group commit, and consistency after a kill mid-transaction.
#include <boost/test/unit_test.hpp>

#include "temp_dir.hpp"

#include "xferd/store/state_store.hpp"
#include "xferd/store/store_writer.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace xferd;

namespace {

std::unique_ptr<StateStore> open_store(const std::filesystem::path& dir)
{
    auto s = open_sqlite_store(dir);
    if (!s) BOOST_FAIL(s.error().message);
    return std::move(*s);
}

BatchInfo new_batch(const std::string& sha, const std::string& path)
{
    BatchInfo b;
    b.sha256 = sha;
    b.path = path;
    b.mode = "auto";
    b.stage = BatchStage::validating;
    b.created_at = b.updated_at = "2026-12-02T10:00:00Z";
    return b;
}

RowRecord row(std::size_t n, const std::string& eon, const std::string& service)
{
    RowRecord r;
    r.row = n;
    r.external_order_number = eon;
    r.service_id = service;
    r.service_number = "20355500" + std::to_string(10 + n);
    r.employee_email = "Person" + std::to_string(n) + "@Example.com";
    r.personal_email = "p" + std::to_string(n) + "@home.example";
    return r;
}

template <class F>
void in_transaction(StateStore& s, F f)
{
    BOOST_REQUIRE(s.begin());
    f();
    BOOST_REQUIRE(s.commit());
}

}  // namespace

BOOST_AUTO_TEST_CASE(rows_move_through_the_sets_the_passes_read)
{
    test::TempDir dir;
    auto store = open_store(dir.path());
    BatchId id = 0;
    in_transaction(*store, [&] {
        id = *store->create_batch(new_batch(std::string(64, 'a'), "/inbox/leavers.csv"));
        std::vector<RowRecord> rows{row(1, "HR-1", "S1"), row(2, "HR-2", "S2"), row(3, "HR-1", "S3"),
                                    row(4, "HR-4", "S4")};
        rows[3].decision = Decision::invalid;
        rows[3].reason = "service_id is empty";
        BOOST_REQUIRE(store->insert_rows(id, rows));
        BOOST_TEST(*store->mark_duplicate_order_numbers(id, "Order #") == 1u);
    });
    auto dup = store->rows(id, RowSet::all, 2, 1);
    BOOST_REQUIRE(dup && dup->size() == 1u);
    BOOST_TEST((dup->front().decision == Decision::invalid));
    BOOST_TEST(dup->front().reason == "column 'Order #': duplicates row 1: external order number 'HR-1' is used twice "
                                      "in this file; give each row its own number");

    auto confirm = store->rows(id, RowSet::needs_confirm, 0, 100);
    BOOST_REQUIRE(confirm);
    BOOST_TEST(confirm->size() == 2u);   // rows 1 and 2: 3 is a duplicate, 4 invalid

    auto w = store->work(id);
    BOOST_REQUIRE(w);
    BOOST_TEST(w->counts.rows == 4u);
    BOOST_TEST(w->counts.invalid == 2u);
    BOOST_TEST(w->needs_confirm == 2u);

    // Confirm and decide row 1 (approved, cleared to submit) and row 2 (refused by the API).
    auto r1 = confirm->at(0);
    r1.confirm_state = ConfirmState::confirmed;
    r1.confirmation.account_holder = "Peter Edwards";
    r1.confirmation.account_holder_email = "peter.edwards@example.com";
    r1.decision = Decision::approved;
    r1.operator_verdict = OperatorVerdict::approved;
    auto r2 = confirm->at(1);
    r2.confirm_state = ConfirmState::refused;
    r2.confirmation.error = "HTTP 400: service not found";
    r2.decision = Decision::rejected;
    in_transaction(*store, [&] { BOOST_REQUIRE(store->update_rows(id, std::vector<RowRecord>{r1, r2})); });
    w = store->work(id);
    BOOST_TEST(w->needs_confirm == 0u);
    BOOST_TEST(w->submittable == 1u);
    BOOST_TEST(w->counts.rejected == 1u);

    auto back = store->rows(id, RowSet::submittable, 0, 10);
    BOOST_REQUIRE(back && back->size() == 1u);
    BOOST_TEST(back->front().confirmation.account_holder == "Peter Edwards");
    BOOST_TEST(back->front().personal_email == "p1@home.example");

    // By report rank: rejected row 2 (2), invalid rows 3 and 4 (3), row 1 to be submitted (7).
    BOOST_TEST(store->rows_at_rank(id, 2, 0, 10)->size() == 1u);
    BOOST_TEST(store->rows_at_rank(id, 3, 0, 10)->size() == 2u);
    BOOST_TEST(store->rows_at_rank(id, 7, 0, 10)->front().row == 1u);
}

BOOST_AUTO_TEST_CASE(a_service_is_claimed_once_across_batches_and_connections)
{
    test::TempDir dir;
    auto a = open_store(dir.path());
    auto b = open_store(dir.path());   // as a second process would
    BatchId first = 0, second = 0;
    in_transaction(*a, [&] {
        first = *a->create_batch(new_batch(std::string(64, '1'), "/inbox/a.csv"));
        second = *a->create_batch(new_batch(std::string(64, '2'), "/inbox/b.csv"));
        BOOST_REQUIRE(a->insert_rows(first, std::vector<RowRecord>{row(1, "A-1", "S9")}));
        BOOST_REQUIRE(a->insert_rows(second, std::vector<RowRecord>{row(1, "B-1", "S9")}));
    });
    in_transaction(*a, [&] { BOOST_TEST(a->claim_and_intend(first, row(1, "A-1", "S9"), "t1")->granted); });
    in_transaction(*b, [&] {
        auto c = b->claim_and_intend(second, row(1, "B-1", "S9"), "t2");
        BOOST_REQUIRE(c);
        BOOST_TEST(!c->granted);
        BOOST_REQUIRE(c->holder);
        BOOST_TEST(c->holder->batch_path == "/inbox/a.csv");
        BOOST_TEST(!c->holder->ordered);
    });
    // The same owner claims again on resume.
    in_transaction(*b, [&] { BOOST_TEST(b->claim_and_intend(first, row(1, "A-1", "S9"), "t3")->granted); });
    auto unresolved = b->rows(first, RowSet::unresolved, 0, 10);
    BOOST_TEST(unresolved->size() == 1u);

    SubmitResult placed;
    placed.row = 1;
    placed.status = RowStatus::submitted;
    placed.order_id = "13298555";
    placed.carrier = "AT Mobility";
    placed.at = "t4";
    in_transaction(*a, [&] { BOOST_REQUIRE(a->record_submit(first, placed)); });
    auto svc = b->service("S9");
    BOOST_REQUIRE(svc && *svc);
    BOOST_TEST((*svc)->ordered);
    BOOST_TEST((*svc)->order_id == "13298555");
    auto r = b->rows(first, RowSet::all, 0, 1);
    BOOST_TEST(r->front().confirmation.carrier == "AT Mobility");
    BOOST_TEST(r->front().submitted_at == "t4");

    auto found = b->find_rows("person1@example.com", 10);   // e-mails match whatever the case
    BOOST_REQUIRE(found);
    BOOST_TEST(found->size() == 2u);
    found = b->find_rows("13298555", 10);
    BOOST_REQUIRE(found && found->size() == 1u);
    BOOST_TEST(found->front().batch.path == "/inbox/a.csv");
}

BOOST_AUTO_TEST_CASE(a_definitive_failure_frees_the_service)
{
    test::TempDir dir;
    auto s = open_store(dir.path());
    BatchId id = 0;
    in_transaction(*s, [&] {
        id = *s->create_batch(new_batch(std::string(64, '3'), "/inbox/c.csv"));
        BOOST_REQUIRE(s->insert_rows(id, std::vector<RowRecord>{row(1, "C-1", "S5")}));
        BOOST_REQUIRE(s->claim_and_intend(id, row(1, "C-1", "S5"), "t"));
    });
    SubmitResult refused;
    refused.row = 1;
    refused.status = RowStatus::failed;
    refused.message = "submit refused: HTTP 400";
    in_transaction(*s, [&] { BOOST_REQUIRE(s->record_submit(id, refused)); });
    BOOST_TEST(!*s->service("S5"));
}

BOOST_AUTO_TEST_CASE(sources_remember_paths_and_stamps)
{
    test::TempDir dir;
    auto s = open_store(dir.path());
    BatchId id = 0;
    SourceStamp stamp{120, 1'700'000'000'000'000'000, 1'700'000'000'000'000'001, 42, 7};
    in_transaction(*s, [&] {
        id = *s->create_batch(new_batch(std::string(64, '4'), "/inbox/d.csv"));
        BOOST_REQUIRE(s->put_source({"/inbox/d.csv", id, stamp, "t1", false}));
    });
    BOOST_TEST(s->source_with_stamp("/inbox/d.csv", stamp)->has_value());
    stamp.mtime_ns += 1;
    BOOST_TEST(!s->source_with_stamp("/inbox/d.csv", stamp)->has_value());
    BOOST_TEST((*s->latest_source("/inbox/d.csv"))->batch == id);
    auto listed = s->batches_by_prefix("4444");
    BOOST_REQUIRE(listed);
    BOOST_TEST(listed->size() == 1u);
    BOOST_TEST(s->batches_by_prefix("zz'; --")->empty());
}

BOOST_AUTO_TEST_CASE(the_store_and_its_folder_are_private)
{
    test::TempDir dir;
    auto state = dir.path() / "state";
    auto s = open_store(state);
    struct stat st {};
    BOOST_REQUIRE(::stat(state.c_str(), &st) == 0);
    BOOST_TEST((st.st_mode & 0777) == 0700u);
    BOOST_REQUIRE(::stat(sqlite_store_path(state).c_str(), &st) == 0);
    BOOST_TEST((st.st_mode & 0077) == 0u);
}

BOOST_AUTO_TEST_CASE(group_commit_shares_one_transaction_between_many_writes)
{
    test::TempDir dir;
    BatchId id = 0;
    {
        auto s = open_store(dir.path());
        in_transaction(*s, [&] { id = *s->create_batch(new_batch(std::string(64, '5'), "/inbox/e.csv")); });
    }
    StoreWriter writer(open_store(dir.path()), {std::chrono::milliseconds(2'000), 4096, {}});
    for (std::size_t n = 1; n <= 500; ++n)
        writer.write_later([id, n](StateStore& s) { return s.insert_rows(id, std::vector<RowRecord>{row(n, "E", "S")}); });
    boost::asio::io_context ctx;
    bool durable = false;
    boost::asio::co_spawn(
        ctx, [&]() -> boost::asio::awaitable<void> { durable = bool(co_await writer.flush()); }, boost::asio::detached);
    ctx.run();
    BOOST_TEST(durable);
    BOOST_TEST(writer.commits() <= 2u);   // the 500 loose writes went with the flush
    auto reader = open_store(dir.path());
    BOOST_TEST(reader->work(id)->counts.rows == 500u);
}

BOOST_AUTO_TEST_CASE(a_kill_mid_transaction_leaves_the_last_commit)
{
    test::TempDir dir;
    BatchId id = 0;
    {
        auto s = open_store(dir.path());
        in_transaction(*s, [&] { id = *s->create_batch(new_batch(std::string(64, '6'), "/inbox/f.csv")); });
    }
    for (int round = 0; round < 5; ++round) {
        pid_t child = ::fork();
        if (child == 0) {
            auto s = open_sqlite_store(dir.path());
            if (!s) ::_exit(3);
            for (std::size_t n = 1;; ++n) {   // commits of 50 rows each until killed
                (*s)->begin();
                std::vector<RowRecord> rows;
                for (std::size_t k = 0; k < 50; ++k) rows.push_back(row(round * 1'000'000 + n * 100 + k, "K", "S"));
                (*s)->insert_rows(id, rows);
                (*s)->commit();
            }
        }
        ::usleep(50'000 + round * 20'000);
        ::kill(child, SIGKILL);
        int status = 0;
        ::waitpid(child, &status, 0);
        auto s = open_store(dir.path());
        auto w = s->work(id);
        BOOST_REQUIRE(w);
        BOOST_TEST(w->counts.rows % 50 == 0u, "round " << round << ": " << w->counts.rows << " rows, not whole commits");
    }
}
