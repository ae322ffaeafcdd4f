// Publishing an IoOp's outcome, shared by the reactor and early resolvers:
// whoever won try_claim() calls publish_op once.
#pragma once

#include "corio/io/detail/io_op.hpp"

namespace corio::detail {

// Closes the op's waiter list with `outcome` and makes its waiters
// runnable. The op must stay referenced by the caller throughout.
void publish_op(IoOp* op, CompletionState::Outcome outcome) noexcept;
// publish_op, dropping the caller's reference on the way.
void publish_op_releasing(IoOp* op, CompletionState::Outcome outcome) noexcept;

// What every kind of op shares: a new op of `kind` on the current reactor,
// with one reference and its messages pointing at it; and its destroy.
IoOp* new_op(const CompletionOps* ops, IoOp::Kind kind);
void destroy_op(CompletionState* state) noexcept;

// The reactor that serves ops made on this thread (its runtime's IoService,
// started on first use). Throws as make_timer documents.
Reactor* current_reactor();

}  // namespace corio::detail
