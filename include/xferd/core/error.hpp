// One way to return "it did not work, and here is a sentence saying why and what to do".
#pragma once

#include <boost/assert/source_location.hpp>
#include <boost/system/result.hpp>

#include <stdexcept>
#include <string>

namespace xferd {

// A failure meant for a person: the message names the file/row/column/key and what to do.
struct Error {
    std::string message;
};

class ErrorException : public std::runtime_error {
public:
    explicit ErrorException(const Error& e) : std::runtime_error(e.message) {}
};

// Lets result<T, Error>::value() throw (found by ADL).
[[noreturn]] inline void throw_exception_from_error(const Error& e, const boost::source_location&)
{
    throw ErrorException(e);
}

template <class T>
using Result = boost::system::result<T, Error>;

inline Error make_error(std::string message) { return Error{std::move(message)}; }

}  // namespace xferd
