// SPDX-License-Identifier: MIT
// The exceptions optlab throws, and the range checks that throw them. Every message names what
// was wrong (the optimizer, field, file or tensor), the value found and what was expected, so
// a user can fix it unaided.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

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

/// A name that is not in its catalogue: a tensor of a ParamStore, an optimizer, a 2-D
/// function. (An InvalidArgument, so code catching that catches this; the Python package
/// raises it as a KeyError.)
class NotFound : public InvalidArgument {
  public:
    using InvalidArgument::InvalidArgument;
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

/// A finite loss that grew past what training can come back from (the trainer's divergence
/// check, under --divergence error).
class DivergenceError : public Error {
  public:
    using Error::Error;
};

// ---- range checks: each throws InvalidArgument("<where>: invalid <field> = <value> (expected
// <range>)") ------------------------------------------------------------------------------

[[noreturn]] void throw_invalid(std::string_view where, std::string_view field, double value,
                                std::string_view expected);

/// value >= 0 and finite (lr, weight_decay, eps, momentum, lr_decay ...).
void check_non_negative(std::string_view where, std::string_view field, double value);
/// A whole number from `least` to 1e9 (counts held as numbers: iterations, sizes, frequencies).
void check_whole(std::string_view where, std::string_view field, double value, double least);
/// 0 <= value < 1 (betas, RMSprop alpha).
void check_unit_open(std::string_view where, std::string_view field, double value);
/// 0 <= value <= 1 (AdaDelta rho, SGD dampening).
void check_unit_closed(std::string_view where, std::string_view field, double value);

}  // namespace optlab
