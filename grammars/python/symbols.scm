; Python (.py, .pyi). A decorated definition's range starts at its first decorator.

(decorated_definition
  definition: (class_definition name: (identifier) @name) @symbol.class) @range
(decorated_definition
  definition: (function_definition name: (identifier) @name) @symbol.function) @range
(class_definition name: (identifier) @name) @symbol.class
(function_definition name: (identifier) @name) @symbol.function
