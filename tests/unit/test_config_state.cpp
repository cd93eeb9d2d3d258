// `state.keep_snapshots` and loading a config without its secrets (for status / find).
#include <boost/test/unit_test.hpp>

#include "xferd/core/config.hpp"
#include "xferd/service/config_loading.hpp"

#include <cstdlib>
#include <fstream>

using namespace xferd;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

struct ConfigFile {
    fs::path dir;
    explicit ConfigFile(const std::string& extra, const std::string& api_extra = "")
    {
        std::string tmpl = (fs::temp_directory_path() / "xferd-state-config-XXXXXX").string();
        dir = ::mkdtemp(tmpl.data());
        std::ofstream(dir / "xferd.yaml") << "api:\n  base_url: https://127.0.0.1:8443/mobproc/v1\n"
                                             "  token_url: https://127.0.0.1:8443/as/token.oauth2\n"
                                             "  tenant: ACME\n  client_id: c\n  username: u\n"
                                          << api_extra << "inbox:\n  - path: inbox\nstate_dir: state\n" << extra;
    }
    ~ConfigFile()
    {
        std::error_code ec;
        fs::remove_all(dir, ec);
    }
    fs::path file() const { return dir / "xferd.yaml"; }
};

const EnvLookup secrets = [](const std::string& name) -> std::optional<std::string> {
    if (name == "XFERD_CLIENT_SECRET") return std::string("s3cret-client");
    if (name == "XFERD_PASSWORD") return std::string("s3cret-password");
    return std::nullopt;
};
const EnvLookup no_env = [](const std::string&) -> std::optional<std::string> { return std::nullopt; };

}  // namespace

BOOST_AUTO_TEST_CASE(keep_snapshots_defaults_to_30_days_and_0_keeps_forever)
{
    ConfigFile none("");
    auto d = load_config(none.file(), secrets);
    BOOST_REQUIRE_MESSAGE(d.has_value(), (d ? std::string() : d.error().message));
    BOOST_TEST(d->state.keep_snapshots.count() == std::chrono::milliseconds(30 * 86'400'000LL).count());
    BOOST_TEST(describe_config(*d).find("state:\n  keep_snapshots: 30d") != std::string::npos, describe_config(*d));

    ConfigFile zero("state:\n  keep_snapshots: 0\n");
    auto z = load_config(zero.file(), secrets);
    BOOST_REQUIRE(z.has_value());
    BOOST_TEST(z->state.keep_snapshots.count() == 0);
    BOOST_TEST(describe_config(*z).find("keep_snapshots: 0s  # kept forever") != std::string::npos, describe_config(*z));

    ConfigFile week("state:\n  keep_snapshots: 7d\n");
    BOOST_TEST(load_config(week.file(), secrets)->state.keep_snapshots.count() == 7 * 86'400'000LL);
}

BOOST_AUTO_TEST_CASE(a_bad_keep_snapshots_or_unknown_state_key_is_an_error_naming_it)
{
    ConfigFile bad("state:\n  keep_snapshots: forever\n");
    auto b = load_config(bad.file(), secrets);
    BOOST_REQUIRE(!b.has_value());
    BOOST_TEST(b.error().message.find("'state.keep_snapshots' must be a duration") != std::string::npos,
               b.error().message);
    ConfigFile typo("state:\n  keep_snapshot: 1d\n");
    auto t = load_config(typo.file(), secrets);
    BOOST_REQUIRE(!t.has_value());
    BOOST_TEST(t.error().message.find("keep_snapshot") != std::string::npos, t.error().message);
}

BOOST_AUTO_TEST_CASE(without_secrets_the_config_loads_and_holds_none)
{
    ConfigFile c("", "  client_secret_file: /nonexistent/secret\n  password_file: /nonexistent/password\n");
    auto with = load_config(c.file(), no_env);
    BOOST_TEST(!with.has_value(), "the secrets are required for commands that call the API");
    auto without = load_config_without_secrets(c.file(), secrets);
    BOOST_REQUIRE_MESSAGE(without.has_value(), (without ? std::string() : without.error().message));
    BOOST_TEST(without->api.client_secret.empty());
    BOOST_TEST(without->api.password.empty());
    BOOST_TEST(without->state_dir == c.dir / "state");
    // A secret in the YAML is still refused, without echoing it.
    ConfigFile inline_secret("", "  password: hunter2\n");
    auto refused = load_config_without_secrets(inline_secret.file(), no_env);
    BOOST_REQUIRE(!refused.has_value());
    BOOST_TEST(refused.error().message.find("hunter2") == std::string::npos);
}
