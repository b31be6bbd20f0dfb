// Tests for FabricWire arrive with the module's code.
