// Tests for Fabric arrive with the module's code.
