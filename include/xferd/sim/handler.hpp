// The simulator's request handler: a pure function of a request and the state, testable without
// sockets. Faults are decided here too; the transport only carries out the returned disposition.
#pragma once

#include "xferd/sim/http_types.hpp"
#include "xferd/sim/state.hpp"

namespace xferd::sim {

Response handle(const Request& request, State& state);

// The answer to a request the transport could not parse (status 400, or 413 when too large),
// counted in the stats under "invalid_request".
Response transport_error(int status, State& state);

}  // namespace xferd::sim
