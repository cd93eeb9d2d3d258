// `xferd validate`: offline, no network. Each file is opened and read exactly as `once` takes it
// (never through a symlink, never a FIFO, the same limits, the same row checks, duplicates found
// in a scratch store so memory stays flat), and what would happen to each row is printed.
#include "xferd/service/commands.hpp"

#include "xferd/batch/batch_options.hpp"
#include "xferd/batch/row_stream.hpp"
#include "xferd/batch/validate_pass.hpp"
#include "xferd/core/csv_columns.hpp"
#include "xferd/core/personal_data.hpp"
#include "xferd/core/printable.hpp"
#include "xferd/service/config_loading.hpp"
#include "xferd/store/input_file.hpp"

#include <cstdlib>
#include <iostream>

namespace xferd {

namespace fs = std::filesystem;

namespace {

// A private folder for the scratch store, removed when done.
class ScratchDir {
public:
    ScratchDir()
    {
        std::string pattern = (fs::temp_directory_path() / "xferd-validate-XXXXXX").string();
        if (::mkdtemp(pattern.data())) path_ = pattern;
    }
    ~ScratchDir()
    {
        std::error_code ec;
        if (!path_.empty()) fs::remove_all(path_, ec);
    }
    ScratchDir(const ScratchDir&) = delete;
    ScratchDir& operator=(const ScratchDir&) = delete;
    [[nodiscard]] const fs::path& path() const { return path_; }

private:
    fs::path path_;
};

// "'Mobile Number' → service_number, 'Cost Center' → MISC.COST_CENTER" from the file's header.
std::string mapping_text(const std::vector<std::string>& header, const ColumnMapping& columns)
{
    auto layout = resolve_header(header, columns);
    if (!layout) return {};
    std::string out;
    for (std::size_t i = 0; i < layout->targets.size(); ++i) {
        const auto& t = layout->targets[i];
        if (t.kind == ColumnTarget::Kind::ignored) continue;
        std::string target = t.kind == ColumnTarget::Kind::canonical
                                 ? std::string(column_name(t.column))
                                 : t.property.group_id + "." + t.property.field_id;
        out += (out.empty() ? "'" : ", '") + layout->labels[i] + "' → " + target;
    }
    return out;
}

struct FileVerdict {
    bool ok = true;
};

class Validator {
public:
    Validator(StateStore& store, bool show_personal) : store_(store), show_personal_(show_personal) {}

    bool check(const fs::path& file, const BatchOptions& options)
    {
        const std::string name = printable(file.string());
        if (auto why = unsupported_format(file)) {
            say(name + ": FILE ERROR: " + *why);
            return false;
        }
        InputFile input = InputFile::open(file);
        if (!input.ok()) {
            say(name + ": not read: " + input.message());
            return false;
        }
        auto id = new_batch(file);
        if (!id) return state_error(name, id.error());
        const BatchFormat format = format_for_path(file);
        // The very file opened above (its descriptor), whatever the name points at meanwhile.
        const fs::path opened = "/proc/self/fd/" + std::to_string(input.fd());
        auto summary = read_rows_into_store(store_, *id, opened, format, options.columns, options.limits, options.sheet);
        if (!summary) return state_error(name, summary.error());
        if (format == BatchFormat::csv || format == BatchFormat::xlsx) {   // tables: a header row to map
            RowStream head(opened, format, options.columns, options.limits, options.sheet,
                           DuplicateOrders::leave_to_caller);
            (void)head.next();
            if (auto m = mapping_text(head.header(), options.columns); !m.empty()) say(name + ": columns: " + m);
        }
        if (!summary->ignored_columns.empty()) {
            std::string cols;
            for (const auto& c : summary->ignored_columns) cols += (cols.empty() ? "" : ", ") + c;
            say(name + ": ignored columns (not used by xferd): " + cols);
        }
        print_invalid_rows(name, *id);
        bool repeats = print_repeats(name, *id);
        if (summary->file_error) {
            say(name + ": FILE ERROR" +
                (summary->file_error->line ? " at line " + std::to_string(*summary->file_error->line) : "") +
                (summary->file_error->byte_offset ? " (byte " + std::to_string(*summary->file_error->byte_offset) + ")"
                                                  : "") +
                ": " + summary->file_error->message);
            return false;
        }
        say(name + ": " + std::to_string(summary->rows) + " rows, " + std::to_string(summary->rows - summary->invalid) +
            " valid, " + std::to_string(summary->invalid) + " invalid");
        return summary->invalid == 0 && !repeats;
    }

private:
    void say(const std::string& line) const
    {
        std::cout << (show_personal_ ? line : mask_personal_data(line)) << "\n";
    }

    bool state_error(const std::string& name, const Error& e) const
    {
        std::cerr << "xferd validate: " << name << ": " << e.message << "\n";
        return false;
    }

    Result<BatchId> new_batch(const fs::path& file)
    {
        BatchInfo b;
        b.sha256 = std::to_string(++count_);   // a scratch batch per file: no hashing needed
        b.path = file.string();
        b.mode = "dry-run";
        b.created_at = b.updated_at = "-";
        if (auto r = store_.begin(); !r) return r.error();
        auto id = store_.create_batch(b);
        if (!id) {
            store_.rollback();
            return id.error();
        }
        if (auto c = store_.commit(); !c) return c.error();
        return *id;
    }

    void print_invalid_rows(const std::string& name, BatchId id) const
    {
        for (std::size_t after = 0;;) {
            auto rows = store_.rows(id, RowSet::all, after, 5000);
            if (!rows || rows->empty()) return;
            for (const auto& r : *rows)
                if (r.decision == Decision::invalid) say(name + ": row " + std::to_string(r.row) + ": " + r.reason);
            after = rows->back().row;
        }
    }

    // One XFER_SERVICE_OUT per service: a service twice in a file cannot be transferred twice.
    bool print_repeats(const std::string& name, BatchId id) const
    {
        bool any = false;
        for (auto field : {StateStore::RepeatField::service_id, StateStore::RepeatField::service_number}) {
            auto reps = store_.repeats(id, field, 100);
            if (!reps) continue;
            for (const auto& rep : *reps) {
                std::string rows;
                for (auto r : rep.rows) rows += (rows.empty() ? "" : ", ") + std::to_string(r);
                say(name + ": " + (field == StateStore::RepeatField::service_id ? "service id " : "service number ") +
                    rep.value + " appears in rows " + rows +
                    ": a line is transferred once, the later rows would be DUPLICATE; keep one row per line");
                any = true;
            }
        }
        return any;
    }

    StateStore& store_;
    bool show_personal_;
    unsigned count_ = 0;
};

}  // namespace

int cmd_validate(const ValidateArgs& args)
{
    if (args.files.empty()) {
        std::cerr << "xferd validate: name at least one file\n";
        return exit_usage;
    }
    std::optional<Config> cfg;
    if (!args.config_path.empty()) {
        auto loaded = load_or_report(args.config_path);
        if (!loaded) return exit_usage;
        cfg = *loaded;
    }
    if (!args.inbox.empty() && !cfg) {
        std::cerr << "xferd validate: --inbox needs --config (the inbox's column mapping is in it)\n";
        return exit_usage;
    }
    ScratchDir scratch;
    auto store = open_sqlite_store(scratch.path());
    if (scratch.path().empty() || !store) {
        std::cerr << "xferd validate: cannot make a scratch store in " << fs::temp_directory_path().string() << "\n";
        return exit_usage;
    }
    Validator v(**store, args.show_personal_data);
    bool all_ok = true;
    for (const auto& f : args.files) {
        const fs::path folder = args.inbox.empty() ? fs::absolute(f).parent_path() : fs::absolute(args.inbox);
        const BatchOptions options = cfg ? batch_options_for(*cfg, folder) : BatchOptions{};
        all_ok &= v.check(f, options);
    }
    return all_ok ? exit_ok : exit_attention;
}

}  // namespace xferd
