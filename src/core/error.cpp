// SPDX-License-Identifier: MIT
// Anchors the exception types' vtables in the library.
#include "optlab/core/error.hpp"
