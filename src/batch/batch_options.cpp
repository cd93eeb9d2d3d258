#include "xferd/batch/batch_options.hpp"

namespace xferd {

namespace fs = std::filesystem;

BatchOptions batch_options_for(const Config& config, const fs::path& folder)
{
    BatchOptions o{config.columns, config.approval, config.limits, config.state_dir, config.watch.settle, config.sheet};
    std::error_code ec;
    const fs::path here = fs::weakly_canonical(folder, ec);
    for (const auto& inbox : config.inboxes) {
        if (fs::weakly_canonical(inbox.path, ec) != here) continue;
        for (const auto& [k, v] : inbox.columns) o.columns[k] = v;
        if (inbox.approval_mode) o.approval.mode = *inbox.approval_mode;
        if (inbox.sheet) o.sheet = *inbox.sheet;
    }
    return o;
}

}  // namespace xferd
