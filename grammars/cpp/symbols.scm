; C++. `void Router::handle() {}` outside the class is Router::handle (the qualified name),
; the same symbol as its declaration inside `class Router`. Templates take their
; `template <…>` line.

(namespace_definition name: (_) @name) @symbol.namespace
(class_specifier name: [(type_identifier) (qualified_identifier)] @name body: (_)) @symbol.class
(struct_specifier name: [(type_identifier) (qualified_identifier)] @name body: (_)) @symbol.struct
(union_specifier name: (type_identifier) @name body: (_)) @symbol.union
(enum_specifier name: (type_identifier) @name body: (_)) @symbol.enum
(type_definition declarator: (type_identifier) @name) @symbol.type
(alias_declaration name: (type_identifier) @name) @symbol.type

(function_definition
  declarator: [
    (function_declarator declarator: [(identifier) (field_identifier) (qualified_identifier) (destructor_name) (operator_name)] @name)
    (pointer_declarator declarator: (function_declarator declarator: [(identifier) (field_identifier) (qualified_identifier)] @name))
    (reference_declarator (function_declarator declarator: [(identifier) (field_identifier) (qualified_identifier)] @name))
  ]) @symbol.function
(field_declaration
  declarator: (function_declarator declarator: [(field_identifier) (destructor_name) (operator_name)] @name)) @symbol.method
(declaration
  declarator: (function_declarator declarator: [(identifier) (qualified_identifier)] @name)) @symbol.function
