#include "xferd/core/error.hpp"

namespace xferd {

std::string_view to_string(ErrorKind kind)
{
    switch (kind) {
    case ErrorKind::unspecified: return "unspecified";
    case ErrorKind::config: return "config";
    case ErrorKind::auth: return "auth";
    case ErrorKind::transient: return "transient";
    case ErrorKind::row: return "row";
    case ErrorKind::input: return "input";
    case ErrorKind::state: return "state";
    case ErrorKind::io: return "io";
    }
    return "unspecified";
}

}  // namespace xferd
