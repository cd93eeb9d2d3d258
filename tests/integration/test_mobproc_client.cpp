// MobprocClient against the in-process simulator: the token rules of docs/mobproc-api.md § Tokens and § Gap decisions as a
// caller sees them (one fetch however many calls wait, a 401 refreshes and retries once, a
// refused refresh falls back to the password grant, a token that expires at once does not cause
// a storm) and keep-alive reuse; server errors retried, api.rate_limit, api.row_deadline, a stop
// during a retry wait, and the metrics the client moves.
#include "xferd/core/order.hpp"
#include "xferd/net/mobproc_client.hpp"
#include "xferd/net/task_group.hpp"

#include "sim_api_config.hpp"
#include "sim_fixture.hpp"
#include "test_files.hpp"

#include "xferd/core/xferd_metrics.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json/serialize.hpp>
#include <boost/test/unit_test.hpp>

using namespace xferd;

namespace {

ApiConfig api_for(test::SimFixture& sim)
{
    ApiConfig api = test::sim_api_config(sim);
    api.retry_base_delay = std::chrono::milliseconds(10);
    return api;
}

const std::string seed_body = test::read_text(test::source_path("tests/data/seed/xfer_out_request.json"));

// The simulator counts every token it hands out as issued, refreshes included.
struct Tokens {
    std::uint64_t issued = 0, refreshed = 0;
};
Tokens token_stats(test::SimFixture& sim)
{
    return sim.with_state([](sim::State& s) { return Tokens{s.stats.tokens_issued, s.stats.tokens_refreshed}; });
}

// Runs `n` confirm calls at once on one client; returns their answers.
std::vector<ApiResponse> confirm_many(MobprocClient& client, asio::io_context& ctx, int n)
{
    std::vector<ApiResponse> out(n);
    for (int i = 0; i < n; ++i)
        asio::co_spawn(ctx, client.confirm_order(seed_body), [&out, i](std::exception_ptr e, ApiResponse r) {
            if (e) std::rethrow_exception(e);
            out[i] = std::move(r);
        });
    ctx.restart();
    ctx.run();
    return out;
}

double seconds_since(std::chrono::steady_clock::time_point t0)
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

std::uint64_t sim_requests(test::SimFixture& sim, const std::string& endpoint, const std::string& status)
{
    return sim.with_state([&](sim::State& s) -> std::uint64_t {
        auto e = s.stats.requests.find(endpoint);
        if (e == s.stats.requests.end()) return 0;
        auto it = e->second.find(status);
        return it == e->second.end() ? 0 : it->second;
    });
}

}  // namespace

BOOST_AUTO_TEST_SUITE(mobproc_client)

BOOST_AUTO_TEST_CASE(a_token_that_expires_at_once_causes_no_token_storm_and_a_warning)
{
    sim::Options o;
    o.token_ttl = std::chrono::seconds(0);  // every token is expired when it arrives
    test::SimFixture sim(o);
    asio::io_context ctx{1};
    auto tls = make_client_tls_context(sim.ca_file());
    std::vector<std::string> warnings;
    MobprocClient client(ctx.get_executor(), api_for(sim), *tls, [&](std::string_view level, std::string_view m) {
        if (level == "WARN") warnings.emplace_back(m);
    });
    // Calls one after the other for 3 s, as a batch would.
    const auto t0 = std::chrono::steady_clock::now();
    int calls = 0;
    asio::co_spawn(
        ctx,
        [&]() -> asio::awaitable<void> {
            while (seconds_since(t0) < 3.0) {
                std::string body = seed_body;
                auto r = co_await client.confirm_order(std::move(body));
                ++calls;
            }
        },
        [](std::exception_ptr e) {
            if (e) std::rethrow_exception(e);
        });
    ctx.run();
    BOOST_TEST(calls >= 1);
    BOOST_TEST(token_stats(sim).issued <= 6u, token_stats(sim).issued << " tokens in 3 s for " << calls << " calls");
    bool said_expiry = false, said_backoff = false;
    for (const auto& w : warnings) {
        said_expiry |= w.find("expires in 0 s") != std::string::npos;
        said_backoff |= w.find("right after they were granted") != std::string::npos;
    }
    BOOST_TEST(said_expiry);
    BOOST_TEST(said_backoff);
}

BOOST_AUTO_TEST_CASE(a_500_on_confirm_is_retried_and_after_the_retries_is_a_failure_not_an_answer)
{
    test::SimFixture sim;
    sim.with_state([](sim::State& s) {
        s.faults.sequence.push_back({"confirm", 2, sim::FaultAction::status, 500, false});
        return 0;
    });
    asio::io_context ctx{1};
    auto tls = make_client_tls_context(sim.ca_file());
    auto api = api_for(sim);
    api.max_attempts = 3;
    MobprocClient client(ctx.get_executor(), api, *tls, [](std::string_view, std::string_view) {});
    auto r = confirm_many(client, ctx, 1)[0];
    BOOST_TEST(r.ok(), r.status << " " << r.message);
    BOOST_TEST(r.attempts == 3u, "two 500s, then the answer");
    sim.with_state([](sim::State& s) {
        s.faults.sequence.push_back({"confirm", 3, sim::FaultAction::status, 500, false});
        return 0;
    });
    auto failed = confirm_many(client, ctx, 1)[0];
    BOOST_TEST((failed.kind == ApiResponse::Kind::failed), "no answer about the row: not a decision");
    BOOST_TEST(failed.status == 500);
    BOOST_TEST(failed.message.find("gave up after 3 attempts") != std::string::npos, failed.message);
}

BOOST_AUTO_TEST_CASE(rate_limit_spaces_the_calls)
{
    test::SimFixture sim;
    asio::io_context ctx{1};
    auto tls = make_client_tls_context(sim.ca_file());
    auto api = api_for(sim);
    api.rate_limit = 20;
    MobprocClient client(ctx.get_executor(), api, *tls, [](std::string_view, std::string_view) {});
    const auto t0 = std::chrono::steady_clock::now();
    for (const auto& r : confirm_many(client, ctx, 60)) BOOST_TEST(r.ok(), r.status << " " << r.message);
    const double took = seconds_since(t0);
    BOOST_TEST(took >= 2.5, "60 calls at 20/s take about 3 s, took " << took);
    BOOST_TEST(took < 30.0);
}

BOOST_AUTO_TEST_CASE(without_rate_limit_the_same_calls_are_fast)
{
    test::SimFixture sim;
    asio::io_context ctx{1};
    auto tls = make_client_tls_context(sim.ca_file());
    MobprocClient client(ctx.get_executor(), api_for(sim), *tls, [](std::string_view, std::string_view) {});
    const auto t0 = std::chrono::steady_clock::now();
    for (const auto& r : confirm_many(client, ctx, 60)) BOOST_TEST(r.ok());
    BOOST_TEST(seconds_since(t0) < 2.5, "so the test above measures the limit, not the machine");
}

BOOST_AUTO_TEST_CASE(a_429_slows_every_call_down_for_its_retry_after)
{
    test::SimFixture sim;
    sim.with_state([](sim::State& s) {
        s.faults.sequence.push_back({"confirm", 1, sim::FaultAction::status, 429, false});
        s.faults.retry_after_s = 1;
        return 0;
    });
    asio::io_context ctx{1};
    auto tls = make_client_tls_context(sim.ca_file());
    auto api = api_for(sim);
    api.concurrency = 1;
    MobprocClient client(ctx.get_executor(), api, *tls, [](std::string_view, std::string_view) {});
    const auto t0 = std::chrono::steady_clock::now();
    auto answers = confirm_many(client, ctx, 4);
    for (const auto& r : answers) BOOST_TEST(r.ok(), r.status << " " << r.message);
    BOOST_TEST(seconds_since(t0) >= 0.9, "the calls after the 429 waited its Retry-After");
    BOOST_TEST(sim_requests(sim, "confirm", "429") == 1u);
}

BOOST_AUTO_TEST_CASE(row_deadline_ends_the_retries_of_one_call)
{
    test::SimFixture sim;
    sim.with_state([](sim::State& s) {
        s.faults.sequence.push_back({"confirm", 1000, sim::FaultAction::status, 502, false});
        return 0;
    });
    asio::io_context ctx{1};
    auto tls = make_client_tls_context(sim.ca_file());
    auto api = api_for(sim);
    api.max_attempts = 100;
    api.retry_base_delay = std::chrono::milliseconds(100);
    api.retry_max_delay = std::chrono::milliseconds(200);
    api.row_deadline = std::chrono::milliseconds(1000);
    api.outage_after = std::chrono::hours(1);
    MobprocClient client(ctx.get_executor(), api, *tls, [](std::string_view, std::string_view) {});
    const auto t0 = std::chrono::steady_clock::now();
    auto r = confirm_many(client, ctx, 1)[0];
    BOOST_TEST((r.kind == ApiResponse::Kind::failed));
    BOOST_TEST(r.message.find("api.row_deadline of 1 s reached") != std::string::npos, r.message);
    BOOST_TEST(seconds_since(t0) < 4.0);
    BOOST_TEST(r.attempts < 100u);
}

BOOST_AUTO_TEST_CASE(a_stop_during_a_retry_wait_ends_the_call_at_once)
{
    test::SimFixture sim;
    sim.with_state([](sim::State& s) {
        s.faults.sequence.push_back({"confirm", 1000, sim::FaultAction::status, 503, false});
        s.faults.retry_after_s = 30;
        return 0;
    });
    asio::io_context ctx{1};
    auto tls = make_client_tls_context(sim.ca_file());
    auto api = api_for(sim);
    MobprocClient client(ctx.get_executor(), api, *tls, [](std::string_view, std::string_view) {});
    TaskGroup calls(ctx.get_executor());
    std::vector<ApiResponse> answers(3);
    for (auto& answer : answers)
        calls.spawn([&]() -> asio::awaitable<void> { answer = co_await client.confirm_order(seed_body); },
                    [](std::exception_ptr e) {
                        if (e) std::rethrow_exception(e);
                    });
    asio::steady_timer stop_timer(ctx, std::chrono::milliseconds(500));
    stop_timer.async_wait([&](boost::system::error_code) { calls.emit(asio::cancellation_type::total); });
    const auto t0 = std::chrono::steady_clock::now();
    ctx.run();
    BOOST_TEST(seconds_since(t0) < 3.0, "a 30 s Retry-After wait ended by the stop");
    for (const auto& r : answers) {
        BOOST_TEST((r.kind == ApiResponse::Kind::failed));
        BOOST_TEST(r.message.find("stopped") != std::string::npos, r.message);
    }
}

BOOST_AUTO_TEST_CASE(the_client_moves_the_api_and_token_counters)
{
    test::SimFixture sim;
    sim.with_state([](sim::State& s) {
        s.faults.sequence.push_back({"confirm", 1, sim::FaultAction::status, 503, false});
        s.faults.retry_after_s = 0;
        return 0;
    });
    asio::io_context ctx{1};
    auto tls = make_client_tls_context(sim.ca_file());
    XferdMetrics metrics("test");
    MobprocClient client(ctx.get_executor(), api_for(sim), *tls, [](std::string_view, std::string_view) {});
    client.set_metrics(&metrics);
    BOOST_TEST(confirm_many(client, ctx, 1)[0].ok());
    const std::string text = metrics.render();
    BOOST_TEST(text.find(R"(xferd_api_requests_total{endpoint="confirm",status="503"} 1)") != std::string::npos, text);
    BOOST_TEST(text.find(R"(xferd_api_requests_total{endpoint="confirm",status="200"} 1)") != std::string::npos, text);
    BOOST_TEST(text.find(R"(xferd_api_retries_total{endpoint="confirm"} 1)") != std::string::npos, text);
    BOOST_TEST(text.find(R"(xferd_api_requests_total{endpoint="token",status="200"} 1)") != std::string::npos, text);
    BOOST_TEST(text.find(R"(xferd_token_requests_total{grant="password",result="ok"} 1)") != std::string::npos, text);
}

BOOST_AUTO_TEST_CASE(twenty_calls_at_once_share_one_token_fetch_and_few_connections)
{
    test::SimFixture sim;
    asio::io_context ctx{1};
    auto tls = make_client_tls_context(sim.ca_file());
    MobprocClient client(ctx.get_executor(), api_for(sim), *tls, [](std::string_view, std::string_view) {});
    for (const auto& r : confirm_many(client, ctx, 20)) BOOST_TEST(r.ok(), r.status << " " << r.message);
    BOOST_TEST(client.token_requests() == 1u);
    BOOST_TEST(token_stats(sim).issued == 1u);
    auto again = confirm_many(client, ctx, 20);
    BOOST_TEST(again[19].ok());
    BOOST_TEST(client.connections_opened() <= 21u, client.connections_opened() << " connections");
    auto opened = client.connections_opened();
    confirm_many(client, ctx, 20);
    BOOST_TEST(client.connections_opened() == opened, "a third round reuses the idle connections");
}

BOOST_AUTO_TEST_CASE(an_expired_token_is_refreshed_once_and_the_call_goes_through)
{
    test::SimFixture sim;
    asio::io_context ctx{1};
    auto tls = make_client_tls_context(sim.ca_file());
    MobprocClient client(ctx.get_executor(), api_for(sim), *tls, [](std::string_view, std::string_view) {});
    BOOST_TEST(confirm_many(client, ctx, 1)[0].ok());
    // Every access token expires now; refresh tokens stay valid.
    sim.with_state([](sim::State& s) {
        for (auto& [token, grant] : s.access_tokens) grant.expires = s.now();
        return 0;
    });
    auto answers = confirm_many(client, ctx, 8);
    for (const auto& r : answers) BOOST_TEST(r.ok(), r.status << " " << r.message);
    auto t = token_stats(sim);
    BOOST_TEST(t.refreshed == 1u, "eight calls that met a 401 caused one refresh");
    BOOST_TEST(t.issued == 2u, "the login and the refresh, no second login");
}

BOOST_AUTO_TEST_CASE(a_refused_refresh_falls_back_to_the_password_grant)
{
    test::SimFixture sim;
    asio::io_context ctx{1};
    auto tls = make_client_tls_context(sim.ca_file());
    std::vector<std::string> logged;
    MobprocClient client(ctx.get_executor(), api_for(sim), *tls,
                         [&](std::string_view, std::string_view m) { logged.emplace_back(m); });
    BOOST_TEST(confirm_many(client, ctx, 1)[0].ok());
    // Access and refresh tokens are all revoked (a server restart, say).
    sim.with_state([](sim::State& s) {
        s.access_tokens.clear();
        s.refresh_tokens.clear();
        return 0;
    });
    auto r = confirm_many(client, ctx, 1)[0];
    BOOST_TEST(r.ok(), r.status << " " << r.message);
    auto t = token_stats(sim);
    BOOST_TEST(t.refreshed == 0u, "the refresh was refused");
    BOOST_TEST(t.issued == 2u, "logged in again with the password grant");
    bool said = false;
    for (const auto& m : logged) said |= m.find("token refresh failed") != std::string::npos;
    BOOST_TEST(said);
    for (const auto& m : logged) BOOST_TEST(m.find(test::demo::password) == std::string::npos, "no secret in logs");
}

BOOST_AUTO_TEST_CASE(wrong_credentials_fail_with_a_message_and_no_secret_in_it)
{
    test::SimFixture sim;
    asio::io_context ctx{1};
    auto tls = make_client_tls_context(sim.ca_file());
    auto api = api_for(sim);
    api.password = "not-the-password-31337";
    MobprocClient client(ctx.get_executor(), api, *tls, [](std::string_view, std::string_view) {});
    auto r = confirm_many(client, ctx, 1)[0];
    BOOST_TEST((r.kind == ApiResponse::Kind::failed));
    BOOST_TEST(r.message.find("authentication failed") != std::string::npos, r.message);
    BOOST_TEST(r.message.find("invalid_grant") != std::string::npos, r.message);
    BOOST_TEST(r.message.find("not-the-password-31337") == std::string::npos);
    BOOST_TEST(!client.api_reached());
}

BOOST_AUTO_TEST_CASE(a_server_that_is_not_trusted_is_refused)
{
    test::SimFixture sim;
    asio::io_context ctx{1};
    auto tls = make_client_tls_context(std::nullopt);  // the system store does not know the simulator's CA
    auto api = api_for(sim);
    api.max_attempts = 1;
    MobprocClient client(ctx.get_executor(), api, *tls, [](std::string_view, std::string_view) {});
    auto r = confirm_many(client, ctx, 1)[0];
    BOOST_TEST((r.kind == ApiResponse::Kind::failed));
    BOOST_TEST(r.message.find("TLS handshake") != std::string::npos, r.message);
}

// A token endpoint that cannot be reached is an outage (the call waits it out and goes through);
// one that refuses the credentials is not (the call fails at once, saying so).
BOOST_AUTO_TEST_CASE(an_unreachable_token_endpoint_is_waited_out_and_a_refusal_is_not)
{
    sim::Options o;
    o.faults.token_outage_from = std::chrono::seconds(0);
    o.faults.token_outage_for = std::chrono::seconds(2);
    test::SimFixture sim(o);
    asio::io_context ctx{1};
    auto tls = make_client_tls_context(sim.ca_file());
    ApiConfig api = api_for(sim);
    api.max_attempts = 2;
    api.outage_after = std::chrono::milliseconds(200);
    api.outage_limit = std::chrono::seconds(20);
    MobprocClient client(ctx.get_executor(), api, *tls, [](std::string_view, std::string_view) {});
    auto waited = confirm_many(client, ctx, 1).at(0);
    BOOST_TEST(waited.ok(), waited.status << " " << waited.message);
    BOOST_TEST(!waited.authentication_failed);

    api.password = "not-the-password";
    MobprocClient refused_client(ctx.get_executor(), api, *tls, [](std::string_view, std::string_view) {});
    const auto t0 = std::chrono::steady_clock::now();
    auto refused = confirm_many(refused_client, ctx, 1).at(0);
    BOOST_TEST(refused.authentication_failed);
    BOOST_TEST(refused.message.find("refused") != std::string::npos, refused.message);
    BOOST_TEST(seconds_since(t0) < 5.0, "a refusal was waited on as an outage");
}

BOOST_AUTO_TEST_SUITE_END()
