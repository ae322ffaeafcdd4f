// The exceptions corio throws. As in Python 3.8+, CancelledError stands
// outside the ordinary error hierarchy: it does not derive from
// std::exception, so `catch (const std::exception&)` cannot swallow a
// cancellation by accident. Every other corio error derives from corio::Error.
#pragma once

#include <exception>
#include <functional>
#include <source_location>
#include <stdexcept>
#include <string>

namespace corio {

class CancelledError {
public:
    CancelledError() = default;
    explicit CancelledError(std::string message) : message_(std::move(message)) {}
    const char* what() const noexcept { return message_.empty() ? "task was cancelled" : message_.c_str(); }

private:
    std::string message_;
};

class Error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// An operation not allowed in the object's current state: the result of an
// unfinished task, setting a future twice, spawning with no runtime.
class InvalidStateError : public Error {
public:
    using Error::Error;
};

class TimeoutError : public Error {
public:
    using Error::Error;
};

// What a program sees when a failed task's exception was never retrieved
// (asyncio's "Task exception was never retrieved").
struct UnretrievedException {
    std::exception_ptr error;
    std::source_location spawn_site;
};

using UnretrievedExceptionHandler = std::function<void(const UnretrievedException&)>;

// Replaces the report hook (default: one message on stderr). Returns the
// previous handler. Pass nullptr to restore the default.
UnretrievedExceptionHandler set_unretrieved_exception_handler(UnretrievedExceptionHandler handler);

// Text of an exception_ptr's message, for reports ("<unknown exception>" for
// types that carry none).
std::string describe(const std::exception_ptr& error);

namespace detail {
void report_unretrieved(std::exception_ptr error, const std::source_location& where) noexcept;
}  // namespace detail

}  // namespace corio
