; TypeScript, TSX and JavaScript (.js/.jsx/.mjs/.cjs are parsed with the TSX grammar).

; Types
(class_declaration name: (type_identifier) @name) @symbol.class
(abstract_class_declaration name: (type_identifier) @name) @symbol.class
(interface_declaration name: (type_identifier) @name) @symbol.interface
(enum_declaration name: (identifier) @name) @symbol.enum
(type_alias_declaration name: (type_identifier) @name) @symbol.type

; Namespaces and modules: `namespace A.B {}` is A::B
(internal_module name: (_) @name) @symbol.namespace
(module name: (_) @name) @symbol.module

; Functions; an overload signature and its implementation are one symbol
(function_declaration name: (identifier) @name) @symbol.function
(generator_function_declaration name: (identifier) @name) @symbol.function
(function_signature name: (identifier) @name) @symbol.function

; Methods; a getter and its setter are one symbol
(method_definition name: (_) @name) @symbol.method
(method_signature name: (_) @name) @symbol.method
(abstract_method_signature name: (_) @name) @symbol.method

; Class fields (arrow-function fields included): every field is a symbol of kind `field`.
(public_field_definition name: (_) @name) @symbol.field

; A const/let bound to a function, a class or an object literal (also `as const`,
; `satisfies`), or to a call that takes a function or an object literal (factories:
; `forwardRef((props, ref) => …)`, `memo(…)`, `create((set) => ({…}))`, `Object.freeze({…})`,
; `core.$constructor("X", (inst) => {…})`, one call deep). What is declared inside nests under
; it: `const api = { get() {} }` gives api::get, `{ nested: { deep() {} } }` api::nested::deep.
; A @value that is a call or an `as`/`satisfies` expression is checked by the engine (a call
; must take a function or an object; the expression must wrap an object): a query cannot
; say that without predicates (see ../README.md).
(variable_declarator
  name: (identifier) @name
  value: [
    (arrow_function) (function_expression) (generator_function) (class) (object)
    (as_expression) (satisfies_expression) (call_expression)
  ] @value) @symbol.const
(pair
  key: (_) @name
  value: [(arrow_function) (function_expression) (generator_function)]) @symbol.method
(pair
  key: (_) @name
  value: [(object) (as_expression) (satisfies_expression)] @value) @symbol.object

; An anonymous default export is `default` (the value is the @name node: the engine names
; an export_statement `default`).
(export_statement value: [(arrow_function) (function_expression)] @name) @symbol.function
(export_statement value: (class) @name) @symbol.class
(export_statement value: [(object) (as_expression) (satisfies_expression)] @name) @symbol.object

; Assignments of functions at the top level (the engine keeps only those directly in the
; program): `X.prototype.m = function` is X::m, `module.exports.f` and `exports.f` are f,
; `module.exports = function` is default.
(assignment_expression
  left: (member_expression) @name
  right: [(arrow_function) (function_expression) (generator_function) (class)]) @symbol.function
