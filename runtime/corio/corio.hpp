// The umbrella header: everything a corio program uses. It is the library's
// front door rather than part of runtime/, so it alone may include io/ and
// sync/ headers as those parts land.
#pragma once

#include "corio/coro.hpp"
#include "corio/errors.hpp"
#include "corio/future.hpp"
#include "corio/runtime.hpp"
#include "corio/task.hpp"
#include "corio/yield.hpp"
