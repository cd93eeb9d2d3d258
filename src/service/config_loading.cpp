#include "xferd/service/config_loading.hpp"

#include <iostream>

namespace xferd {

Result<Config> load_or_report(const std::string& path)
{
    auto cfg = load_config(path);
    if (!cfg) std::cerr << "xferd: " << cfg.error().message << "\n";
    return cfg;
}

}  // namespace xferd
