; Ruby. `class A::B` is A::B; `def self.x` is a method of its class.

(class name: (_) @name) @symbol.class
(module name: (_) @name) @symbol.module
(method name: (_) @name) @symbol.method
(singleton_method name: (_) @name) @symbol.method
