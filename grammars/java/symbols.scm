; Java. Annotations and Javadoc are part of a declaration's range.

(class_declaration name: (identifier) @name) @symbol.class
(interface_declaration name: (identifier) @name) @symbol.interface
(enum_declaration name: (identifier) @name) @symbol.enum
(record_declaration name: (identifier) @name) @symbol.record
(annotation_type_declaration name: (identifier) @name) @symbol.annotation
(method_declaration name: (identifier) @name) @symbol.method
(constructor_declaration name: (identifier) @name) @symbol.constructor
(field_declaration declarator: (variable_declarator name: (identifier) @name)) @symbol.field
