#include "corio/errors.hpp"

#include <cstdio>
#include <mutex>
#include <utility>

namespace corio {
namespace {

std::mutex handler_mutex;
UnretrievedExceptionHandler& handler_slot() {
    static UnretrievedExceptionHandler handler;
    return handler;
}

void default_report(const UnretrievedException& report) {
    std::string text = describe(report.error);
    std::fprintf(stderr, "corio: Task exception was never retrieved: %s\n  task spawned at %s:%u (%s)\n", text.c_str(),
                 report.spawn_site.file_name(), static_cast<unsigned>(report.spawn_site.line()),
                 report.spawn_site.function_name());
}

}  // namespace

UnretrievedExceptionHandler set_unretrieved_exception_handler(UnretrievedExceptionHandler handler) {
    std::lock_guard lock(handler_mutex);
    return std::exchange(handler_slot(), std::move(handler));
}

std::string describe(const std::exception_ptr& error) {
    if (!error) return "<no exception>";
    try {
        std::rethrow_exception(error);
    } catch (const std::exception& e) {
        return e.what();
    } catch (const CancelledError& e) {
        return std::string("CancelledError: ") + e.what();
    } catch (...) {
        return "<unknown exception>";
    }
}

namespace detail {

void report_unretrieved(std::exception_ptr error, const std::source_location& where) noexcept {
    UnretrievedException report{std::move(error), where};
    try {
        UnretrievedExceptionHandler handler;
        {
            std::lock_guard lock(handler_mutex);
            handler = handler_slot();
        }
        if (handler) {
            handler(report);
        } else {
            default_report(report);
        }
    } catch (...) {
        // A report must never take the process down from a destructor.
        std::fputs("corio: the unretrieved-exception handler threw; report dropped\n", stderr);
    }
}

}  // namespace detail
}  // namespace corio
