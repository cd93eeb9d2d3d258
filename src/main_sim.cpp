// mobproc-sim: the MobProc API simulator (HTTPS, fixtures, fault injection, audit).
#include "xferd/sim/options.hpp"
#include "xferd/sim/simulator.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/program_options.hpp>

#include <sys/resource.h>

#include <csignal>
#include <iostream>

namespace po = boost::program_options;
namespace sim = xferd::sim;

namespace {

// Many concurrent test connections need more descriptors than the default soft limit.
void raise_fd_limit()
{
    rlimit lim{};
    if (::getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
        lim.rlim_cur = lim.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &lim);
    }
}

void check_rate(const char* name, double v)
{
    if (v < 0 || v > 1)
        throw po::error(std::string("--") + name + " must be in [0, 1]");
}

}  // namespace

// Over 80 lines by design: the option table and its checks read best as one list.
int main(int argc, char** argv)
{
    sim::Options opt;
    std::string listen = "127.0.0.1:0", fail_statuses = "503", token_outage, status_after;
    long token_ttl = 7200, latency = 0, jitter = 0;
    std::uint64_t seed = 0;
    std::size_t max_body_kb = 1024;
    po::options_description desc(
        "mobproc-sim --listen 127.0.0.1:0 --fixtures FILE --tls-dir DIR [--audit FILE] [fault options]\n\n"
        "Serves the MobProc API under /mobproc/v1 and the token endpoint at /as/token.oauth2 over\n"
        "HTTPS. Control endpoint (loopback only): GET /_sim/audit, GET /_sim/stats, GET|POST\n"
        "/_sim/faults, POST /_sim/tokens/expire, POST /_sim/tokens/revoke.\n\nOptions");
    desc.add_options()
        ("help,h", "show this help")
        ("listen", po::value(&listen)->default_value(listen), "HOST:PORT ([::1]:PORT for IPv6; port 0 = any)")
        ("fixtures", po::value(&opt.fixtures)->required(), "fixtures YAML (samples/sim/fixtures.yaml)")
        ("tls-dir", po::value(&opt.tls_dir)->required(),
         "uses DIR/{cert,key,ca}.pem when all exist, else generates them; clients trust DIR/ca.pem")
        ("audit", po::value(&opt.audit), "append one JSON line per accepted submit")
        ("token-ttl", po::value(&token_ttl)->default_value(token_ttl), "access token lifetime, seconds")
        ("generate-services", po::value(&opt.generate_services)->default_value(0),
         "add N synthetic ACTIVE services (ids 90000001 upward)")
        ("latency", po::value(&latency)->default_value(0), "delay before every answer, ms")
        ("jitter", po::value(&jitter)->default_value(0), "extra random delay 0..MS")
        ("fail-rate", po::value(&opt.faults.fail_rate)->default_value(0), "P: answer a fail status, unprocessed")
        ("fail-statuses", po::value(&fail_statuses)->default_value(fail_statuses), "statuses for --fail-rate, e.g. 503,502,504")
        ("throttle-rate", po::value(&opt.faults.throttle_rate)->default_value(0), "P: answer 429 with Retry-After")
        ("retry-after", po::value(&opt.faults.retry_after_s)->default_value(1), "Retry-After seconds on 429/503")
        ("reset-rate", po::value(&opt.faults.reset_rate)->default_value(0),
         "P: a submit is processed and recorded, then the connection is reset without an answer")
        ("reset-before-rate", po::value(&opt.faults.reset_before_rate)->default_value(0),
         "P: the connection is reset before the request is processed")
        ("stall-rate", po::value(&opt.faults.stall_rate)->default_value(0),
         "P: headers and half the body are sent, then nothing")
        ("token-outage", po::value(&token_outage), "token endpoint answers 503: on | FROM+SECONDS (since start)")
        ("status-after", po::value(&status_after),
         "orders change status with age, e.g. AWAITING_APPROVAL=5,IN_FULFILLMENT=20,COMPLETED=60")
        ("seed", po::value(&seed), "seed of the fault RNG (reproducible random faults)")
        ("max-body-kb", po::value(&max_body_kb)->default_value(max_body_kb), "larger request bodies get 413");
    try {
        po::variables_map vm;
        po::store(po::parse_command_line(argc, argv, desc), vm);
        if (vm.count("help")) {
            std::cout << desc << '\n';
            return 0;
        }
        po::notify(vm);
        auto addr = sim::parse_listen(listen);
        if (!addr)
            throw po::error("--listen must be HOST:PORT");
        opt.listen_host = addr->host;
        opt.listen_port = addr->port;
        opt.token_ttl = std::chrono::seconds{token_ttl};
        opt.faults.latency = std::chrono::milliseconds{latency};
        opt.faults.jitter = std::chrono::milliseconds{jitter};
        if (token_ttl <= 0 || latency < 0 || jitter < 0)
            throw po::error("--token-ttl must be positive, --latency and --jitter non-negative");
        check_rate("fail-rate", opt.faults.fail_rate);
        check_rate("throttle-rate", opt.faults.throttle_rate);
        check_rate("reset-rate", opt.faults.reset_rate);
        check_rate("reset-before-rate", opt.faults.reset_before_rate);
        check_rate("stall-rate", opt.faults.stall_rate);
        auto statuses = sim::parse_statuses(fail_statuses);
        if (!statuses)
            throw po::error("--fail-statuses must be a comma-separated list of HTTP statuses");
        opt.faults.fail_statuses = *statuses;
        if (!token_outage.empty() && !sim::parse_token_outage(token_outage, opt.faults))
            throw po::error("--token-outage must be on, off or FROM+SECONDS");
        auto steps = sim::parse_status_after(status_after);
        if (!steps)
            throw po::error("--status-after must be STATUS=SECONDS,... in ascending seconds");
        opt.status_after = *steps;
        if (vm.count("seed"))
            opt.seed = seed;
        opt.max_body_bytes = max_body_kb * 1024;
    } catch (const po::error& e) {
        std::cerr << "mobproc-sim: " << e.what() << "\n(see --help)\n";
        return 2;
    }

    try {
        std::signal(SIGPIPE, SIG_IGN);
        raise_fd_limit();
        boost::asio::io_context ioc(1);
        sim::Simulator simulator(ioc, opt);
        simulator.start();
        boost::asio::signal_set signals(ioc, SIGINT, SIGTERM);
        signals.async_wait([&](const boost::system::error_code& ec, int) {
            if (!ec)
                simulator.stop();
        });
        std::cout << "listening on " << simulator.origin() << std::endl;
        ioc.run();
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "mobproc-sim: " << e.what() << '\n';
        return 1;
    }
}
