// Loading the configuration for a command: the file read, the schema applied, secrets read
// and the notify command checked on this machine.
#pragma once

#include "xferd/core/config.hpp"
#include "xferd/service/secrets.hpp"

#include <filesystem>
#include <string>

namespace xferd {

// resolve: read the API secrets (commands that talk to the API).
// skip: leave them unread (SecretSource::Kind::not_read), for read-only commands such as
//       `status` or `find` that must work without access to the secret files.
enum class SecretsMode { resolve, skip };

// Reads and validates the YAML config. Errors (ErrorKind::config) name the file, the key and
// its line, and say what to do; secret values never appear in them.
Result<Config> load_config(const std::filesystem::path& file, const EnvLookup& env = process_env(),
                           SecretsMode secrets = SecretsMode::resolve);

// The secrets neither looked for nor read (api.client_secret and api.password stay empty): for
// commands that only read the state store (`xferd status`, `find`, snapshot retention).
inline Result<Config> load_config_without_secrets(const std::filesystem::path& file,
                                                  const EnvLookup& env = process_env())
{
    return load_config(file, env, SecretsMode::skip);
}

// load_config with its errors written to stderr, once.
Result<Config> load_or_report(const std::string& path, SecretsMode secrets = SecretsMode::resolve);

}  // namespace xferd
