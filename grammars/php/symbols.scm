; PHP (files with `<?php`). Attributes and docblocks are part of the range.

(namespace_definition name: (namespace_name) @name body: (_)) @symbol.namespace
(class_declaration name: (name) @name) @symbol.class
(interface_declaration name: (name) @name) @symbol.interface
(trait_declaration name: (name) @name) @symbol.trait
(enum_declaration name: (name) @name) @symbol.enum
(function_definition name: (name) @name) @symbol.function
(method_declaration name: (name) @name) @symbol.method
