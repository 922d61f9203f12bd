// filter/parser.h — text → Ast for the X-Ray filter-expression language (lexer + recursive
// descent, grammar in ../shared/spec/filter-expressions.md §8).
//
// Keywords and operators are case-insensitive; precedence is ! over AND (explicit or juxtaposed)
// over OR, both left-associative. The parser checks syntax only; see binder.h for types and
// scopes.
// Errors: InvalidArgument whose message names the 1-based character position and what was
// expected, e.g. `position 12: expected a string after "CONTAINS", found number 5`. Never
// crashes, loops or recurses without bound, whatever the input (nesting is capped).
// Thread-safety: pure function.
#pragma once

#include <cstddef>
#include <string_view>

#include "core/result.h"
#include "filter/ast.h"

namespace roentgen::filter {

// Deeper nesting of parentheses, bodies and `!` is refused rather than risking the stack.
inline constexpr size_t kMaxNestingDepth = 64;

Result<Ast> ParseFilter(std::string_view text);

}  // namespace roentgen::filter
