// SPDX-License-Identifier: MIT
// The exceptions optlab throws. Every message names what was wrong (the optimizer, field,
// file or tensor), the value found and what was expected, so a user can fix it unaided.
#pragma once

#include <stdexcept>
#include <string>

namespace optlab {

/// Base of every exception optlab throws.
class Error : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

/// A hyper-parameter, shape or argument outside its valid range.
class InvalidArgument : public Error {
  public:
    using Error::Error;
};

/// A file that cannot be read or written, or whose contents are malformed.
class IoError : public Error {
  public:
    using Error::Error;
};

/// A saved state that does not fit the model or optimizer it is loaded into.
class StateMismatch : public Error {
  public:
    using Error::Error;
};

/// A NaN or infinity where a finite number is required.
class NonFiniteError : public Error {
  public:
    using Error::Error;
};

}  // namespace optlab
