// xferd's API settings for the in-process simulator, with the demo credentials (tests only).
#pragma once

#include "xferd/core/config.hpp"

#include "sim_fixture.hpp"

namespace xferd::test {

inline ApiConfig sim_api_config(SimFixture& sim)
{
    ApiConfig api;
    api.base_url = sim.base_url();
    api.token_url = sim.token_url();
    api.tenant = demo::tenant;
    api.client_id = demo::client_id;
    api.client_secret = demo::client_secret;
    api.username = demo::username;
    api.password = demo::password;
    api.ca_file = sim.ca_file();
    return api;
}

}  // namespace xferd::test
