// MobprocClient against the in-process simulator: the token rules of mobproc-api.md §13 as a
// caller sees them (one fetch however many calls wait, a 401 refreshes and retries once, a
// refused refresh falls back to the password grant) and keep-alive reuse.
#include "xferd/core/order.hpp"
#include "xferd/net/mobproc_client.hpp"

#include "sim_api_config.hpp"
#include "sim_fixture.hpp"
#include "test_files.hpp"

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

}  // namespace

BOOST_AUTO_TEST_SUITE(mobproc_client)

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

BOOST_AUTO_TEST_SUITE_END()
