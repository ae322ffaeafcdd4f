// Formatting and escaping helpers (text.hpp). The UTF-8 check follows the
// Unicode table of well-formed byte sequences, so no overlong form, surrogate
// or code point past U+10FFFF reaches a JSON or XML parser.
#include "text.hpp"

#include <cstdio>

namespace corio::trace_tool {

namespace {

// Length of the well-formed UTF-8 sequence at s[i], or 0 if there is none.
std::size_t utf8_length(std::string_view s, std::size_t i) {
    auto byte = [&](std::size_t k) -> unsigned { return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : 0u; };
    const unsigned c = byte(0);
    auto cont = [&](std::size_t k, unsigned lo = 0x80, unsigned hi = 0xBF) {
        return byte(k) >= lo && byte(k) <= hi;
    };
    if (c < 0x80) return 1;
    if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
    if (c == 0xE0) return cont(1, 0xA0) && cont(2) ? 3 : 0;
    if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF) return cont(1) && cont(2) ? 3 : 0;
    if (c == 0xED) return cont(1, 0x80, 0x9F) && cont(2) ? 3 : 0;
    if (c == 0xF0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
    if (c >= 0xF1 && c <= 0xF3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
    if (c == 0xF4) return cont(1, 0x80, 0x8F) && cont(2) && cont(3) ? 4 : 0;
    return 0;
}

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// Calls ascii(c) for each ASCII byte, appends multi-byte sequences as they
// are and U+FFFD for each byte that starts no valid sequence.
template <class Ascii>
void each_char(std::string& out, std::string_view s, Ascii ascii) {
    for (std::size_t i = 0; i < s.size();) {
        const std::size_t n = utf8_length(s, i);
        if (n == 1) ascii(s[i]);
        else if (n == 0) out += kReplacement;
        else out.append(s.substr(i, n));
        i += n == 0 ? 1 : n;
    }
}

std::string fixed(double v, const char* unit) {
    char buf[48];
    const char* fmt = v < 10 ? "%.2f %s" : v < 100 ? "%.1f %s" : "%.0f %s";
    std::snprintf(buf, sizeof buf, fmt, v, unit);
    return buf;
}

std::string_view basename(std::string_view path) {
    auto slash = path.find_last_of('/');
    return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

}  // namespace

std::string duration_text(std::uint64_t ns) {
    if (ns < 1000) return std::to_string(ns) + " ns";
    const double v = static_cast<double>(ns);
    if (v < 999.5e3) return fixed(v / 1e3, "\xC2\xB5s");
    if (v < 999.5e6) return fixed(v / 1e6, "ms");
    return fixed(v / 1e9, "s");
}

std::string tidy_function(std::string_view f) {
    constexpr std::string_view kTail = ".Frame*)";
    if (f.size() < kTail.size() || f.substr(f.size() - kTail.size()) != kTail) return std::string(f);
    const std::size_t mangled = f.rfind("::_Z");
    const std::size_t open = f.find('(');
    if (mangled == std::string_view::npos || open == std::string_view::npos || open >= mangled)
        return std::string(f);
    const std::string_view inner = f.substr(open + 1, mangled - open - 1);  // "f(int)"
    if (inner.empty()) return std::string(f);
    const std::size_t inner_paren = inner.find('(');
    if (inner.substr(0, inner_paren).find("::") != std::string_view::npos) return std::string(inner);
    // The actor's own name carries the scope the inner name lacks.
    std::string_view head = f.substr(0, open);  // "void ns::f"
    if (auto space = head.rfind(' '); space != std::string_view::npos) head = head.substr(space + 1);
    const std::size_t scope = head.rfind("::");
    return std::string(scope == std::string_view::npos ? std::string_view() : head.substr(0, scope + 2)) +
           std::string(inner);
}

std::string short_function(std::string_view f) {
    if (auto with = f.find(" [with "); with != std::string_view::npos) f = f.substr(0, with);
    // The parameter list: from the '(' that matches the final ')'.
    if (!f.empty() && f.back() == ')') {
        int depth = 0;
        for (std::size_t i = f.size(); i-- > 0;) {
            if (f[i] == ')') ++depth;
            else if (f[i] == '(' && --depth == 0) {
                f = f.substr(0, i);
                break;
            }
        }
    }
    // The return type: whatever precedes the last space outside <...> and (...).
    int depth = 0;
    std::size_t start = 0;
    for (std::size_t i = 0; i < f.size(); ++i) {
        const char c = f[i];
        if (c == '<' || c == '(') ++depth;
        else if ((c == '>' || c == ')') && depth > 0) --depth;
        else if (c == ' ' && depth == 0) start = i + 1;
    }
    f = f.substr(start);
    constexpr std::size_t kMax = 80;
    return f.size() > kMax ? std::string(f.substr(0, kMax)) + "..." : std::string(f);
}

std::string site_label(const Trace& trace, std::uint32_t id) {
    const Site* site = trace.site(id);
    if (site == nullptr) return "unknown site";
    // The function is the spawner's: where the spawn call was written.
    std::string label = site->file + ":" + std::to_string(site->line) + " in " + tidy_function(site->function);
    if (!site->name.empty()) label += " [" + site->name + "]";
    return label;
}

std::string site_short_label(const Trace& trace, std::uint32_t id) {
    const Site* site = trace.site(id);
    if (site == nullptr) return "unknown site";
    if (!site->name.empty()) return site->name;
    std::string fn = short_function(tidy_function(site->function));
    std::string where = std::string(basename(site->file)) + ":" + std::to_string(site->line);
    return fn.empty() ? where : where + " in " + fn;
}

void append_json_string(std::string& out, std::string_view s) {
    out += '"';
    each_char(out, s, [&](char c) {
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\t': out += "\\t"; break;
        default:
            if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
                char buf[8];
                std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
                out += buf;
            } else {
                out += c;
            }
        }
    });
    out += '"';
}

void append_xml_text(std::string& out, std::string_view s) {
    each_char(out, s, [&](char c) {
        switch (c) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&quot;"; break;
        case '\'': out += "&apos;"; break;
        default:
            // XML 1.0 allows no control characters but tab, newline, return.
            if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r') out += kReplacement;
            else out += c;
        }
    });
}

std::string printable(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    each_char(out, s, [&](char c) { out += static_cast<unsigned char>(c) < 0x20 || c == 0x7f ? '?' : c; });
    return out;
}

}  // namespace corio::trace_tool
