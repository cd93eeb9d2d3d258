// Secrets (credential, file, environment; never echoed) and describe_config, the redacted print.
#include "config_test_support.hpp"

#include <yaml-cpp/yaml.h>

#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <map>

using namespace xferd;
using namespace xferd::test;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

BOOST_AUTO_TEST_SUITE(secrets)

BOOST_AUTO_TEST_CASE(credential_beats_file_beats_environment)
{
    ConfigDir dir;
    dir.write("creds/client_secret", "cred-client-secret\n");
    dir.write("creds/password", "cred-password");
    dir.write("cs", "file-client-secret\n");
    dir.write("pw", "file-password\r\n");
    fs::path file = dir.write("config.yaml", config_text("  client_secret_file: cs\n  password_file: pw\n"));
    std::string creds = (dir.path / "creds").string();

    // 1. systemd credential.
    auto r = load_config(file, env_of({{"CREDENTIALS_DIRECTORY", creds},
                                       {"XFERD_CLIENT_SECRET", "env-cs"},
                                       {"XFERD_PASSWORD", "env-pw"}}));
    BOOST_REQUIRE_MESSAGE(r, (r ? "" : r.error().message));
    BOOST_TEST(r->api.client_secret == "cred-client-secret");
    BOOST_TEST(r->api.password == "cred-password");
    BOOST_TEST((r->api.client_secret_source.kind == SecretSource::Kind::credential));
    BOOST_TEST(describe(r->api.password_source) == "<redacted, from credential password>");

    // 2. The credentials folder lacks them: the *_file keys (one trailing newline stripped).
    fs::remove(dir.path / "creds" / "client_secret");
    fs::remove(dir.path / "creds" / "password");
    r = load_config(file, env_of({{"CREDENTIALS_DIRECTORY", creds},
                                  {"XFERD_CLIENT_SECRET", "env-cs"},
                                  {"XFERD_PASSWORD", "env-pw"}}));
    BOOST_REQUIRE_MESSAGE(r, (r ? "" : r.error().message));
    BOOST_TEST(r->api.client_secret == "file-client-secret");
    BOOST_TEST(r->api.password == "file-password");
    BOOST_TEST(describe(r->api.client_secret_source) == "<redacted, from " + (dir.path / "cs").string() + ">");

    // 3. No file key: the environment.
    fs::path no_files = dir.write("plain.yaml", config_text());
    r = load_config(no_files, env_of({{"XFERD_CLIENT_SECRET", "env-cs"}, {"XFERD_PASSWORD", "env-pw"}}));
    BOOST_REQUIRE_MESSAGE(r, (r ? "" : r.error().message));
    BOOST_TEST(r->api.client_secret == "env-cs");
    BOOST_TEST(r->api.password == "env-pw");
    BOOST_TEST(describe(r->api.client_secret_source) == "<redacted, from env XFERD_CLIENT_SECRET>");
}

BOOST_AUTO_TEST_CASE(no_secret_anywhere_says_the_three_ways)
{
    ConfigDir dir;
    fs::path file = dir.write("config.yaml", config_text());
    std::string e = error_of(load_config(file, env_of({{"XFERD_PASSWORD", "pw"}})));
    BOOST_TEST(e == file.string() + " line 1: no client secret given; provide it in one of three ways: "
                                    "api.client_secret_file (a file holding it), the environment variable "
                                    "XFERD_CLIENT_SECRET, or the systemd credential 'client_secret' "
                                    "(LoadCredential=client_secret:/path/to/file)");
    e = error_of(load_config(file, env_of({{"XFERD_CLIENT_SECRET", "cs"}})));
    CHECK_CONTAINS(e, "no password given");
    CHECK_CONTAINS(e, "api.password_file");
    CHECK_CONTAINS(e, "XFERD_PASSWORD");
    CHECK_CONTAINS(e, "LoadCredential=password:");
    e = error_of(load_config(file, env_of({{"XFERD_CLIENT_SECRET", ""}, {"XFERD_PASSWORD", "pw"}})));
    CHECK_CONTAINS(e, "the environment variable XFERD_CLIENT_SECRET is set but empty");
}

BOOST_AUTO_TEST_CASE(skipping_secrets_loads_without_reading_them)
{
    // `status`/`find` must work for a user who cannot read the secret files.
    ConfigDir dir;
    dir.write("cs", "file-client-secret\n", fs::perms::none);
    fs::path file = dir.write("config.yaml", config_text("  client_secret_file: cs\n"));
    CHECK_CONTAINS(error_of(load_config(file, env_of({}))), "no password given");

    auto r = load_config(file, env_of({}), SecretsMode::skip);
    BOOST_REQUIRE_MESSAGE(r, (r ? "" : r.error().message));
    BOOST_TEST(r->api.client_secret.empty());
    BOOST_TEST(r->api.password.empty());
    BOOST_TEST(describe(r->api.client_secret_source) == "<not read>");
    CHECK_CONTAINS(describe_config(*r), "password: <not read>");
    BOOST_TEST(r->state_dir == dir.path / "state");

    // The rest of the file is still checked, with the same words.
    fs::path bad = dir.write("bad.yaml", config_text("  concurrency: many\n"));
    auto refused = load_config(bad, env_of({}), SecretsMode::skip);
    CHECK_CONTAINS(error_of(refused), "'api.concurrency' must be a whole number");
    BOOST_TEST(!contains(error_of(refused), "client secret"));
    BOOST_TEST((refused.error().kind == ErrorKind::config));
}

BOOST_AUTO_TEST_CASE(config_errors_are_of_kind_config)
{
    ConfigDir dir;
    BOOST_TEST((load_config(dir.path / "missing.yaml", env_secrets).error().kind == ErrorKind::config));
    fs::path not_yaml = dir.write("broken.yaml", "api: [\n");
    BOOST_TEST((load_config(not_yaml, env_secrets).error().kind == ErrorKind::config));
    fs::path no_secret = dir.write("config.yaml", config_text());
    BOOST_TEST((load_config(no_secret, env_of({})).error().kind == ErrorKind::config));
}

BOOST_AUTO_TEST_CASE(secrets_in_the_yaml_are_refused_without_echoing_them)
{
    ConfigDir dir;
    fs::path file = dir.write("config.yaml", config_text("  client_secret: hunter2-in-yaml\n"
                                                         "  password: pw-in-yaml\n"));
    std::string e = error_of(load_config(file, env_secrets));
    CHECK_CONTAINS(e, file.string() + " line 7: 'api.client_secret': a secret does not belong in the config file");
    CHECK_CONTAINS(e, "set api.client_secret_file, or set the environment variable XFERD_CLIENT_SECRET");
    CHECK_CONTAINS(e, file.string() + " line 8: 'api.password': a secret does not belong in the config file");
    BOOST_TEST(!contains(e, "hunter2-in-yaml"));
    BOOST_TEST(!contains(e, "pw-in-yaml"));
}

BOOST_AUTO_TEST_CASE(unreadable_secret_files_name_the_file_and_the_reason_only)
{
    ConfigDir dir;
    fs::create_directories(dir.path / "a-folder");
    dir.write("two-lines", "first-line-secret\nsecond\n");
    dir.write("empty", "\n");

    struct Case {
        std::string file;
        std::string reason;
    };
    const std::vector<Case> cases{
        {"nope", "cannot read " + (dir.path / "nope").string() + ": No such file or directory"},
        {"a-folder", "cannot read " + (dir.path / "a-folder").string() + ": Is a directory"},
        {"two-lines", "the client secret file " + (dir.path / "two-lines").string() +
                          " holds more than one line; it must hold only the secret"},
        {"empty", "the client secret file " + (dir.path / "empty").string() + " is empty"},
    };
    for (const auto& c : cases) {
        fs::path file = dir.write("config.yaml", config_text("  client_secret_file: " + c.file + "\n"));
        std::string e = error_of(load_config(file, env_secrets));
        BOOST_TEST_CONTEXT(c.file)
        {
            CHECK_CONTAINS(e, file.string() + " line 7: ");
            CHECK_CONTAINS(e, c.reason);
            BOOST_TEST(!contains(e, "first-line-secret"));
        }
    }
    // A credential that exists but cannot be read is an error too, not a silent fall-through.
    fs::create_directories(dir.path / "creds" / "client_secret");
    fs::path file = dir.write("config.yaml", config_text());
    std::string e = error_of(load_config(file, env_of({{"CREDENTIALS_DIRECTORY", (dir.path / "creds").string()},
                                                       {"XFERD_CLIENT_SECRET", "x"},
                                                       {"XFERD_PASSWORD", "y"}})));
    CHECK_CONTAINS(e, (dir.path / "creds" / "client_secret").string() + ": Is a directory");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(describe)

BOOST_AUTO_TEST_CASE(effective_config_never_shows_a_secret)
{
    ConfigDir dir;
    dir.write("cs", "very-secret-client-value\n", fs::perms(0644));
    fs::path file = dir.write("config.yaml", config_text("  client_secret_file: cs\n",
                                                         "inbox:\n"
                                                         "  - path: hr\n"
                                                         "    columns: {Case Number: external_order_number}\n"
                                                         "    approval_mode: manual\n"));
    auto r = load_config(file, env_of({{"XFERD_PASSWORD", "very-secret-password"}}));
    BOOST_REQUIRE_MESSAGE(r, (r ? "" : r.error().message));
    std::string text = describe_config(*r);
    BOOST_TEST_MESSAGE(text);
    BOOST_TEST(!contains(text, "very-secret-client-value"));
    BOOST_TEST(!contains(text, "very-secret-password"));
    CHECK_CONTAINS(text, "client_secret: <redacted, from " + (dir.path / "cs").string() + ">");
    CHECK_CONTAINS(text, "password: <redacted, from env XFERD_PASSWORD>");
    // A group/other-readable secret file is accepted, and noted.
    CHECK_CONTAINS(text, "group/others may read " + (dir.path / "cs").string() + "; chmod 600 is recommended");

    // It is YAML, and says what is in effect.
    YAML::Node doc = YAML::Load(text);
    BOOST_TEST(doc["api"]["base_url"].as<std::string>() == "https://127.0.0.1:8443/mobproc/v1");
    BOOST_TEST(doc["api"]["connect_timeout"].as<std::string>() == "10s");
    BOOST_TEST(doc["api"]["ca_file"].IsNull());
    BOOST_TEST(doc["inbox"][0]["path"].as<std::string>() == (dir.path / "hr").string());
    BOOST_TEST(doc["inbox"][0]["columns"]["Case Number"].as<std::string>() == "external_order_number");
    BOOST_TEST(doc["inbox"][0]["approval_mode"].as<std::string>() == "manual");
    BOOST_TEST(doc["approval"]["mode"].as<std::string>() == "auto");
    BOOST_TEST(doc["limits"]["max_file_bytes"].as<std::string>() == "256MiB");
    BOOST_TEST(doc["state_dir"].as<std::string>() == (dir.path / "state").string());
}

BOOST_AUTO_TEST_CASE(private_secret_files_get_no_note)
{
    ConfigDir dir;
    dir.write("cs", "x\n", fs::perms(0600));
    dir.write("pw", "y\n", fs::perms(0400));
    fs::path file = dir.write("config.yaml", config_text("  client_secret_file: cs\n  password_file: pw\n"));
    auto r = load_config(file, env_of({}));
    BOOST_REQUIRE_MESSAGE(r, (r ? "" : r.error().message));
    BOOST_TEST(!r->api.client_secret_source.readable_by_others);
    BOOST_TEST(!contains(describe_config(*r), "chmod"));
}

BOOST_AUTO_TEST_SUITE_END()
