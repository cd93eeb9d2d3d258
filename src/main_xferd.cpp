// xferd: places MobProc XFER_SERVICE_OUT orders from batch files. See README.md.
#include "xferd/batch/process_log.hpp"
#include "xferd/service/commands.hpp"
#include "xferd/service/daemon.hpp"

#include <boost/program_options.hpp>

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
  xferd --version | --help

exit status of once: 0 all rows final, none failed or in doubt; 1 some row failed or is in doubt,
or a file was rejected or held; 2 usage or config error; 3 the API could not be reached or
authentication failed before any row was confirmed; 4 another xferd is working on the inbox
(nothing was done).
)";

}  // namespace

int main(int argc, char** argv)
{
    std::string command, config_path, inbox;
    std::vector<std::string> paths;
    po::options_description opts("options");
    opts.add_options()("help,h", "show this help")("version", "print the version")(
        "config,c", po::value(&config_path), "configuration file (YAML)")(
        "inbox", po::value(&inbox), "validate: apply this inbox's column mapping")(
        "show-personal-data", "validate: print e-mail addresses and phone numbers unmasked")(
        "command", po::value(&command), "once | run | validate | check")(
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
        if (command == "once" || command == "check" || command == "run") {
            if (config_path.empty()) {
                std::cerr << "xferd " << command << ": --config FILE is required\n";
                return exit_usage;
            }
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
