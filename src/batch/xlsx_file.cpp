#include "xferd/batch/xlsx_file.hpp"

#include <zip.h>

#include <array>
#include <cstdio>
#include <functional>

namespace xferd {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view resave = "open it in Excel or LibreOffice and save it again as Excel Workbook (.xlsx)";
constexpr std::size_t chunk_bytes = 64 * 1024;

std::string lower(std::string_view s)
{
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

std::string mib(std::uint64_t n) { return std::to_string(n >> 20) + " MiB"; }

// What the first bytes say the file is, when it is not a zip archive.
std::optional<std::string> not_a_zip(const fs::path& path)
{
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) return std::nullopt;  // zip_open reports it
    std::array<unsigned char, 8> head{};
    const std::size_t n = std::fread(head.data(), 1, head.size(), f);
    std::fclose(f);
    constexpr std::array<unsigned char, 8> ole2{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1};
    if (n == 8 && head == ole2) {
        return "it is a password-protected (encrypted) workbook, or an Excel 97-2003 .xls file renamed to .xlsx: "
               "xferd cannot read either. Remove the password (Excel: File → Info → Protect Workbook → Encrypt "
               "with Password, clear it), then save it as Excel Workbook (.xlsx)";
    }
    if (n >= 4 && head[0] == 'P' && head[1] == 'K') return std::nullopt;
    if (n == 0) return std::string("it is empty (0 bytes): save the workbook again as Excel Workbook (.xlsx)");
    return "it is not an Excel workbook: an .xlsx file is a zip archive and this one is not (a CSV or another file "
           "renamed to .xlsx?); " + std::string(resave) + ", or give a CSV file a .csv name";
}

}  // namespace

struct XlsxWorkbookFile::Zip {
    zip_t* archive = nullptr;
    zip_file_t* sheet = nullptr;
    ~Zip()
    {
        if (sheet) zip_fclose(sheet);
        if (archive) zip_discard(archive);
    }

    std::string zip_error() const { return zip_error_strerror(zip_get_error(archive)); }

    // The entry `name`, checked: present, not encrypted, its declared size within `cap`.
    Result<zip_uint64_t> entry(const std::string& name, std::uint64_t cap, bool required) const
    {
        const zip_int64_t i = zip_name_locate(archive, name.c_str(), 0);
        if (i < 0) {
            if (!required) return static_cast<zip_uint64_t>(ZIP_UINT64_MAX);
            return make_error("it has no part " + name + ", so it is not an Excel workbook; " + std::string(resave));
        }
        zip_stat_t st;
        zip_stat_init(&st);
        if (zip_stat_index(archive, static_cast<zip_uint64_t>(i), 0, &st) != 0)
            return make_error("the workbook is damaged (" + zip_error() + "); " + std::string(resave));
        if ((st.valid & ZIP_STAT_ENCRYPTION_METHOD) && st.encryption_method != ZIP_EM_NONE)
            return make_error("its contents are encrypted: remove the password, then save it as Excel Workbook (.xlsx)");
        if ((st.valid & ZIP_STAT_SIZE) && st.size > cap)
            return make_error("its part " + name + " unpacks to " + mib(st.size) + ", more than the " + mib(cap) +
                              " xferd reads: split the batch into smaller files");
        return static_cast<zip_uint64_t>(i);
    }

    // Inflates entry `index` through `sink`, at most `cap` bytes whatever its header claims.
    Result<void> read(zip_uint64_t index, const std::string& name, std::uint64_t cap,
                      const std::function<bool(std::string_view)>& sink) const
    {
        zip_file_t* f = zip_fopen_index(archive, index, 0);
        if (!f) return make_error("its part " + name + " cannot be read (" + zip_error() + "); " + std::string(resave));
        std::string buf(chunk_bytes, '\0');
        std::uint64_t total = 0;
        Result<void> result;
        for (;;) {
            const zip_int64_t n = zip_fread(f, buf.data(), buf.size());
            if (n < 0) {
                result = make_error("its part " + name + " is damaged (" + std::string(zip_error_strerror(zip_file_get_error(f))) +
                                    "); " + std::string(resave));
                break;
            }
            if (n == 0) break;
            total += static_cast<std::uint64_t>(n);
            if (total > cap) {
                result = make_error("its part " + name + " unpacks to more than the " + mib(cap) +
                                    " xferd reads: split the batch into smaller files");
                break;
            }
            if (!sink(std::string_view(buf.data(), static_cast<std::size_t>(n)))) break;
        }
        zip_fclose(f);
        return result;
    }

    // A small part, whole. Absent and not required: "".
    Result<std::string> small(const std::string& name, std::uint64_t cap, bool required) const
    {
        auto i = entry(name, cap, required);
        if (!i) return i.error();
        if (*i == ZIP_UINT64_MAX) return Result<std::string>(boost::system::in_place_value);
        std::string text;
        auto r = read(*i, name, cap, [&](std::string_view s) { text.append(s); return true; });
        if (!r) return r.error();
        return Result<std::string>(boost::system::in_place_value, std::move(text));
    }
};

Result<std::unique_ptr<XlsxWorkbookFile>> XlsxWorkbookFile::open(const fs::path& path, XlsxFileLimits limits)
{
    if (auto what = not_a_zip(path)) return make_error(*what);
    int err = 0;
    zip_t* archive = zip_open(path.c_str(), ZIP_RDONLY | ZIP_CHECKCONS, &err);
    if (!archive) {
        zip_error_t ze;
        zip_error_init_with_code(&ze, err);
        const std::string what = zip_error_strerror(&ze);
        zip_error_fini(&ze);
        if (err == ZIP_ER_OPEN || err == ZIP_ER_READ || err == ZIP_ER_NOENT) return make_error("cannot open it: " + what);
        return make_error("the workbook is damaged (its zip archive: " + what + "); " + std::string(resave));
    }
    std::unique_ptr<XlsxWorkbookFile> book(new XlsxWorkbookFile());
    book->zip_ = std::make_unique<Zip>();
    book->zip_->archive = archive;
    book->limits_ = limits;
    const zip_int64_t entries = zip_get_num_entries(archive, 0);
    if (entries < 0 || static_cast<std::uint64_t>(entries) > limits.max_entries)
        return make_error("its zip archive has " + std::to_string(entries) + " entries, more than the " +
                          std::to_string(limits.max_entries) + " of any workbook; " + std::string(resave));
    if (auto r = book->load_parts(); !r) return r.error();
    return book;
}

XlsxWorkbookFile::~XlsxWorkbookFile() = default;

Result<void> XlsxWorkbookFile::load_parts()
{
    const Zip& z = *zip_;
    auto mimetype = z.small("mimetype", 4096, false);
    if (mimetype && mimetype->find("opendocument") != std::string::npos)
        return make_error("it is an OpenDocument spreadsheet (.ods) with an .xlsx name; in LibreOffice use File → "
                          "Save As → Excel 2007-365 (.xlsx)");
    auto root_rels = z.small("_rels/.rels", limits_.max_part_bytes, false);
    if (!root_rels) return root_rels.error();
    std::string workbook_part = "xl/workbook.xml";
    if (!root_rels->empty()) {
        auto rels = parse_relationships(*root_rels, "");
        if (!rels) return rels.error();
        for (const auto& [id, rel] : *rels)
            if (rel.type == "officeDocument") workbook_part = rel.target;
    }
    auto workbook = z.small(workbook_part, limits_.max_part_bytes, true);
    if (!workbook) return workbook.error();
    auto book = parse_workbook(*workbook);
    if (!book) return book.error();
    book_ = std::move(*book);
    auto rels_text = z.small(relationships_part_for(workbook_part), limits_.max_part_bytes, true);
    if (!rels_text) return rels_text.error();
    auto rels = parse_relationships(*rels_text, workbook_part);
    if (!rels) return rels.error();
    for (const auto& sheet : book_.sheets) {
        const auto rel = rels->find(sheet.rel_id);
        sheet_parts_.push_back(rel != rels->end() && rel->second.type == "worksheet" ? rel->second.target : "");
    }
    for (const auto& [id, rel] : *rels) {
        if (rel.type == "styles") {
            if (auto r = load_styles(rel.target); !r) return r;
        } else if (rel.type == "sharedStrings") {
            if (auto r = load_strings(rel.target); !r) return r;
        }
    }
    styles_.date1904 = book_.date1904;
    return {};
}

Result<void> XlsxWorkbookFile::load_styles(const std::string& part)
{
    auto text = zip_->small(part, limits_.max_part_bytes, false);
    if (!text) return text.error();
    if (text->empty()) return {};
    auto styles = parse_styles(*text);
    if (!styles) return styles.error();
    styles_ = std::move(*styles);
    return {};
}

Result<void> XlsxWorkbookFile::load_strings(const std::string& part)
{
    auto index = zip_->entry(part, limits_.max_shared_strings_xml_bytes, false);
    if (!index) return index.error();
    if (*index == ZIP_UINT64_MAX) return {};
    SharedStringsReader reader(limits_.strings);
    auto read = zip_->read(*index, part, limits_.max_shared_strings_xml_bytes,
                           [&](std::string_view chunk) { return reader.feed(chunk); });
    if (!read) return read;
    if (!reader.error()) reader.finish();
    if (const auto& e = reader.error()) {
        return make_error(reader.malformed() ? damaged_part_message(part, *e) : *e);
    }
    strings_ = reader.take();
    return {};
}

Result<std::size_t> XlsxWorkbookFile::choose_sheet(std::string_view name) const
{
    const auto& sheets = book_.sheets;
    std::optional<std::size_t> found;
    for (std::size_t i = 0; i < sheets.size() && !found; ++i) {
        if (name.empty() ? !sheets[i].hidden : lower(sheets[i].name) == lower(name)) found = i;
    }
    if (!found) {
        std::string names;
        for (const auto& s : sheets) names += (names.empty() ? "'" : ", '") + s.name + "'" + (s.hidden ? " (hidden)" : "");
        if (name.empty()) return make_error("every sheet of the workbook is hidden (" + names + "): unhide the sheet to read");
        return make_error("the workbook has no sheet '" + std::string(name) + "' (the `sheet:` setting); it has " + names +
                          ": rename the sheet, or set `sheet:` to the one to read");
    }
    if (sheet_parts_[*found].empty())
        return make_error("sheet '" + sheets[*found].name + "' is a chart, not a sheet of rows; " +
                          (name.empty() ? "move the sheet of rows first" : "set `sheet:` to the sheet of rows"));
    return *found;
}

Result<void> XlsxWorkbookFile::open_sheet(std::size_t index)
{
    if (zip_->sheet) {
        zip_fclose(zip_->sheet);
        zip_->sheet = nullptr;
    }
    const std::string& part = sheet_parts_.at(index);
    auto entry = zip_->entry(part, limits_.max_sheet_bytes, true);
    if (!entry) return entry.error();
    zip_->sheet = zip_fopen_index(zip_->archive, *entry, 0);
    if (!zip_->sheet)
        return make_error("its sheet '" + book_.sheets[index].name + "' cannot be read (" + zip_->zip_error() + "); " +
                          std::string(resave));
    open_sheet_name_ = book_.sheets[index].name;
    sheet_bytes_ = 0;
    buffer_.resize(chunk_bytes);
    return {};
}

Result<std::string_view> XlsxWorkbookFile::next_chunk()
{
    if (!zip_->sheet) return std::string_view();
    const zip_int64_t n = zip_fread(zip_->sheet, buffer_.data(), buffer_.size());
    if (n < 0) {
        const std::string what = zip_error_strerror(zip_file_get_error(zip_->sheet));
        return make_error("its sheet '" + open_sheet_name_ + "' is damaged (" + what + "); " + std::string(resave));
    }
    sheet_bytes_ += static_cast<std::uint64_t>(n);
    if (sheet_bytes_ > limits_.max_sheet_bytes)
        return make_error("its sheet '" + open_sheet_name_ + "' unpacks to more than the " + mib(limits_.max_sheet_bytes) +
                          " xferd reads: split the batch into smaller files");
    if (n == 0) {
        zip_fclose(zip_->sheet);
        zip_->sheet = nullptr;
    }
    return std::string_view(buffer_.data(), static_cast<std::size_t>(n));
}

}  // namespace xferd
