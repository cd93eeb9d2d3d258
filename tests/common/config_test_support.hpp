// What the config tests share: a private folder to write config and secret files in, an
// environment to look secrets up in, a valid config to start from, and text checks.
#pragma once

#include <boost/test/unit_test.hpp>

#include "xferd/core/config.hpp"
#include "xferd/service/config_loading.hpp"

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string>

namespace xferd::test {

namespace fs = std::filesystem;


// A fresh folder per test, removed afterwards.
struct ConfigDir {
    fs::path path;
    ConfigDir()
    {
        std::string tmpl = (fs::temp_directory_path() / "xferd-config-XXXXXX").string();
        path = ::mkdtemp(tmpl.data());
    }
    ~ConfigDir()
    {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
    fs::path write(const fs::path& name, const std::string& content, fs::perms mode = fs::perms(0600)) const
    {
        fs::path p = path / name;
        fs::create_directories(p.parent_path());
        std::ofstream(p, std::ios::binary) << content;
        fs::permissions(p, mode);
        return p;
    }
};

inline EnvLookup env_of(std::map<std::string, std::string> vars)
{
    return [vars = std::move(vars)](const std::string& name) -> std::optional<std::string> {
        auto it = vars.find(name);
        if (it == vars.end()) return std::nullopt;
        return it->second;
    };
}

inline const EnvLookup env_secrets = env_of({{"XFERD_CLIENT_SECRET", "env-client-secret"},
                                      {"XFERD_PASSWORD", "env-password"}});

// A valid config; `api_extra` is added inside `api:`, `extra` at the end.
inline std::string config_text(const std::string& api_extra = "", const std::string& extra = "")
{
    return "api:\n"
           "  base_url: https://127.0.0.1:8443/mobproc/v1\n"
           "  token_url: https://127.0.0.1:8443/as/token.oauth2\n"
           "  tenant: ACME\n"
           "  client_id: demo-client\n"
           "  username: command://svc-offboarding\n" +
           api_extra + "state_dir: state\n" + extra;
}

inline std::string error_of(const Result<Config>& r)
{
    BOOST_REQUIRE_MESSAGE(!r, "expected the config to be refused");
    return r.error().message;
}

inline bool contains(const std::string& haystack, const std::string& needle)
{
    return haystack.find(needle) != std::string::npos;
}

#define CHECK_CONTAINS(text, part) \
    BOOST_CHECK_MESSAGE(contains((text), (part)), "expected \"" << (part) << "\" in:\n" << (text))


}  // namespace xferd::test
