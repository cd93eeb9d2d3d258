// Reading the API secrets the config describes: the systemd credential, then api.*_file, then
// the environment. Secret values never appear in a message.
#pragma once

#include "xferd/core/config.hpp"

#include <cstddef>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

namespace xferd {

// Looks a variable up in the environment; injectable so tests need not touch the real one.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;
EnvLookup process_env();

// Reads a small file whole (the config, a secret). Errors name the file and the system's
// reason, never the content.
Result<std::string> read_small_file(const std::filesystem::path& path, std::size_t max_bytes);

// Fills `value` and `source` for one secret the schema asked for; problems go to `errors`.
void resolve_secret(const SecretRequest& request, const EnvLookup& env, std::string& value,
                    SecretSource& source, ConfigErrors& errors);

}  // namespace xferd
