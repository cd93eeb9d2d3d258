// The api limits keys (max_response_bytes, max_retry_after, row_deadline, outage_limit): defaults, values,
// refusals and what `xferd check` shows. What each does is proven against servers in
// test_hostile_server and test_mobproc_client.
#include "config_test_support.hpp"
#include <boost/test/unit_test.hpp>

#include "xferd/core/config.hpp"
#include "xferd/service/config_loading.hpp"

#include <fstream>

using namespace xferd;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

using TempDir = test::ConfigDir;

Result<Config> load_with(const TempDir& dir, const std::string& api_extra)
{
    fs::path file = dir.path / "xferd.yaml";
    std::ofstream(file) << "api:\n"
                           "  base_url: https://127.0.0.1:8443/mobproc/v1\n"
                           "  token_url: https://127.0.0.1:8443/as/token.oauth2\n"
                           "  tenant: ACME\n"
                           "  client_id: demo-client\n"
                           "  username: command://svc-offboarding\n" +
                               api_extra + "state_dir: state\n";
    return load_config(file, [](const std::string& name) -> std::optional<std::string> {
        if (name == "XFERD_CLIENT_SECRET" || name == "XFERD_PASSWORD") return "s";
        return std::nullopt;
    });
}

}  // namespace

BOOST_AUTO_TEST_SUITE(config_api_limits)

BOOST_AUTO_TEST_CASE(defaults)
{
    TempDir dir;
    auto c = load_with(dir, "");
    BOOST_REQUIRE_MESSAGE(c, (c ? "" : c.error().message));
    BOOST_TEST(c->api.max_response_bytes == 256u * 1024);
    BOOST_TEST(c->api.max_retry_after.count() == 60'000);
    BOOST_TEST(c->api.row_deadline.count() == 600'000);
    const std::string shown = describe_config(*c);
    BOOST_TEST(shown.find("max_response_bytes: 256KiB") != std::string::npos, shown);
    BOOST_TEST(shown.find("max_retry_after: 1m") != std::string::npos, shown);
    BOOST_TEST(shown.find("row_deadline: 10m") != std::string::npos, shown);
    BOOST_TEST(c->api.outage_limit.count() == 900'000);
    BOOST_TEST(shown.find("outage_limit: 15m") != std::string::npos, shown);
}

BOOST_AUTO_TEST_CASE(outage_limit_is_taken_zero_is_no_limit_and_it_is_not_shorter_than_outage_after)
{
    TempDir dir;
    auto c = load_with(dir, "  outage_limit: 2h\n");
    BOOST_REQUIRE_MESSAGE(c, (c ? "" : c.error().message));
    BOOST_TEST(c->api.outage_limit.count() == 7'200'000);
    auto unlimited = load_with(dir, "  outage_limit: 0s\n");
    BOOST_REQUIRE_MESSAGE(unlimited, (unlimited ? "" : unlimited.error().message));
    BOOST_TEST(unlimited->api.outage_limit.count() == 0);
    const std::string shown = describe_config(*unlimited);
    BOOST_TEST(shown.find("no limit: an outage is waited out until SIGTERM") != std::string::npos, shown);
    auto follows = load_with(dir, "  outage_after: 1h\n");   // the default is never shorter
    BOOST_REQUIRE_MESSAGE(follows, (follows ? "" : follows.error().message));
    BOOST_TEST(follows->api.outage_limit.count() == 3'600'000);
    auto shorter = load_with(dir, "  outage_after: 1m\n  outage_limit: 30s\n");
    BOOST_TEST_REQUIRE(!shorter);
    BOOST_TEST(shorter.error().message.find("'api.outage_limit' (30s) must not be shorter than 'api.outage_after' (1m)") !=
                   std::string::npos,
               shorter.error().message);
}

BOOST_AUTO_TEST_CASE(values_are_taken)
{
    TempDir dir;
    auto c = load_with(dir, "  max_response_bytes: 1MiB\n  max_retry_after: 5s\n  row_deadline: 90s\n");
    BOOST_REQUIRE_MESSAGE(c, (c ? "" : c.error().message));
    BOOST_TEST(c->api.max_response_bytes == 1024u * 1024);
    BOOST_TEST(c->api.max_retry_after.count() == 5'000);
    BOOST_TEST(c->api.row_deadline.count() == 90'000);
}

BOOST_AUTO_TEST_CASE(bad_values_are_refused_naming_the_key)
{
    TempDir dir;
    for (const std::string bad : {"  max_response_bytes: 10\n", "  max_response_bytes: lots\n",
                                  "  max_retry_after: forever\n", "  row_deadline: 0s\n",
                                  "  outage_limit: 8d\n"}) {
        auto c = load_with(dir, bad);
        BOOST_TEST_CONTEXT(bad)
        {
            BOOST_TEST_REQUIRE(!c);
            const auto key = bad.substr(2, bad.find(':') - 2);
            BOOST_TEST(c.error().message.find("api." + key) != std::string::npos, c.error().message);
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()
