// SPDX-License-Identifier: MIT
// Options that know their own names, so an options struct lists each field exactly once:
//
//   struct AdamOptions {
//       Field<"lr"> lr = 1e-3;                           // γ
//       Field<"betas", Betas> betas = {0.9, 0.999};      // β1, β2
//       Field<"amsgrad", bool> amsgrad = false;
//       Convention convention = Convention::torch;       // not a Field: not enumerated
//   };
//   AdamOptions o{.lr = 1e-2, .betas = {0.8, 0.99}};     // designated initializers still work
//   for_each_field(o, [](std::string_view name, auto& value) { ... });  // "lr", "betas", ...
//
// A Field converts to and from its value, so code reads o.lr and o.betas[0] as plain numbers.
// for_each_field walks the struct's members in order with a structured binding; the member
// count is found the way Boost.PFR finds it, by trying aggregate initialisation with 0, 1, 2,
// ... placeholders. Members that are not Fields are skipped.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <string_view>
#include <type_traits>
#include <utility>

namespace optlab {

/// A field's name as a template argument: Field<"lr">.
template <std::size_t N>
struct FieldName {
    char text[N]{};
    constexpr FieldName(const char (&s)[N]) { std::copy_n(s, N, text); }
    constexpr std::string_view view() const { return {text, N - 1}; }
};

/// A value of type V that carries its name in its type.
template <FieldName Name, class V = double>
struct Field {
    using value_type = V;
    static constexpr std::string_view name = Name.view();

    V value{};

    constexpr Field() = default;
    constexpr Field(const V& v) : value(v) {}  // NOLINT: implicit, so {.lr = 1e-3} reads plainly
    /// {.betas = {0.9, 0.999}}: a pair from its two numbers.
    constexpr Field(double first, double second)
        requires std::is_base_of_v<std::array<double, 2>, V>
        : value{first, second} {}

    constexpr operator V&() { return value; }  // NOLINT
    constexpr operator const V&() const { return value; }  // NOLINT
    constexpr auto& operator[](std::size_t i) { return value[i]; }
    constexpr const auto& operator[](std::size_t i) const { return value[i]; }
};

template <class T>
inline constexpr bool is_field = false;
template <FieldName Name, class V>
inline constexpr bool is_field<Field<Name, V>> = true;

namespace detail {

// Converts to anything: T{Any{}, Any{}} compiles exactly when T has at least two members.
struct AnyMember {
    template <class U>
    constexpr operator U() const;  // NOLINT: declared only, for unevaluated use
};

template <class T, std::size_t... I>
constexpr bool initialisable_with(std::index_sequence<I...>) {
    return requires { T{(void(I), AnyMember{})...}; };
}

template <class T, std::size_t N = 0>
constexpr std::size_t member_count() {
    if constexpr (!initialisable_with<T>(std::make_index_sequence<N + 1>{})) {
        return N;
    } else {
        return member_count<T, N + 1>();
    }
}

template <class F, class M>
constexpr void visit_member(F& f, M& member) {
    if constexpr (is_field<std::remove_const_t<M>>) f(M::name, member.value);
}

}  // namespace detail

/// Calls f(name, value) for every Field of the aggregate `self`, in declaration order; `value`
/// is a reference to the field's value (const when `self` is const). Up to 16 members.
template <class Options, class F>
constexpr void for_each_field(Options& self, F&& f) {
    constexpr std::size_t n = detail::member_count<std::remove_const_t<Options>>();
    static_assert(n <= 16, "for_each_field: more than 16 members");
    auto visit = [&](auto&... members) { (detail::visit_member(f, members), ...); };
    // One structured binding per member count: C++20 has no variadic bindings.
    if constexpr (n == 1) { auto& [a] = self; visit(a); }
    else if constexpr (n == 2) { auto& [a, b] = self; visit(a, b); }
    else if constexpr (n == 3) { auto& [a, b, c] = self; visit(a, b, c); }
    else if constexpr (n == 4) { auto& [a, b, c, d] = self; visit(a, b, c, d); }
    else if constexpr (n == 5) { auto& [a, b, c, d, e] = self; visit(a, b, c, d, e); }
    else if constexpr (n == 6) { auto& [a, b, c, d, e, g] = self; visit(a, b, c, d, e, g); }
    else if constexpr (n == 7) { auto& [a, b, c, d, e, g, h] = self; visit(a, b, c, d, e, g, h); }
    else if constexpr (n == 8) { auto& [a, b, c, d, e, g, h, i] = self; visit(a, b, c, d, e, g, h, i); }
    else if constexpr (n == 9) { auto& [a, b, c, d, e, g, h, i, j] = self; visit(a, b, c, d, e, g, h, i, j); }
    else if constexpr (n == 10) { auto& [a, b, c, d, e, g, h, i, j, k] = self; visit(a, b, c, d, e, g, h, i, j, k); }
    else if constexpr (n == 11) { auto& [a, b, c, d, e, g, h, i, j, k, l] = self; visit(a, b, c, d, e, g, h, i, j, k, l); }
    else if constexpr (n == 12) { auto& [a, b, c, d, e, g, h, i, j, k, l, m] = self; visit(a, b, c, d, e, g, h, i, j, k, l, m); }
    else if constexpr (n == 13) { auto& [a, b, c, d, e, g, h, i, j, k, l, m, o] = self; visit(a, b, c, d, e, g, h, i, j, k, l, m, o); }
    else if constexpr (n == 14) { auto& [a, b, c, d, e, g, h, i, j, k, l, m, o, p] = self; visit(a, b, c, d, e, g, h, i, j, k, l, m, o, p); }
    else if constexpr (n == 15) { auto& [a, b, c, d, e, g, h, i, j, k, l, m, o, p, q] = self; visit(a, b, c, d, e, g, h, i, j, k, l, m, o, p, q); }
    else if constexpr (n == 16) { auto& [a, b, c, d, e, g, h, i, j, k, l, m, o, p, q, r] = self; visit(a, b, c, d, e, g, h, i, j, k, l, m, o, p, q, r); }
}

}  // namespace optlab
