// Tests for FabricTransport arrive with the module's code.
