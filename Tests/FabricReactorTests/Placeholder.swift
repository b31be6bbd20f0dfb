// Tests for FabricReactor arrive with the module's code.
