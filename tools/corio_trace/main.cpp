// corio-trace: reads a corio trace file (tools/TRACE_FORMAT.md) and prints a
// summary or writes Chrome JSON or an SVG timeline. Exit status: 0 done,
// 1 the file could not be read (one message on stderr naming it and what is
// wrong; no output written), 2 bad usage, 3 the file was cut short (output
// written from its complete records, a warning on stderr).
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <new>
#include <string>
#include <vector>

#include "chrome.hpp"
#include "reader.hpp"
#include "summary.hpp"
#include "svg.hpp"
#include "text.hpp"

namespace ctt = corio::trace_tool;

namespace {

constexpr const char* kUsage =
    "usage: corio-trace summary FILE\n"
    "       corio-trace chrome FILE [-o OUT.json]\n"
    "       corio-trace svg FILE [-o OUT.svg] [--width PIXELS]\n"
    "\n"
    "Reads a trace written by a corio program run with CORIO_TRACE=FILE.\n"
    "  summary  per-worker busy share, polls, steals, parks; poll-time histogram;\n"
    "           the ten longest polls with their spawn sites; schedule latency\n"
    "  chrome   Chrome trace-event JSON for Perfetto UI or chrome://tracing\n"
    "           (default output: FILE.json)\n"
    "  svg      a timeline picture, a lane per thread (default output: FILE.svg)\n"
    "\n"
    "Exit status: 0 ok, 1 unreadable trace, 2 bad usage, 3 trace cut short\n"
    "(output made from its complete part).\n";

int usage_error(const std::string& why) {
    std::cerr << "corio-trace: " << why << "\n" << kUsage;
    return 2;
}

struct Args {
    std::string command, file, out;
    unsigned width = ctt::kSvgDefaultWidth;
};

// Writes through a temporary file renamed into place, so a failed run never
// leaves a half-written output under the name asked for.
template <class Write>
bool write_output(const std::string& path, Write write) {
    const std::string tmp = path + ".tmp";
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        if (!out) {
            std::cerr << "corio-trace: " << path << ": cannot create: " << std::strerror(errno) << "\n";
            return false;
        }
        try {
            write(out);
        } catch (...) {
            out.close();
            std::remove(tmp.c_str());
            throw;
        }
        out.flush();
        if (!out) {
            std::cerr << "corio-trace: " << path << ": write failed\n";
            std::remove(tmp.c_str());
            return false;
        }
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0) {
        std::cerr << "corio-trace: " << path << ": cannot rename into place: " << std::strerror(errno) << "\n";
        std::remove(tmp.c_str());
        return false;
    }
    return true;
}

int run(const Args& a) {
    ctt::FileSource source(a.file);
    const ctt::Trace trace = ctt::read_index(source);
    bool ok = true;
    if (a.command == "summary") {
        ctt::Summary s = ctt::summarize(trace, source);
        ctt::print_summary(std::cout, a.file, trace, s);
        std::cout.flush();
    } else if (a.command == "chrome") {
        ok = write_output(a.out, [&](std::ostream& out) { ctt::write_chrome(out, trace, source); });
        if (ok) std::cerr << "corio-trace: wrote " << a.out << " (open it in Perfetto UI or chrome://tracing)\n";
    } else {
        ok = write_output(a.out, [&](std::ostream& out) {
            ctt::write_svg(out, trace, source, "corio trace " + a.file, a.width);
        });
        if (ok) std::cerr << "corio-trace: wrote " << a.out << "\n";
    }
    if (!ok) return 1;
    if (!trace.truncated.empty()) {
        std::cerr << "corio-trace: " << ctt::printable(a.file) << ": warning: truncated: "
                  << ctt::printable(trace.truncated) << "; the output covers the complete records before that\n";
        return 3;
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> argv_s(argv + 1, argv + argc);
    if (argv_s.empty()) return usage_error("no command given");
    Args a;
    a.command = argv_s[0];
    if (a.command == "-h" || a.command == "--help" || a.command == "help") {
        std::cout << kUsage;
        return 0;
    }
    if (a.command != "summary" && a.command != "chrome" && a.command != "svg")
        return usage_error("unknown command '" + a.command + "'");
    for (std::size_t i = 1; i < argv_s.size(); ++i) {
        const std::string& arg = argv_s[i];
        auto value = [&]() -> const std::string* { return i + 1 < argv_s.size() ? &argv_s[++i] : nullptr; };
        if (arg == "-h" || arg == "--help") {
            std::cout << kUsage;
            return 0;
        } else if ((arg == "-o" || arg == "--output") && a.command != "summary") {
            const std::string* v = value();
            if (!v) return usage_error(arg + " needs a file name");
            a.out = *v;
        } else if (arg == "--width" && a.command == "svg") {
            const std::string* v = value();
            char* end = nullptr;
            const unsigned long w = v ? std::strtoul(v->c_str(), &end, 10) : 0;
            if (!v || *end != '\0' || w < 100 || w > 20000) return usage_error("--width takes 100 to 20000 pixels");
            a.width = static_cast<unsigned>(w);
        } else if (!arg.empty() && arg[0] == '-' && arg != "-") {
            return usage_error("unknown option '" + arg + "' for " + a.command);
        } else if (a.file.empty()) {
            a.file = arg;
        } else {
            return usage_error("more than one trace file given");
        }
    }
    if (a.file.empty()) return usage_error(a.command + " needs a trace FILE");
    if (a.out.empty() && a.command != "summary") a.out = a.file + (a.command == "chrome" ? ".json" : ".svg");

    try {
        return run(a);
    } catch (const ctt::TraceError& e) {
        std::cerr << "corio-trace: " << ctt::printable(a.file) << ": " << e.what() << "\n";
    } catch (const std::bad_alloc&) {
        std::cerr << "corio-trace: " << ctt::printable(a.file) << ": out of memory\n";
    } catch (const std::exception& e) {
        std::cerr << "corio-trace: " << ctt::printable(a.file) << ": " << e.what() << "\n";
    }
    return 1;
}
