; Rust. An `impl` block is its type's symbol (joined with the struct, enum or trait of that
; name), so methods are Type::method whether they are inherent or from a trait impl.

(struct_item name: (type_identifier) @name) @symbol.struct
(enum_item name: (type_identifier) @name) @symbol.enum
(union_item name: (type_identifier) @name) @symbol.union
(trait_item name: (type_identifier) @name) @symbol.trait
(type_item name: (type_identifier) @name) @symbol.type
(mod_item name: (identifier) @name body: (_)) @symbol.module
(macro_definition name: (identifier) @name) @symbol.macro
(const_item name: (identifier) @name) @symbol.const
(static_item name: (identifier) @name) @symbol.static
(impl_item
  type: [
    (type_identifier) @name
    (generic_type type: (type_identifier) @name)
    (scoped_type_identifier name: (type_identifier) @name)
  ]) @symbol.impl

(function_item name: (identifier) @name) @symbol.function
(function_signature_item name: (identifier) @name) @symbol.function
