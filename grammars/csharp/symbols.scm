; C#. `namespace A.B {}` is A::B; attributes and XML doc comments are part of the range.
; `namespace A.B;` (file-scoped, C# 10) holds the rest of the file (the engine extends it).

(namespace_declaration name: (_) @name) @symbol.namespace
(file_scoped_namespace_declaration name: (_) @name) @symbol.namespace
(class_declaration name: (identifier) @name) @symbol.class
(struct_declaration name: (identifier) @name) @symbol.struct
(interface_declaration name: (identifier) @name) @symbol.interface
(enum_declaration name: (identifier) @name) @symbol.enum
(record_declaration name: (identifier) @name) @symbol.record
(delegate_declaration name: (identifier) @name) @symbol.delegate
(method_declaration name: (identifier) @name) @symbol.method
(constructor_declaration name: (identifier) @name) @symbol.constructor
(property_declaration name: (identifier) @name) @symbol.property
(local_function_statement name: (identifier) @name) @symbol.function
