// A streaming XML reader over expat, for the parts of an .xlsx workbook: fed bytes in chunks of
// any size, it calls a handler with element local names (namespaces dropped: Excel, LibreOffice
// and the OpenXML SDK spell prefixes differently, the local names are the same), attributes and
// text. A DOCTYPE is refused: no workbook part has one, and it is how entity bombs get in.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace xferd {

// One element's attributes as expat hands them: name, value, name, value, …, nullptr.
class XmlAttributes {
public:
    explicit XmlAttributes(const char** raw) : raw_(raw) {}
    // The value of the attribute whose local name is `name` (r:id is found as "id").
    [[nodiscard]] std::optional<std::string_view> get(std::string_view name) const;

private:
    const char** raw_;
};

class XmlHandler {
public:
    virtual ~XmlHandler() = default;
    virtual void start(std::string_view name, const XmlAttributes& attributes) = 0;
    virtual void end(std::string_view name) = 0;
    // Character data; one text node may arrive in several pieces.
    virtual void text(std::string_view data) = 0;
};

class XmlStream {
public:
    explicit XmlStream(XmlHandler& handler);
    ~XmlStream();
    XmlStream(const XmlStream&) = delete;
    XmlStream& operator=(const XmlStream&) = delete;

    // False once the XML is malformed or a handler called stop(); see error().
    bool feed(std::string_view chunk);
    // End of input: false when the document is incomplete.
    bool finish();
    // From inside a handler: stop parsing; `message` becomes error().
    void stop(std::string message);

    [[nodiscard]] const std::optional<std::string>& error() const { return error_; }
    // The error is the XML's own ("not well-formed XML (…)", a DOCTYPE), not a handler's stop().
    [[nodiscard]] bool malformed() const { return malformed_; }
    // Where the parser is (1-based line of the XML part), for messages about malformed XML.
    [[nodiscard]] std::uint64_t line() const;

private:
    bool parse(const char* data, std::size_t size, bool final);
    struct Parser;
    std::unique_ptr<Parser> parser_;
    XmlHandler& handler_;
    std::optional<std::string> error_;
    bool malformed_ = false;
};

}  // namespace xferd
