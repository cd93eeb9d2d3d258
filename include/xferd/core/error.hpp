// One way to return "it did not work, and here is a sentence saying why and what to do".
#pragma once

#include <boost/assert/source_location.hpp>
#include <boost/system/result.hpp>

#include <stdexcept>
#include <string>
#include <string_view>

namespace xferd {

// What kind of failure, so callers branch on it instead of matching the message's words.
enum class ErrorKind {
    unspecified,  // not classified (the default, so Error{"…"} keeps compiling)
    config,       // the config file or a secret it names: fix the file, then restart
    auth,         // the API refused our credentials (token endpoint, 401/403)
    transient,    // timeouts, resets, 5xx, 429: trying again later may work
    row,          // one row of a batch is wrong; the others go on
    input,        // the batch file as a whole cannot be read or used
    state,        // the state store or state_dir is unusable
    io,           // a local file could not be read or written (reports, logs)
};

std::string_view to_string(ErrorKind kind);

// A failure meant for a person: the message names the file/row/column/key and what to do.
struct Error {
    std::string message;
    ErrorKind kind = ErrorKind::unspecified;

    [[nodiscard]] bool is(ErrorKind k) const { return kind == k; }
};

class ErrorException : public std::runtime_error {
public:
    explicit ErrorException(const Error& e) : std::runtime_error(e.message), kind_(e.kind) {}
    [[nodiscard]] ErrorKind kind() const { return kind_; }

private:
    ErrorKind kind_;
};

// Lets result<T, Error>::value() throw (found by ADL).
[[noreturn]] inline void throw_exception_from_error(const Error& e, const boost::source_location&)
{
    throw ErrorException(e);
}

template <class T>
using Result = boost::system::result<T, Error>;

inline Error make_error(std::string message) { return Error{std::move(message)}; }
inline Error make_error(ErrorKind kind, std::string message)
{
    return Error{std::move(message), kind};
}

}  // namespace xferd
