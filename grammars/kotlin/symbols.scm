; Kotlin (.kt, .kts). Classes, interfaces and enums are `class` declarations; objects and
; companion objects nest their members.

(class_declaration name: (identifier) @name) @symbol.class
(object_declaration name: (identifier) @name) @symbol.object
(companion_object name: (identifier) @name) @symbol.object
(function_declaration name: (identifier) @name) @symbol.function
