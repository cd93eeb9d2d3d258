// xferd: places MobProc XFER_SERVICE_OUT orders from batch files. See README.md.
#include "xferd/batch/process_log.hpp"
#include "xferd/service/commands.hpp"
#include "xferd/service/daemon.hpp"
#include "xferd/service/snapshot_retention.hpp"

#include <boost/program_options.hpp>

#include <malloc.h>

#include <cstdlib>
#include <iostream>

namespace po = boost::program_options;
using namespace xferd;

namespace {

constexpr const char* usage_text = R"(usage:
  xferd once  --config FILE [PATH...]   process the inbox folders (or the given files/folders) now, then exit
  xferd run   --config FILE             the daemon (watch the inbox folders)
  xferd validate [--config FILE] [--inbox DIR] [--show-personal-data] FILE...
                                        offline: parse + validate, print row errors, no network
                                        (exit 0 all valid, 1 some row or file is not, 2 usage)
  xferd check --config FILE             config + token endpoint; print the effective config, secrets redacted
  xferd status [--config FILE] [--json] [BATCH]
                                        the recent batches from the state store, or one (a path, file name
                                        or 8+ hex of its sha256) in detail with what to do next
                                        (exit 0 all fine, 1 some need attention, 2 usage or unknown BATCH)
  xferd find [--config FILE] [--json] TERM
                                        the rows whose service id or number, employee id, e-mail or
                                        order number is TERM (exit 0 found, 1 none, 2 usage)
  xferd reconfirm [--config FILE] BATCH a batch waiting for approval, held, or a dry-run: confirmed anew
                                        at the next once/run (submitted rows are never sent again)
  (status, find and reconfirm read /etc/xferd/xferd.yaml without --config, and need no API secrets)
  xferd --version | --help

exit status of once: 0 all rows final, none failed or in doubt; 1 some row failed or is in doubt,
or a file was rejected or held; 2 usage or config error; 3 the API could not be reached or
authentication failed before any row was confirmed; 4 another xferd is working on the inbox
(nothing was done).
)";

}  // namespace

int main(int argc, char** argv)
{
    // The event loop and the store writer each got a malloc arena, and memory freed in one was
    // kept apart from the other: one arena keeps peak RSS flat as a batch grows (100,000 rows:
    // 45.5 -> 38.1 MiB).
    if (std::getenv("MALLOC_ARENA_MAX") == nullptr) mallopt(M_ARENA_MAX, 1);
    std::string command, config_path, inbox;
    std::vector<std::string> paths;
    po::options_description opts("options");
    opts.add_options()("help,h", "show this help")("version", "print the version")(
        "config,c", po::value(&config_path), "configuration file (YAML)")(
        "inbox", po::value(&inbox), "validate: apply this inbox's column mapping")(
        "show-personal-data", "validate: print e-mail addresses and phone numbers unmasked")(
        "json", "status, find: one JSON document (docs/status.md)")(
        "command", po::value(&command), "once | run | validate | check | status | find | reconfirm")(
        "paths", po::value(&paths)->multitoken(), "files or folders");
    po::positional_options_description pos;
    pos.add("command", 1).add("paths", -1);
    po::variables_map vm;
    try {
        po::store(po::command_line_parser(argc, argv).options(opts).positional(pos).run(), vm);
        po::notify(vm);
    } catch (const std::exception& e) {
        std::cerr << "xferd: " << e.what() << "\n" << usage_text;
        return exit_usage;
    }
    if (vm.count("help")) {
        std::cout << usage_text;
        return exit_ok;
    }
    if (vm.count("version")) {
        std::cout << "xferd 0.1.0\n";
        return exit_ok;
    }
    try {
        if (command == "validate")
            return cmd_validate(ValidateArgs{config_path, inbox, vm.count("show-personal-data") > 0, paths});
        if (command == "status" || command == "find" || command == "reconfirm") {
            const std::string config = config_path.empty() ? default_config_path : config_path;
            if (paths.size() > 1 || ((command != "status") && paths.empty())) {
                std::cerr << "xferd " << command << ": " << (command == "find" ? "one TERM" : "one BATCH")
                          << " expected\n" << usage_text;
                return exit_usage;
            }
            const std::string arg = paths.empty() ? "" : paths.front();
            if (command == "status") return cmd_status(StatusArgs{config, vm.count("json") > 0, arg});
            if (command == "find") return cmd_find(FindArgs{config, vm.count("json") > 0, arg});
            return cmd_reconfirm(config, arg);
        }
        if (command == "once" || command == "check" || command == "run") {
            if (config_path.empty()) {
                std::cerr << "xferd " << command << ": --config FILE is required\n";
                return exit_usage;
            }
            // state.keep_snapshots, before either starts (a stop asked meanwhile: nothing done).
            if (command != "check" && prune_snapshots_at_start(config_path)) return exit_ok;
            if (command == "once") return cmd_once(config_path, paths);
            if (command == "check") return cmd_check(config_path);
            return run_daemon(config_path);
        }
    } catch (const std::exception& e) {
        log_error(std::string("fatal: ") + e.what());
        return exit_usage;
    }
    std::cerr << (command.empty() ? "xferd: no command given\n" : "xferd: unknown command '" + command + "'\n")
              << usage_text;
    return exit_usage;
}
