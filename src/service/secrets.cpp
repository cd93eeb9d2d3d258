#include "xferd/service/secrets.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <system_error>

namespace xferd {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t max_secret_bytes = 64 * 1024;

std::string errno_text(int err) { return std::generic_category().message(err); }

bool readable_by_others(const fs::path& path)
{
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return false;
    return (st.st_mode & (S_IRGRP | S_IROTH)) != 0;
}

// One line: the secret, an optional final newline dropped.
void secret_from_file(const SecretRequest& request, const fs::path& file, SecretSource::Kind kind,
                      std::optional<int> line, std::string& value, SecretSource& source,
                      ConfigErrors& errors)
{
    const std::string what(request.spec.what);
    auto content = read_small_file(file, max_secret_bytes);
    if (!content) {
        errors.add(line, "the " + what + ": " + content.error().message);
        return;
    }
    std::string secret = std::move(*content);
    if (!secret.empty() && secret.back() == '\n') {
        secret.pop_back();
        if (!secret.empty() && secret.back() == '\r') secret.pop_back();
    }
    if (secret.empty()) {
        errors.add(line, "the " + what + " file " + file.string() + " is empty");
        return;
    }
    if (secret.find_first_of("\r\n") != std::string::npos) {
        errors.add(line, "the " + what + " file " + file.string() +
                             " holds more than one line; it must hold only the secret");
        return;
    }
    value = std::move(secret);
    source.kind = kind;
    source.file = file;
    source.name = kind == SecretSource::Kind::credential ? std::string(request.spec.credential) : "";
    source.readable_by_others = readable_by_others(file);
}

}  // namespace

EnvLookup process_env()
{
    return [](const std::string& name) -> std::optional<std::string> {
        if (const char* v = std::getenv(name.c_str())) return std::string(v);
        return std::nullopt;
    };
}

Result<std::string> read_small_file(const fs::path& path, std::size_t max_bytes)
{
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return make_error(ErrorKind::config, "cannot read " + path.string() + ": " + errno_text(errno));
    std::string out;
    char buffer[8192];
    for (;;) {
        ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n < 0) {
            if (errno == EINTR) continue;
            int err = errno;
            ::close(fd);
            return make_error(ErrorKind::config, "cannot read " + path.string() + ": " + errno_text(err));
        }
        if (n == 0) break;
        out.append(buffer, static_cast<std::size_t>(n));
        if (out.size() > max_bytes) {
            ::close(fd);
            return make_error(ErrorKind::config, "cannot use " + path.string() + ": it is larger than " +
                                                     std::to_string(max_bytes / 1024) +
                                                     " KiB; is it the right file?");
        }
    }
    ::close(fd);
    // Error is an aggregate starting with a string, so a bare string would be ambiguous here.
    return Result<std::string>(boost::system::in_place_value, std::move(out));
}

void resolve_secret(const SecretRequest& request, const EnvLookup& env, std::string& value,
                    SecretSource& source, ConfigErrors& errors)
{
    if (!request.wanted) return;
    const SecretSpec& spec = request.spec;
    // 1. systemd LoadCredential=NAME:… (the most protected place).
    if (auto dir = env("CREDENTIALS_DIRECTORY"); dir && !dir->empty()) {
        fs::path file = fs::path(*dir) / std::string(spec.credential);
        std::error_code ec;
        if (fs::exists(file, ec)) {
            secret_from_file(request, file, SecretSource::Kind::credential, request.api_line, value,
                             source, errors);
            return;
        }
    }
    // 2. api.*_file (an unusable value is already an error of the schema).
    if (request.file_key_given) {
        if (request.file)
            secret_from_file(request, *request.file, SecretSource::Kind::file, request.file_line,
                             value, source, errors);
        return;
    }
    // 3. The environment.
    if (auto env_value = env(std::string(spec.env_var))) {
        if (env_value->empty()) {
            errors.add(request.api_line,
                       "the environment variable " + std::string(spec.env_var) + " is set but empty");
            return;
        }
        value = *env_value;
        source.kind = SecretSource::Kind::env;
        source.name = std::string(spec.env_var);
        return;
    }
    errors.add(request.api_line,
               "no " + std::string(spec.what) + " given; provide it in one of three ways: api." +
                   std::string(spec.file_key) + " (a file holding it), the environment variable " +
                   std::string(spec.env_var) + ", or the systemd credential '" +
                   std::string(spec.credential) + "' (LoadCredential=" + std::string(spec.credential) +
                   ":/path/to/file)");
}

}  // namespace xferd
