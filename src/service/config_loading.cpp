#include "xferd/service/config_loading.hpp"

#include <unistd.h>

#include <iostream>
#include <system_error>

namespace xferd {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t max_config_bytes = 4 * 1024 * 1024;

void check_notify_command(const ParsedConfig& parsed, ConfigErrors& errors)
{
    const auto& command = parsed.config.notify.command;
    if (!command) return;
    std::error_code ec;
    if (!fs::is_regular_file(*command, ec) || ::access(command->c_str(), X_OK) != 0)
        errors.add(parsed.notify_command_line,
                   "'notify.command': " + command->string() + " is not an executable file");
}

void mark_not_read(SecretSource& source) { source.kind = SecretSource::Kind::not_read; }

// The proxy of a command that talks to the API: api.proxy as parsed, else the environment's;
// its password (api.proxy_username given) read like the other secrets, else the credentials in
// HTTPS_PROXY's URL.
void resolve_proxy(ParsedConfig& parsed, const EnvLookup& env, ConfigErrors& errors)
{
    ApiConfig& api = parsed.config.api;
    if (!parsed.proxy_key_given) {
        auto from_env = proxy_from_environment(env);
        if (from_env) api.proxy = std::move(*from_env);
        else errors.add(std::nullopt, from_env.error().message);
    }
    resolve_secret(parsed.proxy_password, env, api.proxy_password, api.proxy_password_source, errors);
    if (api.proxy_username.empty() && api.proxy.userinfo_in_env) {
        api.proxy_username = api.proxy.env_username;
        api.proxy_password = api.proxy.env_password;
        api.proxy_password_source = SecretSource{SecretSource::Kind::env, api.proxy.env_var, {}, false};
    }
}

}  // namespace

Result<Config> load_config(const fs::path& file, const EnvLookup& env, SecretsMode secrets)
{
    const fs::path absolute = fs::absolute(file).lexically_normal();
    auto content = read_small_file(absolute, max_config_bytes);
    if (!content) return content.error();
    auto parsed = parse_config(*content, absolute, file.string());
    if (!parsed) return parsed.error();
    ApiConfig& api = parsed->config.api;
    ConfigErrors& errors = parsed->errors;
    if (secrets == SecretsMode::resolve) {
        resolve_secret(parsed->client_secret, env, api.client_secret, api.client_secret_source, errors);
        resolve_secret(parsed->password, env, api.password, api.password_source, errors);
        resolve_proxy(*parsed, env, errors);
    } else {
        mark_not_read(api.client_secret_source);
        mark_not_read(api.password_source);
        if (parsed->proxy_password.wanted) mark_not_read(api.proxy_password_source);
    }
    check_notify_command(*parsed, errors);
    if (!errors.empty()) return errors.to_error();
    return std::move(parsed->config);
}

Result<Config> load_or_report(const std::string& path, SecretsMode secrets)
{
    auto cfg = load_config(path, process_env(), secrets);
    if (!cfg) std::cerr << "xferd: " << cfg.error().message << "\n";
    return cfg;
}

}  // namespace xferd
