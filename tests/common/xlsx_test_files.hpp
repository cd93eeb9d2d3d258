// Making .xlsx files and zip archives in tests (tests only): workbooks through libxlsxwriter,
// raw zips through libzip for the damaged and hostile ones, and reading a part back.
#pragma once

#include <xlsxwriter.h>
#include <zip.h>

#include <filesystem>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace xferd::test {

// A zip holding `entries` (name, content); with a password, every entry is AES-256 encrypted.
inline void write_zip(const std::filesystem::path& path, const std::vector<std::pair<std::string, std::string>>& entries,
                      const char* password = nullptr)
{
    int err = 0;
    zip_t* z = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &err);
    if (!z) throw std::runtime_error("zip_open failed");
    for (const auto& [name, content] : entries) {
        zip_source_t* src = zip_source_buffer(z, content.data(), content.size(), 0);
        const zip_int64_t i = zip_file_add(z, name.c_str(), src, ZIP_FL_OVERWRITE);
        if (i < 0) throw std::runtime_error("zip_file_add failed");
        if (password && zip_file_set_encryption(z, static_cast<zip_uint64_t>(i), ZIP_EM_AES_256, password) != 0)
            throw std::runtime_error("zip_file_set_encryption failed");
    }
    if (zip_close(z) != 0) throw std::runtime_error("zip_close failed");
}

// One entry of a zip, whole (to look at the XML a writer produced).
inline std::string read_zip_entry(const std::filesystem::path& path, const std::string& name)
{
    int err = 0;
    zip_t* z = zip_open(path.c_str(), ZIP_RDONLY, &err);
    if (!z) throw std::runtime_error("cannot open zip " + path.string());
    zip_file_t* f = zip_fopen(z, name.c_str(), 0);
    if (!f) {
        zip_discard(z);
        throw std::runtime_error("no entry " + name);
    }
    std::string out;
    char buf[65536];
    for (zip_int64_t n; (n = zip_fread(f, buf, sizeof buf)) > 0;) out.append(buf, static_cast<std::size_t>(n));
    zip_fclose(f);
    zip_discard(z);
    return out;
}

// A workbook written with libxlsxwriter: `constant_memory` writes inline strings, otherwise
// strings go to the shared-strings table (as Excel does).
class TestWorkbook {
public:
    TestWorkbook(const std::filesystem::path& path, bool constant_memory, const char* sheet = "Leavers")
    {
        lxw_workbook_options o{};
        o.constant_memory = constant_memory ? LXW_TRUE : LXW_FALSE;
        book_ = workbook_new_opt(path.c_str(), &o);
        if (!book_) throw std::runtime_error("workbook_new_opt failed");
        sheet_ = workbook_add_worksheet(book_, sheet);
        date_ = workbook_add_format(book_);
        format_set_num_format(date_, "yyyy-mm-dd");
        bold_ = workbook_add_format(book_);
        format_set_bold(bold_);
    }
    ~TestWorkbook() { close(); }
    TestWorkbook(const TestWorkbook&) = delete;
    TestWorkbook& operator=(const TestWorkbook&) = delete;

    void text(lxw_row_t r, lxw_col_t c, const std::string& v) { worksheet_write_string(sheet_, r, c, v.c_str(), nullptr); }
    void number(lxw_row_t r, lxw_col_t c, double v) { worksheet_write_number(sheet_, r, c, v, nullptr); }
    void boolean(lxw_row_t r, lxw_col_t c, bool v) { worksheet_write_boolean(sheet_, r, c, v, nullptr); }
    void date(lxw_row_t r, lxw_col_t c, int y, int m, int d)
    {
        lxw_datetime dt{y, m, d, 0, 0, 0};
        worksheet_write_datetime(sheet_, r, c, &dt, date_);
    }
    // "Call " in bold, then the rest plain.
    void rich(lxw_row_t r, lxw_col_t c, const std::string& bold, const std::string& plain)
    {
        lxw_rich_string_tuple a{bold_, const_cast<char*>(bold.c_str())};
        lxw_rich_string_tuple b{nullptr, const_cast<char*>(plain.c_str())};
        lxw_rich_string_tuple* parts[] = {&a, &b, nullptr};
        worksheet_write_rich_string(sheet_, r, c, parts, nullptr);
    }
    void row(lxw_row_t r, const std::vector<std::string>& cells)
    {
        for (lxw_col_t c = 0; c < cells.size(); ++c) text(r, c, cells[c]);
    }
    lxw_worksheet* add_sheet(const char* name) { return workbook_add_worksheet(book_, name); }
    void close()
    {
        if (book_) workbook_close(book_);
        book_ = nullptr;
    }

private:
    lxw_workbook* book_ = nullptr;
    lxw_worksheet* sheet_ = nullptr;
    lxw_format* date_ = nullptr;
    lxw_format* bold_ = nullptr;
};

}  // namespace xferd::test
